-- Security: keys belong to the role that made them.  Two roles use the
-- same key strings; neither sees, replays, blocks, completes nor releases
-- the other's keys, through the API or through the table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency;
RESET client_min_messages;
\set VERBOSITY sqlstate
\set SHOW_CONTEXT never

CREATE ROLE regress_idem_alice;
CREATE ROLE regress_idem_bob;
CREATE ROLE regress_idem_monitor;
CREATE SCHEMA regress_idem_sd AUTHORIZATION regress_idem_alice;

-- Alice completes order-1 and holds lease-1 under a lease.
SET ROLE regress_idem_alice;
SELECT current_user, session_user = current_user AS same_as_session;
BEGIN;
SELECT outcome, owner, key FROM idempotency.claim('order-1');
SELECT state FROM idempotency.complete('order-1', '{"card": "alice-4242"}', 201);
COMMIT;
SELECT outcome, owner FROM idempotency.claim('lease-1', lease => '1 hour') \gset alice_
SELECT lease_token AS alice_token FROM idempotency.lookup('lease-1') \gset
SELECT :'alice_outcome' AS outcome, :'alice_owner' AS owner;
BEGIN;
SELECT outcome FROM idempotency.claim('11111111-1111-4111-8111-111111111111'::uuid);
SELECT state FROM idempotency.complete('11111111-1111-4111-8111-111111111111'::uuid, '"alice-uuid"');
COMMIT;
RESET ROLE;

-- Bob sees none of it: lookup finds nothing, the same key strings are new
-- keys of his own.
SET ROLE regress_idem_bob;
SELECT idempotency.lookup('order-1') IS NULL AS order_absent,
       idempotency.lookup('lease-1') IS NULL AS lease_absent,
       idempotency.lookup('11111111-1111-4111-8111-111111111111'::uuid) IS NULL AS uuid_absent;
BEGIN;
SELECT outcome, owner, state, response FROM idempotency.claim('order-1');
SELECT state, response FROM idempotency.complete('order-1', '{"card": "bob-0005"}', 200);
COMMIT;
SELECT outcome, owner, response FROM idempotency.claim('order-1');
-- Alice's live lease does not make Bob wait or see in_progress.
SELECT outcome, owner, lease_token IS DISTINCT FROM :'alice_token'::uuid AS other_token
  FROM idempotency.claim('lease-1', wait => '0', lease => '1 minute');
SELECT idempotency.release('lease-1', token => lease_token)
  FROM idempotency.lookup('lease-1');

-- Bob cannot finish Alice's lease, even with her token: his calls act on his
-- own key lease-1, which does not exist (IK003).
SELECT idempotency.complete('lease-1', '"stolen"', token => :'alice_token');
SELECT idempotency.checkpoint('lease-1', 'step-2', token => :'alice_token');
SELECT idempotency.release('lease-1', token => :'alice_token');
SELECT idempotency.complete('lease-1', '"stolen"');
SELECT idempotency.complete('11111111-1111-4111-8111-111111111111'::uuid, '"stolen"',
                            token => :'alice_token');

-- Reading the table directly shows Bob his own keys only.
SELECT owner, scope, key, state, response FROM idempotency.idempotency_keys
 ORDER BY key;
SELECT count(*) FROM idempotency.idempotency_keys
 WHERE owner = 'regress_idem_alice'::regrole;

-- Direct writes are refused (42501), and so is all_keys().
INSERT INTO idempotency.idempotency_keys (owner, scope, key, state, created_at, expires_at)
VALUES ('regress_idem_bob', '', 'forged', 'completed', now(), now() + '1 day');
UPDATE idempotency.idempotency_keys SET response = '"forged"';
DELETE FROM idempotency.idempotency_keys;
TRUNCATE idempotency.idempotency_keys;
SELECT count(*) FROM idempotency.all_keys();

-- Identity is the current role: no setting names the owner, and the
-- settings' prefix is reserved, so none can be made up.
SELECT count(*) AS owner_settings FROM pg_settings
 WHERE name LIKE 'idempotency.%owner%';
SET idempotency.owner = 'regress_idem_alice';
RESET ROLE;

-- Alice's keys are untouched: she replays her own response.
SET ROLE regress_idem_alice;
SELECT outcome, response, response_code FROM idempotency.claim('order-1');
SELECT lease_token = :'alice_token'::uuid AS same_token, state
  FROM idempotency.lookup('lease-1');
SELECT owner, key, state FROM idempotency.idempotency_keys ORDER BY key;
RESET ROLE;

-- The lock of a key is per owner: the same key string claimed by two roles
-- in one transaction takes two different advisory locks.
BEGIN;
SET LOCAL ROLE regress_idem_alice;
SELECT outcome FROM idempotency.claim('same-key');
SET LOCAL ROLE regress_idem_bob;
SELECT outcome FROM idempotency.claim('same-key', wait => '0');
SELECT count(DISTINCT (classid, objid)) AS distinct_locks FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 18756 AND pid = pg_backend_pid();
ROLLBACK;

-- SET ROLE switches identity within a session.  So does a SECURITY DEFINER
-- function: inside it, the key owner is the function's owner.
SET ROLE regress_idem_alice;
CREATE FUNCTION regress_idem_sd.alice_lookup(k text) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT response FROM idempotency.lookup(k) $$;
GRANT USAGE ON SCHEMA regress_idem_sd TO regress_idem_bob;
SET ROLE regress_idem_bob;
SELECT (idempotency.lookup('order-1')).response AS as_bob,
       regress_idem_sd.alice_lookup('order-1') AS through_alice_definer;
RESET ROLE;

-- A superuser sees every key; the same key string is two rows.
SELECT owner, key, state, response FROM idempotency.idempotency_keys
 WHERE owner IN ('regress_idem_alice'::regrole, 'regress_idem_bob'::regrole)
 ORDER BY key, owner::text;

-- A monitoring role: sees none directly, all through all_keys() once granted.
SET ROLE regress_idem_monitor;
SELECT count(*) FROM idempotency.idempotency_keys;
SELECT count(*) FROM idempotency.all_keys();
RESET ROLE;
GRANT EXECUTE ON FUNCTION idempotency.all_keys() TO regress_idem_monitor;
SET ROLE regress_idem_monitor;
SELECT owner, key, state FROM idempotency.all_keys()
 WHERE owner IN ('regress_idem_alice'::regrole, 'regress_idem_bob'::regrole)
 ORDER BY key, owner::text;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION idempotency.all_keys() FROM regress_idem_monitor;

-- Writes an administrator grants are still confined to the role's own keys.
GRANT INSERT, DELETE ON idempotency.idempotency_keys TO regress_idem_bob;
SET ROLE regress_idem_bob;
INSERT INTO idempotency.idempotency_keys (owner, scope, key, state, created_at, expires_at)
VALUES ('regress_idem_alice', '', 'planted', 'completed', now(), now() + '1 day');
WITH gone AS (DELETE FROM idempotency.idempotency_keys RETURNING owner, key)
SELECT owner, key FROM gone;
RESET ROLE;
REVOKE INSERT, DELETE ON idempotency.idempotency_keys FROM regress_idem_bob;
SELECT owner, count(*) FROM idempotency.idempotency_keys
 WHERE owner IN ('regress_idem_alice'::regrole, 'regress_idem_bob'::regrole)
 GROUP BY owner ORDER BY owner::text;

-- An administrator restricts the API to one role: through the schema, or
-- function by function.
REVOKE USAGE ON SCHEMA idempotency FROM PUBLIC;
GRANT USAGE ON SCHEMA idempotency TO regress_idem_alice;
SET ROLE regress_idem_bob;
SELECT outcome FROM idempotency.claim('order-1');
SELECT count(*) FROM idempotency.idempotency_keys;
SET ROLE regress_idem_alice;
SELECT outcome FROM idempotency.claim('order-1');
RESET ROLE;
GRANT USAGE ON SCHEMA idempotency TO PUBLIC;
REVOKE USAGE ON SCHEMA idempotency FROM regress_idem_alice;
REVOKE EXECUTE ON FUNCTION
    idempotency.lookup(text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    idempotency.lookup(text, text)
    TO regress_idem_alice;
SET ROLE regress_idem_bob;
SELECT idempotency.lookup('order-1');
SET ROLE regress_idem_alice;
SELECT (idempotency.lookup('order-1')).state;
RESET ROLE;
GRANT EXECUTE ON FUNCTION idempotency.lookup(text, text) TO PUBLIC;
REVOKE EXECUTE ON FUNCTION idempotency.lookup(text, text) FROM regress_idem_alice;

-- Clean up: a role's keys are not dependent objects; delete them before
-- dropping the role.
DELETE FROM idempotency.idempotency_keys
 WHERE owner IN ('regress_idem_alice'::regrole, 'regress_idem_bob'::regrole);
SET client_min_messages = warning;
DROP SCHEMA regress_idem_sd CASCADE;
RESET client_min_messages;
DROP ROLE regress_idem_alice;
DROP ROLE regress_idem_bob;
DROP ROLE regress_idem_monitor;
