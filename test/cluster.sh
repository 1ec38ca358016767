#!/usr/bin/env bash
# test/cluster.sh: a throwaway PostgreSQL cluster for the client suites
# (clients/node, clients/python) and bench/http.
#
#   test/cluster.sh start DIR   initdb in DIR/data, test/regress.conf
#                               appended, a private socket directory DIR
#                               and a random port, no TCP listener; creates
#                               the database "idempotency_test" with the
#                               extension; prints PGHOST=... PGPORT=...
#                               PGDATABASE=... lines (shell syntax)
#   test/cluster.sh restart DIR fast shutdown (every session ends with
#                               57P01), then starts it again, same port
#   test/cluster.sh stop DIR    stops it and removes DIR
#
# Uses $PG_CONFIG's server binaries (default: PostgreSQL 15's, else the
# one on PATH).  Runs as the calling user: PostgreSQL refuses root, so
# scripts/test calls it as the "postgres" OS user.  The server log is
# DIR/server.log.  With TRACK_STATEMENTS=1 the server also preloads
# pg_stat_statements and the database has it: the client suites count the
# statements a request sent.  FSYNC=on makes commits durable, as a server in
# production has them (bench/http); the tests run with fsync off.
# IDEMPOTENCY_EDITION=portable: the portable edition instead (issue 26;
# make -C portable install first): portable/test/regress.conf appended,
# our library not loaded, and the database has idempotency_portable.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${PG_CONFIG:-}" ]; then
	if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
		PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	else
		PG_CONFIG=pg_config
	fi
fi
bindir=$("$PG_CONFIG" --bindir)

case ${IDEMPOTENCY_EDITION:-c} in
c)
	conf=$root/test/regress.conf
	extension=idempotency
	preload=idempotency,
	;;
portable)
	conf=$root/portable/test/regress.conf
	extension=idempotency_portable
	preload=
	;;
*)
	echo "cluster.sh: IDEMPOTENCY_EDITION is c or portable, not '$IDEMPOTENCY_EDITION'" >&2
	exit 2
	;;
esac

cmd=${1:-}
dir=${2:-}
if [ -z "$dir" ] || { [ "$cmd" != start ] && [ "$cmd" != restart ] && [ "$cmd" != stop ]; }; then
	echo "usage: test/cluster.sh start|restart|stop DIR" >&2
	exit 2
fi

case $cmd in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ ${#dir} -gt 90 ]; then
		echo "cluster.sh: $dir is too long for a Unix socket path" >&2
		exit 1
	fi
	"$bindir/initdb" -D "$dir/data" -A trust -E UTF8 --no-locale -N >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# a free port: try a few random ones, pg_ctl fails on a port in use
	for attempt in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		{
			cat "$conf"
			echo "listen_addresses = ''"
			echo "unix_socket_directories = '$dir'"
			echo "port = $port"
			echo "fsync = ${FSYNC:-off}"
			echo "max_connections = 200"
			if [ "${TRACK_STATEMENTS:-}" = 1 ]; then
				echo "shared_preload_libraries = '${preload}pg_stat_statements'"
			fi
		} >"$dir/data/postgresql.auto.conf"
		if "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
			break
		fi
		port=
	done
	if [ -z "$port" ]; then
		echo "cluster.sh: the server did not start; end of $dir/server.log:" >&2
		tail -n 20 "$dir/server.log" >&2
		exit 1
	fi
	"$bindir/psql" -X -q -h "$dir" -p "$port" -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE idempotency_test" \
		-c '\c idempotency_test' \
		-c "CREATE EXTENSION $extension" >&2
	if [ "${TRACK_STATEMENTS:-}" = 1 ]; then
		"$bindir/psql" -X -q -h "$dir" -p "$port" -d idempotency_test -v ON_ERROR_STOP=1 \
			-c "CREATE EXTENSION pg_stat_statements" >&2
	fi
	echo "PGHOST=$dir"
	echo "PGPORT=$port"
	echo "PGDATABASE=idempotency_test"
	echo "PGUSER=$(id -un)"
	;;
restart)
	if ! "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null 2>&1; then
		echo "cluster.sh: the server did not restart; end of $dir/server.log:" >&2
		tail -n 20 "$dir/server.log" >&2
		exit 1
	fi
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		"$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
esac
