LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    -- Portable edition: expiry runs as a pg_cron job of this database
    -- (expiry_schedule_changed keeps it in step with the schedule).
    IF NOT idempotency.portable_cron_installed() THEN
        RAISE EXCEPTION 'expiry in the portable edition needs the pg_cron extension'
            USING ERRCODE = '55000',
                  DETAIL = 'pg_cron is not installed in this database, so nothing can run idempotency.purge() on a schedule; nothing was scheduled.',
                  HINT = 'Install pg_cron (shared_preload_libraries = ''pg_cron'', cron.database_name = this database, then CREATE EXTENSION pg_cron), or call idempotency.purge() periodically instead.';
    END IF;
    IF pg_catalog.pg_is_in_recovery() THEN
        RAISE EXCEPTION 'cannot execute schedule_expiry() during recovery'
            USING ERRCODE = '25006';
    END IF;
END
$function$
