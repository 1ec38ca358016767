-- The portable edition's commit rule is a deferrable constraint trigger
-- (portable/DIFFERENCES.md): SET CONSTRAINTS ALL IMMEDIATE, or naming it,
-- checks it at the end of each statement, so that a claim without a lease
-- fails in its own statement; lease claims and once() are not affected,
-- and deferring the trigger again by name is the workaround.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency_portable;
DELETE FROM idempotency.idempotency_keys;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE OR REPLACE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- deferred (the default): checked at COMMIT, after complete()
BEGIN;
SELECT outcome FROM idempotency.claim('cr-1');
SELECT state FROM idempotency.complete('cr-1', '"done"');
COMMIT;

-- ALL IMMEDIATE: a claim without a lease fails at the end of its statement
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT try($$SELECT idempotency.claim('cr-2')$$);
SELECT outcome FROM idempotency.claim('cr-2');
ROLLBACK;
-- naming the trigger does the same
BEGIN;
SET CONSTRAINTS idempotency.idempotency_keys_commit_rule IMMEDIATE;
SELECT outcome FROM idempotency.claim('cr-3');
ROLLBACK;
SELECT count(*) AS keys_left FROM idempotency.idempotency_keys WHERE key IN ('cr-2', 'cr-3');

-- a lease claim, its completion, and once() queue nothing: unaffected
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT outcome, lease_token IS NOT NULL AS has_token
  FROM idempotency.claim('cr-4', lease => '1 minute') \gset
SELECT :'outcome' AS outcome, :'has_token' AS has_token;
SELECT idempotency.once('cr-5', 'SELECT 5 AS five');
COMMIT;
SELECT key, state FROM idempotency.idempotency_keys WHERE key IN ('cr-4', 'cr-5') ORDER BY key;

-- the workaround: defer the commit rule again by name after ALL IMMEDIATE
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS idempotency.idempotency_keys_commit_rule DEFERRED;
SELECT outcome FROM idempotency.claim('cr-6');
SELECT state FROM idempotency.complete('cr-6', '"six"');
COMMIT;
SELECT state, response FROM idempotency.lookup('cr-6');

-- and the rule still holds at COMMIT under it
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS idempotency.idempotency_keys_commit_rule DEFERRED;
SELECT outcome FROM idempotency.claim('cr-7');
COMMIT;
SELECT idempotency.lookup('cr-7') IS NULL AS not_stored;

DELETE FROM idempotency.idempotency_keys;
DROP FUNCTION try(text);
