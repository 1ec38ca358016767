# The starting point on Citus (docs/citus.md, "What works today"): a
# coordinator and two workers with the 1.0 extension.
#
# What works: CREATE EXTENSION on the coordinator reaches every worker, and
# with the key table left as a plain table on the coordinator, claim() +
# a distributed business insert + complete() commit together (Citus commits
# the worker's part and the coordinator's key row with two-phase commit),
# once() runs a distributed INSERT exactly once, and a duplicate that
# arrives through another coordinator connection waits and replays.
#
# What is refused: idempotency.idempotency_keys distributed by hand.  The
# functions of schema idempotency use that table directly, which on Citus
# is an empty shell (1.0 read and wrote it, and lost keys on a shard move);
# they now fail with a clear error, on the coordinator and on a worker a
# call is delegated to.  Colocated keys are idempotency.distribute()'s
# (t/002_routed.pl).
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/..";
use CitusTest;

skip_unless_citus();

my ($coord, @workers) = start_citus_cluster('today');
my @worker_ports = map { $_->port } @workers;

is( $coord->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_dist_node WHERE isactive AND shouldhaveshards"),
	'2',
	'two active workers hold shards');

# ---- the extension is created on the coordinator and reaches the workers
$coord->safe_psql('postgres', 'CREATE EXTENSION idempotency');
my $version = $coord->safe_psql('postgres',
	q{SELECT extversion FROM pg_extension WHERE extname = 'idempotency'});
is( $coord->safe_psql(
		'postgres', q{
	SELECT string_agg(result, ',' ORDER BY nodeport)
	  FROM run_command_on_workers(
	       $$SELECT extversion FROM pg_extension WHERE extname = 'idempotency'$$)}),
	"$version,$version",
	'CREATE EXTENSION on the coordinator is propagated to both workers');

# ---- keys on the coordinator, business rows sharded by account
create_payments($coord);

my $request = q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('pay-1', fingerprint => 'a42');
	INSERT INTO payments VALUES (42, 'pay-1', 500);
	SELECT state FROM idempotency.complete('pay-1', '{"payment": 1}', 201);
	COMMIT;
};
is($coord->safe_psql('postgres', $request),
	"claimed\ncompleted",
	'coordinator keys: claim, distributed insert and complete commit together');
is( $coord->safe_psql(
		'postgres',
		q{SELECT outcome || ' ' || response_code || ' ' || response::text
		    FROM idempotency.claim('pay-1', fingerprint => 'a42')}),
	'completed 201 {"payment": 1}',
	'coordinator keys: the retry replays the stored response');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM payments'),
	'1', 'coordinator keys: the payment exists once');

# ---- once() with a distributed INSERT ... RETURNING
my $once = q{SELECT idempotency.once('once-1',
	'INSERT INTO payments VALUES ($1, $2, $3) RETURNING account_id, amount_cents',
	7::bigint, 'once-1'::text, 300)};
my $first = $coord->safe_psql('postgres', $once);
is($first, '[{"account_id": 7, "amount_cents": 300}]',
	'once(): a distributed INSERT runs and returns its row');
is($coord->safe_psql('postgres', $once), $first, 'once(): the retry replays the same rows');
is( $coord->safe_psql(
		'postgres', q{SELECT count(*) FROM payments WHERE request_key = 'once-1'}),
	'1', 'once(): the insert ran once');

# ---- a duplicate through another coordinator connection waits and replays
my $holder = $coord->background_psql('postgres', on_error_stop => 0);
$holder->query_safe('BEGIN');
is($holder->query_safe(q{SELECT outcome FROM idempotency.claim('pay-2')}),
	'claimed', 'the first request claims pay-2');
$holder->query_safe(q{INSERT INTO payments VALUES (43, 'pay-2', 900)});

my ($dup_out, $dup_err) = ('', '');
my $dup = IPC::Run::start(
	[
		'psql', '-X', '-A', '-t', '-h', $coord->host, '-p', $coord->port,
		'-d', 'postgres', '-c', q{SELECT outcome FROM idempotency.claim('pay-2')}
	],
	'>', \$dup_out, '2>', \$dup_err);
ok( $coord->poll_query_until(
		'postgres', q{
	SELECT count(*) = 1 FROM pg_locks
	 WHERE locktype = 'advisory' AND objsubid = 18756 AND NOT granted}),
	'the duplicate waits on the key lock on the coordinator');
$holder->query_safe(q{SELECT idempotency.complete('pay-2', '{"payment": 2}')});
$holder->query_safe('COMMIT');
$holder->quit;
$dup->finish;
is($dup_out =~ s/\s+$//r, 'completed', 'the waiting duplicate replays once the first commits');
is( $coord->safe_psql(
		'postgres', q{SELECT count(*) FROM payments WHERE request_key = 'pay-2'}),
	'1', 'pay-2 took effect once');

# ---- the colocated layout, built by hand: orders sharded by their text
# key, the key table distributed by its key and colocated with them, and a
# force-delegated entry point.  The key table's own_keys policy has a
# subquery, which Citus refuses in policies of distributed tables; it is
# replaced by an equivalent one without.
$coord->safe_psql(
	'postgres', q{
DROP POLICY own_keys ON idempotency.idempotency_keys;
CREATE POLICY own_keys ON idempotency.idempotency_keys FOR ALL TO PUBLIC
	USING (owner OPERATOR(pg_catalog.=) (CURRENT_USER)::pg_catalog.regrole)
	WITH CHECK (owner OPERATOR(pg_catalog.=) (CURRENT_USER)::pg_catalog.regrole);
SELECT create_distributed_table('idempotency.idempotency_keys', 'key',
                                colocate_with := 'none', shard_count := 4);
CREATE TABLE orders (request_key text COLLATE "C" PRIMARY KEY, amount int NOT NULL);
SELECT create_distributed_table('orders', 'request_key',
                                colocate_with := 'idempotency.idempotency_keys');
CREATE SCHEMA app;
CREATE FUNCTION app.claim(k text) RETURNS text LANGUAGE sql
	AS $$ SELECT outcome FROM idempotency.claim(k) $$;
SELECT create_distributed_function('app.claim(text)', 'k',
	colocate_with := 'orders', force_delegation := true);
});

my ($ret, $stdout, $stderr) = $coord->psql('postgres',
	q{SELECT outcome FROM idempotency.claim('pay-1')});
like($stderr, qr/idempotency\.idempotency_keys is a Citus table/,
	'hand-distributed key table: the coordinator refuses to read its shell');
($ret, $stdout, $stderr) = $coord->psql(
	'postgres', q{
	SET citus.log_remote_commands = on;
	SET client_min_messages = notice;
	BEGIN;
	SELECT app.claim('ord-1');
	COMMIT;});
like($stderr, qr/issuing SELECT app\.claim\('ord-1'::text\)/,
	'hand-distributed key table: the wrapper is delegated to a worker');
like($stderr, qr/idempotency\.idempotency_keys is a Citus table/,
	'hand-distributed key table: the worker refuses to write its shell');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'ord-%'}),
	'0', 'hand-distributed key table: no key written to its shards');
for my $w (@workers)
{
	is($w->safe_psql('postgres', q{SELECT pg_relation_size('idempotency.idempotency_keys')}),
		'0', 'hand-distributed key table: its shell on ' . $w->name . ' is untouched');
}

done_testing();
