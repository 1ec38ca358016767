-- (hand) the baseline: the business insert and a plain insert of the key's
-- completed row into the colocated key table, written by hand.
\set acct random(1, 100000)
\set h random(0, 9223372036854775806)
BEGIN;
INSERT INTO payments (account_id, request_key, amount_cents) VALUES (:acct, 'r' || :h, 100);
INSERT INTO idempotency.KEYTABLE (routing, owner, scope, key, state, response, response_code, created_at, completed_at, expires_at) VALUES (:acct, current_user, '', 'r' || :h, 'completed', '{"status": "created"}', 201, now(), now(), now() + interval '1 day');
COMMIT;
