# Sessions that stay connected through ALTER EXTENSION idempotency UPDATE
# keep working: a statement prepared before the update, by the simple
# protocol (PREPARE / EXECUTE) or the extended one (pgbench -M prepared,
# as drivers and pools do), runs after it with the same result type.
# PostgreSQL does not replan a prepared statement when the row type a
# function returns changes, so an update must never change the type of an
# attribute a client reads: the functions' result types, the key table's
# columns (CONTRIBUTING.md).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade_sessions');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'idempotency'");
$node->start;

my $db = 'sessions';
$node->safe_psql('postgres', "CREATE DATABASE $db");
$node->safe_psql($db, q{CREATE EXTENSION idempotency VERSION '1.0'});

# What a client can read of the API at 1.0: every function's result type
# and, for row types (composite results, the key table), each attribute's
# name and type in order.
my $readable = q{
	WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'idempotency'),
	rowtypes AS (
	    SELECT t.oid, t.typrelid FROM pg_type t
	     WHERE t.typnamespace = 'idempotency'::regnamespace AND t.typrelid <> 0
	)
	SELECT string_agg(line, E'\n' ORDER BY line) FROM (
	    SELECT 'function ' || p.oid::regprocedure || ' returns '
	           || pg_get_function_result(p.oid) AS line
	      FROM pg_proc p
	      JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
	       AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	      JOIN ext ON d.refobjid = ext.oid
	    UNION ALL
	    SELECT 'row type ' || r.oid::regtype || ' ' || a.attnum || ' ' || a.attname || ' '
	           || format_type(a.atttypid, a.atttypmod)
	      FROM rowtypes r
	      JOIN pg_attribute a ON a.attrelid = r.typrelid AND a.attnum > 0 AND NOT a.attisdropped
	) AS facts};
my $at_10 = $node->safe_psql($db, $readable);
like($at_10, qr/^row type idempotency\.claim_result 6 fingerprint text$/m,
	'at 1.0, claim_result has its fingerprint as text');

# keys to replay, look up and checkpoint after the update
$node->safe_psql(
	$db, q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('done', fingerprint => 'fp-done');
	SELECT state FROM idempotency.complete('done', '{"paid": 1}', 201);
	COMMIT;
	BEGIN;
	SELECT outcome FROM idempotency.claim('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid,
	                                      fingerprint => 'fp-uuid');
	SELECT state FROM idempotency.complete('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '"u"', 200);
	COMMIT;
	SELECT outcome FROM idempotency.claim('leased', lease => '1 hour');
	SELECT idempotency.schedule_expiry('1 hour');});

# ---- the simple protocol: PREPARE before the update, EXECUTE after ----
my %prepared = (
	claim => q{SELECT * FROM idempotency.claim($1::text, fingerprint => $2)},
	claim_uuid => q{SELECT * FROM idempotency.claim($1::uuid, fingerprint => $2)},
	claim_star => q{SELECT (idempotency.claim($1::text, fingerprint => $2)).*},
	complete => q{SELECT * FROM idempotency.complete($1::text, $2::jsonb, 201)},
	complete_uuid => q{SELECT * FROM idempotency.complete($1::uuid, $2::jsonb, 201)},
	checkpoint => q{SELECT * FROM idempotency.checkpoint($1::text, $2,
	                 token => (SELECT lease_token FROM idempotency.lookup($1::text)))},
	lookup => q{SELECT * FROM idempotency.lookup($1::text)},
	lookup_uuid => q{SELECT * FROM idempotency.lookup($1::uuid)},
	all_keys => q{SELECT * FROM idempotency.all_keys() WHERE key = $1},
	table => q{SELECT * FROM idempotency.idempotency_keys WHERE key = $1},
	expiry => q{SELECT * FROM idempotency.expiry_status WHERE database = $1},
);
my $simple = $node->background_psql($db, on_error_stop => 0);
for my $name (sort keys %prepared)
{
	$simple->query_safe("PREPARE p_$name AS $prepared{$name}");
}

# each statement as a session runs it, before and after the update, with
# a check of what it returns
my $uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
sub run_all
{
	my ($round) = @_;
	my @checks = (
		[ "EXECUTE p_claim('done', 'fp-done')", qr/^completed\|.*\|done\|completed\|/, 'claim' ],
		[ "EXECUTE p_claim_uuid('$uuid', 'fp-uuid')", qr/^completed\|.*\|$uuid\|completed\|/,
			'claim of a uuid' ],
		[ "EXECUTE p_claim_star('done', 'fp-done')", qr/^completed\|.*\|done\|completed\|/,
			'(claim()).*' ],
		[ "BEGIN; EXECUTE p_claim('new-$round', 'fp'); EXECUTE p_complete('new-$round', '{\"n\": 1}'); COMMIT;",
			qr/^claimed\|.*\n.*\|new-$round\|completed\|/, 'claim and complete of a new key' ],
		[ "BEGIN; EXECUTE p_claim_uuid('$round$round$round${round}0000-0000-4000-8000-000000000000', 'fp');"
			  . " EXECUTE p_complete_uuid('$round$round$round${round}0000-0000-4000-8000-000000000000', '1'); COMMIT;",
			qr/\|completed\|/, 'claim and complete of a new uuid key' ],
		[ "EXECUTE p_checkpoint('leased', 'step-$round')", qr/\|leased\|in_progress\|.*\|step-$round\|/,
			'checkpoint' ],
		[ "EXECUTE p_lookup('done')", qr/\|done\|completed\|/, 'lookup' ],
		[ "EXECUTE p_lookup_uuid('$uuid')", qr/\|$uuid\|completed\|/, 'lookup of a uuid' ],
		[ "EXECUTE p_all_keys('done')", qr/\|done\|completed\|/, 'all_keys()' ],
		[ "EXECUTE p_table('done')", qr/\|done\|completed\|/, 'SELECT * from the key table' ],
		[ "EXECUTE p_expiry('$db')", qr/^\Q$db\E\|/, 'expiry_status' ],
	);
	for my $c (@checks)
	{
		my ($sql, $want, $what) = @$c;
		my $out = $simple->query($sql);
		my $err = $simple->{stderr};
		$simple->{stderr} = '';
		like($out, $want, "$round: $what, prepared before the update (simple protocol)")
		  or diag("error: $err");
	}
}
run_all(1);

# ---- the extended protocol: pgbench -M prepared, through the update ----
my $script = $node->basedir . '/sessions.pgbench';
open my $fh, '>', $script or die $!;
print $fh <<'EOS';
\set n random(1, 1000000000000)
BEGIN;
SELECT * FROM idempotency.claim('pgb-' || :n, fingerprint => 'fp');
SELECT * FROM idempotency.complete('pgb-' || :n, '{"ok": true}', 201);
COMMIT;
BEGIN;
SELECT * FROM idempotency.claim(md5('u' || :n)::uuid, fingerprint => 'fp');
SELECT * FROM idempotency.complete(md5('u' || :n)::uuid, '1');
COMMIT;
BEGIN;
SELECT * FROM idempotency.claim('pgl-' || :n, lease => '1 hour');
SELECT * FROM idempotency.checkpoint('pgl-' || :n, 'step',
    token => (SELECT lease_token FROM idempotency.lookup('pgl-' || :n)));
SELECT * FROM idempotency.complete('pgl-' || :n, '2',
    token => (SELECT lease_token FROM idempotency.lookup('pgl-' || :n)));
COMMIT;
SELECT * FROM idempotency.claim('done', fingerprint => 'fp-done');
SELECT (idempotency.claim('done', fingerprint => 'fp-done')).*;
SELECT * FROM idempotency.lookup('done');
SELECT * FROM idempotency.all_keys() WHERE key = 'done';
SELECT * FROM idempotency.idempotency_keys WHERE key = 'done';
\sleep 10 ms
EOS
close $fh;

my ($bench_out, $bench_err) = ('', '');
my $bench = IPC::Run::start(
	[ 'pgbench', '-n', '-M', 'prepared', '-c', '2', '-T', '12', '-f', $script,
		'-h', $node->host, '-p', $node->port, $db ],
	'>', \$bench_out, '2>', \$bench_err);

# lease keys that pgbench completed: its last statements of a transaction
my $done_keys = q{(SELECT count(*) FROM idempotency.idempotency_keys
                    WHERE key LIKE 'pgl-%' AND state = 'completed')};
ok($node->poll_query_until($db, "SELECT $done_keys > 10"), 'pgbench runs its prepared statements at 1.0');

# ---- the update, with both sessions connected ----
$node->safe_psql($db, 'ALTER EXTENSION idempotency UPDATE');
my $default = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'idempotency'});
is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'idempotency'}),
	$default, "the database is updated to $default");
my $after_update = $node->safe_psql($db, "SELECT $done_keys");

run_all(2);

ok($node->poll_query_until($db, "SELECT $done_keys > $after_update + 20"),
	'pgbench goes on completing keys after the update');
$bench->finish;
is($?, 0, 'pgbench ends without an error: no prepared statement failed after the update')
  or diag($bench_err);
like($bench_out, qr/number of failed transactions: 0 /, 'and reports no failed transaction');
unlike($bench_err, qr/ERROR|aborted/, 'nor any error');

# ---- what a client reads kept its type ----
my $at_new = $node->safe_psql($db, $readable);
my %new = map { $_ => 1 } split /\n/, $at_new;
my @changed = grep { !$new{$_} } split /\n/, $at_10;
is(join("\n", @changed), '',
	'every result type and row type attribute of 1.0 is there, unchanged, after the update');

# the stored fingerprints still tell requests apart after the update
my ($rc, $out, $err) = $node->psql($db,
	q{SELECT * FROM idempotency.claim('done', fingerprint => 'another request')});
like($err, qr/already used for a different request/,
	'a fingerprint stored before the update still tells another request apart');

$simple->quit;
$node->stop;
done_testing();
