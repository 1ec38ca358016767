-- (s) (h) on the portable edition: once() of a completed key, the call of
-- (r) replaying the rows stored by bench/setup.sql (-v portable=1).
\set n random(1, :nkeys)
SELECT idempotency.once(('00000000-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid, 'INSERT INTO bench.posts (id, user_id, content) VALUES ($1::uuid, $2::integer, $3) ON CONFLICT DO NOTHING RETURNING id, created_at', '00000000-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'), '1', 'hello');
