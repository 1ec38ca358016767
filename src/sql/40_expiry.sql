-- ------------------------------------------------------------------------
-- Expiry (docs/expiry.md).  idempotency.purge() deletes expired keys in
-- batches; with the library in shared_preload_libraries, a background
-- worker per database runs it on the schedule kept in
-- idempotency.expiry_schedule.  These are administrator functions: not
-- granted to PUBLIC.  The database's owner may unschedule expiry there.
-- ------------------------------------------------------------------------

-- The schedule of the current database: no row, or exactly one.  A NULL
-- every or batch_size follows the GUC idempotency.expiry_interval or
-- idempotency.expiry_batch_size.  The bounds are those of src/worker.h
-- (IDEM_EXPIRY_*).
CREATE TABLE idempotency.expiry_schedule (
    singleton   pg_catalog.bool        NOT NULL DEFAULT true,
    every       pg_catalog.interval,
    batch_size  pg_catalog.int4,
    updated_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT expiry_schedule_pkey PRIMARY KEY (singleton),
    CONSTRAINT expiry_schedule_singleton CHECK (singleton),
    CONSTRAINT expiry_schedule_every_check
        CHECK (every OPERATOR(pg_catalog.>=) '1 second'::pg_catalog.interval
               AND every OPERATOR(pg_catalog.<=) '1 day'::pg_catalog.interval),
    CONSTRAINT expiry_schedule_batch_size_check
        CHECK (batch_size OPERATOR(pg_catalog.>=) 1
               AND batch_size OPERATOR(pg_catalog.<=) 1000000)
);

COMMENT ON TABLE idempotency.expiry_schedule IS
    'Expiry schedule of this database (at most one row); written by schedule_expiry() and unschedule_expiry()';

SELECT pg_catalog.pg_extension_config_dump('idempotency.expiry_schedule', '');

-- Any committed change of the schedule (also a restore) wakes the worker;
-- a transaction that changed it cannot be prepared (PREPARE TRANSACTION).
CREATE FUNCTION idempotency.expiry_schedule_changed()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'idempotency_expiry_schedule_changed';

CREATE TRIGGER expiry_schedule_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idempotency.expiry_schedule
    FOR EACH STATEMENT EXECUTE FUNCTION idempotency.expiry_schedule_changed();

-- Raises 55000 unless the library is preloaded; reserves the worker's slot.
CREATE FUNCTION idempotency.expiry_require_worker()
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_expiry_require_worker';

-- Deletes at most batch_size expired keys and returns how many it deleted.
-- Expired: past expires_at, and not held under a live lease.  Keys that a
-- claimer has locked are skipped, never waited for.
CREATE FUNCTION idempotency.purge(batch_size pg_catalog.int4 DEFAULT 10000)
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    deleted pg_catalog.int8;
BEGIN
    IF purge.batch_size IS NULL THEN
        RAISE EXCEPTION 'batch size must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF purge.batch_size OPERATOR(pg_catalog.<) 1
       OR purge.batch_size OPERATOR(pg_catalog.>) 1000000 THEN
        RAISE EXCEPTION 'invalid batch size %', purge.batch_size
            USING ERRCODE = '22023',
                  DETAIL = 'The batch size must be between 1 and 1000000.';
    END IF;

    DELETE FROM idempotency.idempotency_keys AS k
     WHERE k.ctid OPERATOR(pg_catalog.=) ANY (ARRAY(
           SELECT e.ctid
             FROM idempotency.idempotency_keys AS e
            WHERE e.expires_at OPERATOR(pg_catalog.<) pg_catalog.now()
              AND (e.state OPERATOR(pg_catalog.=) 'completed'::pg_catalog.text
                   OR e.lease_expires_at IS NULL
                   OR e.lease_expires_at OPERATOR(pg_catalog.<) pg_catalog.now())
            ORDER BY e.expires_at
            LIMIT purge.batch_size
              FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$function$;

COMMENT ON FUNCTION idempotency.purge(pg_catalog.int4) IS
    'Deletes at most batch_size expired keys, skipping keys a claimer holds; returns the number deleted';

-- Turns expiry on (or changes it) for the current database.  NULL (the
-- default) stores NULL: the worker follows the GUC, also after a reload.
CREATE FUNCTION idempotency.schedule_expiry(
    every pg_catalog.interval DEFAULT NULL,
    batch_size pg_catalog.int4 DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF schedule_expiry.every OPERATOR(pg_catalog.<) '1 second'::pg_catalog.interval
       OR schedule_expiry.every OPERATOR(pg_catalog.>) '1 day'::pg_catalog.interval THEN
        RAISE EXCEPTION 'invalid expiry interval %', schedule_expiry.every
            USING ERRCODE = '22023',
                  DETAIL = 'The interval must be between 1 second and 1 day.';
    END IF;
    IF schedule_expiry.batch_size OPERATOR(pg_catalog.<) 1
       OR schedule_expiry.batch_size OPERATOR(pg_catalog.>) 1000000 THEN
        RAISE EXCEPTION 'invalid batch size %', schedule_expiry.batch_size
            USING ERRCODE = '22023',
                  DETAIL = 'The batch size must be between 1 and 1000000.';
    END IF;

    PERFORM idempotency.expiry_require_worker();

    INSERT INTO idempotency.expiry_schedule AS s (singleton, every, batch_size, updated_at)
    VALUES (true, schedule_expiry.every, schedule_expiry.batch_size, pg_catalog.now())
    ON CONFLICT (singleton) DO UPDATE
       SET every = EXCLUDED.every,
           batch_size = EXCLUDED.batch_size,
           updated_at = EXCLUDED.updated_at;
END
$function$;

COMMENT ON FUNCTION idempotency.schedule_expiry(pg_catalog.interval, pg_catalog.int4) IS
    'Runs expiry in this database every interval, in batches of batch_size keys; NULL follows idempotency.expiry_interval / expiry_batch_size (needs shared_preload_libraries)';

-- Turns expiry off for the current database; its worker exits.
CREATE FUNCTION idempotency.unschedule_expiry()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    DELETE FROM idempotency.expiry_schedule;
END
$function$;

COMMENT ON FUNCTION idempotency.unschedule_expiry() IS
    'Stops expiry in this database';

-- The expiry workers' shared state: one row per database that has (or is
-- being looked at for) a worker; no rows when the library is not preloaded.
CREATE FUNCTION idempotency.expiry_worker_state(
    OUT datid pg_catalog.oid,
    OUT datname pg_catalog.name,
    OUT worker_pid pg_catalog.int4,
    OUT every pg_catalog.interval,
    OUT batch_size pg_catalog.int4,
    OUT last_run_start pg_catalog.timestamptz,
    OUT last_run_end pg_catalog.timestamptz,
    OUT last_run_deleted pg_catalog.int8,
    OUT total_deleted pg_catalog.int8,
    OUT last_error pg_catalog.text,
    OUT last_error_at pg_catalog.timestamptz,
    OUT scheduled pg_catalog.bool)
RETURNS SETOF record
LANGUAGE c VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'idempotency_expiry_worker_state';

-- Per database: its worker and its last runs.  The current database's
-- schedule shows even where no worker runs (no preload, or no slot).  The
-- interval and batch size are the effective ones: a NULL column shows the
-- GUC's value.
CREATE VIEW idempotency.expiry_status AS
SELECT w.datname AS database,
       w.worker_pid,
       w.every,
       w.batch_size,
       w.last_run_start,
       w.last_run_end,
       w.last_run_deleted,
       w.total_deleted,
       w.last_error,
       w.last_error_at,
       w.scheduled
  FROM idempotency.expiry_worker_state() AS w
UNION ALL
SELECT pg_catalog.current_database()::pg_catalog.name,
       NULL,
       COALESCE(s.every,
                pg_catalog.current_setting('idempotency.expiry_interval',
                                           true)::pg_catalog.interval),
       COALESCE(s.batch_size,
                pg_catalog.current_setting('idempotency.expiry_batch_size',
                                           true)::pg_catalog.int4),
       NULL, NULL, NULL, NULL, NULL, NULL, true
  FROM idempotency.expiry_schedule AS s
 WHERE NOT EXISTS (
       SELECT FROM idempotency.expiry_worker_state() AS w2
        WHERE w2.datid OPERATOR(pg_catalog.=)
              (SELECT d.oid FROM pg_catalog.pg_database AS d
                WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()));

COMMENT ON VIEW idempotency.expiry_status IS
    'Expiry workers per database: pid, schedule, last run, keys deleted, last error';

-- Administrator functions: the extension's owner and superusers run them;
-- GRANT EXECUTE on one of them delegates exactly that (docs/expiry.md).
REVOKE ALL ON TABLE idempotency.expiry_schedule FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.expiry_schedule_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.expiry_require_worker() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.purge(pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.schedule_expiry(pg_catalog.interval, pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.unschedule_expiry() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.expiry_worker_state() FROM PUBLIC;
REVOKE ALL ON TABLE idempotency.expiry_status FROM PUBLIC;

-- Monitoring roles may read the workers' state.
GRANT EXECUTE ON FUNCTION idempotency.expiry_worker_state() TO pg_monitor;
GRANT SELECT ON TABLE idempotency.expiry_status TO pg_monitor;

-- The owner of a database (and the roles that inherit its privileges) may
-- stop expiry there, so that DROP DATABASE has a way out that needs no
-- superuser: pg_database_owner (PostgreSQL 14 and later) stands for the
-- owner of the current database.
DO LANGUAGE plpgsql $grant_owner$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles r
                WHERE r.rolname OPERATOR(pg_catalog.=) 'pg_database_owner') THEN
        GRANT EXECUTE ON FUNCTION idempotency.unschedule_expiry() TO pg_database_owner;
    END IF;
END
$grant_owner$;
