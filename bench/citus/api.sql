-- (api) the routed functions: claim a fresh key, the business insert,
-- complete the key, one transaction delegated to the account's worker.
\set acct random(1, 100000)
\set h random(0, 9223372036854775806)
BEGIN;
SELECT outcome FROM payments_keys.claim(:acct, 'r' || :h);
INSERT INTO payments (account_id, request_key, amount_cents) VALUES (:acct, 'r' || :h, 100);
SELECT state FROM payments_keys.complete(:acct, 'r' || :h, '{"status": "created"}', 201);
COMMIT;
