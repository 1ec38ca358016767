#!/usr/bin/env bash
# bench/scale.sh: claim() replay and once() of a fresh key on a key table
# of SCALE_KEYS (20000000) completed keys, against the same on a nearly
# empty one (SCALE_SMALL, 1000 keys), side by side.
#
# Two databases of one throwaway cluster, each set up by bench/setup.sql
# with SCALE_SMALL keys made by once(); the large one then gets the rest of
# its keys written straight into the key table (rows as once() writes them
# for bench/g_once.sql: the key, the fingerprint's digest, a stored row of
# about the same size), then VACUUM ANALYZE and a CHECKPOINT.  Rounds of
# bench/e_replay.sql (a replay of a random existing key) and
# bench/g_once.sql (once() of a fresh key) alternate between the two
# databases; the report is the median TPS of each and large / small.
#
# Environment: SCALE_KEYS (20000000), SCALE_SMALL (1000), SCALE_ROUNDS (3),
# SCALE_SECONDS (10), SCALE_CLIENTS (8), SCALE_SYNC (off: the
# synchronous_commit of the runs, so that commit flushes do not hide what
# the table's size costs), BENCH_KEEP=1 keeps the cluster's directory,
# PG_BINDIR.  The large table takes about 6 GB and several minutes to fill.
#
# Like bench/run it starts its own throwaway cluster and installs nothing:
# build and `make install` the extension first.  As root it runs the server
# as the postgres OS user.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NKEYS=${SCALE_KEYS:-20000000}
SMALL=${SCALE_SMALL:-1000}
ROUNDS=${SCALE_ROUNDS:-3}
SECS=${SCALE_SECONDS:-10}
CLIENTS=${SCALE_CLIENTS:-8}
SYNC=${SCALE_SYNC:-off}
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}

die() { echo "bench/scale.sh: $*" >&2; exit 1; }
for n in "$NKEYS" "$SMALL" "$ROUNDS" "$SECS" "$CLIENTS"; do
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "SCALE_* counts must be positive integers"
done
((NKEYS > SMALL)) || die "SCALE_KEYS must be larger than SCALE_SMALL"

# shellcheck source=bench/cluster.bash
source "$here/cluster.bash"
bench_cluster scale.sh
cat >>"$data/postgresql.conf" <<EOF
max_wal_size = 8GB
checkpoint_timeout = 30min
log_min_messages = warning
EOF
as_server "$PG_BINDIR/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start >/dev/null ||
    { cat "$tmp/server.log" >&2; die "the server did not start"; }
export PGHOST=$tmp PGPORT=$port PGUSER=postgres
q() { "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

version=$(q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'idempotency'")
for db in small large; do
    q -d postgres -c "CREATE DATABASE $db" >/dev/null
    q -d "$db" -f "$here/brandur.sql" >/dev/null
    q -d "$db" -v nkeys="$SMALL" -v version="$version" -f "$here/setup.sql" >/dev/null
done

echo "bench/scale.sh: writing $((NKEYS - SMALL)) more keys into the large table ..." >&2
start=$SECONDS
# one stored row, as once() stores bench/g_once.sql's RETURNING row, and
# one fingerprint digest, the same for every key (their size is what counts)
q -d large -v small="$SMALL" -v nkeys="$NKEYS" <<'EOF'
SELECT response, fingerprint FROM idempotency.idempotency_keys LIMIT 1 \gset
INSERT INTO idempotency.idempotency_keys
       (owner, scope, key, state, fingerprint, response, created_at, completed_at, expires_at)
SELECT current_user::regrole, '', bench.replay_key(n), 'completed', :'fingerprint',
       :'response', now(), now(), now() + interval '1 day'
  FROM generate_series(:small + 1, :nkeys) AS n;
VACUUM ANALYZE idempotency.idempotency_keys;
CHECKPOINT;
EOF
echo "bench/scale.sh: filled in $((SECONDS - start)) s" >&2
[[ $(q -d large -c "SELECT count(*) FROM idempotency.idempotency_keys") == "$NKEYS" ]] ||
    die "the large table does not hold $NKEYS keys"

declare -A TPS=()
run() {	# db case script nkeys
    local out=$tmp/$1.$2.log tps
    PGOPTIONS="-c synchronous_commit=$SYNC" "$PG_BINDIR/pgbench" -n -M prepared -c "$CLIENTS" -j 2 \
        -T "$SECS" -D nkeys="$4" -f "$here/$3" "$1" >"$out" 2>&1 ||
        { cat "$out" >&2; die "pgbench failed ($1, $2)"; }
    grep -q '^number of failed transactions: 0' "$out" || ! grep -q '^number of failed' "$out" ||
        { cat "$out" >&2; die "failed transactions ($1, $2)"; }
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
    [[ -n $tps ]] || { cat "$out" >&2; die "no tps ($1, $2)"; }
    TPS[$1.$2]+="$tps "
    printf '  %-5s %-7s %10.1f tps\n' "$1" "$2" "$tps" >&2
}
for r in $(seq 1 "$ROUNDS"); do
    echo "bench/scale.sh: round $r of $ROUNDS" >&2
    for db in small large; do
        n=$([[ $db == small ]] && echo "$SMALL" || echo "$NKEYS")
        run "$db" replay e_replay.sql "$n"
        run "$db" once g_once.sql "$n"
    done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sizes=$(q -d large -c "SELECT pg_total_relation_size('idempotency.idempotency_keys') / 1048576")
echo
echo "idempotency scale benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores"
echo "PostgreSQL $(q -d postgres -c 'SHOW server_version'); shared_buffers 256MB; $CLIENTS clients," \
    "-M prepared, synchronous_commit $SYNC; median of $ROUNDS rounds of ${SECS}s"
echo "key table: $SMALL keys against $NKEYS keys ($sizes MB with its indexes)"
for c in replay once; do
    s=$(median <<<"${TPS[small.$c]}")
    l=$(median <<<"${TPS[large.$c]}")
    awk -v c="$c" -v s="$s" -v l="$l" 'BEGIN {
        printf "  %-7s %10.1f tps  %10.1f tps  large/small %.2f  (target >= 0.90) %s\n",
               c, s, l, l / s, (l / s >= 0.9) ? "ok" : "MISS" }'
done
