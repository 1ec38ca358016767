LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_job pg_catalog.text;
    v_found pg_catalog.bool := false;
    v_every pg_catalog.interval;
    v_batch pg_catalog.int4;
    v_command pg_catalog.text;
BEGIN
    -- Portable edition: the schedule is a pg_cron job of this database,
    -- owned by the extension's owner (this function's), that runs
    -- idempotency.purge() as that role.  Whatever wrote the schedule
    -- (schedule_expiry, unschedule_expiry, a restore), the job follows it
    -- in the same transaction.  Without pg_cron (a restore onto such a
    -- server) there is nothing to tell.
    IF NOT idempotency.portable_cron_installed() THEN
        RETURN NULL;
    END IF;
    v_job := idempotency.portable_cron_job_name();
    SELECT true, s.every, s.batch_size INTO v_found, v_every, v_batch
      FROM idempotency.expiry_schedule AS s;
    IF v_found THEN
        -- NULL batch_size follows the setting when the job runs
        v_command := CASE WHEN v_batch IS NULL
            THEN 'SELECT idempotency.purge(idempotency.portable_expiry_batch_size(NULL))'
            ELSE pg_catalog.format('SELECT idempotency.purge(%s)', v_batch) END;
        EXECUTE 'SELECT cron.schedule($1, $2, $3)'
            USING v_job,
                  idempotency.portable_cron_spec(idempotency.portable_cron_every(v_every)),
                  v_command;
    ELSE
        EXECUTE 'SELECT cron.unschedule(j.jobid) FROM cron.job AS j'
                ' WHERE j.jobname OPERATOR(pg_catalog.=) $1'
                ' AND j.username OPERATOR(pg_catalog.=) CURRENT_USER'
            USING v_job;
    END IF;
    RETURN NULL;
END
$function$
