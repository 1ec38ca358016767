-- Lease claims: span transactions, hold the key while the lease is live and
-- the holder's session exists, record recovery points, and are recovered
-- once the lease ends or the holder is gone.
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

-- The claim commits an in_progress row with a token and a lease end.
SELECT outcome, state, lease_token IS NOT NULL AS has_token,
       lease_holder_pid = pg_backend_pid() AS holder_is_me,
       lease_interval, lease_expires_at > now() AS live
  FROM idempotency.claim('charge-1', lease => '10 minutes', fingerprint => 'f1');
SELECT lease_token AS token FROM idempotency.lookup('charge-1') \gset
SELECT state, lease_interval FROM idempotency.lookup('charge-1');

-- While the lease is live and its holder exists, others get in_progress
-- (without the holder's token),
-- and a different fingerprint is still a mismatch.
SELECT outcome, lease_token IS NULL AS token_withheld FROM idempotency.claim('charge-1', lease => '10 minutes');
SELECT try($$SELECT idempotency.claim('charge-1', fingerprint => 'f2')$$);

-- checkpoint() records progress and renews the lease; without the token a
-- later transaction is refused, with a wrong token too.
SELECT recovery_point, lease_expires_at > now() + interval '9 minutes' AS renewed
  FROM idempotency.checkpoint('charge-1', 'charge_created', token => :'token');
SELECT try($$SELECT idempotency.checkpoint('charge-1', 'x')$$);
SELECT try($$SELECT idempotency.complete('charge-1', '{}', token => gen_random_uuid())$$);
SELECT try($$SELECT idempotency.release('charge-1', token => gen_random_uuid())$$);
SELECT lease_interval FROM idempotency.checkpoint('charge-1', 'charge_created', token => :'token', lease => '20 minutes');

-- complete() with the token finishes it; a retry replays.
SELECT state, response, response_code, lease_expires_at IS NULL AS lease_over
  FROM idempotency.complete('charge-1', '{"charge": "ch_1"}', 201, token => :'token');
SELECT outcome, response, recovery_point FROM idempotency.claim('charge-1', lease => '10 minutes');
SELECT try($$SELECT idempotency.complete('charge-1', '{}', token => '$$ || :'token' || $$')$$);

-- A lease that ran out is recovered by the next claim, with a new token
-- and the recovery point to resume from; the old token no longer works.
SELECT outcome FROM idempotency.claim('charge-2', lease => '1 second');
SELECT lease_token AS old_token FROM idempotency.lookup('charge-2') \gset
SELECT recovery_point FROM idempotency.checkpoint('charge-2', 'step_2', token => :'old_token', lease => '1 second');
SELECT pg_sleep(1.2);
SELECT outcome, recovery_point, lease_token <> :'old_token' AS new_token
  FROM idempotency.claim('charge-2', lease => '1 minute');
SELECT lease_token AS new_token FROM idempotency.lookup('charge-2') \gset
SELECT try($$SELECT idempotency.complete('charge-2', '{}', token => '$$ || :'old_token' || $$')$$);
SELECT try($$SELECT idempotency.checkpoint('charge-2', 'x', token => '$$ || :'old_token' || $$')$$);
SELECT state FROM idempotency.complete('charge-2', '"ok"', token => :'new_token');

-- A holder whose session is gone loses the key at once, even with a live
-- lease (simulated by a holder pid that no backend has).
SELECT outcome FROM idempotency.claim('charge-3', lease => '1 hour');
UPDATE idempotency.idempotency_keys SET lease_holder_pid = 0 WHERE key = 'charge-3';
SELECT outcome FROM idempotency.claim('charge-3', lease => '1 hour');

-- release() with the token gives the key up; the next claim is fresh.
SELECT lease_token AS token3 FROM idempotency.lookup('charge-3') \gset
SELECT idempotency.release('charge-3', token => :'token3');
SELECT idempotency.lookup('charge-3') IS NULL AS absent;

-- A claim without a lease that finds an abandoned lease recovers it as a
-- claim of its own transaction, which must then finish before COMMIT.
SELECT outcome FROM idempotency.claim('charge-4', lease => '1 hour');
UPDATE idempotency.idempotency_keys SET lease_holder_pid = 0 WHERE key = 'charge-4';
BEGIN;
SELECT outcome, lease_token IS NULL AS no_lease FROM idempotency.claim('charge-4');
COMMIT;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SELECT outcome FROM idempotency.claim('charge-4');
SELECT state FROM idempotency.complete('charge-4', '"done"');
COMMIT;

-- A lease row's time to live runs from the end of its lease: an abandoned
-- claim keeps its recovery point for a whole ttl, and only then is absent.
SELECT outcome, expires_at - lease_expires_at AS ttl_after_lease
  FROM idempotency.claim('charge-5', lease => '1 second', ttl => '1 second');
SELECT recovery_point FROM idempotency.checkpoint('charge-5', 'step_5', token =>
  (SELECT lease_token FROM idempotency.lookup('charge-5')), lease => '1 second');
SELECT pg_sleep(1.2);
SELECT state, recovery_point FROM idempotency.lookup('charge-5');
BEGIN;
SELECT outcome, recovery_point FROM idempotency.claim('charge-5');
SELECT idempotency.release('charge-5');
COMMIT;
SELECT outcome FROM idempotency.claim('charge-6', lease => '1 second', ttl => '1 second');
SELECT pg_sleep(2.2);
SELECT idempotency.lookup('charge-6') IS NULL AS absent;
BEGIN;
SELECT outcome, recovery_point FROM idempotency.claim('charge-6');
SELECT idempotency.release('charge-6');
COMMIT;

-- A lease claim completed after its ttl would have run out (counted from
-- the claim) keeps its result for a whole ttl from the completion.
SELECT outcome FROM idempotency.claim('charge-7', lease => '1 minute', ttl => '1 second');
SELECT pg_sleep(1.2);
SELECT state, expires_at - completed_at AS ttl
  FROM idempotency.complete('charge-7', '"late"', token =>
       (SELECT lease_token FROM idempotency.lookup('charge-7')));
SELECT outcome, response FROM idempotency.claim('charge-7');

-- A claim with a lease after a claim of the same key without one, in the
-- same transaction, cannot turn it into a lease claim: 55000, and the first
-- claim stands (it still has to be completed or released).
BEGIN;
SELECT outcome FROM idempotency.claim('charge-8');
SELECT try($$SELECT idempotency.claim('charge-8', lease => '1 minute')$$);
SELECT state, lease_token IS NULL AS no_token FROM idempotency.lookup('charge-8');
SELECT idempotency.release('charge-8');
COMMIT;
-- The other way round, the lease claim stands and a claim without a lease
-- gets it back, token included.
BEGIN;
SELECT outcome FROM idempotency.claim('charge-9', lease => '1 minute');
SELECT outcome, lease_token IS NOT NULL AS has_token FROM idempotency.claim('charge-9');
SELECT idempotency.release('charge-9');
COMMIT;

-- checkpoint() of a key claimed without a lease raises 55000, with a token
-- or without one: no token can hold a claim without a lease.
BEGIN;
SELECT outcome FROM idempotency.claim('charge-10');
SELECT try($$SELECT idempotency.checkpoint('charge-10', 'p', token => '00000000-0000-4000-8000-000000000000')$$);
SELECT try($$SELECT idempotency.checkpoint('charge-10', 'p')$$);
SELECT idempotency.release('charge-10');
COMMIT;

SELECT key, state, recovery_point FROM idempotency.idempotency_keys
 WHERE key LIKE 'charge-%' ORDER BY key;
