LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
-- checkpoint() of the portable edition: src/api.c api_checkpoint.  Records
-- the progress of a lease claim and renews its lease (by lease, or by the
-- lease's own length), making this session its holder.
DECLARE
    -- the same body serves checkpoint(uuid, ...): a uuid key is its canonical text
    v_key pg_catalog.text := checkpoint.key::pg_catalog.text;
    v_len pg_catalog.int4;
    v_owner pg_catalog.oid;
    v_h pg_catalog.int8;
    v_now pg_catalog.timestamptz;
    v_lease_us pg_catalog.int8;
    v_ttl_us pg_catalog.int8;
    r record;
BEGIN
    IF v_key IS NULL THEN
        RAISE EXCEPTION 'idempotency key must not be null' USING ERRCODE = '22004';
    END IF;
    v_len := pg_catalog.octet_length(v_key);
    IF v_len OPERATOR(pg_catalog.<) 1 OR v_len OPERATOR(pg_catalog.>) 255 THEN
        RAISE EXCEPTION 'idempotency key must be 1 to 255 bytes long'
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('The key given is %s bytes long.', v_len);
    END IF;
    IF checkpoint.recovery_point IS NULL THEN
        RAISE EXCEPTION 'recovery point must not be null' USING ERRCODE = '22004';
    END IF;
    v_len := pg_catalog.octet_length(checkpoint.recovery_point);
    IF v_len OPERATOR(pg_catalog.>) 1024 THEN
        RAISE EXCEPTION 'recovery point must be at most 1024 bytes long'
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('The value given is %s bytes long.', v_len);
    END IF;
    IF checkpoint.scope IS NULL THEN
        RAISE EXCEPTION 'idempotency scope must not be null'
            USING ERRCODE = '22004', HINT = 'The default scope is the empty string.';
    END IF;
    v_len := pg_catalog.octet_length(checkpoint.scope);
    IF v_len OPERATOR(pg_catalog.>) 255 THEN
        RAISE EXCEPTION 'idempotency scope must be at most 255 bytes long'
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('The scope given is %s bytes long.', v_len);
    END IF;
    IF checkpoint.lease IS NOT NULL THEN
        v_lease_us := idempotency.portable_interval_us(checkpoint.lease, 'lease', false, 2592000);
    END IF;
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        PERFORM idempotency.portable_check_writable('checkpoint()');
    END IF;

    v_owner := pg_catalog.quote_ident(CURRENT_USER)::pg_catalog.regrole::pg_catalog.oid;
    v_h := pg_catalog.hashtextextended(v_key COLLATE "C",
               pg_catalog.hashtextextended(checkpoint.scope COLLATE "C", v_owner::pg_catalog.int8));
    -- once() running for this key in this transaction (55006)
    IF COALESCE(pg_catalog.current_setting('idempotency_portable.running_once', true), '')
       OPERATOR(pg_catalog.<>) '' THEN
        PERFORM idempotency.portable_once_check_not_running(checkpoint.scope, v_key, 'checkpoint()');
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(v_h);
    v_now := pg_catalog.clock_timestamp();
    SELECT k.*, idempotency.portable_own(k.xmin) AS own INTO r
      FROM idempotency.idempotency_keys AS k
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) checkpoint.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner;
    IF NOT FOUND
       OR (r.expires_at OPERATOR(pg_catalog.<=) v_now
           AND NOT (r.state OPERATOR(pg_catalog.=) 'in_progress'
                    AND COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now, false))) THEN
        RAISE EXCEPTION 'idempotency key "%" is not claimed', v_key
            USING ERRCODE = 'IK003',
                  DETAIL = 'There is no claim on the key, or it expired.',
                  HINT = 'Call idempotency.claim() before checkpoint().';
    END IF;
    IF r.state OPERATOR(pg_catalog.=) 'completed' THEN
        RAISE EXCEPTION 'idempotency key "%" is already completed', v_key
            USING ERRCODE = 'IK004',
                  HINT = 'A completed key''s result is final; claim() replays it.';
    END IF;
    -- A key without a lease is this transaction's own claim: 55000 whatever
    -- token is given, since no token could hold it.
    IF r.lease_expires_at IS NULL THEN
        RAISE EXCEPTION 'idempotency key "%" is not claimed with a lease', v_key
            USING ERRCODE = '55000',
                  DETAIL = 'Recovery points belong to lease claims, which span transactions.',
                  HINT = 'Pass lease => to claim().';
    END IF;
    IF checkpoint.token IS NOT NULL OR NOT r.own THEN
        PERFORM idempotency.portable_check_holder(v_key, r.lease_token, r.lease_expires_at,
                                                  r.own, checkpoint.token, 'checkpoint()');
    END IF;

    IF v_lease_us IS NULL THEN
        v_lease_us := idempotency.portable_interval_us(r.lease_interval, 'lease', true, 9223372036854);
    END IF;
    v_ttl_us := ((EXTRACT(epoch FROM r.expires_at) OPERATOR(pg_catalog.-)
                  EXTRACT(epoch FROM r.lease_expires_at))
                 OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8;
    UPDATE idempotency.idempotency_keys AS k
       SET recovery_point = checkpoint.recovery_point,
           lease_interval = CASE WHEN checkpoint.lease IS NULL THEN k.lease_interval
                                 ELSE v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval END,
           expires_at = v_now OPERATOR(pg_catalog.+)
               ((v_lease_us OPERATOR(pg_catalog.+) v_ttl_us)
                OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
           lease_expires_at = v_now OPERATOR(pg_catalog.+)
               (v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
           lease_holder_pid = pg_catalog.pg_backend_pid()
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) checkpoint.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner
    RETURNING k.* INTO r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'idempotency key "%" expired and was deleted meanwhile', v_key
            USING ERRCODE = 'IK003';
    END IF;
    RETURN ROW(r.owner, r.scope, r.key, r.state, r.fingerprint, r.response, r.response_code,
               r.recovery_point, r.lease_token, r.lease_holder_pid, r.lease_interval,
               r.lease_expires_at, r.created_at, r.completed_at,
               r.expires_at)::idempotency.idempotency_keys;
END
$function$
