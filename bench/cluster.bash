# bench/cluster.bash: the throwaway cluster of bench/run, bench/purge.sh
# and bench/scale.sh, sourced by them (not run).
#
#   bench_cluster NAME
#
# makes a private directory /tmp/idem-NAME.XXXXXX (without .sh: $tmp; the data directory
# is $data), removed at exit unless BENCH_KEEP=1 (the server is stopped
# first; a function bench_cleanup_hook, if the caller defines one, runs
# after that), picks a port nobody uses ($port), runs initdb as the server
# user and writes the settings every bench shares: a socket in $tmp and no
# TCP, the extension preloaded, shared_buffers 256MB.  The caller appends
# its own settings to $data/postgresql.conf and starts the server with
# as_server "$PG_BINDIR/pg_ctl" ...  Needs PG_BINDIR and a die function.

# Runs a command as the server's OS user: postgres when run as root.
as_server() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

bench_cluster() {
    local name=$1 p
    tmp=$(mktemp -d "/tmp/idem-${name%.sh}.XXXXXX")
    data=$tmp/data
    ((EUID == 0)) && chown postgres: "$tmp"
    chmod 700 "$tmp"
    BENCH_NAME=$name
    trap bench_cluster_cleanup EXIT
    trap 'exit 130' INT TERM

    # a port nobody listens on (the server itself listens only on its socket)
    port=
    for p in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [[ ! -e /tmp/.s.PGSQL.$p ]]; then
            port=$p
            break
        fi
    done
    [[ -n $port ]] || die "no free port found"

    as_server "$PG_BINDIR/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale \
        >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
    cat >>"$data/postgresql.conf" <<EOF
# bench/$name
listen_addresses = ''
unix_socket_directories = '$tmp'
port = $port
shared_preload_libraries = 'idempotency'
shared_buffers = 256MB
EOF
}

bench_cluster_cleanup() {
    local rc=$?
    if [[ -f $data/postmaster.pid ]]; then
        as_server "$PG_BINDIR/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if declare -F bench_cleanup_hook >/dev/null; then
        bench_cleanup_hook
    fi
    if [[ "${BENCH_KEEP:-}" == 1 ]]; then
        echo "bench/$BENCH_NAME: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit $rc
}
