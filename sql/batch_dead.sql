-- claim_batch over keys whose primary-key entries are dead (the rows a
-- rolled-back transaction wrote): every lookup of the batch meets them and
-- the index scan notes them to be marked, which must not disturb the rest
-- of the batch.  Each key ends claimed once, completed once, with its own
-- fingerprint and response.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TEMP TABLE dead_keys AS
SELECT format('d-%s', lpad(i::text, 3, '0')) AS key FROM generate_series(1, 60) AS i;

-- 40 completed keys after each of them in the index (d-001-01 .. d-001-40
-- sort between d-001 and d-002): the batch's keys are far apart, so each is
-- looked up on its own (src/keystore.c, ks_prefetch)
DO $$
BEGIN
    FOR i IN 1 .. 60 LOOP
        PERFORM count(*) FROM idempotency.claim_batch(
            ARRAY(SELECT format('d-%s-%s', lpad(i::text, 3, '0'), lpad(j::text, 2, '0'))
                    FROM generate_series(1, 40) AS j), scope => 'dead');
        PERFORM idempotency.complete_batch(
            ARRAY(SELECT format('d-%s-%s', lpad(i::text, 3, '0'), lpad(j::text, 2, '0'))
                    FROM generate_series(1, 40) AS j), scope => 'dead');
        COMMIT;
    END LOOP;
END
$$;

-- two rolled-back batches: each key gets two dead entries
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key),
    scope => 'dead', fingerprints => ARRAY(SELECT 'fp-' || key FROM dead_keys ORDER BY key));
SELECT idempotency.complete_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key),
    ARRAY(SELECT jsonb_build_object('first', key) FROM dead_keys ORDER BY key), scope => 'dead');
ROLLBACK;
BEGIN;
SELECT count(*) FROM idempotency.claim_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key DESC),
    scope => 'dead', fingerprints => ARRAY(SELECT 'fp-' || key FROM dead_keys ORDER BY key DESC));
SELECT idempotency.complete_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key),
    ARRAY(SELECT jsonb_build_object('second', key) FROM dead_keys ORDER BY key), scope => 'dead');
ROLLBACK;

-- the same keys again, with their fingerprints: all new, all held by this
-- transaction, then completed
BEGIN;
SET LOCAL client_min_messages = debug1;
SELECT outcome, count(*) FROM idempotency.claim_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key),
    scope => 'dead', fingerprints => ARRAY(SELECT 'fp-' || key FROM dead_keys ORDER BY key))
 GROUP BY outcome;
RESET client_min_messages;
SELECT count(*) FILTER (WHERE (idempotency.lookup(key, 'dead')).state = 'in_progress') AS held,
       count(*) FILTER (WHERE (idempotency.lookup(key, 'dead')).fingerprint
                              = idempotency.fingerprint_digest('fp-' || key)) AS own_fingerprint
  FROM dead_keys;
SELECT idempotency.complete_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key),
    ARRAY(SELECT jsonb_build_object('done', key) FROM dead_keys ORDER BY key), scope => 'dead');
COMMIT;

SELECT count(*) AS keys, count(DISTINCT key) AS distinct_keys,
       bool_and(state = 'completed') AS completed,
       bool_and(fingerprint = idempotency.fingerprint_digest('fp-' || key)) AS fingerprints,
       bool_and(response = jsonb_build_object('done', key)) AS responses
  FROM idempotency.idempotency_keys WHERE scope = 'dead' AND key IN (SELECT key FROM dead_keys);

-- and a redelivery of the whole batch replays every key's own result
SELECT outcome, count(*), bool_and(response = jsonb_build_object('done', key)) AS own_result
  FROM idempotency.claim_batch(ARRAY(SELECT key FROM dead_keys ORDER BY key),
      scope => 'dead', fingerprints => ARRAY(SELECT 'fp-' || key FROM dead_keys ORDER BY key))
 GROUP BY outcome;

DROP TABLE dead_keys;
-- leave the key table as the other suites expect it
DELETE FROM idempotency.idempotency_keys;
