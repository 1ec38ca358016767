-- Counters (idempotency.stats) and event logging (idempotency.log_*), in
-- one session.  Needs the library preloaded (test/regress.conf).  The
-- counters are cluster-wide; this file counts the events of a role of its
-- own, from a reset on, and no other test runs meanwhile.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE OR REPLACE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE ROLE regress_stats_app;
GRANT USAGE, CREATE ON SCHEMA public TO regress_stats_app;

-- A backend of an earlier test that is still exiting hands its counts over
-- to the shared table as it goes: wait for every other session to be gone
-- (at most 30 s) before the reset.
DO $$
BEGIN
    FOR i IN 1..300 LOOP
        EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity
                               WHERE backend_type = 'client backend'
                                 AND pid <> pg_backend_pid());
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;

-- counting is on, and starts from zero at a reset
SELECT counting, max_entries, track_scopes, folded FROM idempotency.stats_info();
SELECT idempotency.stats_reset();
SELECT stats_reset > now() - interval '1 minute' AS just_reset, entries
  FROM idempotency.stats_info();
SELECT count(*) FROM idempotency.stats WHERE role = 'regress_stats_app';

-- mine(): this role's counters, the zero ones left out
CREATE FUNCTION mine() RETURNS TABLE (counter text, value numeric)
LANGUAGE sql AS $$
    SELECT c.key, c.value::numeric
      FROM idempotency.stats s,
           LATERAL jsonb_each_text(to_jsonb(s) - 'database' - 'role' - 'scope'
                                   - 'stats_reset' - 'dbid' - 'userid') AS c
     WHERE s.database = current_database() AND s.role = 'regress_stats_app'
       AND c.value::numeric <> 0
     ORDER BY 1
$$;
GRANT EXECUTE ON FUNCTION mine() TO regress_stats_app;

SET ROLE regress_stats_app;
-- a claim, its completion, two replays
BEGIN;
SELECT outcome FROM idempotency.claim('s-1', fingerprint => 'f');
SELECT state FROM idempotency.complete('s-1', '{"id": 1}', 201);
COMMIT;
SELECT outcome, response_code FROM idempotency.claim('s-1', fingerprint => 'f');
SELECT outcome FROM idempotency.claim('s-1');
-- a mismatch (IK001)
SELECT try($$SELECT idempotency.claim('s-1', fingerprint => 'other')$$);
-- a claim released
BEGIN;
SELECT outcome FROM idempotency.claim('s-2');
SELECT idempotency.release('s-2');
COMMIT;
-- a refused commit (IK005)
BEGIN;
SELECT outcome FROM idempotency.claim('s-3');
COMMIT;
-- a lease claim, a checkpoint, a wrong token (IK002)
SELECT outcome FROM idempotency.claim('s-4', lease => '1 hour');
SELECT recovery_point FROM idempotency.checkpoint('s-4', 'step-1',
    token => (SELECT lease_token FROM idempotency.lookup('s-4')));
SELECT try($$SELECT idempotency.complete('s-4', '{}', token => '00000000-0000-4000-8000-000000000000')$$);
-- once(): a run and a replay
CREATE TABLE t (id int PRIMARY KEY);
SELECT idempotency.once('s-5', 'INSERT INTO t VALUES (1) RETURNING id');
SELECT idempotency.once('s-5', 'INSERT INTO t VALUES (1) RETURNING id');
-- in_progress without waiting (our own lease, still live)
SELECT outcome FROM idempotency.claim('s-4', wait => '0');
RESET ROLE;
SELECT * FROM mine();

-- response_bytes is the stored responses' size
SELECT sum(pg_column_size(response) - 4) > 0 AS bytes_stored
  FROM idempotency.idempotency_keys WHERE owner = 'regress_stats_app'::regrole;

-- an expired key that a claim replaces
SET ROLE regress_stats_app;
SELECT idempotency.once_with('s-6', '', '1 microsecond', NULL, 'SELECT 1 AS one');
SELECT pg_sleep(0.01);
BEGIN;
SELECT outcome FROM idempotency.claim('s-6');
SELECT idempotency.release('s-6');
COMMIT;
RESET ROLE;
SELECT * FROM mine() WHERE counter IN ('expired_replaced', 'claimed', 'releases', 'once_runs');

-- per scope, when tracked; a reset empties every row
SELECT idempotency.stats_reset();
SET idempotency.stats_track_scopes = on;
SET ROLE regress_stats_app;
BEGIN;
SELECT outcome FROM idempotency.claim('s-1', scope => 'tenant-a');
SELECT outcome FROM idempotency.claim('s-1', scope => 'tenant-b');
SELECT idempotency.release('s-1', scope => 'tenant-a');
SELECT idempotency.release('s-1', scope => 'tenant-b');
COMMIT;
SELECT outcome FROM idempotency.claim('s-1');
RESET ROLE;
SELECT scope, claimed, releases FROM idempotency.stats
 WHERE role = 'regress_stats_app' ORDER BY scope;
RESET idempotency.stats_track_scopes;

-- ordinary roles cannot read or reset the counters
SET ROLE regress_stats_app;
SELECT try($$SELECT * FROM idempotency.stats$$);
SELECT try($$SELECT idempotency.stats_reset()$$);
SELECT try($$SELECT * FROM idempotency.key_stats$$);
RESET ROLE;

-- the logging settings are for superusers
SET ROLE regress_stats_app;
SELECT try($$SET idempotency.log_replays = on$$);
RESET ROLE;

-- one LOG line per event, with role, scope and key, never the response
SET client_min_messages = log;
SET idempotency.log_replays = on;
SET idempotency.log_mismatches = on;
SET idempotency.log_refused_commits = on;
SET idempotency.log_recoveries = on;
SET ROLE regress_stats_app;
SELECT outcome FROM idempotency.claim('s-1');
SELECT idempotency.once('s-5', 'INSERT INTO t VALUES (1) RETURNING id');
SELECT try($$SELECT idempotency.claim('s-1', fingerprint => 'other')$$);
BEGIN;
SELECT outcome FROM idempotency.claim(E'odd"key\n');
COMMIT;
SELECT outcome FROM idempotency.claim('s-10', lease => '1 microsecond');
BEGIN;
SELECT outcome, recovery_point FROM idempotency.claim('s-10');
SELECT idempotency.release('s-10');
COMMIT;
RESET ROLE;
SET idempotency.log_replays = off;
SET ROLE regress_stats_app;
SELECT outcome FROM idempotency.claim('s-1');
RESET ROLE;
RESET client_min_messages;

-- the key table's gauges: sizes, leases, open claims and the expiry backlog
-- (other tests' keys share this table: the gauges are compared with what
-- they said before these keys)
SELECT leases AS leases_before, live_leases AS live_before, expired_backlog AS backlog_before
  FROM idempotency.key_stats \gset
SET ROLE regress_stats_app;
SELECT outcome FROM idempotency.claim('s-7', lease => '1 hour');
SELECT outcome FROM idempotency.claim('s-8', lease => '1 microsecond');
RESET ROLE;
INSERT INTO idempotency.idempotency_keys
       (owner, scope, key, state, response, created_at, completed_at, expires_at)
SELECT 'regress_stats_app'::regrole, '', 'gone-' || g, 'completed', '{}',
       now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour'
  FROM generate_series(1, 3) AS g;
SELECT leases - :leases_before AS new_leases, live_leases - :live_before AS new_live,
       in_progress >= 2 AS in_progress,
       oldest_live_lease IS NOT NULL AS has_live, oldest_in_progress IS NOT NULL AS has_oldest,
       expired_backlog - :backlog_before AS new_backlog, expired_backlog_capped,
       oldest_expired_at < now() AS oldest_expired,
       table_bytes > 0 AS table_bytes, index_bytes > 0 AS index_bytes
  FROM idempotency.key_stats;
SELECT expired_backlog, expired_backlog_capped
  FROM idempotency.key_table_stats(backlog_limit => 1);
SELECT try($$SELECT * FROM idempotency.key_table_stats(0)$$);
SELECT try($$SELECT * FROM idempotency.key_table_stats(NULL)$$);
-- an open claim of another transaction shows, with its start
BEGIN;
SELECT outcome FROM idempotency.claim('s-9');
SELECT open_claims, oldest_open_claim = now() AS since_this_transaction
  FROM idempotency.key_stats;
ROLLBACK;
-- pg_monitor members read the gauges and counters
CREATE ROLE regress_stats_monitor IN ROLE pg_monitor;
SET ROLE regress_stats_monitor;
SELECT leases FROM idempotency.key_stats;
SELECT count(*) > 0 AS sees_counters FROM idempotency.stats;
SELECT try($$SELECT idempotency.stats_reset()$$);
RESET ROLE;

-- clean up
SET ROLE regress_stats_app;
DROP TABLE t;
RESET ROLE;
DELETE FROM idempotency.idempotency_keys WHERE owner = 'regress_stats_app'::regrole;
DROP FUNCTION mine();
REVOKE ALL ON SCHEMA public FROM regress_stats_app;
DROP ROLE regress_stats_app;
DROP ROLE regress_stats_monitor;
