LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_keys pg_catalog.text[];
BEGIN
    -- Portable edition (src/batch.c idempotency_release_batch): release()
    -- of each key.
    v_keys := idempotency.portable_batch_keys(release_batch.keys);
    PERFORM idempotency.portable_batch_check_scope(release_batch.scope);
    RETURN idempotency.portable_batch_finish(v_keys, release_batch.scope, true, NULL, NULL);
END
$function$
