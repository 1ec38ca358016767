-- portable/migrate/import.sql: loads the keys that portable/migrate/export.sql
-- wrote into this database's key table, of either edition (docs/managed.md,
-- "Moving between editions"):
--
--   psql -X -q -d newdb -f portable/migrate/import.sql < keys.copy
--
-- Run it as a role that may write every role's keys: a superuser, or the role
-- that installed the edition (the key table's owner).  The roles that own the
-- keys must exist here, by the same names.
--
-- All or nothing, in one transaction.  It refuses (and loads nothing) when a
-- key's role does not exist here, when a key of the file exists here already,
-- or when a key is in progress without a lease (such a key cannot have been
-- committed).  Every column is loaded as it was exported; the lease holder is
-- left empty, since the session that held a lease was on the old server: the
-- first claim() of such a key here takes it over ("recovered", with its
-- recovery point), and until then the old lease token still checkpoints,
-- completes or releases it.
\set ON_ERROR_STOP on
\set QUIET on
\encoding UTF8
BEGIN;
SET LOCAL search_path = pg_catalog, pg_temp;
-- the file's format, whatever the server's or the session's settings
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL IntervalStyle = 'postgres';
SET LOCAL TimeZone = 'UTC';

CREATE TEMPORARY TABLE idempotency_import (
    owner_name       pg_catalog.text,
    scope            pg_catalog.text COLLATE "C",
    key              pg_catalog.text COLLATE "C",
    state            pg_catalog.text,
    fingerprint      pg_catalog.text,
    response         pg_catalog.jsonb,
    response_code    pg_catalog.int4,
    recovery_point   pg_catalog.text,
    lease_token      pg_catalog.uuid,
    lease_interval   pg_catalog.interval,
    lease_expires_at pg_catalog.timestamptz,
    created_at       pg_catalog.timestamptz,
    completed_at     pg_catalog.timestamptz,
    expires_at       pg_catalog.timestamptz
) ON COMMIT DROP;

\copy pg_temp.idempotency_import FROM pstdin

DO LANGUAGE plpgsql $check$
DECLARE
    v_table pg_catalog.regclass := pg_catalog.to_regclass('idempotency.idempotency_keys');
    v_list pg_catalog.text;
    v_count pg_catalog.int8;
BEGIN
    IF v_table IS NULL THEN
        RAISE EXCEPTION 'there is no idempotency key table in database "%"',
              pg_catalog.current_database()
              USING ERRCODE = 'undefined_table',
                    HINT = 'Install an edition of idempotency (1.1) here first.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c
                    WHERE c.conrelid OPERATOR(pg_catalog.=) v_table
                      AND c.conname OPERATOR(pg_catalog.=) 'idempotency_keys_fingerprint_check') THEN
        RAISE EXCEPTION 'the key table of database "%" is of version 1.0',
              pg_catalog.current_database()
              USING ERRCODE = 'object_not_in_prerequisite_state',
                    HINT = 'Update first: ALTER EXTENSION idempotency UPDATE;';
    END IF;
    -- only a superuser or the table's owner (and the roles that inherit its
    -- privileges) may write keys of every role; anyone else would be stopped
    -- by row-level security halfway
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                    WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER AND r.rolsuper)
       AND NOT pg_catalog.pg_has_role(CURRENT_USER,
               (SELECT c.relowner FROM pg_catalog.pg_class c
                 WHERE c.oid OPERATOR(pg_catalog.=) v_table), 'USAGE') THEN
        RAISE EXCEPTION 'role "%" may not write the keys of other roles', CURRENT_USER
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Import as a superuser or as the role that installed idempotency here (the owner of idempotency.idempotency_keys).';
    END IF;

    SELECT pg_catalog.string_agg(DISTINCT i.owner_name, ', ')
      INTO v_list
      FROM pg_temp.idempotency_import AS i
     WHERE pg_catalog.to_regrole(i.owner_name) IS NULL;
    IF v_list IS NOT NULL THEN
        RAISE EXCEPTION 'the roles of some keys do not exist here: %', v_list
              USING ERRCODE = 'undefined_object',
                    HINT = 'Create them first (pg_dumpall --roles-only lists the old server''s roles), then import again; nothing was imported.';
    END IF;

    SELECT pg_catalog.count(*) INTO v_count
      FROM pg_temp.idempotency_import AS i
     WHERE i.state OPERATOR(pg_catalog.=) 'in_progress'
       AND i.lease_expires_at IS NULL;
    IF v_count OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION '% keys of the file are in progress without a lease', v_count
              USING ERRCODE = 'invalid_parameter_value',
                    DETAIL = 'A claim without a lease cannot commit unfinished, so no export holds one.',
                    HINT = 'Export again with portable/migrate/export.sql.';
    END IF;

    SELECT pg_catalog.count(*),
           pg_catalog.min(pg_catalog.format('%s/%s/%s', i.owner_name, i.scope, i.key))
      INTO v_count, v_list
      FROM pg_temp.idempotency_import AS i
      JOIN idempotency.idempotency_keys AS k
        ON k.key OPERATOR(pg_catalog.=) i.key
       AND k.scope OPERATOR(pg_catalog.=) i.scope
       AND k.owner OPERATOR(pg_catalog.=) pg_catalog.to_regrole(i.owner_name);
    IF v_count OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION '% keys of the file exist here already (the first: %)', v_count, v_list
              USING ERRCODE = 'unique_violation',
                    HINT = 'Import into a key table that has none of these keys; nothing was imported.';
    END IF;
END
$check$;

INSERT INTO idempotency.idempotency_keys
       (owner, scope, key, state, fingerprint, response, response_code, recovery_point,
        lease_token, lease_holder_pid, lease_interval, lease_expires_at, created_at,
        completed_at, expires_at)
SELECT pg_catalog.to_regrole(i.owner_name), i.scope, i.key, i.state, i.fingerprint,
       i.response, i.response_code, i.recovery_point, i.lease_token, NULL,
       i.lease_interval, i.lease_expires_at, i.created_at, i.completed_at, i.expires_at
  FROM pg_temp.idempotency_import AS i;

DO LANGUAGE plpgsql $report$
BEGIN
    RAISE NOTICE 'imported % keys into database "%"',
          (SELECT pg_catalog.count(*) FROM pg_temp.idempotency_import),
          pg_catalog.current_database();
END
$report$;

COMMIT;
