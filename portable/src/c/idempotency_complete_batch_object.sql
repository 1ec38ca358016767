LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_keys pg_catalog.text[];
    v_values pg_catalog.jsonb[];
    v_n pg_catalog.int4;
    v_max pg_catalog.int4;
    v_len pg_catalog.int4;
BEGIN
    -- Portable edition (src/batch.c idempotency_complete_batch_object):
    -- each key of the object completed with its value (JSON null
    -- included), all with response_code.
    IF complete_batch.responses IS NULL THEN
        RAISE EXCEPTION 'responses must not be null'
            USING ERRCODE = '22004',
                  HINT = 'Pass an empty object for no keys.';
    END IF;
    IF pg_catalog.jsonb_typeof(complete_batch.responses) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'responses must be a jsonb object keyed by idempotency key'
            USING ERRCODE = '22023';
    END IF;
    PERFORM idempotency.portable_batch_check_scope(complete_batch.scope);
    SELECT COALESCE(pg_catalog.array_agg(e.key ORDER BY e.n), '{}'),
           COALESCE(pg_catalog.array_agg(e.value ORDER BY e.n), '{}')
      INTO v_keys, v_values
      FROM pg_catalog.jsonb_each(complete_batch.responses) WITH ORDINALITY AS e(key, value, n);
    v_n := pg_catalog.cardinality(v_keys);
    v_max := idempotency.portable_batch_max_size();
    IF v_n OPERATOR(pg_catalog.>) v_max THEN
        RAISE EXCEPTION 'batch of % keys is larger than idempotency.max_batch_size (%)', v_n, v_max
            USING ERRCODE = '54000',
                  HINT = 'Split the batch, or raise idempotency.max_batch_size.';
    END IF;
    FOR i IN 1 .. v_n LOOP
        v_len := pg_catalog.octet_length(v_keys[i]);
        IF v_len OPERATOR(pg_catalog.<) 1 OR v_len OPERATOR(pg_catalog.>) 255 THEN
            RAISE EXCEPTION 'idempotency key must be 1 to 255 bytes long'
                USING ERRCODE = '22023',
                      DETAIL = pg_catalog.format('The key given is %s bytes long.', v_len);
        END IF;
    END LOOP;
    RETURN idempotency.portable_batch_finish(
        v_keys, complete_batch.scope, false, v_values,
        pg_catalog.array_fill(complete_batch.response_code, ARRAY[v_n]));
END
$function$
