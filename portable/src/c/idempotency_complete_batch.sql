LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_keys pg_catalog.text[];
    v_n pg_catalog.int4;
BEGIN
    -- Portable edition (src/batch.c idempotency_complete_batch): complete()
    -- of each key, with its element of responses and response_codes.
    v_keys := idempotency.portable_batch_keys(complete_batch.keys);
    v_n := COALESCE(pg_catalog.cardinality(v_keys), 0);
    IF complete_batch.responses IS NOT NULL THEN
        PERFORM idempotency.portable_batch_check_parallel(
            pg_catalog.array_ndims(complete_batch.responses),
            COALESCE(pg_catalog.cardinality(complete_batch.responses), 0), 'responses', v_n);
    END IF;
    IF complete_batch.response_codes IS NOT NULL THEN
        PERFORM idempotency.portable_batch_check_parallel(
            pg_catalog.array_ndims(complete_batch.response_codes),
            COALESCE(pg_catalog.cardinality(complete_batch.response_codes), 0), 'response_codes', v_n);
    END IF;
    PERFORM idempotency.portable_batch_check_scope(complete_batch.scope);
    RETURN idempotency.portable_batch_finish(
        v_keys, complete_batch.scope, false,
        ARRAY(SELECT pg_catalog.unnest(complete_batch.responses)),
        ARRAY(SELECT pg_catalog.unnest(complete_batch.response_codes)));
END
$function$
