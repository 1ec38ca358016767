-- The portable edition's copy of test/pgtap/observability.sql (it
-- replaces that file in scripts/test's portable suite, see
-- portable/test/prepare); keep the two in step.  The objects, privileges
-- and the index are asserted as they are for the C edition; the last part
-- differs (portable/DIFFERENCES.md): the settings idempotency.stats_max,
-- stats_track_scopes and log_* are defined by the C library, which the
-- portable edition does not have, and it keeps no counters (stats_info()
-- says counting is off, as the C edition does without its library
-- preloaded; stats() returns no rows).
-- The observability objects of 1.1 (docs/observability.md): who may read
-- and reset the counters and gauges, that the gauges expose no key or
-- response, the partial index they read, and the settings' bounds and
-- contexts.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS idempotency_portable;

SELECT plan(23);

SELECT has_view('idempotency', 'stats', 'view idempotency.stats exists');
SELECT has_view('idempotency', 'key_stats', 'view idempotency.key_stats exists');
SELECT has_function('idempotency', 'stats', ARRAY[]::text[], 'function stats()');
SELECT has_function('idempotency', 'stats_info', ARRAY[]::text[], 'function stats_info()');
SELECT has_function('idempotency', 'stats_reset', ARRAY[]::text[], 'function stats_reset()');
SELECT has_function('idempotency', 'key_table_stats', ARRAY['bigint'], 'function key_table_stats(bigint)');

-- PUBLIC may neither read nor reset; pg_monitor reads; nobody but
-- superusers (and grantees) resets
SELECT ok(NOT has_table_privilege('public', 'idempotency.stats', 'SELECT'),
          'PUBLIC cannot read idempotency.stats');
SELECT ok(NOT has_table_privilege('public', 'idempotency.key_stats', 'SELECT'),
          'PUBLIC cannot read idempotency.key_stats');
SELECT ok(NOT has_function_privilege('public', 'idempotency.stats_reset()', 'EXECUTE'),
          'PUBLIC cannot reset the counters');
SELECT ok(NOT has_function_privilege('public', 'idempotency.stats()', 'EXECUTE'),
          'PUBLIC cannot call stats()');
SELECT ok(NOT has_function_privilege('public', 'idempotency.key_table_stats(bigint)', 'EXECUTE'),
          'PUBLIC cannot call key_table_stats()');
SELECT ok(has_table_privilege('pg_monitor', 'idempotency.stats', 'SELECT'),
          'pg_monitor reads idempotency.stats');
SELECT ok(has_table_privilege('pg_monitor', 'idempotency.key_stats', 'SELECT'),
          'pg_monitor reads idempotency.key_stats');
SELECT ok(has_function_privilege('pg_monitor', 'idempotency.stats_info()', 'EXECUTE'),
          'pg_monitor calls stats_info()');
SELECT ok(NOT has_function_privilege('pg_monitor', 'idempotency.stats_reset()', 'EXECUTE'),
          'pg_monitor cannot reset the counters');

-- the gauges run with the extension owner's rights, show only aggregates
SELECT ok((SELECT prosecdef FROM pg_proc
            WHERE oid = 'idempotency.key_table_stats(bigint)'::regprocedure),
          'key_table_stats() is SECURITY DEFINER, so pg_monitor sees every key''s aggregates');
SELECT is((SELECT count(*)::int FROM information_schema.columns
            WHERE table_schema = 'idempotency' AND table_name = 'key_stats'
              AND column_name IN ('key', 'scope', 'response', 'fingerprint', 'recovery_point',
                                  'lease_token')),
          0, 'key_stats has no column that shows a key or a response');
SELECT is((SELECT count(*)::int FROM information_schema.columns
            WHERE table_schema = 'idempotency' AND table_name = 'stats'
              AND column_name IN ('key', 'response', 'fingerprint')),
          0, 'stats has no column that shows a key or a response');

-- the partial index holds lease claims only
SELECT is((SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
            WHERE i.indexrelid = 'idempotency.idempotency_keys_leases_idx'::regclass),
          '(lease_expires_at IS NOT NULL)', 'the leases index is partial: lease claims only');
SELECT is((SELECT indrelid::regclass::text FROM pg_index
            WHERE indexrelid = 'idempotency.idempotency_keys_leases_idx'::regclass),
          'idempotency.idempotency_keys', 'the leases index is on the key table');

-- no settings of a library: the portable edition defines none
SELECT is((SELECT count(*)::int FROM pg_settings
            WHERE name IN ('idempotency.stats_max', 'idempotency.stats_track_scopes',
                           'idempotency.log_replays', 'idempotency.log_mismatches',
                           'idempotency.log_refused_commits', 'idempotency.log_recoveries',
                           'idempotency.log_min_wait')),
          0, 'the C library''s settings are not defined: the portable edition has no library');

-- no counters: counting is off, and stats() has no rows
SELECT ok(NOT (SELECT counting FROM idempotency.stats_info()),
          'counting is off: the portable edition keeps no shared-memory counters');
SELECT is((SELECT count(*)::int FROM idempotency.stats()), 0, 'stats() returns no rows');

SELECT * FROM finish();
ROLLBACK;
