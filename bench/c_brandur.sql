-- (c) the hand-written baseline (bench/brandur.sql): claim a fresh key, do the
-- insert of (a), store the response, all in one transaction.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
BEGIN;
SELECT outcome, response_body FROM brandur.claim(1, ((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid)::text);
INSERT INTO bench.posts (id, user_id, content) VALUES ((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 1, 'hello') ON CONFLICT DO NOTHING RETURNING id, created_at;
SELECT brandur.complete(1, ((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid)::text, 201, jsonb_build_object('id', (lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 'status', 'created'));
COMMIT;
