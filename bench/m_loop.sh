#!/usr/bin/env bash
# bench/m_loop.sh N: prints case m's pgbench script for batches of N
# messages: k's batch with one claim() and one complete() per message, each
# its own statement (a round trip), in one transaction.  bench/run writes
# it for BENCH_BATCH.
set -euo pipefail
n=${1:?batch size}
id="lpad(to_hex(:h::bigint), 16, '0') || lpad(to_hex(:l::bigint), 16, '0') || '-'"
echo "-- (m) k's batch of $n messages with one claim() and one complete() per message (bench/m_loop.sh)"
echo '\set h random(0, 9223372036854775806)'
echo '\set l random(0, 9223372036854775806)'
echo 'BEGIN;'
for ((i = 1; i <= n; i++)); do
    echo "SELECT key, outcome FROM idempotency.claim($id || $i);"
done
echo "INSERT INTO bench.effects (message_id, user_id, content) SELECT m, 1, 'hello' FROM unnest(ARRAY(SELECT $id || i FROM generate_series(1, $n) AS i)) AS m;"
for ((i = 1; i <= n; i++)); do
    echo "SELECT state FROM idempotency.complete($id || $i, NULL);"
done
echo 'COMMIT;'
