# Expiry and streaming replication: a hot standby runs no launcher and no
# worker (none shows in pg_stat_activity, none has a slot, none logs its
# start) and purge() and schedule_expiry() are refused there; once
# promoted, it starts its worker by itself and deletes the expired keys it
# received.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf',
	"shared_preload_libraries = 'idempotency'");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION idempotency');

# hourly: the primary's worker runs once at its start and then waits, so
# expired keys inserted afterwards stay on the primary (and reach the standby)
$primary->safe_psql('postgres', "SELECT idempotency.schedule_expiry('1 hour')");
ok( $primary->poll_query_until(
		'postgres', q{
	SELECT last_run_end IS NOT NULL FROM idempotency.expiry_status
	 WHERE database = 'postgres'}),
	'the primary worker has made its first run');

insert_expired($primary, 'postgres', 'old', 5);
insert_live($primary, 'postgres', 'live-1');

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'the standby is in recovery');
is( $standby->safe_psql(
		'postgres', q{
	SELECT count(*) FROM pg_stat_activity
	 WHERE backend_type IN ('idempotency launcher', 'idempotency expiry')}),
	'0',
	'no launcher and no expiry worker run on the standby');
is( $standby->safe_psql(
		'postgres', q{
	SELECT worker_pid IS NULL AND scheduled AND every = '1 hour'
	  FROM idempotency.expiry_status}),
	't',
	'the standby shows the replicated schedule without a worker');

my ($ret, $out, $err) = $standby->psql('postgres',
	"\\set VERBOSITY sqlstate\nSELECT idempotency.purge()");
like($err, qr/25006/, 'purge() is refused on the standby');
($ret, $out, $err) = $standby->psql('postgres',
	"\\set VERBOSITY sqlstate\nSELECT idempotency.schedule_expiry('1 second')");
like($err, qr/25006/, 'schedule_expiry() is refused on the standby');

# the standby has been up for a while: long enough for a launcher to have
# started a worker (the schedule asks for one at once)
sleep(3);
ok(!$standby->log_contains('idempotency expiry worker started'),
	'the standby\'s log shows no expiry worker starting');
is( $standby->safe_psql(
		'postgres', q{
	SELECT count(*) FROM pg_stat_activity
	 WHERE backend_type LIKE 'idempotency%' OR application_name LIKE 'idempotency%'}),
	'0',
	'still no idempotency process on the standby');
is( $standby->safe_psql(
		'postgres', q{
	SELECT count(*) FROM idempotency.expiry_worker_state()}),
	'0',
	'no expiry worker has a slot on the standby');

# promotion: the launcher starts and the worker runs at once
$primary->stop;
$standby->promote;
ok( $standby->poll_query_until(
		'postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'postgres'}),
	'after promotion the expiry worker runs');
ok($standby->log_contains('idempotency expiry worker started for database "postgres"'),
	'... and its start is logged');
ok( $standby->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'old-%'}),
	'after promotion the expired keys vanish');
is( $standby->safe_psql(
		'postgres',
		"SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'live-%'"),
	'1',
	'the live key stays');
is( $standby->safe_psql(
		'postgres', q{
	SELECT worker_pid IS NOT NULL AND total_deleted = 5
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	't',
	'the promoted server runs the worker');

$standby->stop;
done_testing();
