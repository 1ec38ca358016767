-- (g) once() in autocommit: the insert of (a), run exactly once under a key
-- equal to the row's fresh UUID.  The UUID is made once, as in (a), and
-- passed both as the key and as the statement's $1 (OFFSET 0 keeps the
-- planner from copying its expression into both places).
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
SELECT idempotency.once(fresh.id, 'INSERT INTO bench.posts (id, user_id, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id, created_at', fresh.id, 1, 'hello'::text) FROM (SELECT (lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid AS id OFFSET 0) AS fresh;
