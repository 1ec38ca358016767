# Expiry in the portable edition: schedule_expiry() keeps a pg_cron job of the
# current database that runs idempotency.purge() (docs/managed.md).  On a
# server with pg_cron preloaded and the portable edition installed:
# schedule_expiry() creates the job (one per database, owned by the
# extension's owner), expiry_status shows it, pg_cron runs purge() and the
# expired keys go while live keys and keys under a live lease stay;
# schedule_expiry() again changes the job, unschedule_expiry() removes it.
# An interval is rounded to one that pg_cron can keep; expiry_status shows
# the running job's pid, the failed last run's error, and no counts of keys
# deleted; a transaction that changes the schedule can be prepared.
# Where pg_cron is not installed in the database, schedule_expiry() fails
# with 55000 naming pg_cron and schedules nothing.  Skipped where pg_cron is
# not installed for this server (Debian: postgresql-15-cron).
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use lib File::Spec->rel2abs(dirname(__FILE__));
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('portable_pgcron');
my $pkglibdir = $node->config_data('--pkglibdir');
my $sharedir = $node->config_data('--sharedir');
if (!-f "$pkglibdir/pg_cron.so" || !-f "$sharedir/extension/pg_cron.control")
{
	plan skip_all => 'pg_cron is not installed for this server (Debian: postgresql-NN-cron)';
}
ok(-f "$sharedir/extension/idempotency_portable.control",
	'the portable edition is installed (make -C portable install)');

$node->init;
# pg_cron runs its jobs in background workers of database postgres
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 20
max_prepared_transactions = 5
});
$node->start;

my $cron_version = $node->safe_psql('postgres', q{
    CREATE EXTENSION pg_cron;
    SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'});
note "pg_cron $cron_version";
my ($major, $minor) = $cron_version =~ /^(\d+)\.(\d+)/;
my $has_seconds = ($major > 1 || ($major == 1 && $minor >= 5));

$node->safe_psql('postgres', 'CREATE EXTENSION idempotency_portable');

# ---- without pg_cron in the database: 55000, nothing scheduled ----
$node->safe_psql('postgres', 'CREATE DATABASE nocron');
$node->safe_psql('nocron', 'CREATE EXTENSION idempotency_portable');
my ($rc, $out, $err) = $node->psql('nocron', 'SELECT idempotency.schedule_expiry()',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($rc, 0, 'schedule_expiry() fails where pg_cron is not installed');
like($err, qr/55000/, '... with 55000');
like($err, qr/pg_cron/, '... naming pg_cron');
is($node->safe_psql('nocron', 'SELECT count(*) FROM idempotency.expiry_schedule'),
	'0', '... and stores no schedule');
is($node->safe_psql('nocron', 'SELECT count(*) FROM idempotency.expiry_status'),
	'0', 'expiry_status is empty there');
# unschedule_expiry() and purge() still work without pg_cron
$node->safe_psql('nocron', 'SELECT idempotency.unschedule_expiry()');
is($node->safe_psql('nocron', 'SELECT idempotency.purge()'),
	'0', 'unschedule_expiry() and purge() work without pg_cron');

# ---- keys: expired ones, a live one, one under a live lease ----
insert_expired($node, 'postgres', 'old', 25);
insert_live($node, 'postgres', 'live-1');
insert_live_lease($node, 'postgres', 'lease-1');
is(count_keys($node, 'postgres', 'old'), '25', '25 expired keys to begin with');

# ---- schedule_expiry(): a pg_cron job of this database ----
# (pg_cron before 1.5 runs a job at most once a minute: one batch then)
my $every = $has_seconds ? '1 second' : '1 minute';
my $batch = $has_seconds ? 5 : 100;
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('$every', 10)");
my $job = $node->safe_psql('postgres', q{
    SELECT schedule || '|' || command || '|' || database || '|' || username || '|' || active
      FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'});
my $spec = $has_seconds ? '1 seconds' : '* * * * *';
is($job, "$spec|SELECT idempotency.purge(10)|postgres|"
	. $node->safe_psql('postgres', 'SELECT current_user') . '|true',
	'schedule_expiry() made the job: schedule, purge() with the batch size, this database, the extension owner');
is($node->safe_psql('postgres', q{
    SELECT database || '|' || every || '|' || batch_size || '|' || scheduled
      FROM idempotency.expiry_status}),
	"postgres|" . ($has_seconds ? '00:00:01' : '00:01:00') . "|10|true",
	'expiry_status shows the job');

# a second schedule_expiry() changes the job: still one
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('$every', $batch)");
is($node->safe_psql('postgres', q{
    SELECT count(*) || '|' || min(command) FROM cron.job
     WHERE jobname = 'idempotency-expiry-postgres'}),
	"1|SELECT idempotency.purge($batch)", 'schedule_expiry() again changes the one job');

# a rolled-back schedule change leaves the job as it was
$node->safe_psql('postgres', q{
    BEGIN;
    SELECT idempotency.schedule_expiry('1 hour', 7);
    ROLLBACK;
});
is($node->safe_psql('postgres', q{
    SELECT command FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	"SELECT idempotency.purge($batch)", 'a rolled-back schedule_expiry() changes nothing');

# ---- pg_cron runs purge(): the expired keys go, in batches ----
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'old-%'}),
	'pg_cron ran purge() until every expired key was gone');
is(count_keys($node, 'postgres', 'live'), '1', 'the live key stays');
is(count_keys($node, 'postgres', 'lease'), '1', 'the key under a live lease stays');
ok($node->poll_query_until('postgres', q{
    SELECT last_run_start IS NOT NULL AND last_error IS NULL FROM idempotency.expiry_status}),
	'expiry_status shows the last run, without an error');
my $runs = $node->safe_psql('postgres', q{
    SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
     WHERE j.jobname = 'idempotency-expiry-postgres' AND d.status = 'succeeded'});
cmp_ok($runs, '>=', int((25 + $batch - 1) / $batch), "as many runs as batches of $batch keys ($runs runs)");

# the schedule's batch size NULL follows idempotency.expiry_batch_size when the job runs
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('$every')");
like($node->safe_psql('postgres', q{
    SELECT command FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	qr/portable_expiry_batch_size\(NULL\)/, 'a NULL batch size follows the setting at each run');
insert_expired($node, 'postgres', 'again', 2);
$node->safe_psql('postgres', 'ALTER DATABASE postgres SET idempotency.expiry_batch_size = 2');
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'again-%'}),
	'the job purges with the setting\'s batch size');
is($node->safe_psql('postgres', 'SELECT batch_size FROM idempotency.expiry_status'),
	'2', 'expiry_status shows the setting\'s batch size');

# ---- expiry_status while a run is under way, and after a failed run ----
# A run each minute (every pg_cron has those): one held up by a lock on the
# key table, then cancelled.  pg_cron starts no run of a job while its last
# one runs, so each state below stays until the next minute at least.
$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('1 minute', 10)");
my $blocker = $node->background_psql('postgres');
$blocker->query_safe('BEGIN');
$blocker->query_safe('LOCK TABLE idempotency.idempotency_keys IN ACCESS EXCLUSIVE MODE');
ok($node->poll_query_until('postgres', q{
    SELECT worker_pid IS NOT NULL AND last_run_end IS NULL FROM idempotency.expiry_status}),
	'expiry_status shows the pid of a run under way, and no end');
is($node->safe_psql('postgres', q{
    SELECT count(*) FROM idempotency.expiry_status s
      JOIN pg_stat_activity a ON a.pid = s.worker_pid
     WHERE a.query LIKE '%idempotency.purge(%' AND a.wait_event_type = 'Lock'}),
	'1', '... the job\'s own session, waiting in purge() for the lock');
$node->safe_psql('postgres',
	'SELECT pg_cancel_backend(worker_pid) FROM idempotency.expiry_status');
ok($node->poll_query_until('postgres', q{
    SELECT worker_pid IS NULL AND last_error LIKE '%canceling statement%'
           AND last_error_at IS NOT NULL AND last_error_at = last_run_end
      FROM idempotency.expiry_status}),
	'a failed run: no pid; its error, and when, which is the last run\'s end');
$blocker->query_safe('COMMIT');
$blocker->quit;
ok($node->poll_query_until('postgres', q{
    SELECT last_error IS NULL AND last_run_end IS NOT NULL AND worker_pid IS NULL
      FROM idempotency.expiry_status}),
	'the next run succeeds: no error shown any more');
is($node->safe_psql('postgres', q{
    SELECT count(*) FILTER (WHERE last_run_deleted IS NULL AND total_deleted IS NULL)
           || '/' || count(*)
      FROM idempotency.expiry_status}),
	'1/1', 'expiry_status: no counts of keys deleted (pg_cron records none)');

# ---- the interval pg_cron keeps: never longer than asked ----
my @rounding = (
	[ '90 seconds', '* * * * *',    '00:01:00' ],
	[ '7 minutes',  '*/6 * * * *',  '00:06:00' ],
	[ '59 minutes', '*/30 * * * *', '00:30:00' ],
	[ '1 hour',     '0 * * * *',    '01:00:00' ],
	[ '5 hours',    '0 */4 * * *',  '04:00:00' ],
	[ '23 hours',   '0 */12 * * *', '12:00:00' ],
	[ '1 day',      '0 0 * * *',    '1 day' ],
	$has_seconds
	? ([ '2.7 seconds', '2 seconds', '00:00:02' ], [ '59 seconds', '59 seconds', '00:00:59' ])
	: ([ '2.7 seconds', '* * * * *', '00:01:00' ]));
for my $r (@rounding)
{
	my ($asked, $spec, $every) = @$r;
	$node->safe_psql('postgres', "SELECT idempotency.schedule_expiry('$asked', 10)");
	is($node->safe_psql('postgres', q{
	    SELECT j.schedule || '|' || s.every
	      FROM cron.job j, idempotency.expiry_status s
	     WHERE j.jobname = 'idempotency-expiry-postgres'}),
		"$spec|$every", "every => '$asked': pg_cron schedule '$spec', expiry_status.every $every");
}
# a NULL interval reads idempotency.expiry_interval when schedule_expiry() runs
$node->safe_psql('postgres', q{
    SET idempotency.expiry_interval = '20 minutes';
    SELECT idempotency.schedule_expiry(NULL, 10);
});
is($node->safe_psql('postgres', q{
    SELECT schedule FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	'*/20 * * * *', 'a NULL interval: idempotency.expiry_interval, when schedule_expiry() ran');

# ---- a transaction that changes the schedule can be prepared ----
$node->safe_psql('postgres', q{
    BEGIN;
    SELECT idempotency.schedule_expiry('1 hour', 7);
    PREPARE TRANSACTION 'schedule';
});
is($node->safe_psql('postgres', q{
    SELECT command FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	'SELECT idempotency.purge(10)', 'a prepared schedule change is not in effect yet');
$node->safe_psql('postgres', q{COMMIT PREPARED 'schedule'});
is($node->safe_psql('postgres', q{
    SELECT schedule || '|' || command FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	'0 * * * *|SELECT idempotency.purge(7)', 'COMMIT PREPARED puts it in effect');
$node->safe_psql('postgres', q{
    BEGIN;
    SELECT idempotency.schedule_expiry('1 day', 3);
    PREPARE TRANSACTION 'schedule2';
    ROLLBACK PREPARED 'schedule2';
});
is($node->safe_psql('postgres', q{
    SELECT schedule || '|' || command FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	'0 * * * *|SELECT idempotency.purge(7)', 'ROLLBACK PREPARED leaves the job as it was');

# ---- unschedule_expiry(): the job is gone ----
$node->safe_psql('postgres', 'SELECT idempotency.unschedule_expiry()');
is($node->safe_psql('postgres', q{
    SELECT count(*) FROM cron.job WHERE jobname = 'idempotency-expiry-postgres'}),
	'0', 'unschedule_expiry() removed the job');
is($node->safe_psql('postgres', 'SELECT count(*) FROM idempotency.expiry_status'),
	'0', 'expiry_status is empty after unschedule_expiry()');
if ($has_seconds)
{
	insert_expired($node, 'postgres', 'kept', 2);
	sleep(3);
	is(count_keys($node, 'postgres', 'kept'), '2', 'no purge runs after unschedule_expiry()');
}

$node->stop;
done_testing();
