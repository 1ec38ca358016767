LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    -- Nothing to reset: the portable edition keeps no counters (as the C
    -- edition without the library preloaded, it does nothing).
    RETURN;
END
$function$
