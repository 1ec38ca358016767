-- (k) a consumer's batch with the batch API: claim :batch fresh message ids
-- in one call, insert each message's effect, complete them in one call, all
-- in one transaction.  The ids are the same expression in k, l and m: the
-- two random 63-bit numbers of the batch, then the message's number.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
BEGIN;
SELECT key, outcome FROM idempotency.claim_batch(ARRAY(SELECT lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0') || '-' || i FROM generate_series(1, :batch) AS i));
INSERT INTO bench.effects (message_id, user_id, content) SELECT m, 1, 'hello' FROM unnest(ARRAY(SELECT lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0') || '-' || i FROM generate_series(1, :batch) AS i)) AS m;
SELECT idempotency.complete_batch(ARRAY(SELECT lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0') || '-' || i FROM generate_series(1, :batch) AS i));
COMMIT;
