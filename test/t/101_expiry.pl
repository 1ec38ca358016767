# The expiry worker on one server: expired keys vanish within an interval
# while live keys (and a key past its expiry under a live lease) stay; the
# schedule survives a restart; a terminated worker comes back, and so does
# one after a crash; a new interval takes effect at once; unscheduling
# stops the worker.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('expiry');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idempotency'
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION idempotency');

# the launcher runs from the start, connected to no database
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM pg_stat_activity
	 WHERE backend_type = 'idempotency launcher' AND datname IS NULL}),
	'1',
	'the launcher runs, connected to no database');

# Inserts n keys named prefix-1..n that expired an hour ago (as a superuser,
# straight into the table).
sub wait_gone
{
	my ($prefix, $what) = @_;
	ok( $node->poll_query_until(
			'postgres',
			"SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE '$prefix-%'"
		),
		$what);
}

sub worker_pid
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(worker_pid, 0) FROM idempotency.expiry_status WHERE database = 'postgres'"
	);
}

# keys that must stay: live, and expired but held under a live lease
$node->safe_psql(
	'postgres', q{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	VALUES (current_user::regrole, '', 'live-1', 'completed', '{}', now(), now(),
	        now() + interval '1 day');
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, lease_token, lease_holder_pid, lease_interval,
	        lease_expires_at, created_at, expires_at)
	VALUES (current_user::regrole, '', 'live-leased', 'in_progress', gen_random_uuid(), 1,
	        interval '1 day', now() + interval '1 day', now() - interval '2 hours',
	        now() - interval '1 hour'),
	       (current_user::regrole, '', 'old-lease-gone', 'in_progress', gen_random_uuid(), 1,
	        interval '1 second', now() - interval '1 hour', now() - interval '2 hours',
	        now() - interval '1 hour');
});
insert_expired($node, 'postgres', 'old', 9);

# a batch of 4 makes each run take several batches
$node->safe_psql('postgres',
	"SELECT idempotency.schedule_expiry('1 second', batch_size => 4)");
wait_gone('old', 'expired keys and an abandoned expired lease vanish');
is(count_keys($node, 'postgres', 'live'), '2',
	'a live key and an expired key under a live lease stay');

ok( $node->poll_query_until(
		'postgres', q{
	SELECT worker_pid IS NOT NULL AND every = '1 second' AND batch_size = 4
	       AND total_deleted = 10 AND last_error IS NULL AND scheduled
	       AND last_run_start IS NOT NULL
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	'expiry_status shows the worker, its schedule and the keys it deleted');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'postgres'
	   AND pid = (SELECT worker_pid FROM idempotency.expiry_status)}),
	'1',
	'the worker is the "idempotency expiry" backend of the database');

# a terminated worker comes back
my $pid = worker_pid();
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok( $node->poll_query_until(
		'postgres', qq{
	SELECT worker_pid IS NOT NULL AND worker_pid <> $pid
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	'a terminated worker is started again');
insert_expired($node, 'postgres', 'after-kill', 5);
wait_gone('after-kill', 'the restarted worker deletes expired keys');

# the schedule survives a restart
$node->restart;
ok( $node->poll_query_until(
		'postgres', q{
	SELECT worker_pid IS NOT NULL AND every = '1 second'
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	'after a restart the worker runs on the same schedule');
insert_expired($node, 'postgres', 'after-restart', 5);
wait_gone('after-restart', 'after a restart expired keys vanish');

# after a crash (a worker killed with SIGKILL: the postmaster reinitialises)
$pid = worker_pid();
kill 'KILL', $pid;
ok( $node->poll_query_until(
		'postgres', qq{
	SELECT worker_pid IS NOT NULL AND worker_pid <> $pid
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	'after a crash the worker runs again');
insert_expired($node, 'postgres', 'after-crash', 5);
wait_gone('after-crash', 'after a crash expired keys vanish');
ok($node->log_contains('terminating any other active server processes'),
	'the SIGKILL caused a crash restart');

# a longer interval: the worker has just run and waits an hour
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('1 hour')");
ok( $node->poll_query_until(
		'postgres', q{
	SELECT every = '1 hour' FROM idempotency.expiry_status
	 WHERE database = 'postgres'}),
	'the worker reads the new interval at once');
insert_expired($node, 'postgres', 'hourly', 3);
sleep(3);
is(count_keys($node, 'postgres', 'hourly'), '3', 'no run before the hour is over');

# a cancel (pg_cancel_backend) is recorded as an error; the worker stays
$pid = worker_pid();
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
ok( $node->poll_query_until(
		'postgres', qq{
	SELECT last_error LIKE '%canceling statement due to user request%'
	       AND last_error_at IS NOT NULL AND worker_pid = $pid
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	'a cancelled worker records the error and goes on');

# a shorter one takes effect without waiting for the hour
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('1 second')");
wait_gone('hourly', 'a shorter interval takes effect at once');
ok( $node->poll_query_until(
		'postgres', qq{
	SELECT last_error IS NULL AND worker_pid = $pid
	  FROM idempotency.expiry_status WHERE database = 'postgres'}),
	'a successful run clears the error');
is(count_keys($node, 'postgres', 'live'), '2', 'live keys are still there');

# unscheduling stops the worker
$node->safe_psql('postgres', 'SELECT idempotency.unschedule_expiry()');
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry'}),
	'after unschedule_expiry() the worker exits');
is($node->safe_psql('postgres', 'SELECT count(*) FROM idempotency.expiry_status'),
	'0', 'expiry_status is empty');
insert_expired($node, 'postgres', 'unscheduled', 2);
sleep(2);
is(count_keys($node, 'postgres', 'unscheduled'), '2', 'nothing deletes keys any more');

# purge() by hand still works
is($node->safe_psql('postgres', 'SELECT idempotency.purge()'),
	'2', 'purge() deletes the expired keys by hand');

# no restart loop: each worker start was logged once for a reason above
my $log = slurp_file($node->logfile);
my $starts = () = $log =~ /idempotency expiry worker started for database "postgres"/g;
is($starts, 4,
	"the worker started once per schedule, kill, restart and crash ($starts)");

$node->stop;
done_testing();
