LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    -- The counters live in the shared memory of the C edition's library; the
    -- portable edition keeps none (portable/DIFFERENCES.md).  As the C
    -- edition without the library preloaded: no rows, a notice.
    RAISE NOTICE 'idempotency statistics are not being collected'
        USING DETAIL = 'The portable edition keeps no counters: they live in the shared memory of the C edition''s library.',
              HINT = 'idempotency.key_stats shows the key table''s gauges in either edition.';
    RETURN;
END
$function$
