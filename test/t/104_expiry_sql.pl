# The expiry functions' SQL side on a server that did not preload the
# library: schedule_expiry() refuses clearly (55000) and writes nothing,
# purge() works by hand, expiry_status shows a schedule that has no worker
# (with the GUCs' values for its NULL columns), the GUCs exist once the
# library is loaded, and a transaction that changed the schedule cannot be
# prepared.  Also: the argument checks and their SQLSTATEs, and the
# privileges (these are administrator functions, delegated by GRANT; the
# database's owner may unschedule).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('nopreload');
$node->init;
$node->append_conf('postgresql.conf', 'max_prepared_transactions = 1');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION idempotency');

# Runs sql and returns (sqlstate or '', stderr).
sub sqlstate_of
{
	my ($sql, %opts) = @_;
	my ($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\n$sql", %opts);
	my ($state) = $err =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return ($state // '', $err);
}

# ---- without shared_preload_libraries ----
my ($state, $err) = sqlstate_of("SELECT idempotency.schedule_expiry('1 minute')");
is($state, '55000', 'schedule_expiry() without preload fails with 55000');
like($err, qr/shared_preload_libraries/, '... naming shared_preload_libraries');
like($err, qr/idempotency\.purge\(\)/, '... and purge() as the alternative');
is($node->safe_psql('postgres', 'SELECT count(*) FROM idempotency.expiry_schedule'),
	'0', '... and writes no schedule');
is($node->safe_psql('postgres', 'SELECT count(*) FROM idempotency.expiry_status'),
	'0', 'expiry_status is empty');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM pg_stat_activity
	 WHERE backend_type IN ('idempotency launcher', 'idempotency expiry')}),
	'0',
	'no launcher and no worker run');

# purge() by hand: expired keys go, live ones and live leases stay
insert_expired($node, 'postgres', 'old', 25);
insert_live($node, 'postgres', 'live-1');
insert_live_lease($node, 'postgres', 'live-leased');
is($node->safe_psql('postgres', 'SELECT idempotency.purge(10)'),
	'10', 'purge(10) deletes a batch of 10');
is($node->safe_psql('postgres', 'SELECT idempotency.purge()'),
	'15', 'purge() deletes the rest');
is($node->safe_psql('postgres', 'SELECT idempotency.purge()'),
	'0', 'then nothing is left to purge');
is($node->safe_psql('postgres', "SELECT string_agg(key, ',' ORDER BY key) FROM idempotency.idempotency_keys"),
	'live-1,live-leased', 'live keys and live leases stay');

# a schedule from elsewhere (a restore, or a former preload) shows, without a worker
$node->safe_psql('postgres',
	"INSERT INTO idempotency.expiry_schedule (every, batch_size) VALUES ('5 minutes', 500)");
is( $node->safe_psql(
		'postgres', q{
	SELECT database = current_database() AND worker_pid IS NULL
	       AND every = '5 minutes' AND batch_size = 500 AND scheduled
	  FROM idempotency.expiry_status}),
	't',
	'expiry_status shows the schedule without a worker');
($state) = sqlstate_of(
	"INSERT INTO idempotency.expiry_schedule (every, batch_size) VALUES ('1 minute', 1)");
is($state, '23505', 'the schedule table holds one row at most');

# NULL columns follow the GUCs, which exist once the library is loaded
$node->safe_psql('postgres',
	'UPDATE idempotency.expiry_schedule SET every = NULL, batch_size = NULL');
is( $node->safe_psql(
		'postgres', q{
	SELECT every = '1 minute' AND batch_size = 10000 FROM idempotency.expiry_status}),
	't',
	'expiry_status shows the GUCs\' defaults for a schedule without interval and batch size');
is( $node->safe_psql(
		'postgres', "LOAD 'idempotency';
	SELECT current_setting('idempotency.expiry_interval') || ' '
	       || current_setting('idempotency.expiry_batch_size')"),
	'1min 10000',
	'the GUCs exist without preload');
$node->safe_psql('postgres', "LOAD 'idempotency';
	ALTER SYSTEM SET idempotency.expiry_interval = '5min';
	ALTER SYSTEM SET idempotency.expiry_batch_size = 500;");
$node->reload;
ok( $node->poll_query_until(
		'postgres', q{
	SELECT every = '5 minutes' AND batch_size = 500 FROM idempotency.expiry_status}),
	'... and expiry_status follows them after a reload');
$node->safe_psql('postgres', "LOAD 'idempotency';
	ALTER SYSTEM RESET idempotency.expiry_interval;
	ALTER SYSTEM RESET idempotency.expiry_batch_size;");
$node->reload;

# a transaction that changed the schedule cannot be prepared, preloaded or not
($state, $err) = sqlstate_of(
	"BEGIN;\nUPDATE idempotency.expiry_schedule SET batch_size = 100;\nPREPARE TRANSACTION 'p';");
is($state, '0A000', 'PREPARE TRANSACTION after a schedule change is refused with 0A000');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'),
	'0', '... and nothing was prepared');
$node->safe_psql('postgres', "ROLLBACK PREPARED 'p'")
  if $node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts') ne '0';
is($node->safe_psql('postgres', 'SELECT batch_size IS NULL FROM idempotency.expiry_schedule'),
	't', '... nor changed');
$node->safe_psql('postgres', 'SELECT idempotency.unschedule_expiry()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM idempotency.expiry_schedule'),
	'0', 'unschedule_expiry() removes it');

# ---- argument checks ----
my @bad = (
	[ "SELECT idempotency.schedule_expiry('0.5 seconds')",    '22023', 'an interval under a second' ],
	[ "SELECT idempotency.schedule_expiry('-1 minute')",      '22023', 'a negative interval' ],
	[ "SELECT idempotency.schedule_expiry('25 hours')",       '22023', 'an interval over a day' ],
	[ "SELECT idempotency.schedule_expiry('1 mon')",          '22023', 'a month' ],
	[ "SELECT idempotency.schedule_expiry('100 years')",      '22023', 'a century' ],
	[ "SELECT idempotency.schedule_expiry('1 minute', 0)",    '22023', 'a batch size of 0' ],
	[ "SELECT idempotency.schedule_expiry('1 minute', 1000001)", '22023', 'a batch size over 1000000' ],
	[ "SELECT idempotency.purge(NULL)",                       '22004', 'purge(NULL)' ],
	[ "SELECT idempotency.purge(0)",                          '22023', 'purge(0)' ],
	[ "SELECT idempotency.purge(-5)",                         '22023', 'purge(-5)' ],
	[ "SELECT idempotency.purge(2000000)",                    '22023', 'purge(2000000)' ],);
for my $case (@bad)
{
	my ($sql, $want, $what) = @$case;
	($state) = sqlstate_of($sql);
	is($state, $want, "$what is refused with $want");
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM idempotency.expiry_schedule'),
	'0', 'no refused call wrote a schedule');

# ---- privileges ----
$node->safe_psql(
	'postgres', q{
	CREATE ROLE app LOGIN;
	CREATE ROLE ops LOGIN;
	CREATE ROLE watcher LOGIN IN ROLE pg_monitor;
});
for my $sql (
	"SELECT idempotency.purge()",
	"SELECT idempotency.schedule_expiry()",
	"SELECT * FROM idempotency.expiry_status",
	"SELECT * FROM idempotency.expiry_worker_state()",
	"SELECT * FROM idempotency.expiry_schedule",
	"SELECT idempotency.expiry_require_worker()")
{
	($state) = sqlstate_of($sql, extra_params => [ '-U', 'app' ]);
	is($state, '42501', "an ordinary role may not run: $sql");
}

# a key of app's, expired; purge() granted to ops deletes every role's keys
$node->safe_psql(
	'postgres', q{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	VALUES ('app'::regrole, '', 'app-old', 'completed', '{}', now() - interval '2 hours',
	        now() - interval '2 hours', now() - interval '1 hour');
	GRANT EXECUTE ON FUNCTION idempotency.purge(integer) TO ops;
});
is( $node->safe_psql(
		'postgres', 'SELECT idempotency.purge()',
		extra_params => [ '-U', 'ops' ]),
	'1',
	'a role granted EXECUTE on purge() purges the expired keys of every role');
($state) = sqlstate_of('DELETE FROM idempotency.idempotency_keys',
	extra_params => [ '-U', 'ops' ]);
is($state, '42501', '... without being able to write the key table');

# unschedule_expiry(): the database's owner may, other roles may not
($state) = sqlstate_of('SELECT idempotency.unschedule_expiry()',
	extra_params => [ '-U', 'app' ]);
is($state, '42501', 'a role that does not own the database may not unschedule expiry');
$node->safe_psql('postgres', 'ALTER DATABASE postgres OWNER TO app');
($state) = sqlstate_of('SELECT idempotency.unschedule_expiry()',
	extra_params => [ '-U', 'app' ]);
is($state, '', 'the database\'s owner may unschedule expiry without a grant');
$node->safe_psql('postgres', 'ALTER DATABASE postgres OWNER TO CURRENT_USER');

# pg_monitor members read the status
is( $node->safe_psql(
		'postgres', 'SELECT count(*) FROM idempotency.expiry_status',
		extra_params => [ '-U', 'watcher' ]),
	'0',
	'a member of pg_monitor may read expiry_status');

$node->stop;
done_testing();
