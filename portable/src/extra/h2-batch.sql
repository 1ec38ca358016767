-- ------------------------------------------------------------------------
-- Portable edition: helpers of claim_batch, complete_batch and
-- release_batch (H2).  The batch calls check every argument first, as the
-- C edition does (a refused batch writes nothing and takes no lock), then
-- call claim(), complete() and release() key by key, in the C edition's
-- order.  They run as the caller: PUBLIC may run them.
-- ------------------------------------------------------------------------

-- The setting idempotency.max_batch_size (default 1000; 1 to 100000).  The
-- portable edition loads no library that could define the setting, so SET
-- cannot refuse a value out of range (PostgreSQL keeps any value of a name
-- it does not know): such a value counts as the default here.
CREATE FUNCTION idempotency.portable_batch_max_size()
RETURNS pg_catalog.int4
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_setting pg_catalog.text := pg_catalog.current_setting('idempotency.max_batch_size', true);
    v_value pg_catalog.int8;
BEGIN
    IF v_setting OPERATOR(pg_catalog.~) '^\s*\+?[0-9]{1,12}\s*$' THEN
        v_value := pg_catalog.btrim(v_setting)::pg_catalog.int8;
    END IF;
    IF v_value IS NULL OR v_value OPERATOR(pg_catalog.<) 1 OR v_value OPERATOR(pg_catalog.>) 100000 THEN
        RETURN 1000;
    END IF;
    RETURN v_value::pg_catalog.int4;
END
$function$;

-- An interval argument in microseconds, a month counting 30 days, checked
-- as the C edition checks it (src/api.c idem_interval_arg_usecs): greater
-- than zero (or zero, with p_allow_zero) and at most p_max_secs.
CREATE FUNCTION idempotency.portable_batch_interval_usecs(p_value pg_catalog.interval,
                                                          p_name pg_catalog.text,
                                                          p_allow_zero pg_catalog.bool,
                                                          p_max_secs pg_catalog.int8)
RETURNS pg_catalog.numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_months pg_catalog.numeric;
    v_days pg_catalog.numeric;
    v_usecs pg_catalog.numeric;
BEGIN
    IF pg_catalog.isfinite(p_value) THEN
        v_months := (EXTRACT(year FROM p_value) OPERATOR(pg_catalog.*) 12)
                    OPERATOR(pg_catalog.+) EXTRACT(month FROM p_value);
        v_days := EXTRACT(day FROM p_value);
        -- the time part: the epoch less what years, months and days make of it
        v_usecs := EXTRACT(epoch FROM p_value)
                   OPERATOR(pg_catalog.-) (EXTRACT(year FROM p_value) OPERATOR(pg_catalog.*) 31557600)
                   OPERATOR(pg_catalog.-) (EXTRACT(month FROM p_value) OPERATOR(pg_catalog.*) 2592000)
                   OPERATOR(pg_catalog.-) (v_days OPERATOR(pg_catalog.*) 86400);
        v_usecs := ((v_months OPERATOR(pg_catalog.*) 2592000)
                    OPERATOR(pg_catalog.+) (v_days OPERATOR(pg_catalog.*) 86400)
                    OPERATOR(pg_catalog.+) v_usecs) OPERATOR(pg_catalog.*) 1000000;
    END IF;
    IF v_usecs IS NULL
       OR pg_catalog.abs(v_months) OPERATOR(pg_catalog.>) 1000000
       OR pg_catalog.abs(v_days) OPERATOR(pg_catalog.>) 10000000
       OR v_usecs OPERATOR(pg_catalog.<) 0
       OR (NOT p_allow_zero AND v_usecs OPERATOR(pg_catalog.=) 0)
       OR v_usecs OPERATOR(pg_catalog.>) (p_max_secs OPERATOR(pg_catalog.*) 1000000) THEN
        RAISE EXCEPTION 'invalid % interval', p_name
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('%s must be %s and at most %s seconds.', p_name,
                                             CASE WHEN p_allow_zero THEN 'zero or more'
                                                  ELSE 'greater than zero' END, p_max_secs);
    END IF;
    RETURN v_usecs;
END
$function$;

-- The keys argument of a batch call (src/batch.c batch_keys_arg): not
-- NULL, one-dimensional, at most idempotency.max_batch_size keys, each a
-- valid key.  Returns its elements, from 1.
CREATE FUNCTION idempotency.portable_batch_keys(p_keys pg_catalog.text[])
RETURNS pg_catalog.text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_n pg_catalog.int4;
    v_max pg_catalog.int4;
    v_len pg_catalog.int4;
BEGIN
    IF p_keys IS NULL THEN
        RAISE EXCEPTION 'keys must not be null'
            USING ERRCODE = '22004',
                  HINT = 'Pass an empty array for no keys.';
    END IF;
    IF pg_catalog.array_ndims(p_keys) OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'keys must be a one-dimensional array'
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.array_lower(p_keys, 1) OPERATOR(pg_catalog.<>) 1 THEN
        p_keys := ARRAY(SELECT pg_catalog.unnest(p_keys));
    END IF;
    v_n := COALESCE(pg_catalog.cardinality(p_keys), 0);
    v_max := idempotency.portable_batch_max_size();
    IF v_n OPERATOR(pg_catalog.>) v_max THEN
        RAISE EXCEPTION 'batch of % keys is larger than idempotency.max_batch_size (%)', v_n, v_max
            USING ERRCODE = '54000',
                  HINT = 'Split the batch, or raise idempotency.max_batch_size.';
    END IF;
    FOR i IN 1 .. v_n LOOP
        IF p_keys[i] IS NULL THEN
            RAISE EXCEPTION 'idempotency key must not be null'
                USING ERRCODE = '22004',
                      DETAIL = pg_catalog.format('Element %s of keys is null.', i);
        END IF;
        v_len := pg_catalog.octet_length(p_keys[i]);
        IF v_len OPERATOR(pg_catalog.<) 1 OR v_len OPERATOR(pg_catalog.>) 255 THEN
            RAISE EXCEPTION 'idempotency key must be 1 to 255 bytes long'
                USING ERRCODE = '22023',
                      DETAIL = pg_catalog.format('Element %s of keys is %s bytes long.', i, v_len);
        END IF;
    END LOOP;
    RETURN COALESCE(p_keys, '{}');
END
$function$;

-- A scope argument: not NULL, at most 255 bytes (every API function's scope:
-- portable_check_args() calls it too).
CREATE FUNCTION idempotency.portable_batch_check_scope(p_scope pg_catalog.text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_scope IS NULL THEN
        RAISE EXCEPTION 'idempotency scope must not be null'
            USING ERRCODE = '22004',
                  HINT = 'The default scope is the empty string.';
    END IF;
    IF pg_catalog.octet_length(p_scope) OPERATOR(pg_catalog.>) 255 THEN
        RAISE EXCEPTION 'idempotency scope must be at most 255 bytes long'
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('The scope given is %s bytes long.', pg_catalog.octet_length(p_scope));
    END IF;
END
$function$;

-- The shape of an array that runs alongside keys (p_n elements): NULL, or
-- one-dimensional with p_n elements.
CREATE FUNCTION idempotency.portable_batch_check_parallel(p_ndims pg_catalog.int4, p_count pg_catalog.int4,
                                                          p_name pg_catalog.text, p_n pg_catalog.int4)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_ndims OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION '% must be a one-dimensional array', p_name
            USING ERRCODE = '22023';
    END IF;
    IF p_count OPERATOR(pg_catalog.<>) p_n THEN
        RAISE EXCEPTION '% must have as many elements as keys', p_name
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('keys has %s elements, %s has %s.', p_n, p_name, p_count);
    END IF;
END
$function$;

-- complete_batch and release_batch (src/batch.c batch_finish): the keys in
-- the order of the C edition's key locks (the 64-bit hash of owner, scope
-- and key; hashtextextended() is the same hash_bytes_extended), a key given
-- twice refused, then complete() (with p_responses and p_codes, element by
-- element) or release() of each.  Returns the number of keys.
CREATE FUNCTION idempotency.portable_batch_finish(p_keys pg_catalog.text[], p_scope pg_catalog.text,
                                                  p_release pg_catalog.bool,
                                                  p_responses pg_catalog.jsonb[],
                                                  p_codes pg_catalog.int4[])
RETURNS pg_catalog.int4
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_n pg_catalog.int4 := COALESCE(pg_catalog.cardinality(p_keys), 0);
    v_order pg_catalog.int4[];
    v_first pg_catalog.int4[];
    v_pos pg_catalog.int4;
BEGIN
    IF v_n OPERATOR(pg_catalog.>) 0 THEN
        SELECT pg_catalog.array_agg(t.p ORDER BY (t.h OPERATOR(pg_catalog.#) (-9223372036854775807::pg_catalog.int8 OPERATOR(pg_catalog.-) 1)),
                                    t.k COLLATE "C", t.p)
          INTO v_order
          FROM (SELECT u.p::pg_catalog.int4 AS p, u.k,
                       pg_catalog.hashtextextended(u.k COLLATE "C",
                           pg_catalog.hashtextextended(p_scope COLLATE "C",
                               (SELECT r.oid FROM pg_catalog.pg_roles AS r
                                 WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)::pg_catalog.int8)) AS h
                  FROM pg_catalog.unnest(p_keys) WITH ORDINALITY AS u(k, p)) AS t;
        SELECT pg_catalog.array_agg(t.f ORDER BY t.p)
          INTO v_first
          FROM (SELECT u.p, pg_catalog.min(u.p::pg_catalog.int4) OVER (PARTITION BY u.k COLLATE "C") AS f
                  FROM pg_catalog.unnest(p_keys) WITH ORDINALITY AS u(k, p)) AS t;
        FOR i IN 1 .. v_n LOOP
            IF v_first[i] OPERATOR(pg_catalog.<>) i THEN
                RAISE EXCEPTION 'idempotency key "%" is given more than once', p_keys[i]
                    USING ERRCODE = '22023',
                          DETAIL = pg_catalog.format('Elements %s and %s of keys are the same key.', v_first[i], i);
            END IF;
        END LOOP;
    END IF;
    PERFORM idempotency.portable_check_writable(
        CASE WHEN p_release THEN 'release_batch()' ELSE 'complete_batch()' END);
    FOR i IN 1 .. v_n LOOP
        v_pos := v_order[i];
        IF p_release THEN
            PERFORM idempotency.release(p_keys[v_pos], p_scope);
        ELSE
            PERFORM idempotency.complete(p_keys[v_pos], p_responses[v_pos], p_codes[v_pos], p_scope);
        END IF;
    END LOOP;
    RETURN v_n;
END
$function$;

GRANT EXECUTE ON FUNCTION idempotency.portable_batch_max_size() TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_batch_interval_usecs(pg_catalog.interval, pg_catalog.text, pg_catalog.bool, pg_catalog.int8) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_batch_keys(pg_catalog.text[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_batch_check_scope(pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_batch_check_parallel(pg_catalog.int4, pg_catalog.int4, pg_catalog.text, pg_catalog.int4) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_batch_finish(pg_catalog.text[], pg_catalog.text, pg_catalog.bool, pg_catalog.jsonb[], pg_catalog.int4[]) TO PUBLIC;
