# The upgrade from 1.0: this library serves a database still at 1.0; ALTER
# EXTENSION ... UPDATE keeps every key working (completed keys replay, an
# abandoned lease recovers with its recovery point, a live lease stays held,
# expiry goes on purging) and leaves the extension exactly as a fresh
# install of the new version does: the same objects, definitions,
# privileges, policies, comments and dumped tables.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'idempotency'");
$node->start;

my $default = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'idempotency'});
my @versions = split /\n/, $node->safe_psql('postgres',
	q{SELECT version FROM pg_available_extension_versions
	   WHERE name = 'idempotency' ORDER BY string_to_array(version, '.')::int[]});
is($versions[0], '1.0', 'version 1.0 can still be installed');
isnt($default, '1.0', "the default version is newer ($default)");

$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('upgraded', q{CREATE EXTENSION idempotency VERSION '1.0'});
$node->safe_psql('fresh', 'CREATE EXTENSION idempotency');
is($node->safe_psql('upgraded', q{SELECT extversion FROM pg_extension WHERE extname = 'idempotency'}),
	'1.0', 'the database starts at 1.0');

# ---- the new library serves the database still at 1.0 ----
$node->safe_psql('fresh', 'SELECT idempotency.stats_reset()');
is( $node->safe_psql(
		'upgraded', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('pay-1', fingerprint => 'fp-1');
	SELECT state FROM idempotency.complete('pay-1', '{"payment_id": 1}', 201);
	COMMIT;
	SELECT idempotency.once('once-1', 'SELECT 42 AS answer');
	SELECT outcome || ' ' || response_code FROM idempotency.claim('pay-1', fingerprint => 'fp-1');
	SELECT key FROM idempotency.lookup('pay-1');}),
	"claimed\ncompleted\n[{\"answer\": 42}]\ncompleted 201\npay-1",
	'claim, complete, once and lookup work at 1.0 with this library');
is( $node->safe_psql(
		'fresh', q{
	SELECT claimed || ' ' || replayed || ' ' || once_runs FROM idempotency.stats
	 WHERE database = 'upgraded'}),
	'1 1 1',
	'and are counted, in the cluster-wide counters');

# keys in every state
$node->safe_psql('upgraded', q{
	SELECT outcome FROM idempotency.claim('lease-abandoned', lease => '1 second',
	                                      fingerprint => 'fp-l');
	SELECT recovery_point FROM idempotency.checkpoint('lease-abandoned', 'charged',
	    token => (SELECT lease_token FROM idempotency.lookup('lease-abandoned')));
	BEGIN;
	SELECT outcome FROM idempotency.claim('short-lived', ttl => '8 seconds');
	SELECT state FROM idempotency.complete('short-lived', '"bye"');
	COMMIT;});
my $holder = $node->background_psql('upgraded');
$holder->query_safe(q{SELECT outcome FROM idempotency.claim('lease-live', lease => '1 hour')});
insert_expired($node, 'upgraded', 'old', 50);
$node->safe_psql('upgraded', q{SELECT idempotency.schedule_expiry('1 second')});
ok( $node->poll_query_until(
		'upgraded',
		q{SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'old-%'}),
	'at 1.0, the worker purges expired keys');
ok( $node->poll_query_until(
		'upgraded', q{
	SELECT last_run_end IS NOT NULL AND last_error IS NULL AND total_deleted >= 50
	  FROM idempotency.expiry_status WHERE database = 'upgraded'}),
	'and its runs end without an error (no routed purge to look for at 1.0)');
sleep 1;    # the abandoned lease runs out

# ---- the update ----
$node->safe_psql('upgraded', 'ALTER EXTENSION idempotency UPDATE');
is($node->safe_psql('upgraded', q{SELECT extversion FROM pg_extension WHERE extname = 'idempotency'}),
	$default, 'the update reaches the default version');

is( $node->safe_psql(
		'upgraded', q{
	SELECT outcome || ' ' || response_code || ' ' || response::text
	  FROM idempotency.claim('pay-1', fingerprint => 'fp-1')}),
	'completed 201 {"payment_id": 1}',
	'a key completed before the update replays');
my ($rc, $out, $err) = $node->psql('upgraded',
	q{SELECT idempotency.claim('pay-1', fingerprint => 'other')});
like($err, qr/already used for a different request/,
	'its fingerprint still tells another request apart');
is($node->safe_psql('upgraded', q{SELECT idempotency.once('once-1', 'SELECT 42 AS answer')}),
	'[{"answer": 42}]', 'a once() key replays');
is( $node->safe_psql(
		'upgraded', q{
	SELECT outcome FROM idempotency.claim('lease-live', wait => '0')}),
	'in_progress',
	'a live lease taken before the update is still held');
is( $node->safe_psql(
		'upgraded', q{
	BEGIN;
	SELECT outcome || ' ' || recovery_point
	  FROM idempotency.claim('lease-abandoned', fingerprint => 'fp-l', lease => '1 minute');
	SELECT state FROM idempotency.complete('lease-abandoned', '"done"',
	    token => (SELECT lease_token FROM idempotency.lookup('lease-abandoned')));
	COMMIT;}),
	"recovered charged\ncompleted",
	'an abandoned lease recovers at its recovery point and completes');
is($holder->query_safe(q{
	SELECT state FROM idempotency.complete('lease-live', '"late"',
	    token => (SELECT lease_token FROM idempotency.lookup('lease-live')))}),
	'completed', 'the holder of the live lease completes it after the update');
$holder->quit;

# expiry goes on: the key that expires after the update, and new ones
insert_expired($node, 'upgraded', 'new', 50);
ok( $node->poll_query_until(
		'upgraded',
		q{SELECT count(*) = 0 FROM idempotency.idempotency_keys
		   WHERE key LIKE 'new-%' OR key = 'short-lived'}),
	'after the update, the worker goes on purging');
is($node->safe_psql('upgraded', q{SELECT scheduled FROM idempotency.expiry_status}),
	't', 'the schedule survived the update');

# what 1.1 adds works in the updated database
is($node->safe_psql('upgraded', q{SELECT leases FROM idempotency.key_stats}),
	'0', 'key_stats works after the update (no lease left open)');
cmp_ok($node->safe_psql('upgraded', q{
	SELECT sum(replayed) FROM idempotency.stats WHERE database = 'upgraded'}),
	'>=', 2, 'the counters show the database');

# the updated extension is the fresh one, object for object
my $updated = extension_objects($node, 'upgraded');
my $installed = extension_objects($node, 'fresh');
like($installed, qr/^member function idempotency\.stats\(\)$/m,
	'the comparison sees the new version\'s objects');
is($updated, $installed, 'the updated extension equals a fresh install');

# and a dump of the updated database restores to the same
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my $dump = $node->basedir . '/upgraded.dump';
$node->command_ok(
	[ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('upgraded') ],
	'the updated database dumps');
$node->command_ok(
	[ 'pg_restore', '-d', $node->connstr('restored'), $dump ],
	'and restores');
is($node->safe_psql('restored', q{
	SELECT outcome || ' ' || response::text FROM idempotency.claim('pay-1', fingerprint => 'fp-1')}),
	'completed {"payment_id": 1}', 'the restored database replays the key');
is(extension_objects($node, 'restored'), $installed,
	'the restored extension equals a fresh install');

$node->stop;
done_testing();
