-- idempotency 1.0: install script.  Assembled by the Makefile from the
-- fragments in src/sql/, in name order.  Security rules: every name is
-- schema-qualified, every SQL function pins search_path, nothing is granted
-- to PUBLIC by accident (see docs/security.md).

\echo Use "CREATE EXTENSION idempotency" to load this file. \quit

-- ------------------------------------------------------------------------
-- The key store.  One row per (owning role, scope, key).  The C functions
-- read and write it directly through its primary key, which leads with the
-- key, its most selective column; the column order of table and primary key
-- is part of the C code's contract (src/keystore.h, src/keystore.c).
-- ------------------------------------------------------------------------
CREATE TABLE idempotency.idempotency_keys (
    owner            pg_catalog.regrole     NOT NULL,
    scope            pg_catalog.text        COLLATE "C" NOT NULL,
    key              pg_catalog.text        COLLATE "C" NOT NULL,
    state            pg_catalog.text        NOT NULL,
    fingerprint      pg_catalog.text,
    response         pg_catalog.jsonb,
    response_code    pg_catalog.int4,
    recovery_point   pg_catalog.text,
    lease_token      pg_catalog.uuid,
    lease_holder_pid pg_catalog.int4,
    lease_interval   pg_catalog.interval,
    lease_expires_at pg_catalog.timestamptz,
    created_at       pg_catalog.timestamptz NOT NULL,
    completed_at     pg_catalog.timestamptz,
    expires_at       pg_catalog.timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (key, scope, owner),
    CONSTRAINT idempotency_keys_state_check
        CHECK (state OPERATOR(pg_catalog.=) 'in_progress'::pg_catalog.text
               OR state OPERATOR(pg_catalog.=) 'completed'::pg_catalog.text)
) WITH (fillfactor = 90);

COMMENT ON TABLE idempotency.idempotency_keys IS
    'Idempotency keys, one row per (owner, scope, key); written only through the idempotency functions';

CREATE INDEX idempotency_keys_expires_at_idx
    ON idempotency.idempotency_keys (expires_at);

SELECT pg_catalog.pg_extension_config_dump('idempotency.idempotency_keys', '');

-- What claim() returns: the key's row with the claim's outcome in front.
CREATE TYPE idempotency.claim_result AS (
    outcome          pg_catalog.text,
    owner            pg_catalog.regrole,
    scope            pg_catalog.text,
    key              pg_catalog.text,
    state            pg_catalog.text,
    fingerprint      pg_catalog.text,
    response         pg_catalog.jsonb,
    response_code    pg_catalog.int4,
    recovery_point   pg_catalog.text,
    lease_token      pg_catalog.uuid,
    lease_holder_pid pg_catalog.int4,
    lease_interval   pg_catalog.interval,
    lease_expires_at pg_catalog.timestamptz,
    created_at       pg_catalog.timestamptz,
    completed_at     pg_catalog.timestamptz,
    expires_at       pg_catalog.timestamptz
);

-- ------------------------------------------------------------------------
-- The key API.  Each function exists for a text key and for a uuid key
-- (the uuid is stored in its canonical text form).
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.claim(
    key pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    fingerprint pg_catalog.text DEFAULT NULL,
    wait pg_catalog.interval DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL,
    ttl pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.claim_result
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_claim';

CREATE FUNCTION idempotency.claim(
    key pg_catalog.uuid,
    scope pg_catalog.text DEFAULT '',
    fingerprint pg_catalog.text DEFAULT NULL,
    wait pg_catalog.interval DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL,
    ttl pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.claim_result
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_claim_uuid';

CREATE FUNCTION idempotency.complete(
    key pg_catalog.text,
    response pg_catalog.jsonb,
    response_code pg_catalog.int4 DEFAULT NULL,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_complete';

CREATE FUNCTION idempotency.complete(
    key pg_catalog.uuid,
    response pg_catalog.jsonb,
    response_code pg_catalog.int4 DEFAULT NULL,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_complete_uuid';

CREATE FUNCTION idempotency.release(
    key pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_release';

CREATE FUNCTION idempotency.release(
    key pg_catalog.uuid,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_release_uuid';

CREATE FUNCTION idempotency.checkpoint(
    key pg_catalog.text,
    recovery_point pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_checkpoint';

CREATE FUNCTION idempotency.checkpoint(
    key pg_catalog.uuid,
    recovery_point pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_checkpoint_uuid';

CREATE FUNCTION idempotency.lookup(
    key pg_catalog.text,
    scope pg_catalog.text DEFAULT '')
RETURNS idempotency.idempotency_keys
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'idempotency_lookup';

CREATE FUNCTION idempotency.lookup(
    key pg_catalog.uuid,
    scope pg_catalog.text DEFAULT '')
RETURNS idempotency.idempotency_keys
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'idempotency_lookup_uuid';

-- ------------------------------------------------------------------------
-- once(): a statement run exactly once per key; its rows are stored and
-- replayed as a jsonb array of objects.  The statement's parameters $1..$n
-- are the arguments after it, passed with their own types.
-- once_with() also takes a scope ('' is the default scope; NULL is an error,
-- as everywhere), a ttl and an explicit fingerprint (NULL for either: the
-- default).
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.once(key pg_catalog.text, statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once';

CREATE FUNCTION idempotency.once(key pg_catalog.uuid, statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_uuid';

CREATE FUNCTION idempotency.once(key pg_catalog.text, statement pg_catalog.text,
                                 VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once';

CREATE FUNCTION idempotency.once(key pg_catalog.uuid, statement pg_catalog.text,
                                 VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_uuid';

CREATE FUNCTION idempotency.once_with(key pg_catalog.text, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with';

CREATE FUNCTION idempotency.once_with(key pg_catalog.uuid, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with_uuid';

CREATE FUNCTION idempotency.once_with(key pg_catalog.text, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text, VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with';

CREATE FUNCTION idempotency.once_with(key pg_catalog.uuid, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text, VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with_uuid';
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

-- ------------------------------------------------------------------------
-- Privileges and row-level security (docs/security.md).
--
-- The key API runs as the caller and writes the key table directly, always
-- under the caller's own role (current_user) as owner: PUBLIC may run it.
-- Nothing else in the schema is executable by PUBLIC, and nobody but the
-- extension's owner may write the tables directly.  Reading the key table
-- directly shows a role its own keys only: row-level security, forced, so
-- that it holds for the table's owner too, who is let see every key by a
-- policy of its own.  all_keys() lets a monitoring role that an
-- administrator grants it to read every key.
-- ------------------------------------------------------------------------

-- The schema named in the control file is used as it is when it already
-- exists.  Refuse one that a role other than the installing role or a
-- superuser owns, can create objects in, or has put objects into: such a
-- role could add look-alike overloads of the API next to the extension's
-- functions.  Everything above names its objects with their schema, so
-- nothing in a refused schema has been used; the whole installation rolls
-- back.
DO LANGUAGE plpgsql $check_schema$
DECLARE
    v_nsp     pg_catalog.oid;
    v_owner   pg_catalog.oid;
    v_me      pg_catalog.oid;
    v_culprit pg_catalog.text;
BEGIN
    SELECT r.oid INTO v_me
      FROM pg_catalog.pg_roles r
     WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER;
    SELECT n.oid, n.nspowner INTO v_nsp, v_owner
      FROM pg_catalog.pg_namespace n
     WHERE n.nspname OPERATOR(pg_catalog.=) 'idempotency'::pg_catalog.name;

    IF v_owner OPERATOR(pg_catalog.<>) v_me
       AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) v_owner) THEN
        RAISE EXCEPTION 'schema "idempotency" is owned by role "%"',
              (SELECT r.rolname FROM pg_catalog.pg_roles r
                WHERE r.oid OPERATOR(pg_catalog.=) v_owner)
              USING ERRCODE = 'insufficient_privilege',
                    DETAIL = 'The extension installs into an existing schema of its name, and the owner of that schema could replace or shadow the extension''s objects.',
                    HINT = 'Drop the schema, or make a superuser its owner after checking what it contains.';
    END IF;

    SELECT pg_catalog.string_agg(
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid
                    THEN 'PUBLIC'::pg_catalog.text
                    ELSE (SELECT r.rolname::pg_catalog.text FROM pg_catalog.pg_roles r
                           WHERE r.oid OPERATOR(pg_catalog.=) a.grantee) END,
               ', '::pg_catalog.text)
      INTO v_culprit
      FROM pg_catalog.pg_namespace n,
           LATERAL pg_catalog.aclexplode(n.nspacl) a
     WHERE n.oid OPERATOR(pg_catalog.=) v_nsp
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'::pg_catalog.text
       AND a.grantee OPERATOR(pg_catalog.<>) v_me
       AND NOT COALESCE(
               (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) a.grantee), false);
    IF v_culprit IS NOT NULL THEN
        RAISE EXCEPTION 'roles other than superusers may create objects in schema "idempotency": %',
              v_culprit
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Revoke CREATE on the schema from them, and check what they created in it.';
    END IF;

    -- Objects of the schema owned by anyone but this role or a superuser.
    WITH objs(kind, name, owner) AS (
        SELECT 'relation'::pg_catalog.text, c.relname::pg_catalog.text, c.relowner
          FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'function', p.oid::pg_catalog.regprocedure::pg_catalog.text, p.proowner
          FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'type', t.typname::pg_catalog.text, t.typowner
          FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'operator', o.oid::pg_catalog.regoperator::pg_catalog.text, o.oprowner
          FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'collation', l.collname::pg_catalog.text, l.collowner
          FROM pg_catalog.pg_collation l WHERE l.collnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'conversion', v.conname::pg_catalog.text, v.conowner
          FROM pg_catalog.pg_conversion v WHERE v.connamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'operator class', oc.opcname::pg_catalog.text, oc.opcowner
          FROM pg_catalog.pg_opclass oc WHERE oc.opcnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'operator family', f.opfname::pg_catalog.text, f.opfowner
          FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'text search configuration', tc.cfgname::pg_catalog.text, tc.cfgowner
          FROM pg_catalog.pg_ts_config tc WHERE tc.cfgnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'text search dictionary', td.dictname::pg_catalog.text, td.dictowner
          FROM pg_catalog.pg_ts_dict td WHERE td.dictnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'statistics object', s.stxname::pg_catalog.text, s.stxowner
          FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace OPERATOR(pg_catalog.=) v_nsp
    )
    SELECT pg_catalog.string_agg(o.kind OPERATOR(pg_catalog.||) ' '::pg_catalog.text
                                 OPERATOR(pg_catalog.||) o.name,
                                 ', '::pg_catalog.text)
      INTO v_culprit
      FROM objs o
     WHERE o.owner OPERATOR(pg_catalog.<>) v_me
       AND NOT COALESCE(
               (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) o.owner), false);
    IF v_culprit IS NOT NULL THEN
        RAISE EXCEPTION 'schema "idempotency" holds objects of other roles: %', v_culprit
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Drop those objects, or install the extension into a schema that only a superuser controls.';
    END IF;
END
$check_schema$;

REVOKE CREATE ON SCHEMA idempotency FROM PUBLIC;
GRANT USAGE ON SCHEMA idempotency TO PUBLIC;

-- ---- Tables: no direct write for PUBLIC, whatever the schema holds -------
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON ALL TABLES IN SCHEMA idempotency FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA idempotency FROM PUBLIC;

REVOKE ALL ON TABLE idempotency.idempotency_keys FROM PUBLIC;
GRANT SELECT ON TABLE idempotency.idempotency_keys TO PUBLIC;

-- ---- Row-level security on the key table ----------------------------------
ALTER TABLE idempotency.idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency.idempotency_keys FORCE ROW LEVEL SECURITY;

-- Every role: its own keys.  The role's OID is looked up once per query
-- (an InitPlan), so a lookup by (scope, key) is a primary key index scan.
CREATE POLICY own_keys ON idempotency.idempotency_keys
    FOR ALL TO PUBLIC
    USING (owner OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER))
    WITH CHECK (owner OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER));

-- The role that creates the extension (its owner, and the owner of its
-- tables) and the roles that inherit its privileges: every key.  Naming the
-- role keeps this policy out of every other role's queries altogether.
-- Superusers bypass row-level security in any case.
CREATE POLICY extension_owner_all_keys ON idempotency.idempotency_keys
    FOR ALL TO CURRENT_USER
    USING (true)
    WITH CHECK (true);

-- For monitoring: every key, for a role an administrator grants it to.
CREATE FUNCTION idempotency.all_keys()
RETURNS SETOF idempotency.idempotency_keys
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
    SELECT k.* FROM idempotency.idempotency_keys k
$body$;

COMMENT ON FUNCTION idempotency.all_keys() IS
    'Every idempotency key of every role; executable only by the roles an administrator grants it to';

REVOKE ALL ON TYPE idempotency.claim_result FROM PUBLIC;
GRANT USAGE ON TYPE idempotency.claim_result TO PUBLIC;

-- ---- Functions: PUBLIC may run the key API, and nothing else -------------
REVOKE ALL ON ALL ROUTINES IN SCHEMA idempotency FROM PUBLIC;

-- Every signature of the API's functions, by name (docs/reference.md).
DO LANGUAGE plpgsql $grant_api$
DECLARE
    v_name pg_catalog.name;
    v_args pg_catalog.text;
BEGIN
    FOR v_name, v_args IN
        SELECT p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
         WHERE n.nspname OPERATOR(pg_catalog.=) 'idempotency'::pg_catalog.name
           AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
                   'claim', 'complete', 'release', 'checkpoint', 'lookup',
                   'once', 'once_with']::pg_catalog.name[])
         ORDER BY p.oid
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION idempotency.%I(%s) TO PUBLIC',
                                  v_name, v_args);
    END LOOP;
END
$grant_api$;
