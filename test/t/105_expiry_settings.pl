# Expiry settings and schedule changes on one preloaded server:
# - the GUCs idempotency.expiry_interval and idempotency.expiry_batch_size,
#   which a schedule made without arguments follows: a reload (SIGHUP)
#   changes the interval and the batch size of a running worker;
# - a schedule that cannot be read (its table locked, with lock_timeout set)
#   is retried after a pause, not in a tight loop;
# - PREPARE TRANSACTION of a transaction that changed the schedule is
#   refused (0A000), other prepared transactions are not;
# - a schedule written without waking the launcher (the trigger bypassed
#   with session_replication_role = replica) is found by the launcher's
#   next look at the database.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('settings');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idempotency'
idempotency.launcher_naptime = '1s'
max_prepared_transactions = 2
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION idempotency');

# Polls $sql in $db until it returns 't', for at most $secs seconds;
# returns the seconds it took, or undef.
sub wait_for
{
	my ($db, $sql, $secs) = @_;
	my $t0 = time();
	while (time() - $t0 < $secs)
	{
		return time() - $t0 if $node->safe_psql($db, $sql) eq 't';
		usleep(200_000);
	}
	return undef;
}

sub set_and_reload
{
	my ($name, $value) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET $name = '$value'");
	$node->reload;
}

# ---- the GUCs ----
is( $node->safe_psql(
		'postgres', q{
	SELECT string_agg(concat_ws(' ', name, setting, coalesce(unit, '-'), min_val, max_val,
	                            context, boot_val), ', ' ORDER BY name)
	  FROM pg_settings
	 WHERE name IN ('idempotency.expiry_interval', 'idempotency.expiry_batch_size')}),
	'idempotency.expiry_batch_size 10000 - 1 1000000 sighup 10000, '
	  . 'idempotency.expiry_interval 60 s 1 86400 sighup 60',
	'the GUCs: defaults, units, bounds and context');
my ($ret, $out, $err) = $node->psql('postgres',
	"ALTER SYSTEM SET idempotency.expiry_interval = '2d'");
isnt($ret, 0, 'an interval over a day is refused');
($ret, $out, $err) = $node->psql('postgres',
	"ALTER SYSTEM SET idempotency.expiry_batch_size = 0");
isnt($ret, 0, 'a batch size of 0 is refused');

# ---- a schedule made with the defaults follows the GUCs ----
set_and_reload('idempotency.expiry_interval', '1h');
$node->safe_psql('postgres', 'SELECT idempotency.schedule_expiry()');
is( $node->safe_psql(
		'postgres',
		'SELECT every IS NULL AND batch_size IS NULL FROM idempotency.expiry_schedule'),
	't',
	'schedule_expiry() without arguments stores NULLs');
ok( defined wait_for(
		'postgres', q{
	SELECT coalesce(bool_and(worker_pid IS NOT NULL AND every = '1 hour'
	                         AND batch_size = 10000 AND last_run_end IS NOT NULL), false)
	  FROM idempotency.expiry_status WHERE database = 'postgres'}, 60),
	'the worker runs once at its start, with the GUCs\' interval and batch size');

insert_expired($node, 'postgres', 'hourly', 3);
sleep(2);
is(count_keys($node, 'postgres', 'hourly'), '3', 'no run before the hour is over');

# SIGHUP: the running worker takes the new interval
set_and_reload('idempotency.expiry_interval', '1s');
my $took = wait_for('postgres',
	"SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'hourly-%'", 30);
ok(defined $took,
	sprintf('after a reload to 1s expired keys vanish (%.1f s)', $took // -1));
is( $node->safe_psql(
		'postgres',
		"SELECT every = '1 second' FROM idempotency.expiry_status WHERE database = 'postgres'"),
	't',
	'expiry_status shows the reloaded interval');

set_and_reload('idempotency.expiry_batch_size', '7');
ok( defined wait_for(
		'postgres',
		"SELECT batch_size = 7 FROM idempotency.expiry_status WHERE database = 'postgres'", 30),
	'a reload changes the batch size of the running worker');

# an explicit interval is kept over the GUC's, NULL goes back to the GUC
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('1 hour', NULL)");
ok( defined wait_for(
		'postgres', q{
	SELECT every = '1 hour' AND batch_size = 7 FROM idempotency.expiry_status
	 WHERE database = 'postgres'}, 30),
	'an explicit interval overrides the GUC, a NULL batch size follows it');
$node->safe_psql('postgres', 'SELECT idempotency.schedule_expiry()');
ok( defined wait_for(
		'postgres', q{
	SELECT every = '1 second' FROM idempotency.expiry_status
	 WHERE database = 'postgres'}, 30),
	'schedule_expiry() again follows the GUC');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET idempotency.expiry_batch_size');
$node->reload;

# ---- PREPARE TRANSACTION ----
# Rolls back whatever was prepared, so that a failed check below does not
# leave locks behind that would make the next ones wait.
sub rollback_prepared
{
	my ($db) = @_;
	my $gids = $node->safe_psql($db, 'SELECT gid FROM pg_prepared_xacts');
	$node->safe_psql($db, "ROLLBACK PREPARED '$_'") for grep { $_ ne '' } split /\n/, $gids;
	return;
}
my $sqlstate = sub {
	my ($db, $sql) = @_;
	my ($r, $o, $e) = $node->psql($db, "\\set VERBOSITY verbose\n$sql");
	my ($s) = $e =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return ($s // '', $e);
};
my ($state, $msg) = $sqlstate->('postgres', q{
	BEGIN;
	SELECT idempotency.schedule_expiry('5 seconds');
	PREPARE TRANSACTION 'sched';});
is($state, '0A000', 'PREPARE TRANSACTION after schedule_expiry() is refused with 0A000');
like($msg, qr/cannot prepare a transaction that changed the expiry schedule/,
	'... saying why');
rollback_prepared('postgres');
($state) = $sqlstate->('postgres', q{
	BEGIN;
	DELETE FROM idempotency.expiry_schedule;
	PREPARE TRANSACTION 'unsched';});
is($state, '0A000', '... and so is one that writes the schedule table directly');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'),
	'0', 'nothing was prepared');
rollback_prepared('postgres');
is($node->safe_psql('postgres', 'SELECT every IS NULL FROM idempotency.expiry_schedule'),
	't', 'the schedule is unchanged');

$node->safe_psql(
	'postgres', q{
	BEGIN;
	SAVEPOINT s;
	SELECT idempotency.schedule_expiry('5 seconds');
	ROLLBACK TO SAVEPOINT s;
	CREATE TABLE two_phase_ok (i int);
	PREPARE TRANSACTION 'other';
	COMMIT PREPARED 'other';});
is($node->safe_psql('postgres', "SELECT to_regclass('two_phase_ok') IS NOT NULL"),
	't', 'a transaction whose schedule change was rolled back to a savepoint may be prepared');
($state) = $sqlstate->('postgres', q{
	BEGIN;
	SAVEPOINT s;
	SELECT idempotency.schedule_expiry('5 seconds');
	RELEASE SAVEPOINT s;
	PREPARE TRANSACTION 'released';});
is($state, '0A000', 'a change in a released savepoint still refuses the prepare');
rollback_prepared('postgres');

# ---- a schedule that cannot be read is retried after a pause ----
$node->safe_psql('postgres', 'CREATE DATABASE locked');
$node->safe_psql('postgres', "ALTER DATABASE locked SET lock_timeout = '100ms'");
$node->safe_psql('locked', 'CREATE EXTENSION idempotency');
$node->safe_psql('locked', "SELECT idempotency.schedule_expiry('1 second')");
ok( defined wait_for(
		'locked', q{
	SELECT coalesce(bool_and(last_run_end IS NOT NULL), false)
	  FROM idempotency.expiry_status WHERE database = 'locked'}, 60),
	'the worker of "locked" runs');
my $offset = -s $node->logfile;
$node->safe_psql(
	'locked', q{
	SET lock_timeout = 0;
	BEGIN;
	LOCK idempotency.expiry_schedule IN ACCESS EXCLUSIVE MODE;
	SELECT pg_sleep(3);
	COMMIT;});
my $log = slurp_file($node->logfile, $offset);
my $errors = () = $log =~ /ERROR:  canceling statement due to lock timeout/g;
ok($errors >= 1, "the worker ran into the lock ($errors errors)");
ok($errors <= 4, "... and retried after a pause, not in a loop ($errors errors in 3 s)");
ok( defined wait_for(
		'locked', q{
	SELECT last_error IS NULL AND worker_pid IS NOT NULL
	  FROM idempotency.expiry_status WHERE database = 'locked'}, 30),
	'once the lock is gone the worker runs again');

# ---- a schedule written without waking the launcher ----
$node->safe_psql('postgres', 'CREATE DATABASE quiet');
$node->safe_psql('quiet', 'CREATE EXTENSION idempotency');
# the launcher starts a worker there, which leaves again
$node->safe_psql('quiet', "SELECT idempotency.schedule_expiry('1 second')");
ok( defined wait_for(
		'postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'quiet'}, 60),
	'the worker of "quiet" starts');
$node->safe_psql('quiet', 'SELECT idempotency.unschedule_expiry()');
ok( defined wait_for(
		'postgres', q{
	SELECT count(*) = 0 FROM idempotency.expiry_worker_state() WHERE datname = 'quiet'}, 60),
	'after unschedule_expiry() the launcher forgets "quiet"');

insert_expired($node, 'quiet', 'bypass', 4);
$node->safe_psql(
	'quiet', q{
	SET session_replication_role = replica;
	INSERT INTO idempotency.expiry_schedule (every, batch_size) VALUES ('1 second', 100);});
$took = wait_for('quiet',
	"SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'bypass-%'", 30);
ok(defined $took,
	sprintf('a schedule written with the trigger bypassed is found by a later look (%.1f s)',
		$took // -1));

$node->stop;
done_testing();
