-- (i) context for g: the insert of (a) and, in the same autocommit
-- statement, the key row that once() writes for it (the same columns and
-- sizes, into a table with the key table's primary key, expires_at index
-- and storage parameters), in plain SQL with no lock and no lookup of the
-- key.  Not exactly-once (a duplicate fails on the primary key instead of
-- waiting and replaying): it is what storing the result costs by itself.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
WITH r AS (INSERT INTO bench.posts (id, user_id, content) VALUES ((lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0'))::uuid, 1, 'hello') ON CONFLICT DO NOTHING RETURNING id, created_at) INSERT INTO bench.sql_keys (owner, scope, key, state, fingerprint, response, created_at, completed_at, expires_at) SELECT :owner, '', r.id::text, 'completed', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', jsonb_build_array(to_jsonb(r)), now(), now(), now() + interval '1 day' FROM r RETURNING response;
