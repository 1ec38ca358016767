-- portable/migrate/export.sql: writes every key of this database's key table
-- to standard output, in COPY text format, for portable/migrate/import.sql to
-- load into a database of the other edition (docs/managed.md, "Moving between
-- editions").  Works on the C edition (1.1) and on the portable edition
-- (CREATE EXTENSION, pg_tle or the plain script) alike:
--
--   psql -X -q -d olddb -f portable/migrate/export.sql > keys.copy
--
-- Run it as a role that reads every key: a superuser, the role that installed
-- the edition, or a role granted EXECUTE on idempotency.all_keys().  Stop the
-- application first: keys claimed after the export stay behind.
--
-- One line per key, ordered by owner, scope and key; the owner is written as
-- the role's name (role OIDs differ between servers), the lease's holder (a
-- process id on this server) is not written.  Keys of roles dropped since
-- they were made (their owner shows as a number) are left out, with a
-- warning: no role can own them on another server.  Nothing is changed here.
\set ON_ERROR_STOP on
\set QUIET on
\encoding UTF8
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET LOCAL search_path = pg_catalog, pg_temp;
-- the file's format, whatever the server's or the session's settings
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL IntervalStyle = 'postgres';
SET LOCAL TimeZone = 'UTC';

DO LANGUAGE plpgsql $check$
DECLARE
    v_table pg_catalog.regclass := pg_catalog.to_regclass('idempotency.idempotency_keys');
    v_orphans pg_catalog.int8;
BEGIN
    IF v_table IS NULL THEN
        RAISE EXCEPTION 'there is no idempotency key table in database "%"',
              pg_catalog.current_database()
              USING ERRCODE = 'undefined_table',
                    HINT = 'Connect to the database whose keys you move.';
    END IF;
    -- 1.1 stores fingerprints as digests; 1.0 stored the text given
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c
                    WHERE c.conrelid OPERATOR(pg_catalog.=) v_table
                      AND c.conname OPERATOR(pg_catalog.=) 'idempotency_keys_fingerprint_check') THEN
        RAISE EXCEPTION 'the key table of database "%" is of version 1.0',
              pg_catalog.current_database()
              USING ERRCODE = 'object_not_in_prerequisite_state',
                    DETAIL = 'Keys move between editions of the same version, 1.1, which stores fingerprints as digests.',
                    HINT = 'Update first: ALTER EXTENSION idempotency UPDATE;';
    END IF;
    SELECT pg_catalog.count(*) INTO v_orphans
      FROM idempotency.all_keys() AS k
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                        WHERE r.oid OPERATOR(pg_catalog.=) k.owner::pg_catalog.oid);
    IF v_orphans OPERATOR(pg_catalog.>) 0 THEN
        RAISE WARNING '% keys of dropped roles are not exported', v_orphans;
    END IF;
END
$check$;

\copy (SELECT k.owner::pg_catalog.text, k.scope, k.key, k.state, k.fingerprint, k.response, k.response_code, k.recovery_point, k.lease_token, k.lease_interval, k.lease_expires_at, k.created_at, k.completed_at, k.expires_at FROM idempotency.all_keys() AS k JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) k.owner::pg_catalog.oid ORDER BY r.rolname, k.scope, k.key) TO pstdout

COMMIT;
