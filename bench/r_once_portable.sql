-- (r) (g) on the portable edition: once() in autocommit, fresh key.  Its
-- once() takes parameters of one type (docs/managed.md): text here, with
-- casts in the statement.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
SELECT idempotency.once(fresh.id, 'INSERT INTO bench.posts (id, user_id, content) VALUES ($1::uuid, $2::integer, $3) ON CONFLICT DO NOTHING RETURNING id, created_at', fresh.id::text, '1', 'hello') FROM (SELECT (lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid AS id OFFSET 0) AS fresh;
