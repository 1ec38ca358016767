-- claim_batch looks up the keys it locks at once in one pass over the
-- primary key (src/keystore.c, ks_prefetch): every key's outcome is what a
-- lookup of its own would find, whatever else the index holds between the
-- keys (other scopes, other keys, dead versions) and however far apart
-- the keys are.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE FUNCTION walk_locks() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 18756 AND pid = pg_backend_pid()
$$;

-- w-01 .. w-16 in scope 'walk': the even ones completed, each with its
-- number; in scope 'other' all sixteen completed, and in 'walk' keys that
-- sort between them (w-03x, w-11x), so that their entries lie between the
-- batch's keys.
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(
    ARRAY(SELECT format('w-%s', lpad(i::text, 2, '0')) FROM generate_series(2, 16, 2) AS i),
    scope => 'walk');
SELECT idempotency.complete_batch(
    ARRAY(SELECT format('w-%s', lpad(i::text, 2, '0')) FROM generate_series(2, 16, 2) AS i),
    ARRAY(SELECT jsonb_build_object('n', i) FROM generate_series(2, 16, 2) AS i),
    scope => 'walk');
SELECT count(*) FROM idempotency.claim_batch(
    ARRAY(SELECT format('w-%s', lpad(i::text, 2, '0')) FROM generate_series(1, 16) AS i),
    scope => 'other');
SELECT idempotency.complete_batch(
    ARRAY(SELECT format('w-%s', lpad(i::text, 2, '0')) FROM generate_series(1, 16) AS i),
    ARRAY(SELECT jsonb_build_object('other', i) FROM generate_series(1, 16) AS i),
    scope => 'other');
SELECT count(*) FROM idempotency.claim_batch(ARRAY['w-03x', 'w-11x'], scope => 'walk');
SELECT idempotency.complete_batch(ARRAY['w-03x', 'w-11x'], scope => 'walk');
COMMIT;

-- w-05 expires; w-07 was claimed and released three times (dead versions
-- only); w-09 is a lease claim completed later (its completion moves
-- expires_at, so its old version keeps an entry of its own).
BEGIN;
SELECT outcome FROM idempotency.claim_batch(ARRAY['w-05'], scope => 'walk', ttl => '1 second');
SELECT idempotency.complete_batch(ARRAY['w-05'], ARRAY['{"n": 5}'::jsonb], scope => 'walk');
COMMIT;
SELECT outcome FROM idempotency.claim('w-07', 'walk', lease => '1 minute');
SELECT idempotency.release('w-07', 'walk', token => (SELECT lease_token FROM idempotency.lookup('w-07', 'walk')));
SELECT outcome FROM idempotency.claim('w-07', 'walk', lease => '1 minute');
SELECT idempotency.release('w-07', 'walk', token => (SELECT lease_token FROM idempotency.lookup('w-07', 'walk')));
SELECT outcome FROM idempotency.claim('w-07', 'walk', lease => '1 minute');
SELECT idempotency.release('w-07', 'walk', token => (SELECT lease_token FROM idempotency.lookup('w-07', 'walk')));
SELECT outcome FROM idempotency.claim('w-09', 'walk', lease => '1 minute');
SELECT state FROM idempotency.complete('w-09', '{"n": 9}', scope => 'walk',
    token => (SELECT lease_token FROM idempotency.lookup('w-09', 'walk')));
SELECT pg_sleep(1.2);

-- The whole range, given backwards with w-12 twice: the even keys and w-09
-- replay their own results (never the 'other' scope's), w-05 expired and
-- the rest are new, all found in the one pass (the DEBUG1 line).  Only the
-- claimed keys keep a lock.
BEGIN;
SET LOCAL client_min_messages = debug1;
SELECT ordinality, key, outcome, response
  FROM idempotency.claim_batch(
      ARRAY(SELECT format('w-%s', lpad(i::text, 2, '0')) FROM generate_series(16, 1, -1) AS i)
          || ARRAY['w-12'],
      scope => 'walk');
SELECT walk_locks();
ROLLBACK;

-- Far apart: s-000 .. s-049 completed in scope 'sparse'; a batch of keys
-- with more than 32 entries between two of them gets the same answers (the
-- pass stops there and the rest are looked up one by one), and so does the
-- dense batch of all fifty and one more.
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(
    ARRAY(SELECT format('s-%s', lpad(i::text, 3, '0')) FROM generate_series(0, 49) AS i),
    scope => 'sparse');
SELECT idempotency.complete_batch(
    ARRAY(SELECT format('s-%s', lpad(i::text, 3, '0')) FROM generate_series(0, 49) AS i),
    ARRAY(SELECT jsonb_build_object('s', i) FROM generate_series(0, 49) AS i),
    scope => 'sparse');
COMMIT;
BEGIN;
SET LOCAL client_min_messages = debug1;
SELECT ordinality, key, outcome, response
  FROM idempotency.claim_batch(ARRAY['s-000', 's-040', 's-049', 's-050'], scope => 'sparse');
ROLLBACK;
BEGIN;
SET LOCAL client_min_messages = debug1;
SELECT outcome, count(*), min(key), max(key), count(DISTINCT response)
  FROM idempotency.claim_batch(
      ARRAY(SELECT format('s-%s', lpad(i::text, 3, '0')) FROM generate_series(0, 50) AS i),
      scope => 'sparse')
 GROUP BY outcome ORDER BY outcome;
SELECT bool_and(response = jsonb_build_object('s', substr(key, 3)::int))
  FROM idempotency.claim_batch(
      ARRAY(SELECT format('s-%s', lpad(i::text, 3, '0')) FROM generate_series(0, 49) AS i),
      scope => 'sparse');
ROLLBACK;

-- Keys this transaction claimed before the batch, with and without a row
-- (claim() writes one, a batch claim does not): the same claims again.
BEGIN;
SELECT outcome FROM idempotency.claim('w-01', 'walk');
SELECT outcome FROM idempotency.claim_batch(ARRAY['w-03'], scope => 'walk');
SELECT key, outcome FROM idempotency.claim_batch(ARRAY['w-01', 'w-02', 'w-03', 'w-04'], scope => 'walk');
SELECT idempotency.complete_batch(ARRAY['w-01', 'w-03'], scope => 'walk');
COMMIT;
SELECT key, state, response FROM idempotency.idempotency_keys
 WHERE scope = 'walk' AND key IN ('w-01', 'w-03') ORDER BY key;

DROP FUNCTION walk_locks();
-- leave the key table as the other suites expect it
DELETE FROM idempotency.idempotency_keys;
