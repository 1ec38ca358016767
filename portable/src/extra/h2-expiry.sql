-- ------------------------------------------------------------------------
-- Portable edition: expiry through pg_cron (docs/managed.md).  The schedule
-- table, schedule_expiry(), unschedule_expiry(), purge() and the
-- expiry_status view are the C edition's; the schedule table's trigger
-- (expiry_schedule_changed) keeps one pg_cron job per database in step with
-- it, and expiry_worker_state() reports that job.  Where pg_cron is not
-- installed, expiry_require_worker() refuses schedule_expiry() with 55000.
-- Internal helpers: not granted to PUBLIC.
-- ------------------------------------------------------------------------

-- Whether pg_cron is installed in this database (pg_cron allows itself
-- only in cron.database_name): its schema cron must be the extension's own
-- (a member of it), so that a schema that merely calls itself cron is
-- never used.
CREATE FUNCTION idempotency.portable_cron_installed()
RETURNS pg_catalog.bool
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT EXISTS (
        SELECT FROM pg_catalog.pg_extension AS e
          JOIN pg_catalog.pg_depend AS d
            ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid OPERATOR(pg_catalog.=) e.oid
           AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
           AND d.deptype OPERATOR(pg_catalog.=) 'e'
          JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) d.objid
         WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron'
           AND n.nspname OPERATOR(pg_catalog.=) 'cron')
$function$;

-- The name of this database's expiry job in cron.job.
CREATE FUNCTION idempotency.portable_cron_job_name()
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT 'idempotency-expiry-'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.current_database()
$function$;

-- The interval that a pg_cron schedule can keep for every (1 second to 1
-- day; NULL: the setting idempotency.expiry_interval, default 1 minute):
-- whole seconds below a minute, else the largest period of minutes that
-- divides an hour, of hours that divides a day, or a day, that is not
-- longer than every.  Expiry never runs less often than asked, except
-- below a minute with pg_cron before 1.5 (no schedules in seconds there).
CREATE FUNCTION idempotency.portable_cron_every(every pg_catalog.interval)
RETURNS pg_catalog.interval
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_secs pg_catalog.numeric;
    v_unit pg_catalog.int4;
BEGIN
    IF every IS NULL THEN
        BEGIN
            every := pg_catalog.current_setting('idempotency.expiry_interval', true)::pg_catalog.interval;
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow
                       OR invalid_text_representation THEN
            every := NULL;
        END;
        every := COALESCE(every, '1 minute'::pg_catalog.interval);
    END IF;
    v_secs := EXTRACT(epoch FROM every);
    v_secs := GREATEST(1, LEAST(86400, pg_catalog.floor(v_secs)));
    -- schedules in seconds came with pg_cron 1.5; before, a minute is the least
    IF v_secs OPERATOR(pg_catalog.<) 60 AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_extension AS e
            WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron'
              AND pg_catalog.string_to_array(SUBSTRING(e.extversion FROM '^[0-9]+(?:\.[0-9]+)*'), '.')::pg_catalog.int4[]
                  OPERATOR(pg_catalog.>=) ARRAY[1, 5]) THEN
        v_secs := 60;
    END IF;
    IF v_secs OPERATOR(pg_catalog.<) 60 THEN
        RETURN pg_catalog.make_interval(secs => v_secs::pg_catalog.float8);
    ELSIF v_secs OPERATOR(pg_catalog.<) 3600 THEN
        SELECT pg_catalog.max(d) INTO v_unit
          FROM pg_catalog.unnest(ARRAY[1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30]) AS d
         WHERE d OPERATOR(pg_catalog.<=) (v_secs OPERATOR(pg_catalog./) 60);
        RETURN pg_catalog.make_interval(mins => v_unit);
    ELSIF v_secs OPERATOR(pg_catalog.<) 86400 THEN
        SELECT pg_catalog.max(d) INTO v_unit
          FROM pg_catalog.unnest(ARRAY[1, 2, 3, 4, 6, 8, 12]) AS d
         WHERE d OPERATOR(pg_catalog.<=) (v_secs OPERATOR(pg_catalog./) 3600);
        RETURN pg_catalog.make_interval(hours => v_unit);
    END IF;
    RETURN '1 day'::pg_catalog.interval;
END
$function$;

-- The pg_cron schedule of an interval that portable_cron_every returned.
CREATE FUNCTION idempotency.portable_cron_spec(every pg_catalog.interval)
RETURNS pg_catalog.text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_secs pg_catalog.int4 := EXTRACT(epoch FROM every)::pg_catalog.int4;
BEGIN
    IF v_secs OPERATOR(pg_catalog.<) 60 THEN
        RETURN pg_catalog.format('%s seconds', v_secs);
    ELSIF v_secs OPERATOR(pg_catalog.=) 60 THEN
        RETURN '* * * * *';
    ELSIF v_secs OPERATOR(pg_catalog.<) 3600 THEN
        RETURN pg_catalog.format('*/%s * * * *', v_secs OPERATOR(pg_catalog./) 60);
    ELSIF v_secs OPERATOR(pg_catalog.=) 3600 THEN
        RETURN '0 * * * *';
    ELSIF v_secs OPERATOR(pg_catalog.<) 86400 THEN
        RETURN pg_catalog.format('0 */%s * * *', v_secs OPERATOR(pg_catalog./) 3600);
    END IF;
    RETURN '0 0 * * *';
END
$function$;

-- The batch size in effect for a schedule's batch_size (NULL: the setting
-- idempotency.expiry_batch_size, default 10000).
CREATE FUNCTION idempotency.portable_expiry_batch_size(batch_size pg_catalog.int4)
RETURNS pg_catalog.int4
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF batch_size IS NOT NULL THEN
        RETURN batch_size;
    END IF;
    BEGIN
        batch_size := pg_catalog.current_setting('idempotency.expiry_batch_size', true)::pg_catalog.int4;
    EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
        batch_size := NULL;
    END;
    IF batch_size OPERATOR(pg_catalog.<) 1 OR batch_size OPERATOR(pg_catalog.>) 1000000 THEN
        batch_size := NULL;
    END IF;
    RETURN COALESCE(batch_size, 10000);
END
$function$;

REVOKE ALL ON FUNCTION idempotency.portable_cron_installed() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_cron_job_name() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_cron_every(pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_cron_spec(pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.portable_expiry_batch_size(pg_catalog.int4) FROM PUBLIC;
