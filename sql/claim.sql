-- claim / complete / release / lookup: every outcome and error path of a
-- claim without a lease, in one session.
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
-- fp(d): which of the fingerprints these tests give d is the digest of
CREATE OR REPLACE FUNCTION fp(d text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT f FROM unnest(ARRAY['F1', 'F2', 'F3', 'f1', 'body-a', 'body-b', 'old', 'new', 'sha:aaa', 'sha:bbb', 'v1', 'request-42']) AS f
                      WHERE idempotency.fingerprint_digest(f) = d), d)
$$;

CREATE TABLE orders (id int PRIMARY KEY, amount int);

-- A new key is claimed: an in_progress row owned by the caller, with the
-- default time to live.
BEGIN;
SELECT outcome, owner = current_user::regrole AS mine, scope, key, state,
       fp(fingerprint) AS fingerprint, response, lease_token IS NULL AS no_token,
       expires_at - created_at AS ttl
  FROM idempotency.claim('order-1');
-- the claim holds the key's advisory lock, in the extension's lock class
SELECT locktype, objsubid, mode, granted FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid();
-- claiming again in the same transaction: still ours
SELECT outcome FROM idempotency.claim('order-1');
SELECT outcome FROM idempotency.claim('order-1', wait => '0');
INSERT INTO orders VALUES (1, 100);
SELECT state, response, response_code, completed_at IS NOT NULL AS done
  FROM idempotency.complete('order-1', '{"order": 1}', 201);
COMMIT;

-- A retry replays the stored result and does not redo the work.
SELECT outcome, state, response, response_code FROM idempotency.claim('order-1');
SELECT count(*) FROM orders;
SELECT key, state, response FROM idempotency.lookup('order-1');

-- Rollback leaves nothing behind: no row, no lock.
BEGIN;
SELECT outcome FROM idempotency.claim('order-2');
ROLLBACK;
SELECT idempotency.lookup('order-2') IS NULL AS absent;
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 18756;

-- Committing an unfinished claim is refused, and leaves the key free.
BEGIN;
SELECT outcome FROM idempotency.claim('order-3');
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT idempotency.lookup('order-3') IS NULL AS absent;

-- release() gives the key up: the next claim starts afresh.
BEGIN;
SELECT outcome FROM idempotency.claim('order-3');
SELECT idempotency.release('order-3');
COMMIT;
SELECT idempotency.lookup('order-3') IS NULL AS absent;

-- Subtransactions: a claim rolled back to a savepoint is gone; a
-- completion rolled back leaves the claim unfinished.
BEGIN;
SAVEPOINT s1;
SELECT outcome FROM idempotency.claim('order-4');
ROLLBACK TO s1;
COMMIT;
SELECT idempotency.lookup('order-4') IS NULL AS absent;
BEGIN;
SELECT outcome FROM idempotency.claim('order-4');
SAVEPOINT s2;
SELECT state FROM idempotency.complete('order-4', '"done"');
ROLLBACK TO s2;
COMMIT;
\echo :LAST_ERROR_SQLSTATE

-- Scopes separate keys; uuid keys are their canonical text.
BEGIN;
SELECT outcome, scope FROM idempotency.claim('order-1', scope => 'refunds');
SELECT state FROM idempotency.complete('order-1', '"refund"', scope => 'refunds');
COMMIT;
SELECT scope, response FROM idempotency.lookup('order-1', 'refunds');
SELECT scope, response FROM idempotency.lookup('order-1');
BEGIN;
SELECT outcome, key FROM idempotency.claim('8F0C1A4E-0000-4000-8000-00000000000A'::uuid);
SELECT state FROM idempotency.complete('8f0c1a4e-0000-4000-8000-00000000000a'::uuid, '"uuid"');
COMMIT;
SELECT key, response FROM idempotency.lookup('8f0c1a4e-0000-4000-8000-00000000000a');
SELECT outcome, response FROM idempotency.claim('8f0c1a4e-0000-4000-8000-00000000000a'::uuid);

-- Fingerprints: the same one replays, another raises IK001, none skips the check.
BEGIN;
SELECT outcome, fp(fingerprint) AS fingerprint FROM idempotency.claim('pay-1', fingerprint => 'sha:aaa');
SELECT state FROM idempotency.complete('pay-1', '{"paid": true}', 200);
COMMIT;
SELECT outcome, response FROM idempotency.claim('pay-1', fingerprint => 'sha:aaa');
SELECT try($$SELECT idempotency.claim('pay-1', fingerprint => 'sha:bbb')$$);
SELECT outcome FROM idempotency.claim('pay-1');

-- Time to live: the GUC default, a per-claim ttl, and an expired key
-- counting as absent before anything deletes it.
SET idempotency.default_ttl = '1h';
BEGIN;
SELECT expires_at - created_at AS ttl FROM idempotency.claim('ttl-1');
SELECT expires_at - created_at AS ttl FROM idempotency.claim('ttl-2', ttl => '90 seconds');
SELECT idempotency.release('ttl-1'), idempotency.release('ttl-2');
COMMIT;
RESET idempotency.default_ttl;
BEGIN;
SELECT outcome FROM idempotency.claim('ttl-3', ttl => '1 second');
SELECT state FROM idempotency.complete('ttl-3', '"first"');
COMMIT;
SELECT pg_sleep(1.2);
SELECT idempotency.lookup('ttl-3') IS NULL AS absent;
BEGIN;
SELECT outcome, response FROM idempotency.claim('ttl-3');
SELECT response FROM idempotency.complete('ttl-3', '"second"');
COMMIT;
SELECT count(*) FROM idempotency.idempotency_keys WHERE key = 'ttl-3';

-- Two-phase commit: a finished claim prepares and commits; an unfinished
-- one is refused at PREPARE.
BEGIN;
SELECT outcome FROM idempotency.claim('2pc-1');
SELECT state FROM idempotency.complete('2pc-1', '"prepared"');
PREPARE TRANSACTION 'idem_2pc_1';
COMMIT PREPARED 'idem_2pc_1';
SELECT outcome, response FROM idempotency.claim('2pc-1');
BEGIN;
SELECT outcome FROM idempotency.claim('2pc-2');
PREPARE TRANSACTION 'idem_2pc_2';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_prepared_xacts;

-- Read-only transactions cannot claim; lookup still works.
BEGIN TRANSACTION READ ONLY;
SELECT try($$SELECT idempotency.claim('ro-1')$$);
SELECT key FROM idempotency.lookup('order-1');
COMMIT;

-- A later claim in the same transaction that gives the first fingerprint
-- stores it: a different request under the key is then a mismatch.
BEGIN;
SELECT outcome, fp(fingerprint) AS fingerprint FROM idempotency.claim('fp-later-1');
SELECT outcome, fp(fingerprint) AS fingerprint FROM idempotency.claim('fp-later-1', fingerprint => 'F2');
SELECT try($$SELECT idempotency.claim('fp-later-1', fingerprint => 'F3')$$);
SELECT fp(fingerprint) AS fingerprint FROM idempotency.complete('fp-later-1', '1');
COMMIT;
SELECT try($$SELECT idempotency.claim('fp-later-1', fingerprint => 'F3')$$);
SELECT outcome, fp(fingerprint) AS fingerprint FROM idempotency.claim('fp-later-1', fingerprint => 'F2');

-- Errors on bad input, each with its SQLSTATE; nothing is written.
SELECT try($$SELECT idempotency.claim(NULL::text)$$);
SELECT try($$SELECT idempotency.claim(NULL::uuid)$$);
SELECT try($$SELECT idempotency.claim('k', scope => NULL)$$);
SELECT try($$SELECT idempotency.claim('')$$);
SELECT try($$SELECT idempotency.claim(repeat('k', 256))$$);
SELECT try($$SELECT idempotency.claim('k', scope => repeat('s', 256))$$);
SELECT try($$SELECT idempotency.claim('k', fingerprint => repeat('f', 1025))$$);
SELECT try($$SELECT idempotency.claim('k', wait => '-1 second')$$);
SELECT try($$SELECT idempotency.claim('k', wait => '2 days')$$);
SELECT try($$SELECT idempotency.claim('k', lease => '0')$$);
SELECT try($$SELECT idempotency.claim('k', lease => '31 days')$$);
SELECT try($$SELECT idempotency.claim('k', ttl => '0')$$);
SELECT try($$SELECT idempotency.claim('k', ttl => '100 years')$$);
SELECT try($$SELECT idempotency.claim('k', ttl => '1 year -400 days')$$);
-- Bounds are exact: a huge month count offset by a time part just past it is
-- still negative (or over the limit), not rounded into range.
SELECT try($$SELECT idempotency.claim('k', wait => '1000000 mons'::interval
  - '2592000000000 seconds'::interval - '100 microseconds'::interval)$$);
SELECT try($$SELECT idempotency.claim('k', ttl => '1000000 mons'::interval
  - '2592000000000 seconds'::interval + '3650 days 00:00:00.0002'::interval)$$);
SELECT try($$SELECT idempotency.claim('k-ten-years', ttl => '1000000 mons'::interval
  - '2592000000000 seconds'::interval + '3650 days'::interval)$$) AS ten_years_exactly,
       try($$SELECT idempotency.release('k-ten-years')$$) AS released;
SELECT try($$SELECT idempotency.claim('k', ttl => '178000000 years')$$);
SELECT try($$SELECT idempotency.lookup(NULL::text)$$);
SELECT try($$SELECT idempotency.lookup('k', NULL)$$);
SELECT try($$SELECT idempotency.complete('never-claimed', '{}')$$);
SELECT try($$SELECT idempotency.complete('order-1', '{}')$$);
SELECT try($$SELECT idempotency.release('never-claimed')$$);
SELECT try($$SELECT idempotency.release('order-1')$$);
SELECT try($$SELECT idempotency.checkpoint('order-1', NULL)$$);
-- the longest key and scope are accepted
BEGIN;
SELECT outcome, length(key), length(scope)
  FROM idempotency.claim(repeat('k', 255), scope => repeat('s', 255));
SELECT idempotency.release(repeat('k', 255), scope => repeat('s', 255));
COMMIT;
-- a response over idempotency.max_response_size is refused
SET idempotency.max_response_size = '1kB';
BEGIN;
SELECT outcome FROM idempotency.claim('big-1');
SELECT try($$SELECT idempotency.complete('big-1', to_jsonb(repeat('x', 2000)))$$);
SELECT state FROM idempotency.complete('big-1', to_jsonb(repeat('x', 500)));
COMMIT;
-- the limit is on the response's own size, not on its compressed form: a
-- value read from a table column may come compressed
CREATE TABLE big_response (r jsonb);
INSERT INTO big_response SELECT jsonb_build_object('a', repeat('x', 5000));
SELECT pg_column_compression(r) IS NOT NULL AS compressed,
       pg_column_size(r) < 1024 AS small_compressed FROM big_response;
BEGIN;
SELECT outcome FROM idempotency.claim('big-2');
SELECT try($$SELECT idempotency.complete('big-2', (SELECT r FROM big_response))$$);
SELECT idempotency.release('big-2');
COMMIT;
DROP TABLE big_response;
RESET idempotency.max_response_size;
-- checkpoint needs a lease claim
BEGIN;
SELECT outcome FROM idempotency.claim('cp-1');
SELECT try($$SELECT idempotency.checkpoint('cp-1', 'step-1')$$);
SELECT idempotency.release('cp-1');
COMMIT;

SELECT key, state FROM idempotency.idempotency_keys ORDER BY scope, key;

-- Dropping the extension in the transaction that released its claim commits.
CREATE TABLE keep_keys AS SELECT * FROM idempotency.idempotency_keys;
BEGIN;
SELECT outcome FROM idempotency.claim('drop-1');
SELECT idempotency.release('drop-1');
DROP EXTENSION idempotency;
COMMIT;
SELECT count(*) FROM pg_extension WHERE extname = 'idempotency';
CREATE EXTENSION idempotency;
INSERT INTO idempotency.idempotency_keys SELECT * FROM keep_keys;
DROP TABLE keep_keys;
