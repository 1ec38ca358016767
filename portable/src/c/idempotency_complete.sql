LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
-- complete() of the portable edition: src/api.c idem_complete_internal.
-- Takes the key's lock (waiting as lock_timeout allows) and stores the
-- result in the key's latest row, if the caller holds the claim: this
-- transaction made it, or the caller gives the lease's token.  One UPDATE
-- does it; when it finds no such row, a read tells which error it is.
DECLARE
    -- the same body serves complete(uuid, ...): a uuid key is its canonical text
    v_key pg_catalog.text := complete.key::pg_catalog.text;
    v_len pg_catalog.int4;
    v_owner pg_catalog.oid;
    v_h pg_catalog.int8;
    v_now pg_catalog.timestamptz;
    v_top pg_catalog.int8;
    r idempotency.idempotency_keys;
    d record;
BEGIN
    IF v_key IS NULL OR complete.scope IS NULL
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.<) 1
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.>) 255
       OR pg_catalog.octet_length(complete.scope) OPERATOR(pg_catalog.>) 255 THEN
        PERFORM idempotency.portable_check_args(v_key, complete.scope, NULL, NULL, 0, false, false);
    END IF;
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        PERFORM idempotency.portable_check_writable('complete()');
    END IF;
    -- no limit is below 1kB: a smaller response needs no closer look (one
    -- read from a table may come compressed, smaller than it is)
    IF pg_catalog.pg_column_size(complete.response) OPERATOR(pg_catalog.>) 1028
       OR pg_catalog.pg_column_compression(complete.response) IS NOT NULL THEN
        PERFORM idempotency.portable_check_response_size(complete.response);
    END IF;

    v_owner := pg_catalog.quote_ident(CURRENT_USER)::pg_catalog.regrole::pg_catalog.oid;
    -- once() running for this key in this transaction (55006)
    IF COALESCE(pg_catalog.current_setting('idempotency_portable.running_once', true), '')
       OPERATOR(pg_catalog.<>) '' THEN
        PERFORM idempotency.portable_once_check_not_running(complete.scope, v_key, 'complete()');
    END IF;
    v_h := pg_catalog.hashtextextended(v_key COLLATE "C",
               pg_catalog.hashtextextended(complete.scope COLLATE "C", v_owner::pg_catalog.int8));
    PERFORM pg_catalog.pg_advisory_xact_lock(v_h);
    v_now := pg_catalog.clock_timestamp();
    v_top := pg_catalog.pg_current_xact_id_if_assigned()::pg_catalog.text::pg_catalog.int8;

    -- The key's in_progress row, present, held by the caller (the token
    -- given, or else written by this transaction: idempotency.portable_own,
    -- inline).  A lease claim's result lives its time to live from now on.
    UPDATE idempotency.idempotency_keys AS k
       SET state = 'completed',
           response = complete.response,
           response_code = complete.response_code,
           completed_at = v_now,
           lease_holder_pid = NULL,
           lease_expires_at = NULL,
           expires_at = CASE WHEN k.lease_expires_at IS NULL THEN k.expires_at
                             ELSE v_now OPERATOR(pg_catalog.+)
                                  (((EXTRACT(epoch FROM k.expires_at) OPERATOR(pg_catalog.-)
                                     EXTRACT(epoch FROM k.lease_expires_at))
                                    OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8
                                   OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval) END
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) complete.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner
       AND k.state OPERATOR(pg_catalog.=) 'in_progress'
       AND (k.expires_at OPERATOR(pg_catalog.>) v_now
            OR k.lease_expires_at OPERATOR(pg_catalog.>) v_now)
       AND CASE WHEN complete.token IS NOT NULL
                THEN k.lease_token OPERATOR(pg_catalog.=) complete.token
                ELSE v_top IS NOT NULL
                     AND pg_catalog.pg_xact_status(
                             (v_top OPERATOR(pg_catalog.+)
                              ((k.xmin::pg_catalog.text::pg_catalog.int8
                                OPERATOR(pg_catalog.-) (v_top OPERATOR(pg_catalog.&) 4294967295)
                                OPERATOR(pg_catalog.+) 4294967296)
                               OPERATOR(pg_catalog.%) 4294967296))::pg_catalog.text::pg_catalog.xid8)
                         OPERATOR(pg_catalog.=) 'in progress' END
    RETURNING k.* INTO r;
    IF FOUND THEN
        RETURN r;
    END IF;

    -- Which error (the C edition's api_fetch_held, api_check_holder)
    SELECT k.*, idempotency.portable_own(k.xmin) AS own INTO d
      FROM idempotency.idempotency_keys AS k
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) complete.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner;
    IF NOT FOUND
       OR (d.expires_at OPERATOR(pg_catalog.<=) v_now
           AND NOT (d.state OPERATOR(pg_catalog.=) 'in_progress'
                    AND COALESCE(d.lease_expires_at OPERATOR(pg_catalog.>) v_now, false))) THEN
        RAISE EXCEPTION 'idempotency key "%" is not claimed', v_key
            USING ERRCODE = 'IK003',
                  DETAIL = 'There is no claim on the key, or it expired.',
                  HINT = 'Call idempotency.claim() before complete().';
    END IF;
    IF d.state OPERATOR(pg_catalog.=) 'completed' THEN
        RAISE EXCEPTION 'idempotency key "%" is already completed', v_key
            USING ERRCODE = 'IK004',
                  HINT = 'A completed key''s result is final; claim() replays it.';
    END IF;
    PERFORM idempotency.portable_check_holder(v_key, d.lease_token, d.lease_expires_at,
                                              d.own, complete.token, 'complete()');
    -- held after all (the row changed between the two reads): cannot be,
    -- the key's lock is held
    RAISE EXCEPTION 'idempotency key "%" expired and was deleted meanwhile', v_key
        USING ERRCODE = 'IK003';
END
$function$
