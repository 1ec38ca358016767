# The worker and the life of its database: DROP EXTENSION while the worker
# runs neither hangs nor crashes and the worker leaves; unschedule_expiry()
# during a run stops it part way; CREATE EXTENSION and schedule_expiry()
# bring the worker back.  A plain DROP DATABASE is refused
# while the worker is connected, and succeeds after unschedule_expiry();
# DROP DATABASE ... WITH (FORCE) succeeds at once and the worker is not
# started again.  A database owner who is not a superuser unschedules
# expiry (a role that inherits its privileges may too, nobody else) and
# drops the database; with pg_signal_backend it may use WITH (FORCE).  A
# database created from a template with a schedule gets
# its worker when the launcher next looks, and a reload (SIGHUP) changes
# how often it looks.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('drops');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idempotency'
idempotency.launcher_naptime = '1h'
});
$node->start;
# for expiry_worker_state() in the postgres database (no schedule there)
$node->safe_psql('postgres', 'CREATE EXTENSION idempotency');

sub worker_count
{
	my ($db) = @_;
	return $node->safe_psql('postgres', qq{
	SELECT count(*) FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = '$db'});
}

sub starts_logged
{
	my ($db) = @_;
	my $log = slurp_file($node->logfile);
	my $n = () = $log =~ /idempotency expiry worker started for database "$db"/g;
	return $n;
}

# ---- DROP EXTENSION while the worker deletes a backlog ----
$node->safe_psql('postgres', 'CREATE DATABASE dx');
$node->safe_psql('dx', 'CREATE EXTENSION idempotency');
insert_expired($node, 'dx', 'old', 20000);
# small batches with a pause between them: the run lasts a while
$node->safe_psql('postgres',
	"ALTER SYSTEM SET idempotency.expiry_batch_delay = '20ms'");
$node->reload;
$node->safe_psql('dx',
	"SELECT idempotency.schedule_expiry('1 second', batch_size => 50)");
ok( $node->poll_query_until(
		'dx', q{
	SELECT last_run_deleted > 0 AND last_run_end IS NULL
	  FROM idempotency.expiry_status WHERE database = 'dx'}),
	'the worker is in the middle of a run');

my $t0 = time();
$node->safe_psql('dx', 'DROP EXTENSION idempotency');
my $elapsed = time() - $t0;
ok($elapsed < 60, sprintf('DROP EXTENSION during a run does not hang (%.1f s)', $elapsed));
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'dx'}),
	'the worker leaves the database after DROP EXTENSION');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server still answers');
sleep(6);	# longer than the restart back-off
is(worker_count('dx'), '0', 'the worker is not started again');
is(starts_logged('dx'), 1, 'the worker started once only');

# ---- unschedule_expiry() during a run: the run stops after its batch ----
$node->safe_psql('postgres', 'CREATE DATABASE du');
$node->safe_psql('du', 'CREATE EXTENSION idempotency');
insert_expired($node, 'du', 'old', 20000);
$node->safe_psql('du',
	"SELECT idempotency.schedule_expiry('1 second', batch_size => 50)");
ok( $node->poll_query_until(
		'du', q{
	SELECT last_run_deleted > 0 AND last_run_end IS NULL
	  FROM idempotency.expiry_status WHERE database = 'du'}),
	'the worker of du is in the middle of a run');
$node->safe_psql('du', 'SELECT idempotency.unschedule_expiry()');
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'du'}),
	'after unschedule_expiry() the worker leaves in the middle of its run');
my $left = $node->safe_psql('du', 'SELECT count(*) FROM idempotency.idempotency_keys');
ok($left > 0 && $left < 20000, "the run stopped part way ($left keys left)");
$node->safe_psql('postgres', 'DROP DATABASE du');

$node->safe_psql('postgres', 'ALTER SYSTEM RESET idempotency.expiry_batch_delay');
$node->reload;

# the extension comes back, with its schedule
$node->safe_psql('dx', 'CREATE EXTENSION idempotency');
insert_expired($node, 'dx', 'again', 10);
$node->safe_psql('dx', "SELECT idempotency.schedule_expiry('1 second')");
ok( $node->poll_query_until(
		'dx',
		"SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'again-%'"),
	'after CREATE EXTENSION and schedule_expiry() the worker deletes again');

# ---- DROP DATABASE ----
# a plain DROP DATABASE is refused while the worker is connected ...
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE dx');
isnt($ret, 0, 'a plain DROP DATABASE fails while the worker is connected');
like($err, qr/is being accessed by other users/, '... because of the worker');

# ... and succeeds once expiry is unscheduled there
$node->safe_psql('dx', 'SELECT idempotency.unschedule_expiry()');
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'dx'}),
	'after unschedule_expiry() the worker leaves');
$node->safe_psql('postgres', 'DROP DATABASE dx');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'dx'"),
	'0', 'then a plain DROP DATABASE succeeds');

# DROP DATABASE ... WITH (FORCE) ends the worker and is not followed by a
# restart loop
$node->safe_psql('postgres', 'CREATE DATABASE dz');
$node->safe_psql('dz', 'CREATE EXTENSION idempotency');
$node->safe_psql('dz', "SELECT idempotency.schedule_expiry('1 second')");
ok($node->poll_query_until('postgres', qq{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'dz'}),
	'the worker runs in dz');
$t0 = time();
$node->safe_psql('postgres', 'DROP DATABASE dz WITH (FORCE)');
$elapsed = time() - $t0;
ok($elapsed < 60, sprintf('DROP DATABASE WITH (FORCE) succeeds without hanging (%.1f s)', $elapsed));
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM idempotency.expiry_worker_state() WHERE datname = 'dz'}),
	'the launcher forgets the dropped database');
sleep(2);
is(starts_logged('dz'), 1, 'the worker of the dropped database was not started again');
ok(!$node->log_contains('database \d+ does not exist'),
	'no worker tried to connect to the dropped database');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server still answers');

# ---- DROP DATABASE by a database owner who is not a superuser ----
# The worker is not the owner's session: the owner can neither terminate it
# nor use WITH (FORCE) without pg_signal_backend.  The owner (and a role
# that inherits the owner's privileges) may run unschedule_expiry(), then
# drop the database.
$node->safe_psql(
	'postgres', q{
	CREATE ROLE dbowner LOGIN;
	CREATE ROLE deputy LOGIN IN ROLE dbowner;
	CREATE ROLE outsider LOGIN;
	CREATE DATABASE owned OWNER dbowner;
	CREATE DATABASE owned2 OWNER dbowner;});
for my $db ('owned', 'owned2')
{
	$node->safe_psql($db, 'CREATE EXTENSION idempotency');
	$node->safe_psql($db, "SELECT idempotency.schedule_expiry('1 second')");
	ok( $node->poll_query_until(
			'postgres', qq{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = '$db'}),
		"the worker runs in $db");
}

my @as_owner = (extra_params => [ '-U', 'dbowner' ]);
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE owned WITH (FORCE)', @as_owner);
isnt($ret, 0, 'the owner may not force the worker out without pg_signal_backend');
like($err, qr/pg_signal_backend/, '... and is told about pg_signal_backend');

($ret, $out, $err) = $node->psql('owned', 'SELECT idempotency.unschedule_expiry()',
	extra_params => [ '-U', 'outsider' ]);
like($err, qr/permission denied/, 'a role that does not own the database may not unschedule');

($ret, $out, $err) = $node->psql('owned',
	'SET ROLE dbowner; SELECT idempotency.unschedule_expiry()',
	extra_params => [ '-U', 'deputy' ]);
is($ret, 0, 'a member of the owner role may unschedule expiry (after SET ROLE)')
  or diag($err);
is($node->safe_psql('owned', 'SELECT count(*) FROM idempotency.expiry_schedule'),
	'0', '... and the schedule is gone');
$node->safe_psql('owned', "SELECT idempotency.schedule_expiry('1 second')");
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'idempotency expiry' AND datname = 'owned'}),
	'the worker runs in owned again');

# the documented way out: unschedule as the owner, then DROP DATABASE
$t0 = time();
$node->safe_psql('owned', 'SELECT idempotency.unschedule_expiry()', @as_owner);
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE owned', @as_owner);
$elapsed = time() - $t0;
is($ret, 0, 'the owner unschedules expiry and drops the database') or diag($err);
ok($elapsed < 30, sprintf('... without hanging (%.1f s)', $elapsed));
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'owned'"),
	'0', 'the database is gone');

# or, with pg_signal_backend, WITH (FORCE)
$node->safe_psql('postgres', 'GRANT pg_signal_backend TO dbowner');
$t0 = time();
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE owned2 WITH (FORCE)', @as_owner);
$elapsed = time() - $t0;
is($ret, 0, 'a member of pg_signal_backend drops its database WITH (FORCE)') or diag($err);
ok($elapsed < 30, sprintf('... without hanging (%.1f s)', $elapsed));

# ---- a database created from a template with a schedule ----
$node->safe_psql('postgres', 'CREATE DATABASE tmpl');
$node->safe_psql('tmpl', 'CREATE EXTENSION idempotency');
insert_expired($node, 'tmpl', 'copied', 4);
$node->safe_psql('postgres', 'ALTER DATABASE tmpl IS_TEMPLATE true');
($ret, $out, $err) = $node->psql('tmpl', "SELECT idempotency.schedule_expiry('1 second')");
is($ret, 0, 'schedule_expiry() in a template database succeeds');
like($err, qr/expiry does not run in template database "tmpl"/,
	'... and says that expiry does not run there');
# the launcher has reacted to the drops above (it frees a dropped database's
# slot when it wakes), so nothing but its hourly look would find dn
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 0 FROM idempotency.expiry_worker_state()
	 WHERE datname IN ('owned', 'owned2')}),
	'the launcher has let go of the dropped databases');
$node->safe_psql('postgres', 'CREATE DATABASE dn TEMPLATE tmpl');

# the launcher looks for new databases every hour
sleep(3);
is(worker_count('dn'), '0', 'the new database waits for the launcher');

# SIGHUP: the launcher looks every second from now on
$node->safe_psql('postgres',
	"ALTER SYSTEM SET idempotency.launcher_naptime = '1s'");
$node->reload;
ok( $node->poll_query_until(
		'dn',
		"SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'copied-%'"),
	'after a reload the launcher finds the new database and its worker deletes');
is(worker_count('dn'), '1', 'the new database has its worker');
is(worker_count('tmpl'), '0', 'the template has none');
is( $node->safe_psql(
		'tmpl',
		"SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'copied-%'"),
	'4',
	'the template keeps its keys');

$node->stop;
done_testing();
