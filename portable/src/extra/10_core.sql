-- ------------------------------------------------------------------------
-- Portable edition: the internals of the key API (claim, complete, release,
-- checkpoint, lookup) that the C edition has in src/api.c, src/locks.c and
-- src/xact.c.  Named idempotency.portable_*.  They run inside the API's
-- functions, as the caller (SECURITY INVOKER), and read or write no key:
-- PUBLIC may execute them, which lets nobody touch another role's keys.
-- The commit-rule trigger's function alone is SECURITY DEFINER (it rereads
-- the key it was queued for, whatever role is current at COMMIT) and is not
-- executable by anyone.
--
-- Conventions shared with the rest of the edition (once(), batches):
--   * A key's lock is pg_advisory_xact_lock(h), h the C edition's 64-bit
--     hash of (owner, scope, key) (src/locks.c idem_key_hash):
--       hashtextextended(key COLLATE "C",
--                        hashtextextended(scope COLLATE "C", owner::int8))
--     written inline where a lock is taken (a call of a function of its own,
--     which pins search_path, would cost more than the hash).  pg_locks shows
--     it as an advisory lock with objsubid 1 (the C edition's class 18756
--     cannot be taken from SQL).
--   * A claimer whose in_progress row has a fingerprint also holds the shared
--     lock portable_fingerprint_lock(h, digest) until its transaction ends,
--     so that a duplicate that finds the key busy can compare fingerprints
--     with the row it cannot read (the C edition reads it through a dirty
--     snapshot): portable_busy_mismatch.
--   * While once() runs its statement for a key, the transaction-local
--     setting idempotency_portable.running_once names it, and the API
--     refuses that key with 55006 (idempotency.portable_once_check_not_running,
--     in once()'s file): a look at the setting only, while it is empty.
-- ------------------------------------------------------------------------

-- An interval argument in microseconds, checked as the C edition checks it
-- (src/api.c idem_interval_arg_usecs): a month counts 30 days; it must be
-- positive (or zero, if allow_zero) and at most max_secs, exactly.
CREATE FUNCTION idempotency.portable_interval_us(
    iv pg_catalog.interval, argname pg_catalog.text, allow_zero pg_catalog.bool,
    max_secs pg_catalog.int8)
RETURNS pg_catalog.int8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_months pg_catalog.numeric;
    v_days pg_catalog.numeric;
    v_us pg_catalog.numeric;
BEGIN
    v_months := EXTRACT(year FROM iv) OPERATOR(pg_catalog.*) 12
                OPERATOR(pg_catalog.+) EXTRACT(month FROM iv);
    v_days := EXTRACT(day FROM iv);
    -- (OPERATOR() has one precedence for every operator: parenthesized)
    v_us := (v_months OPERATOR(pg_catalog.*) 2592000000000)
            OPERATOR(pg_catalog.+) (v_days OPERATOR(pg_catalog.*) 86400000000)
            OPERATOR(pg_catalog.+) (EXTRACT(hour FROM iv) OPERATOR(pg_catalog.*) 3600000000)
            OPERATOR(pg_catalog.+) (EXTRACT(minute FROM iv) OPERATOR(pg_catalog.*) 60000000)
            OPERATOR(pg_catalog.+) EXTRACT(microseconds FROM iv);
    IF v_months OPERATOR(pg_catalog.<) -1000000 OR v_months OPERATOR(pg_catalog.>) 1000000
       OR v_days OPERATOR(pg_catalog.<) -10000000 OR v_days OPERATOR(pg_catalog.>) 10000000
       OR v_us OPERATOR(pg_catalog.<) 0
       OR (NOT allow_zero AND v_us OPERATOR(pg_catalog.=) 0)
       OR v_us OPERATOR(pg_catalog.>) (max_secs::pg_catalog.numeric OPERATOR(pg_catalog.*) 1000000) THEN
        RAISE EXCEPTION 'invalid % interval', argname
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('%s must be %s and at most %s seconds.', argname,
                               CASE WHEN allow_zero THEN 'zero or more'
                                    ELSE 'greater than zero' END,
                               max_secs);
    END IF;
    RETURN v_us::pg_catalog.int8;
END
$function$;

-- idempotency.default_ttl in microseconds (the C edition's GUC, in seconds,
-- default one day, 1 to 3650 days).  Here it is a placeholder setting, read
-- at each use: a value out of range or not a time is an error then.
CREATE FUNCTION idempotency.portable_default_ttl_us()
RETURNS pg_catalog.int8
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v pg_catalog.text := pg_catalog.current_setting('idempotency.default_ttl', true);
    v_secs pg_catalog.numeric;
BEGIN
    IF v IS NULL OR v OPERATOR(pg_catalog.=) '' THEN
        RETURN 86400000000;
    END IF;
    BEGIN
        IF v OPERATOR(pg_catalog.~) '^\s*[0-9]+\s*$' THEN
            v_secs := v::pg_catalog.numeric;
        ELSE
            v_secs := pg_catalog.round(EXTRACT(epoch FROM v::pg_catalog.interval));
        END IF;
    EXCEPTION WHEN data_exception THEN
        v_secs := NULL;
    END;
    IF v_secs IS NULL OR v_secs OPERATOR(pg_catalog.<) 1
       OR v_secs OPERATOR(pg_catalog.>) 315360000 THEN
        RAISE EXCEPTION 'invalid value for parameter "idempotency.default_ttl": "%"', v
            USING ERRCODE = '22023',
                  HINT = 'Valid units for this parameter are "s", "min", "h", and "d"; the value is between 1 second and 3650 days.';
    END IF;
    RETURN (v_secs OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8;
END
$function$;

-- idempotency.max_response_size in bytes (the C edition's GUC, default
-- 1MB, 1kB to 256MB); a placeholder setting here, as default_ttl.
CREATE FUNCTION idempotency.portable_max_response_size()
RETURNS pg_catalog.int8
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v pg_catalog.text := pg_catalog.current_setting('idempotency.max_response_size', true);
    m pg_catalog.text[];
    v_bytes pg_catalog.numeric;
BEGIN
    IF v IS NULL OR v OPERATOR(pg_catalog.=) '' THEN
        RETURN 1048576;
    END IF;
    m := pg_catalog.regexp_match(v, '^\s*([0-9]+(\.[0-9]+)?)\s*(B|kB|MB|GB|TB)?\s*$');
    IF m IS NOT NULL THEN
        v_bytes := pg_catalog.round(m[1]::pg_catalog.numeric OPERATOR(pg_catalog.*)
                       CASE WHEN m[3] OPERATOR(pg_catalog.=) 'kB' THEN 1024
                            WHEN m[3] OPERATOR(pg_catalog.=) 'MB' THEN 1048576
                            WHEN m[3] OPERATOR(pg_catalog.=) 'GB' THEN 1073741824
                            WHEN m[3] OPERATOR(pg_catalog.=) 'TB' THEN 1099511627776
                            ELSE 1 END);
    END IF;
    IF v_bytes IS NULL OR v_bytes OPERATOR(pg_catalog.<) 1024
       OR v_bytes OPERATOR(pg_catalog.>) 268435456 THEN
        RAISE EXCEPTION 'invalid value for parameter "idempotency.max_response_size": "%"', v
            USING ERRCODE = '22023',
                  HINT = 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB"; the value is between 1kB and 256MB.';
    END IF;
    RETURN v_bytes::pg_catalog.int8;
END
$function$;

-- 54000 for a response over idempotency.max_response_size; its size (the
-- uncompressed jsonb value's, as the C edition measures it) otherwise.
CREATE FUNCTION idempotency.portable_check_response_size(response pg_catalog.jsonb)
RETURNS pg_catalog.int8
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_size pg_catalog.int8;
    v_max pg_catalog.int8;
BEGIN
    IF pg_catalog.pg_column_compression(response) IS NULL THEN
        v_size := pg_catalog.pg_column_size(response) OPERATOR(pg_catalog.-) 4;
    ELSE
        v_size := pg_catalog.pg_column_size(response::pg_catalog.text::pg_catalog.jsonb)
                  OPERATOR(pg_catalog.-) 4;
    END IF;
    -- no setting may be below 1kB: smaller responses need no look at it
    IF v_size OPERATOR(pg_catalog.>) 1024 THEN
        v_max := idempotency.portable_max_response_size();
        IF v_size OPERATOR(pg_catalog.>) v_max THEN
            RAISE EXCEPTION 'response is too large to store'
                USING ERRCODE = '54000',
                      DETAIL = pg_catalog.format('The response is %s bytes; idempotency.max_response_size is %s bytes.',
                                                 v_size, v_max),
                      HINT = 'Store a smaller response, or raise idempotency.max_response_size.';
        END IF;
    END IF;
    RETURN v_size;
END
$function$;

-- 25006 where funcname (claim(), complete(), ...) cannot write the key
-- table: on a standby, in a read-only transaction (PostgreSQL's own
-- messages for both, as the C edition raises them).
CREATE FUNCTION idempotency.portable_check_writable(funcname pg_catalog.text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF pg_catalog.pg_is_in_recovery() THEN
        RAISE EXCEPTION 'cannot execute % during recovery', funcname
            USING ERRCODE = '25006';
    END IF;
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        RAISE EXCEPTION 'cannot execute % in a read-only transaction', funcname
            USING ERRCODE = '25006';
    END IF;
END
$function$;

-- Whether this transaction (or one of its subtransactions still open or
-- committed into it) wrote the row version whose xmin is x: the C edition's
-- TransactionIdIsCurrentTransactionId(xmin).  A row this transaction can
-- see whose writer has not ended was written by it; the writer's full
-- 64-bit id is rebuilt from the top-level id, which no id of its
-- subtransactions precedes.
CREATE FUNCTION idempotency.portable_own(x pg_catalog.xid)
RETURNS pg_catalog.bool
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_top pg_catalog.int8 := pg_catalog.pg_current_xact_id_if_assigned()::pg_catalog.text::pg_catalog.int8;
    v_off pg_catalog.int8;
BEGIN
    IF v_top IS NULL THEN
        RETURN false;           -- no id yet: this transaction wrote nothing
    END IF;
    v_off := (x::pg_catalog.text::pg_catalog.int8
              OPERATOR(pg_catalog.-) (v_top OPERATOR(pg_catalog.&) 4294967295)
              OPERATOR(pg_catalog.+) 4294967296) OPERATOR(pg_catalog.%) 4294967296;
    IF v_off OPERATOR(pg_catalog.>=) 2147483648 THEN
        RETURN false;           -- older than this transaction
    END IF;
    RETURN pg_catalog.pg_xact_status((v_top OPERATOR(pg_catalog.+) v_off)::pg_catalog.text::pg_catalog.xid8)
           OPERATOR(pg_catalog.=) 'in progress';
END
$function$;

-- Whether the session with process id pid, a lease's holder, still exists
-- (the C edition's BackendPidGetProc): looked up in the backends' status,
-- read afresh (not the transaction's cached copy).
CREATE FUNCTION idempotency.portable_holder_alive(pid pg_catalog.int4)
RETURNS pg_catalog.bool
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF pid IS NULL THEN
        RETURN false;
    END IF;
    IF pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() THEN
        RETURN true;
    END IF;
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    RETURN EXISTS (SELECT FROM pg_catalog.pg_stat_get_activity(portable_holder_alive.pid) AS a
                    WHERE a.pid OPERATOR(pg_catalog.=) portable_holder_alive.pid);
END
$function$;

-- Publishes the fingerprint (digest fpv) of the in_progress row this
-- transaction wrote for key h: a shared advisory lock on (high half of h,
-- tag of h and fpv), held until the transaction ends.
CREATE FUNCTION idempotency.portable_fingerprint_lock(h pg_catalog.int8, fpv pg_catalog.text)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT pg_catalog.pg_advisory_xact_lock_shared(
               (portable_fingerprint_lock.h OPERATOR(pg_catalog.>>) 32)::pg_catalog.int4,
               (pg_catalog.hashtextextended(portable_fingerprint_lock.fpv COLLATE "C",
                                            portable_fingerprint_lock.h)
                OPERATOR(pg_catalog.>>) 32)::pg_catalog.int4)
$function$;

-- For a duplicate that found key h busy: whether the fingerprint of the row
-- the lock's holder is writing differs from fpv (true), is fpv (false), or
-- is not known (NULL: the holder published none).  Reads pg_locks: the
-- holder of h's lock and the fingerprint locks it holds for h.
CREATE FUNCTION idempotency.portable_busy_mismatch(h pg_catalog.int8, fpv pg_catalog.text)
RETURNS pg_catalog.bool
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_hi pg_catalog.int8 := (h OPERATOR(pg_catalog.>>) 32) OPERATOR(pg_catalog.&) 4294967295;
    v_lo pg_catalog.int8 := h OPERATOR(pg_catalog.&) 4294967295;
    v_tag pg_catalog.int8 := (pg_catalog.hashtextextended(fpv COLLATE "C", h)
                              OPERATOR(pg_catalog.>>) 32) OPERATOR(pg_catalog.&) 4294967295;
    v_db pg_catalog.oid;
    v_any pg_catalog.bool;
    v_same pg_catalog.bool;
BEGIN
    SELECT d.oid INTO v_db FROM pg_catalog.pg_database AS d
     WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database();
    WITH l AS MATERIALIZED (
        SELECT x.virtualtransaction, x.objid, x.objsubid, x.mode
          FROM pg_catalog.pg_locks AS x
         WHERE x.locktype OPERATOR(pg_catalog.=) 'advisory'
           AND x.database OPERATOR(pg_catalog.=) v_db
           AND x.classid::pg_catalog.int8 OPERATOR(pg_catalog.=) v_hi
           AND x.granted)
    SELECT true, pg_catalog.bool_or(f.objid::pg_catalog.int8 OPERATOR(pg_catalog.=) v_tag)
      INTO v_any, v_same
      FROM l AS m
      JOIN l AS f ON f.virtualtransaction OPERATOR(pg_catalog.=) m.virtualtransaction
     WHERE m.objsubid OPERATOR(pg_catalog.=) 1
       AND m.objid::pg_catalog.int8 OPERATOR(pg_catalog.=) v_lo
       AND m.mode OPERATOR(pg_catalog.=) 'ExclusiveLock'
       AND f.objsubid OPERATOR(pg_catalog.=) 2
       AND f.mode OPERATOR(pg_catalog.=) 'ShareLock'
    HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0;
    IF v_any IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN NOT v_same;
END
$function$;

REVOKE ALL ON FUNCTION idempotency.portable_interval_us(pg_catalog.interval, pg_catalog.text, pg_catalog.bool, pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_default_ttl_us() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_max_response_size() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_check_response_size(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_check_writable(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_own(pg_catalog.xid) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_holder_alive(pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_fingerprint_lock(pg_catalog.int8, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_busy_mismatch(pg_catalog.int8, pg_catalog.text) FROM PUBLIC;

-- The API runs as its caller and calls these: they are granted to PUBLIC.
-- None of them reads or writes a key.
GRANT EXECUTE ON FUNCTION idempotency.portable_interval_us(pg_catalog.interval, pg_catalog.text, pg_catalog.bool, pg_catalog.int8) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_default_ttl_us() TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_max_response_size() TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_check_response_size(pg_catalog.jsonb) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_check_writable(pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_own(pg_catalog.xid) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_holder_alive(pg_catalog.int4) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_fingerprint_lock(pg_catalog.int8, pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_busy_mismatch(pg_catalog.int8, pg_catalog.text) TO PUBLIC;

-- The caller holds an in_progress row (src/api.c api_check_holder): the
-- lease's token given, or else the row is this transaction's (own).
-- IK002 for a token that does not hold it or a lease without the token,
-- IK003 for another transaction's claim.
CREATE FUNCTION idempotency.portable_check_holder(
    key pg_catalog.text, lease_token pg_catalog.uuid, lease_expires_at pg_catalog.timestamptz,
    own pg_catalog.bool, token pg_catalog.uuid, funcname pg_catalog.text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF token IS NOT NULL THEN
        IF lease_token IS NULL OR lease_token OPERATOR(pg_catalog.<>) token THEN
            RAISE EXCEPTION 'lease token does not hold idempotency key "%"', key
                USING ERRCODE = 'IK002',
                      DETAIL = CASE WHEN lease_token IS NOT NULL
                                    THEN 'The lease was taken over by another claimer, or the token is not this key''s.'
                                    ELSE 'The key is not held under a lease.' END,
                      HINT = 'Claim the key again; a recovered claim returns a new token.';
        END IF;
        RETURN;
    END IF;
    IF own THEN
        RETURN;
    END IF;
    IF lease_expires_at IS NOT NULL THEN
        RAISE EXCEPTION 'idempotency key "%" is held under a lease', key
            USING ERRCODE = 'IK002',
                  DETAIL = pg_catalog.format('%s from a later transaction than the claim must pass the lease token that claim() returned.',
                                             funcname);
    END IF;
    RAISE EXCEPTION 'idempotency key "%" is not claimed by this transaction', key
        USING ERRCODE = 'IK003',
              HINT = 'Call idempotency.claim() first.';
END
$function$;

REVOKE ALL ON FUNCTION idempotency.portable_check_holder(pg_catalog.text, pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.bool, pg_catalog.uuid, pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_check_holder(pg_catalog.text, pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.bool, pg_catalog.uuid, pg_catalog.text) TO PUBLIC;

-- The errors of a call's key, scope and one more text argument (a
-- fingerprint, a recovery point), in the C edition's order and words
-- (src/api.c idem_check_key, idem_scope_from_arg, idem_check_text_length):
-- the API calls it only when one of them is wrong, so that a good call
-- costs one test.  extra_before_scope: checkpoint() checks its recovery
-- point (which must not be NULL: extra_required) before the scope.
CREATE FUNCTION idempotency.portable_check_args(
    key pg_catalog.text, scope pg_catalog.text, extra pg_catalog.text,
    extra_name pg_catalog.text, extra_max pg_catalog.int4,
    extra_before_scope pg_catalog.bool, extra_required pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_len pg_catalog.int4;
    v_step pg_catalog.text;
BEGIN
    IF key IS NULL THEN
        RAISE EXCEPTION 'idempotency key must not be null' USING ERRCODE = '22004';
    END IF;
    v_len := pg_catalog.octet_length(key);
    IF v_len OPERATOR(pg_catalog.<) 1 OR v_len OPERATOR(pg_catalog.>) 255 THEN
        RAISE EXCEPTION 'idempotency key must be 1 to 255 bytes long'
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('The key given is %s bytes long.', v_len);
    END IF;
    -- the extra argument before or after the scope, as the C edition checks it
    FOREACH v_step IN ARRAY CASE WHEN extra_before_scope THEN ARRAY['extra', 'scope']
                                 ELSE ARRAY['scope', 'extra'] END LOOP
        IF v_step OPERATOR(pg_catalog.=) 'scope' THEN
            PERFORM idempotency.portable_batch_check_scope(scope);
            CONTINUE;
        END IF;
        IF extra IS NULL AND extra_required THEN
            RAISE EXCEPTION '% must not be null', extra_name USING ERRCODE = '22004';
        END IF;
        v_len := pg_catalog.octet_length(extra);
        IF v_len OPERATOR(pg_catalog.>) extra_max THEN
            RAISE EXCEPTION '% must be at most % bytes long', extra_name, extra_max
                USING ERRCODE = '22023',
                      DETAIL = pg_catalog.format('The value given is %s bytes long.', v_len);
        END IF;
    END LOOP;
END
$function$;

REVOKE ALL ON FUNCTION idempotency.portable_check_args(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.bool, pg_catalog.bool) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_check_args(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.bool, pg_catalog.bool) TO PUBLIC;
