# Counters across restarts and crashes: idempotency.stats keeps its counts
# (and stats_reset) through a clean restart, starts from zero after a
# backend crash, and counts what backends that exited handed over.  Without
# shared_preload_libraries the key API still works and the counters say
# that they are off instead of failing.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('stats');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idempotency'
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION idempotency');

my $counts_sql = q{
	SELECT claimed || ' ' || replayed || ' ' || completes || ' ' || once_runs
	  FROM idempotency.stats
	 WHERE database = current_database() AND role = current_user};

# one claim completed, two replays, one once(); each from a session of its
# own that exits, so the counts are handed over to the shared table
$node->safe_psql('postgres', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('st-1');
	SELECT state FROM idempotency.complete('st-1', '{"n": 1}', 201);
	COMMIT;});
$node->safe_psql('postgres', q{SELECT outcome FROM idempotency.claim('st-1')})
  for 1 .. 2;
$node->safe_psql('postgres', q{SELECT idempotency.once('st-2', 'SELECT 1 AS one')});
is($node->safe_psql('postgres', $counts_sql), '1 2 1 1',
	'claims, replays, completes and once() runs are counted');

# a session that is still connected counts too
my $open = $node->background_psql('postgres');
$open->query_safe(q{SELECT outcome FROM idempotency.claim('st-1')});
is($node->safe_psql('postgres', $counts_sql), '1 3 1 1',
	'a live session\'s counts are seen by others');
$open->quit;

my $reset_before = $node->safe_psql('postgres',
	'SELECT stats_reset FROM idempotency.stats_info()');

# a clean restart keeps the counters and the time of the last reset
$node->restart;
is($node->safe_psql('postgres', $counts_sql), '1 3 1 1',
	'the counters survive a clean restart');
is($node->safe_psql('postgres', 'SELECT stats_reset FROM idempotency.stats_info()'),
	$reset_before, 'stats_reset survives a clean restart');
ok(!-e $node->data_dir . '/pg_stat/idempotency.stat',
	'the counters file is removed once read');

# after a second clean restart they are still there (the file is written
# at every clean shutdown, not only the first)
$node->safe_psql('postgres', q{SELECT outcome FROM idempotency.claim('st-1')});
$node->restart;
is($node->safe_psql('postgres', $counts_sql), '1 4 1 1',
	'counts made after a restart survive the next one');

# a backend crash: the postmaster reinitializes shared memory, and the
# counters start from zero, as PostgreSQL's own statistics do
my $victim = $node->background_psql('postgres');
my $pid = $victim->query_safe('SELECT pg_backend_pid()');
$victim->query_safe(q{SELECT outcome FROM idempotency.claim('st-1')});
my $log_offset = -s $node->logfile;
kill 'KILL', $pid;
eval { $victim->quit; };
$node->wait_for_log(qr/database system is ready to accept connections/, $log_offset);
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM idempotency.stats WHERE database = current_database()}),
	'0', 'the counters start from zero after a crash');
cmp_ok($node->safe_psql('postgres', 'SELECT stats_reset FROM idempotency.stats_info()'),
	'gt', $reset_before, 'stats_reset is the restart after the crash');
is($node->safe_psql('postgres', q{
	SELECT outcome FROM idempotency.claim('st-1')}),
	'completed', 'the key itself survived the crash');
is($node->safe_psql('postgres', $counts_sql), '0 1 0 0',
	'counting goes on after the crash');

# stats_reset() zeroes the counters, also those of live sessions
my $live = $node->background_psql('postgres');
$live->query_safe(q{SELECT outcome FROM idempotency.claim('st-1')});
$node->safe_psql('postgres', 'SELECT idempotency.stats_reset()');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM idempotency.stats WHERE database = current_database()}),
	'0', 'a reset zeroes every counter');
$live->query_safe(q{SELECT outcome FROM idempotency.claim('st-1')});
is($node->safe_psql('postgres', $counts_sql), '0 1 0 0',
	'a live session counts from the reset on, without recounting');
$live->quit;

# a full table: new scopes are folded into their role's scope-less row, or
# the overflow row
$node->append_conf('postgresql.conf', "idempotency.stats_max = 100\nidempotency.stats_track_scopes = on");
$node->restart;
$node->safe_psql('postgres', 'SELECT idempotency.stats_reset()');
$node->safe_psql('postgres', q{
	DO $$
	BEGIN
	    FOR i IN 1 .. 150 LOOP
	        PERFORM idempotency.claim('st-1', scope => 'tenant-' || i, wait => '0');
	        PERFORM idempotency.release('st-1', scope => 'tenant-' || i);
	    END LOOP;
	END $$;});
is( $node->safe_psql(
		'postgres', q{
	SELECT sum(claimed), count(*) <= 101, bool_or(scope IS NULL)
	  FROM idempotency.stats}),
	'150|t|t',
	'with the table full, no claim goes uncounted: the rest share a scope-less row');
cmp_ok($node->safe_psql('postgres', 'SELECT folded FROM idempotency.stats_info()'),
	'>', 0, 'stats_info() counts the folded keys');

$node->stop;

# without shared_preload_libraries: the API works, counting is off
my $plain = PostgreSQL::Test::Cluster->new('stats_plain');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION idempotency');
is($plain->safe_psql('postgres', q{SELECT idempotency.once('p-1', 'SELECT 1 AS one')}),
	'[{"one": 1}]', 'once() works without the library preloaded');
is( $plain->safe_psql(
		'postgres', q{
	SELECT counting, stats_reset IS NULL, entries IS NULL FROM idempotency.stats_info()}),
	'f|t|t',
	'stats_info() says that counting is off');
my ($rc, $out, $err) = $plain->psql('postgres',
	'SELECT count(*) FROM idempotency.stats');
is($rc, 0, 'the stats view does not fail without the library preloaded');
is($out, '0', 'and has no rows');
like($err, qr/idempotency statistics are not being collected/,
	'it says why, with a notice');
is($plain->safe_psql('postgres', 'SELECT idempotency.stats_reset()'), '',
	'stats_reset() does nothing, without an error');
$plain->stop;

done_testing();
