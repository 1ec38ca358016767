-- claim_batch / complete_batch / release_batch: every outcome in one batch
-- and every refusal, in one session (docs/consumers.md).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- try(sql): 'ok', or the SQLSTATE and message of the error sql raised
CREATE OR REPLACE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- key locks this backend holds
CREATE FUNCTION batch_locks() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 18756 AND pid = pg_backend_pid()
$$;

CREATE TABLE batch_effects (message_id text PRIMARY KEY, body text);

-- New keys: one row per element, in the order given; a key given twice is
-- claimed once and its later occurrences say 'duplicate'.  Each claimed key
-- holds one lock, whatever the order given.
BEGIN;
SELECT * FROM idempotency.claim_batch(ARRAY['m3', 'm1', 'm2', 'm1']);
SELECT batch_locks();
-- the claims are this transaction's; their rows are written by
-- complete_batch, completed at once
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['m1', 'm2', 'm3']);
SELECT outcome, state, created_at IS NOT NULL AS has_created_at
  FROM idempotency.claim('m2');
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'm_';
INSERT INTO batch_effects VALUES ('m1', 'one'), ('m2', 'two'), ('m3', 'three');
SELECT idempotency.complete_batch(ARRAY['m3', 'm1', 'm2'],
                                  ARRAY['{"n": 3}', '{"n": 1}', '{"n": 2}']::jsonb[],
                                  ARRAY[201, 200, 202]);
COMMIT;

-- Redelivery: stored results come back, new keys are claimed, the
-- duplicates are reported once.  Replays keep no lock.
BEGIN;
SELECT * FROM idempotency.claim_batch(ARRAY['m2', 'm4', 'm1', 'm4', 'm2']);
SELECT batch_locks();
SELECT idempotency.complete_batch('{"m4": {"n": 4}}'::jsonb, 200);
COMMIT;
SELECT key, state, response, response_code FROM idempotency.idempotency_keys
 WHERE key LIKE 'm_' ORDER BY key;

-- The batch is the same claim as claim(): a key claimed by claim_batch
-- replays through claim(), and a uuid key passed as text is the key
-- claim(uuid) names.
SELECT outcome, response FROM idempotency.claim('m4');
BEGIN;
SELECT outcome FROM idempotency.claim('6F9619FF-8B86-D011-B42D-00C04FC964FF'::uuid);
SELECT state FROM idempotency.complete('6F9619FF-8B86-D011-B42D-00C04FC964FF'::uuid, '"u"');
COMMIT;
SELECT key, outcome, response FROM idempotency.claim_batch(
    ARRAY['6F9619FF-8B86-D011-B42D-00C04FC964FF'::uuid]::text[]);

-- Claimed keys must be completed or released before COMMIT.
BEGIN;
SELECT outcome FROM idempotency.claim_batch(ARRAY['r1', 'r2', 'r3']);
SELECT idempotency.complete_batch(ARRAY['r1']);
COMMIT;
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'r_';

-- The one-key functions on keys that claim_batch claimed in the
-- transaction: complete(), release() and once() finish them, a second
-- claim() is the same claim, a lease or a checkpoint() is refused.
CREATE TABLE batch_once_rows (k text);
BEGIN;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['o1', 'o2', 'o3', 'o4']);
SELECT key, state, response, response_code FROM idempotency.complete('o1', '"one"', 201);
SELECT idempotency.release('o2');
SELECT idempotency.once('o3', 'INSERT INTO batch_once_rows VALUES ($1) RETURNING k', 'o3'::text);
SELECT try($$SELECT * FROM idempotency.claim('o4', lease => '1 minute')$$);
SELECT try($$SELECT idempotency.checkpoint('o4', 'step 1')$$);
SELECT try($$SELECT idempotency.complete('o1', '"again"')$$);
SELECT idempotency.complete_batch(ARRAY['o4']);
COMMIT;
SELECT key, state, response, response_code FROM idempotency.idempotency_keys
 WHERE key LIKE 'o_' ORDER BY key;
SELECT * FROM batch_once_rows;
DROP TABLE batch_once_rows;

-- Many claims and subtransactions in one transaction: a claim in a
-- rolled-back subtransaction is forgotten, a completion in one is undone
-- (then s-1 is left unfinished), one in a released subtransaction stays.
-- s_keys(a, b): the keys s-a .. s-b
CREATE FUNCTION s_keys(a int, b int) RETURNS text[] LANGUAGE sql
    RETURN (SELECT array_agg('s-' || i) FROM generate_series(a, b) i);
\set s_steps 'SELECT count(*) FROM idempotency.claim_batch(s_keys(1, 20)); SAVEPOINT a; SELECT count(*) FROM idempotency.claim_batch(s_keys(21, 30)); ROLLBACK TO a; SAVEPOINT b; SELECT idempotency.complete_batch(s_keys(1, 10));'
BEGIN;
:s_steps
ROLLBACK TO b;
SELECT idempotency.complete_batch(s_keys(2, 20));
COMMIT;
BEGIN;
:s_steps
RELEASE b;
SELECT idempotency.complete_batch(s_keys(11, 20));
COMMIT;
DROP FUNCTION s_keys(int, int);
SELECT state, count(*) FROM idempotency.idempotency_keys WHERE key LIKE 's-%' GROUP BY state;

-- release_batch gives keys up: the next claim gets them afresh.  NULL
-- responses and codes store NULL.
BEGIN;
SELECT outcome FROM idempotency.claim_batch(ARRAY['r1', 'r2', 'r3']);
SELECT idempotency.release_batch(ARRAY['r2', 'r3']);
SELECT idempotency.complete_batch(ARRAY['r1']);
COMMIT;
SELECT key, state, response, response_code FROM idempotency.idempotency_keys
 WHERE key LIKE 'r_' ORDER BY key;

-- Scope and ttl per call: keys of another scope are other keys.
BEGIN;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['m1', 'e1'], scope => 'queue-a',
                                                 ttl => '1 hour');
SELECT idempotency.complete_batch(ARRAY['m1', 'e1'], scope => 'queue-a');
COMMIT;
SELECT key, scope, expires_at - created_at AS ttl FROM idempotency.idempotency_keys
 WHERE scope = 'queue-a' ORDER BY key;
-- a key that expired is claimed again
BEGIN;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['e1'], ttl => '1 second');
SELECT idempotency.complete_batch(ARRAY['e1']);
COMMIT;
SELECT pg_sleep(1.2);

-- Every outcome in one batch: e1 expired (claimed again), m1 completed,
-- x1 new, p1 held by a prepared transaction and l1 by a live lease
-- (in_progress with wait => '0'), m1 again (duplicate).
BEGIN;
SELECT outcome FROM idempotency.claim('p1');
SELECT state FROM idempotency.complete('p1', '"p"');
PREPARE TRANSACTION 'batch_2pc';
SELECT outcome FROM idempotency.claim('l1', lease => '10 minutes');
BEGIN;
SELECT ordinality, key, outcome, response, response_code
  FROM idempotency.claim_batch(ARRAY['e1', 'm1', 'x1', 'p1', 'l1', 'm1'], wait => '0');
-- only the two claimed keys keep their locks
SELECT batch_locks();
SELECT idempotency.complete_batch(ARRAY['e1', 'x1']);
COMMIT;
-- a positive wait bounds the whole call, then reports in_progress
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['p1', 'm1'], wait => '50ms');
COMMIT PREPARED 'batch_2pc';
SELECT key, outcome, response FROM idempotency.claim_batch(ARRAY['p1']);

-- Fingerprints, one per key (NULL: none).  A mismatch with the stored one
-- is IK001 for the whole batch: nothing is claimed.
BEGIN;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['f1', 'f2'],
                                                 fingerprints => ARRAY['a', NULL]);
SELECT idempotency.complete_batch(ARRAY['f1', 'f2']);
COMMIT;
SELECT key, fingerprint = idempotency.fingerprint_digest('a') AS fingerprint_a
  FROM idempotency.idempotency_keys WHERE key LIKE 'f_' ORDER BY key;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['f1', 'f2'],
                                                 fingerprints => ARRAY['a', 'anything']);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['f3', 'f1'],
                                                   fingerprints => ARRAY['c', 'b'])$$);
SELECT count(*) FROM idempotency.idempotency_keys WHERE key = 'f3';
-- a key given twice: one claim, the first fingerprint given; two that
-- differ are a mismatch
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['f4', 'f4'],
                                                   fingerprints => ARRAY['a', 'b'])$$);
BEGIN;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['f4', 'f4'],
                                                 fingerprints => ARRAY[NULL, 'b']);
SELECT try($$SELECT * FROM idempotency.claim('f4', fingerprint => 'c')$$);
SELECT outcome FROM idempotency.claim('f4', fingerprint => 'b');
SELECT idempotency.complete_batch(ARRAY['f4']);
SELECT fingerprint = idempotency.fingerprint_digest('b') AS fingerprint_b
  FROM idempotency.idempotency_keys WHERE key = 'f4';
ROLLBACK;

-- An empty batch claims nothing.
SELECT count(*) FROM idempotency.claim_batch('{}');
SELECT idempotency.complete_batch('{}'::text[]), idempotency.complete_batch('{}'::jsonb),
       idempotency.release_batch('{}');

-- Refusals: the documented SQLSTATEs, and nothing written or locked.
SELECT try($$SELECT * FROM idempotency.claim_batch(NULL)$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1', NULL])$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1', ''])$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1', repeat('x', 256)])$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY[['n1'], ['n2']])$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1'], scope => NULL)$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1'], scope => repeat('s', 256))$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1', 'n2'], fingerprints => ARRAY['a'])$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1'], fingerprints => ARRAY[repeat('f', 1025)])$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1'], wait => '-1 second')$$);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1'], ttl => '0')$$);
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'n_';

-- the batch size limit, a setting
SET idempotency.max_batch_size = 3;
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['n1', 'n2', 'n3', 'n4'])$$);
SELECT try($$SELECT idempotency.complete_batch(ARRAY['n1', 'n2', 'n3', 'n4'])$$);
SELECT try($$SELECT idempotency.complete_batch('{"n1": 1, "n2": 2, "n3": 3, "n4": 4}'::jsonb)$$);
SELECT try($$SELECT idempotency.release_batch(ARRAY['n1', 'n2', 'n3', 'n4'])$$);
RESET idempotency.max_batch_size;
SELECT try($$SET idempotency.max_batch_size = 0$$);

-- the lock table: a batch that could need more key locks than
-- max_locks_per_transaction is refused before it takes any, counting the
-- keys the transaction claimed already
SHOW max_locks_per_transaction;
SELECT try($$SELECT * FROM idempotency.claim_batch(
    (SELECT array_agg('big-' || i) FROM generate_series(1, 65) i))$$);
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(
    (SELECT array_agg('big-' || i) FROM generate_series(1, 40) i));
SAVEPOINT s;
SELECT * FROM idempotency.claim_batch(
    (SELECT array_agg('big-' || i) FROM generate_series(41, 65) i));
ROLLBACK TO s;
SELECT batch_locks();
ROLLBACK;
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'big-%';

-- complete_batch and release_batch: each key held by this transaction,
-- given once, with as many responses and codes as keys
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(ARRAY['c1', 'c2']);
SAVEPOINT s;
SELECT idempotency.complete_batch(ARRAY['c1', 'c2', 'c1']);
ROLLBACK TO s;
SELECT idempotency.complete_batch(ARRAY['c1', 'c2'], ARRAY['{}']::jsonb[]);
ROLLBACK TO s;
SELECT idempotency.complete_batch(ARRAY['c1', 'c2'], response_codes => ARRAY[1, 2, 3]);
ROLLBACK TO s;
SELECT idempotency.complete_batch(ARRAY['c1', 'c2'], ARRAY[NULL, '{}']::jsonb[], ARRAY[[1], [2]]);
ROLLBACK TO s;
-- c0 is not claimed: the error undoes c1's and c2's completion too
SELECT idempotency.complete_batch(ARRAY['c1', 'c2', 'c0']);
ROLLBACK TO s;
SELECT idempotency.complete_batch(ARRAY['c1', NULL]);
ROLLBACK TO s;
SELECT idempotency.release_batch(ARRAY['c2', 'c0']);
ROLLBACK TO s;
SELECT idempotency.complete_batch(NULL::jsonb);
ROLLBACK TO s;
SELECT idempotency.complete_batch('[1, 2]'::jsonb);
ROLLBACK TO s;
SELECT idempotency.complete_batch('{"": 1}'::jsonb);
ROLLBACK TO s;
SELECT idempotency.complete_batch(ARRAY['m1']);
ROLLBACK TO s;
SET LOCAL idempotency.max_response_size = '1kB';
SELECT idempotency.complete_batch(jsonb_build_object('c1', 1, 'c2', repeat('x', 2000)));
ROLLBACK TO s;
-- c1 and c2 are still claimed by this transaction, not completed
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['c1', 'c2']);
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'c_';
-- the object form: each value is that key's response, JSON null included
SELECT idempotency.complete_batch('{"c2": null, "c1": [1]}'::jsonb, 204);
SELECT key, state, response, response_code FROM idempotency.idempotency_keys
 WHERE key LIKE 'c_' ORDER BY key;
SELECT try($$SELECT idempotency.complete_batch(ARRAY['c1'])$$);
COMMIT;

-- read-only transactions and standbys: refused, even for replays
BEGIN READ ONLY;
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['m1'])$$);
SELECT try($$SELECT idempotency.complete_batch(ARRAY['m1'])$$);
SELECT try($$SELECT idempotency.release_batch(ARRAY['m1'])$$);
COMMIT;

-- claim_batch() is a set-returning function
SELECT try($$SELECT idempotency.claim_batch(ARRAY['m1'])$$);

-- Batch calls are counted per key in idempotency.stats (the library is
-- preloaded for these tests), as the one-key calls are.
CREATE ROLE regress_batch_app;
SET ROLE regress_batch_app;
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(ARRAY['t1', 't2', 't3', 't1']);
SELECT idempotency.complete_batch(ARRAY['t1', 't2']);
SELECT idempotency.release_batch(ARRAY['t3']);
COMMIT;
SELECT outcome FROM idempotency.claim_batch(ARRAY['t1', 't2'], fingerprints => ARRAY['x', 'y']);
SELECT try($$SELECT * FROM idempotency.claim_batch(ARRAY['t4', 't4'], fingerprints => ARRAY['x', 'y'])$$);
RESET ROLE;
SELECT claimed, replayed, completes, releases, mismatches
  FROM idempotency.stats
 WHERE database = current_database() AND role = 'regress_batch_app';
DELETE FROM idempotency.idempotency_keys WHERE owner = 'regress_batch_app'::regrole;
DROP ROLE regress_batch_app;

-- A fingerprint that a later claim gives a pending claim inside a savepoint
-- that rolls back is forgotten with the savepoint, as it is for a claim
-- with a row: the retry with another fingerprint replays.
BEGIN;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp1']);
SAVEPOINT s;
SELECT outcome FROM idempotency.claim('sp1', fingerprint => 'X');
ROLLBACK TO s;
SELECT idempotency.complete_batch(ARRAY['sp1']);
COMMIT;
SELECT fingerprint IS NULL AS no_fingerprint FROM idempotency.lookup('sp1');
SELECT outcome FROM idempotency.claim('sp1', fingerprint => 'Y');
-- the same through claim_batch's fingerprints, and kept when the savepoint
-- is released
BEGIN;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp2', 'sp3']);
SAVEPOINT s;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp2'], fingerprints => ARRAY['X']);
ROLLBACK TO s;
SAVEPOINT t;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp3'], fingerprints => ARRAY['Z']);
RELEASE SAVEPOINT t;
SELECT idempotency.complete_batch(ARRAY['sp2', 'sp3']);
COMMIT;
SELECT key, fingerprint IS NULL AS no_fingerprint,
       fingerprint = idempotency.fingerprint_digest('Z') AS fingerprint_z
  FROM idempotency.idempotency_keys WHERE key IN ('sp2', 'sp3') ORDER BY key;

-- lookup() in the claiming transaction sees its own pending claim, as it
-- sees its own claim with a row
BEGIN;
SELECT outcome FROM idempotency.claim_batch(ARRAY['lk1']);
SELECT key, state, created_at IS NOT NULL AS has_created_at FROM idempotency.lookup('lk1');
SELECT idempotency.release_batch(ARRAY['lk1']);
SELECT key IS NULL AS gone_after_release FROM idempotency.lookup('lk1');
COMMIT;

-- claim_batch in a savepoint, of a key the transaction claimed already but
-- whose row expired meanwhile, deletes that row and claims the key afresh
-- (no row until complete).  ROLLBACK TO brings the row back, and the claim
-- as it was with it: complete() then finds the expired claim (IK003), where
-- it used to write a second row for the key (23505).
BEGIN;
SELECT outcome FROM idempotency.claim('sp-exp', ttl => '1 millisecond');
SELECT pg_sleep(0.01);
SAVEPOINT s;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp-exp']);
ROLLBACK TO s;
SELECT state FROM idempotency.complete('sp-exp', '{"ok": 1}');
ROLLBACK;
-- the same two savepoints deep: what the inner one replaced and released
-- belongs to the outer one, whose rollback brings the claim back
BEGIN;
SELECT outcome FROM idempotency.claim('sp-exp3', ttl => '1 millisecond');
SELECT pg_sleep(0.01);
SAVEPOINT a;
SAVEPOINT b;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp-exp3']);
RELEASE SAVEPOINT b;
ROLLBACK TO a;
SELECT state FROM idempotency.complete('sp-exp3', '{"ok": 1}');
ROLLBACK;
-- RELEASE keeps the new claim: complete() writes its row
BEGIN;
SELECT outcome FROM idempotency.claim('sp-exp2', ttl => '1 millisecond');
SELECT pg_sleep(0.01);
SAVEPOINT s;
SELECT outcome FROM idempotency.claim_batch(ARRAY['sp-exp2']);
RELEASE SAVEPOINT s;
SELECT state FROM idempotency.complete('sp-exp2', '{"ok": 1}');
COMMIT;
SELECT key, state, response FROM idempotency.idempotency_keys WHERE key = 'sp-exp2';

DROP TABLE batch_effects;
DROP FUNCTION batch_locks();
-- leave the key table as the other suites expect it
DELETE FROM idempotency.idempotency_keys;
