-- (once) the business insert run by once() under a fresh key: one
-- statement, one round trip to the account's worker.
\set acct random(1, 100000)
\set h random(0, 9223372036854775806)
SELECT payments_keys.once(:acct, 'r' || :h, 'INSERT INTO payments (account_id, request_key, amount_cents) VALUES ($1, $2, 100) RETURNING account_id', :acct::bigint, ('r' || :h)::text);
