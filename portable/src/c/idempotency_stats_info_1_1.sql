LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    -- No counters in the portable edition: counting is off, as in the C
    -- edition without the library preloaded.
    counting := false;
    track_scopes := COALESCE(pg_catalog.current_setting('idempotency.stats_track_scopes', true)
                             OPERATOR(pg_catalog.=) ANY (ARRAY['on', 'true', 'yes', '1']), false);
END
$function$
