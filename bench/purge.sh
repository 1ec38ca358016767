#!/usr/bin/env bash
# bench/purge.sh: how fast expired keys go away.
#
# Fills the key table with PURGE_KEYS (1000000) expired keys, then deletes
# them twice and prints keys per second for each way:
#   by hand     idempotency.purge(PURGE_BATCH) in a loop, one transaction per
#               batch (what a cron job or pg_cron would run)
#   by worker   the expiry worker, after schedule_expiry('1 hour',
#               PURGE_BATCH): its first run, timed from the run's start and
#               end in idempotency.expiry_status
# Then it fills and purges the table PURGE_CYCLES (10) times in all, each
# fill after a VACUUM so that the new keys go into the space the purged
# ones left, and prints each cycle's keys per second: expiry must not slow
# down as the table's space is reused.
# Then it measures what purging costs the application: once() throughput
# (bench/g_once.sql, PURGE_CLIENTS clients) while the worker purges every
# second, against the same runs without purging, interleaved in
# PURGE_ROUNDS rounds of PURGE_SECONDS each, over PURGE_KEYS keys that
# expire one after another throughout the measurement (so that every
# purging run has keys to delete).
#
# Environment: PURGE_KEYS (1000000), PURGE_BATCH (10000), PURGE_CYCLES (10),
# PURGE_CLIENTS (8),
# PURGE_ROUNDS (3), PURGE_SECONDS (10), BENCH_KEEP=1 keeps the cluster's
# directory, PG_BINDIR (the server's bin directory).
#
# Like bench/run it starts its own throwaway cluster (a private socket
# directory under /tmp, no TCP) and installs nothing: build and
# `make install` the extension first.  As root it runs the server as the
# postgres OS user.
set -euo pipefail

NKEYS=${PURGE_KEYS:-1000000}
BATCH=${PURGE_BATCH:-10000}
CLIENTS=${PURGE_CLIENTS:-8}
ROUNDS=${PURGE_ROUNDS:-3}
SECS=${PURGE_SECONDS:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
if [[ -z "${PG_BINDIR:-}" ]]; then
    if command -v "$PG_CONFIG" >/dev/null; then
        PG_BINDIR=$("$PG_CONFIG" --bindir)
    else
        PG_BINDIR=/usr/lib/postgresql/15/bin
    fi
fi

die() { echo "bench/purge.sh: $*" >&2; exit 1; }

[[ $NKEYS =~ ^[0-9]+$ && $NKEYS -gt 0 ]] || die "PURGE_KEYS must be a positive integer"
[[ $BATCH =~ ^[0-9]+$ && $BATCH -ge 1 && $BATCH -le 1000000 ]] ||
    die "PURGE_BATCH must be between 1 and 1000000"
CYCLES=${PURGE_CYCLES:-10}
for n in "$CLIENTS" "$ROUNDS" "$SECS" "$CYCLES"; do
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] ||
        die "PURGE_CLIENTS, PURGE_ROUNDS, PURGE_SECONDS and PURGE_CYCLES must be positive integers"
done
for bin in initdb pg_ctl psql pgbench; do
    [[ -x "$PG_BINDIR/$bin" ]] || die "$PG_BINDIR/$bin not found (set PG_BINDIR)"
done
if command -v "$PG_CONFIG" >/dev/null; then
    [[ -f "$("$PG_CONFIG" --sharedir)/extension/idempotency.control" ]] ||
        die "the extension is not installed: run make && make install first"
fi

# ---------- the throwaway cluster ----------
# shellcheck source=bench/cluster.bash
source "$here/cluster.bash"
bench_cluster purge.sh
cat >>"$data/postgresql.conf" <<EOF
fsync = on
synchronous_commit = on
max_wal_size = 4GB
checkpoint_timeout = 30min
autovacuum = off
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
as_server "$PG_BINDIR/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start >/dev/null ||
    { cat "$tmp/server.log" >&2; die "the server did not start"; }

export PGHOST=$tmp PGPORT=$port PGUSER=postgres PGDATABASE=bench
q() { "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

"$PG_BINDIR/psql" -X -q -At -d postgres -c 'CREATE DATABASE bench' >/dev/null
q -c 'CREATE EXTENSION idempotency'

# NKEYS completed keys (uuid keys, a small response) that expired during the
# last hour, spread over it; then vacuumed, as old rows would be.
fill() {
    q -v nkeys="$NKEYS" <<'EOF'
INSERT INTO idempotency.idempotency_keys
       (owner, scope, key, state, response, response_code,
        created_at, completed_at, expires_at)
SELECT current_user::regrole, 'bench', gen_random_uuid()::text, 'completed',
       jsonb_build_object('order_id', g, 'status', 'created'), 201,
       now() - interval '25 hours', now() - interval '25 hours',
       now() - interval '1 hour' + (g::float8 / :nkeys) * interval '59 minutes'
  FROM generate_series(1, :nkeys) AS g;
VACUUM ANALYZE idempotency.idempotency_keys;
CHECKPOINT;
EOF
    local n
    n=$(q -c "SELECT count(*) FROM idempotency.idempotency_keys WHERE expires_at < now()")
    [[ $n == "$NKEYS" ]] || die "expected $NKEYS expired keys, found $n"
}

machine="$(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)"
echo "bench/purge.sh: filling $NKEYS expired keys ..." >&2
fill

# ---------- by hand: purge() in a loop, one transaction per batch ----------
# Prints the keys deleted, the batches, the seconds and the slowest batch's.
purge_loop() {
    local out total
    out=$(q 2>&1 <<EOF
DO \$\$
DECLARE
    n         bigint;
    total     bigint := 0;
    batches   int := 0;
    started   timestamptz := clock_timestamp();
    t         timestamptz;
    slowest   interval := interval '0';
BEGIN
    LOOP
        t := clock_timestamp();
        n := idempotency.purge($BATCH);
        COMMIT;
        slowest := greatest(slowest, clock_timestamp() - t);
        total := total + n;
        batches := batches + 1;
        EXIT WHEN n < $BATCH;
    END LOOP;
    RAISE NOTICE 'result % % % %', total, batches,
        extract(epoch FROM clock_timestamp() - started),
        extract(epoch FROM slowest);
END
\$\$;
EOF
)
    read -r total _ < <(sed -n 's/.*NOTICE:  result //p' <<<"$out") || true
    [[ -n ${total:-} ]] || die "the purge loop printed no result: $out"
    [[ $total == "$NKEYS" ]] || die "the purge loop deleted $total keys, expected $NKEYS"
    sed -n 's/.*NOTICE:  result //p' <<<"$out"
}
echo "bench/purge.sh: purge($BATCH) in a loop ..." >&2
sizes=("$(q -c "SELECT pg_table_size('idempotency.idempotency_keys') / 1048576")")
purge_loop >"$tmp/purge.out"
read -r h_total h_batches h_secs h_slowest <"$tmp/purge.out"

# ---------- cycles: fill the freed space again and purge it ----------
cycles=("$(awk -v n="$NKEYS" -v s="$h_secs" 'BEGIN { printf "%.0f", n / s }')")
for c in $(seq 2 "$CYCLES"); do
    q -c 'VACUUM idempotency.idempotency_keys'
    echo "bench/purge.sh: cycle $c of $CYCLES: filling the freed space and purging ..." >&2
    fill
    sizes+=("$(q -c "SELECT pg_table_size('idempotency.idempotency_keys') / 1048576")")
    purge_loop >"$tmp/purge.out"
    read -r _ _ c_secs _ <"$tmp/purge.out"
    cycles+=("$(awk -v n="$NKEYS" -v s="$c_secs" 'BEGIN { printf "%.0f", n / s }')")
done
q -c 'VACUUM idempotency.idempotency_keys'

# ---------- by the worker ----------
echo "bench/purge.sh: filling again ..." >&2
fill
echo "bench/purge.sh: the expiry worker, batches of $BATCH ..." >&2
# hourly: the worker's first run, at its start, is the one measured
q -c "SELECT idempotency.schedule_expiry('1 hour', $BATCH)" >/dev/null
deadline=$((SECONDS + 3600))
while :; do
    state=$(q -c "SELECT total_deleted, last_run_end IS NOT NULL, coalesce(last_error, '')
                    FROM idempotency.expiry_status WHERE database = 'bench'")
    IFS='|' read -r w_total w_done w_error <<<"$state"
    [[ -z ${w_error:-} ]] || die "the worker failed: $w_error"
    if [[ ${w_total:-0} -ge $NKEYS && ${w_done:-f} == t ]]; then
        break
    fi
    ((SECONDS < deadline)) || die "the worker did not finish within an hour"
    sleep 0.2
done
# the worker's first run finds all the keys and goes on until they are gone
IFS='|' read -r w_secs w_deleted < <(q -c "
    SELECT extract(epoch FROM last_run_end - last_run_start), last_run_deleted
      FROM idempotency.expiry_status WHERE database = 'bench'")
q -c "SELECT idempotency.unschedule_expiry()" >/dev/null

# ---------- once() throughput with and without purging ----------
# Keys that expire one after another from now until the measurement ends
# (with a margin), so the worker always has some to delete; and the
# application's table of bench/g_once.sql.
window=$((ROUNDS * 2 * (SECS + 5) + 30))
q -v nkeys="$NKEYS" -v window="$window" <<'EOF'
TRUNCATE idempotency.idempotency_keys;
INSERT INTO idempotency.idempotency_keys
       (owner, scope, key, state, response, response_code,
        created_at, completed_at, expires_at)
SELECT current_user::regrole, 'bench', gen_random_uuid()::text, 'completed',
       jsonb_build_object('order_id', g, 'status', 'created'), 201,
       now(), now(), now() + (g::float8 / :nkeys) * (:window * interval '1 second')
  FROM generate_series(1, :nkeys) AS g;
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.posts (
    id uuid PRIMARY KEY,
    user_id integer NOT NULL,
    content text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
VACUUM ANALYZE idempotency.idempotency_keys;
CHECKPOINT;
EOF

# One pgbench run of once(); prints its TPS.
run_once() {
    local out=$tmp/pgbench.$1.log tps
    "$PG_BINDIR/pgbench" -n -M prepared -c "$CLIENTS" -j 2 -T "$SECS" \
        -f "$here/g_once.sql" >"$out" 2>&1 || { cat "$out" >&2; die "pgbench failed"; }
    if grep -q '^number of failed transactions' "$out"; then
        grep -q '^number of failed transactions: 0' "$out" ||
            { cat "$out" >&2; die "pgbench reported failed transactions"; }
    fi
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
    [[ -n $tps ]] || { cat "$out" >&2; die "no tps in pgbench's output"; }
    echo "$tps"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                              else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench/purge.sh: once() with and without the worker purging, $ROUNDS round(s) of ${SECS}s ..." >&2
plain=()
purging=()
for r in $(seq 1 "$ROUNDS"); do
    tps=$(run_once "plain.$r")
    plain+=("$tps")
    echo "  round $r  without purging  $tps tps" >&2
    q -c "SELECT idempotency.schedule_expiry('1 second', $BATCH)" >/dev/null
    tps=$(run_once "purging.$r")
    purging+=("$tps")
    q -c "SELECT idempotency.unschedule_expiry()" >/dev/null
    echo "  round $r  while purging    $tps tps" >&2
done
# the worker did delete keys while once() ran
p_remaining=$(q -c "SELECT count(*) FROM idempotency.idempotency_keys WHERE scope = 'bench'")
((p_remaining < NKEYS)) || die "the worker deleted no key while once() ran"
p_plain=$(printf '%s\n' "${plain[@]}" | median)
p_purging=$(printf '%s\n' "${purging[@]}" | median)

# ---------- report ----------
echo
echo "idempotency purge benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'); $machine"
echo "PostgreSQL $(q -c 'SHOW server_version'); $NKEYS expired keys, batches of $BATCH;" \
    "shared_buffers 256MB, fsync on, synchronous_commit on"
awk -v n="$NKEYS" -v s="$h_secs" -v b="$h_batches" -v w="$h_slowest" 'BEGIN {
    printf "  by hand    purge() loop   %8.2f s  %10.0f keys/s  (%d batches, slowest %.3f s)\n",
           s, n / s, b, w }'
awk -v n="$w_deleted" -v s="$w_secs" 'BEGIN {
    printf "  by worker  expiry worker  %8.2f s  %10.0f keys/s  (one run, %d keys)\n", s, n / s, n }'
echo "purge() loop over $CYCLES cycles of filling the freed space and purging (keys/s; table MB when full):"
for i in "${!cycles[@]}"; do
    printf '  cycle %2d  %10d keys/s  %6d MB\n' $((i + 1)) "${cycles[i]}" "${sizes[i]}"
done
awk -v a="${cycles[0]}" -v b="${cycles[${#cycles[@]} - 1]}" 'BEGIN {
    printf "  last / first  %.2f  (target: no slower, and >= 300000 keys/s) %s\n", b / a,
           (b / a >= 0.95 && b >= 300000) ? "ok" : "MISS" }'
echo "once() throughput, $CLIENTS clients, -M prepared, median of $ROUNDS interleaved round(s) of ${SECS}s;" \
    "$((NKEYS - p_remaining)) of $NKEYS expiring keys deleted meanwhile:"
awk -v a="$p_plain" -v b="$p_purging" 'BEGIN {
    printf "  without purging  %10.1f tps\n  while purging    %10.1f tps\n", a, b
    printf "  ratio            %10.2f  (target >= 0.85) %s\n", b / a, (b / a >= 0.85) ? "ok" : "MISS" }' 
