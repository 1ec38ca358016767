LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
-- release() of the portable edition: src/api.c api_release.  Gives up the
-- caller's claim: the key's row is deleted and the next claim starts afresh.
DECLARE
    -- the same body serves release(uuid, ...): a uuid key is its canonical text
    v_key pg_catalog.text := release.key::pg_catalog.text;
    v_len pg_catalog.int4;
    v_owner pg_catalog.oid;
    v_h pg_catalog.int8;
    v_now pg_catalog.timestamptz;
    r record;
BEGIN
    IF v_key IS NULL OR release.scope IS NULL
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.<) 1
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.>) 255
       OR pg_catalog.octet_length(release.scope) OPERATOR(pg_catalog.>) 255 THEN
        PERFORM idempotency.portable_check_args(v_key, release.scope, NULL, NULL, 0, false, false);
    END IF;
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        PERFORM idempotency.portable_check_writable('release()');
    END IF;

    v_owner := pg_catalog.quote_ident(CURRENT_USER)::pg_catalog.regrole::pg_catalog.oid;
    v_h := pg_catalog.hashtextextended(v_key COLLATE "C",
               pg_catalog.hashtextextended(release.scope COLLATE "C", v_owner::pg_catalog.int8));
    -- once() running for this key in this transaction (55006)
    IF COALESCE(pg_catalog.current_setting('idempotency_portable.running_once', true), '')
       OPERATOR(pg_catalog.<>) '' THEN
        PERFORM idempotency.portable_once_check_not_running(release.scope, v_key, 'release()');
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(v_h);
    v_now := pg_catalog.clock_timestamp();
    SELECT k.*, idempotency.portable_own(k.xmin) AS own INTO r
      FROM idempotency.idempotency_keys AS k
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) release.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner;
    IF NOT FOUND
       OR (r.expires_at OPERATOR(pg_catalog.<=) v_now
           AND NOT (r.state OPERATOR(pg_catalog.=) 'in_progress'
                    AND COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now, false))) THEN
        RAISE EXCEPTION 'idempotency key "%" is not claimed', v_key
            USING ERRCODE = 'IK003',
                  DETAIL = 'There is no claim on the key, or it expired.',
                  HINT = 'Call idempotency.claim() before release().';
    END IF;
    IF r.state OPERATOR(pg_catalog.=) 'completed' THEN
        RAISE EXCEPTION 'idempotency key "%" is already completed', v_key
            USING ERRCODE = 'IK004',
                  HINT = 'A completed key''s result is final; claim() replays it.';
    END IF;
    IF release.token IS NOT NULL OR NOT r.own THEN
        PERFORM idempotency.portable_check_holder(v_key, r.lease_token, r.lease_expires_at,
                                                  r.own, release.token, 'release()');
    END IF;
    DELETE FROM idempotency.idempotency_keys AS k
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) release.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'idempotency key "%" expired and was deleted meanwhile', v_key
            USING ERRCODE = 'IK003';
    END IF;
END
$function$
