-- (d) the extension: claim a fresh key, do the insert of (a), complete the
-- key with the same response as (c), all in one transaction.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
BEGIN;
SELECT outcome, response FROM idempotency.claim((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid);
INSERT INTO bench.posts (id, user_id, content) VALUES ((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 1, 'hello') ON CONFLICT DO NOTHING RETURNING id, created_at;
SELECT state FROM idempotency.complete((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, jsonb_build_object('id', (lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 'status', 'created'), 201);
COMMIT;
