-- (l) the hand-written inbox that consumers write today: insert the batch's
-- message ids into a table of seen ids, skipping the ones already there,
-- and insert the effect of each, in one transaction.  No stored result, no
-- expiry, no waiting for a concurrent consumer of the same ids.
\set h random(0, 9223372036854775806)
\set l random(0, 9223372036854775806)
BEGIN;
INSERT INTO bench.inbox (message_id) SELECT unnest(ARRAY(SELECT lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0') || '-' || i FROM generate_series(1, :batch) AS i)) ON CONFLICT DO NOTHING RETURNING message_id;
INSERT INTO bench.effects (message_id, user_id, content) SELECT m, 1, 'hello' FROM unnest(ARRAY(SELECT lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0') || '-' || i FROM generate_series(1, :batch) AS i)) AS m;
COMMIT;
