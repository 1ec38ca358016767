LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
-- lookup() of the portable edition: src/api.c api_lookup.  The key as the
-- caller's snapshot sees it, without locking or waiting, or NULL when it is
-- absent (never claimed, or past its expiry and not held under a live
-- lease).  Works on a standby.
DECLARE
    -- the same body serves lookup(uuid, ...): a uuid key is its canonical text
    v_key pg_catalog.text := lookup.key::pg_catalog.text;
    v_len pg_catalog.int4;
    v_now pg_catalog.timestamptz;
    r idempotency.idempotency_keys;
BEGIN
    IF v_key IS NULL OR lookup.scope IS NULL
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.<) 1
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.>) 255
       OR pg_catalog.octet_length(lookup.scope) OPERATOR(pg_catalog.>) 255 THEN
        PERFORM idempotency.portable_check_args(v_key, lookup.scope, NULL, NULL, 0, false, false);
    END IF;
    SELECT k.* INTO r
      FROM idempotency.idempotency_keys AS k
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) lookup.scope
       AND k.owner OPERATOR(pg_catalog.=)
           pg_catalog.quote_ident(CURRENT_USER)::pg_catalog.regrole::pg_catalog.oid;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_now := pg_catalog.clock_timestamp();
    IF r.expires_at OPERATOR(pg_catalog.<=) v_now
       AND NOT (r.state OPERATOR(pg_catalog.=) 'in_progress'
                AND COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now, false)) THEN
        RETURN NULL;
    END IF;
    RETURN r;
END
$function$
