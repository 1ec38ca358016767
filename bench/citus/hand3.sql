-- (hand3) context for api: the same three statements written by hand, as
-- a team would for a claim before the work: insert the key in_progress
-- (skipping a key that is there), the business insert, then mark the key
-- completed.  No waiting for a concurrent holder and no replay: it only
-- shows what a third statement through the coordinator costs.
\set acct random(1, 100000)
\set h random(0, 9223372036854775806)
BEGIN;
INSERT INTO idempotency.KEYTABLE (routing, owner, scope, key, state, created_at, expires_at) VALUES (:acct, current_user, '', 'r' || :h, 'in_progress', now(), now() + interval '1 day') ON CONFLICT DO NOTHING RETURNING key;
INSERT INTO payments (account_id, request_key, amount_cents) VALUES (:acct, 'r' || :h, 100);
UPDATE idempotency.KEYTABLE SET state = 'completed', response = '{"status": "created"}', response_code = 201, completed_at = now() WHERE routing = :acct AND owner = current_user AND scope = '' AND key = 'r' || :h;
COMMIT;
