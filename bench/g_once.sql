-- (g) once() in autocommit: the insert of (a), run exactly once under a key
-- equal to the row's fresh UUID.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
SELECT idempotency.once((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 'INSERT INTO bench.posts (id, user_id, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id, created_at', (lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 1, 'hello'::text);
