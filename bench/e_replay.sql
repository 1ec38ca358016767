-- (e) claim of a completed key in autocommit: a replay, which writes nothing.
-- The keys were made by bench/setup.sql (bench.replay_key(n), n in 1..:nkeys).
\set n random(1, :nkeys)
SELECT * FROM idempotency.claim('00000000-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'));
