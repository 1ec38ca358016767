LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_job record;
    v_run record;
    v_n pg_catalog.int8;
    v_batch pg_catalog.int4;
    v_every pg_catalog.interval;
BEGIN
    -- Portable edition: this database's pg_cron job stands for its worker
    -- (one row, or none without a job); runs and errors come from
    -- cron.job_run_details.  pg_cron records no result of purge(), so the
    -- numbers of keys deleted are NULL.  Other databases have no row.
    IF NOT idempotency.portable_cron_installed()
       OR NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
        RETURN;
    END IF;
    SELECT s.every, s.batch_size INTO v_every, v_batch
      FROM idempotency.expiry_schedule AS s;
    FOR v_job IN EXECUTE
        'SELECT j.jobid, j.active FROM cron.job AS j'
        ' WHERE j.jobname OPERATOR(pg_catalog.=) $1'
        ' AND j.username OPERATOR(pg_catalog.=) CURRENT_USER'
        USING idempotency.portable_cron_job_name()
    LOOP
        datid := (SELECT d.oid FROM pg_catalog.pg_database AS d
                   WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());
        datname := pg_catalog.current_database();
        every := idempotency.portable_cron_every(v_every);
        batch_size := idempotency.portable_expiry_batch_size(v_batch);
        scheduled := v_job.active;
        worker_pid := NULL;
        last_run_start := NULL;
        last_run_end := NULL;
        last_error := NULL;
        last_error_at := NULL;
        IF pg_catalog.to_regclass('cron.job_run_details') IS NOT NULL THEN
            EXECUTE 'SELECT r.job_pid, r.status, r.return_message, r.start_time, r.end_time'
                    ' FROM cron.job_run_details AS r'
                    ' WHERE r.jobid OPERATOR(pg_catalog.=) $1'
                    ' ORDER BY r.runid DESC LIMIT 1'
                INTO v_run USING v_job.jobid;
            GET DIAGNOSTICS v_n = ROW_COUNT;
            IF v_n OPERATOR(pg_catalog.>) 0 THEN
                last_run_start := v_run.start_time;
                IF v_run.status OPERATOR(pg_catalog.=) ANY (ARRAY['starting', 'connecting', 'sending', 'running']) THEN
                    worker_pid := v_run.job_pid;
                ELSE
                    last_run_end := v_run.end_time;
                END IF;
                -- the error that ended the last run, if it failed
                IF v_run.status OPERATOR(pg_catalog.=) 'failed' THEN
                    last_error := v_run.return_message;
                    last_error_at := v_run.end_time;
                END IF;
            END IF;
        END IF;
        last_run_deleted := NULL;
        total_deleted := NULL;
        RETURN NEXT;
    END LOOP;
END
$function$
