-- (b) the insert of (a) inside BEGIN/COMMIT: the cost of the extra round trips.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
BEGIN;
INSERT INTO bench.posts (id, user_id, content) VALUES ((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 1, 'hello') ON CONFLICT DO NOTHING RETURNING id, created_at;
COMMIT;
