# Shard moves and rebalances while routed calls are in flight (docs/citus.md,
# "What a rebalance does to in-flight keys"): a routed call must lock its
# shard group in the order Citus's own statements do, coordinator first,
# so that a move waits for the transaction and then goes through instead of
# deadlocking with it; and a call that reaches a worker just after its shard
# moved away must fail with IK006, never with Citus's internal error about
# nested distributed execution.
use strict;
use warnings;

use IPC::Run;
use Time::HiRes qw(time usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/..";
use CitusTest;

skip_unless_citus();

my ($coord, @workers) = start_citus_cluster('movelocks');
my ($w1, $w2) = @workers;

# Every shard group starts on the first worker, so that the rebalancer has
# work at the end.
$coord->safe_psql(
	'postgres', qq{
SELECT citus_set_node_property('127.0.0.1', @{[ $w2->port ]}, 'shouldhaveshards', false);
CREATE EXTENSION idempotency;
});
create_payments($coord);
my $keys = $coord->safe_psql('postgres',
	q{SELECT idempotency.distribute('payments', 'account_id', 'payments_keys')});
$coord->safe_psql('postgres',
	"SELECT citus_set_node_property('127.0.0.1', @{[ $w2->port ]}, 'shouldhaveshards', true)");

my $shard8 = $coord->safe_psql('postgres',
	q{SELECT get_shard_id_for_distribution_column('payments', 8)});
my $keyshard8 = $coord->safe_psql('postgres',
	qq{SELECT get_shard_id_for_distribution_column('$keys', 8)});

# The move of $shard (and its colocated shards) from one worker to the
# other, in block_writes mode; returns psql's ($ret, $stdout, $stderr).
sub move
{
	my ($shard, $from, $to) = @_;

	# the previous move's leftover on $to, if its deferred drop has not run
	# yet, would fail the move for a reason of its own ("the orphaned shard
	# ... could not be cleaned up")
	$coord->psql('postgres', 'CALL citus_cleanup_orphaned_resources()');
	return $coord->psql(
		'postgres', qq{
	SELECT citus_move_shard_placement($shard, '127.0.0.1', @{[ $from->port ]},
	       '127.0.0.1', @{[ $to->port ]}, shard_transfer_mode := 'block_writes')});
}

# Waiting lock requests on the shard group metadata lock (Citus's advisory
# lock class 8) on $node.
sub metadata_lock_waits
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 8 AND NOT granted});
}

# The two-session sequence: A claims a key of account 8 with $claim (a
# statement that returns the outcome), B moves account 8's shard group
# with block_writes, A inserts the payment, completes and commits; the move
# must wait for A, then succeed.  $prepare runs in A's session first.
sub two_sessions
{
	my ($what, $key, $claim, @prepare) = @_;
	my ($from) = grep { $_->port == shard_port($coord, 'payments', '8') } @workers;
	my ($to) = grep { $_ != $from } @workers;
	my $a = $coord->background_psql('postgres', on_error_stop => 0);
	$a->query_safe($_) for @prepare;
	$a->query_safe('BEGIN');
	is($a->query_safe($claim), 'claimed', "$what: A claims a key of account 8");
	my ($move_out, $move_err) = ('', '');
	my $mover = IPC::Run::start(
		[
			'psql', '-X', '-At', '-h', $coord->host, '-p', $coord->port, '-d', 'postgres',
			'-c', qq{SELECT citus_move_shard_placement($shard8, '127.0.0.1', @{[ $from->port ]},
			         '127.0.0.1', @{[ $to->port ]}, shard_transfer_mode := 'block_writes')}
		],
		'>', \$move_out, '2>', \$move_err);
	my $move_waits = 0;
	for (1 .. 300)
	{
		$move_waits = metadata_lock_waits($coord) + metadata_lock_waits($from);
		last if $move_waits > 0;
		usleep(100_000);
	}
	ok($move_waits > 0, "$what: the move waits on a shard group lock");
	note 'the move waits on the coordinator: ' . metadata_lock_waits($coord);
	usleep(300_000);
	$a->query_safe(qq{INSERT INTO payments VALUES (8, '$key', 1)});
	$a->query_safe(qq{SELECT state FROM payments_keys.complete(8, '$key', '{}')});
	$a->query_safe('COMMIT');
	$a->quit;
	$mover->finish;
	is($move_err =~ s/\s+$//r, '', "$what: the move reports no error (no distributed deadlock)");
	is(shard_port($coord, 'payments', '8'), $to->port, "$what: the move went through once A committed");
	is( $coord->safe_psql(
			'postgres', qq{
		SELECT count(*) FROM payments p JOIN $keys k ON k.routing = p.account_id AND k.key = p.request_key
		 WHERE p.request_key = '$key' AND k.state = 'completed'}),
		'1', "$what: A's key and payment moved with the shard group");
	is($coord->safe_psql('postgres', qq{SELECT outcome FROM payments_keys.claim(8, '$key')}),
		'completed', "$what: the retry replays from the new worker");
	return;
}

# ---- two sessions: claim; a move; the business insert
two_sessions('claim', 'two-sessions', q{SELECT outcome FROM payments_keys.claim(8, 'two-sessions')});

# ---- the same with a prepared statement whose generic plan, made in an
# earlier transaction, is reused: planning is skipped, the plan still
# takes the coordinator's lock
two_sessions(
	'generic plan', 'generic', 'EXECUTE gclaim',
	'SET plan_cache_mode = force_generic_plan',
	q{PREPARE gclaim AS SELECT outcome FROM payments_keys.claim(8, 'generic')},
	'BEGIN', 'EXECUTE gclaim', 'ROLLBACK');

# ---- a call that reaches the old worker after the switch: IK006, not XX000.
# A session on the worker that holds account 8 blocks writes the way a
# move does (Citus's lock_shard_metadata in ExclusiveLock, which the move
# runs on every worker) and, in that transaction, switches the placement
# in that worker's metadata; the delegated claim, sent there by the
# coordinator before the switch, must wait for it and then refuse.
my ($from) = grep { $_->port == shard_port($coord, 'payments', '8') } @workers;
my ($to) = grep { $_ != $from } @workers;
my $to_group = $coord->safe_psql('postgres',
	"SELECT groupid FROM pg_dist_node WHERE nodeport = @{[ $to->port ]}");
my $from_group = $coord->safe_psql('postgres',
	"SELECT groupid FROM pg_dist_node WHERE nodeport = @{[ $from->port ]}");
my $blocker = $from->background_psql('postgres');
$blocker->query_safe('BEGIN');
$blocker->query_safe("SELECT lock_shard_metadata(7, ARRAY[$shard8])");
my ($late_out, $late_err) = ('', '');
my $late = IPC::Run::start(
	[
		'psql', '-X', '-At', '-h', $coord->host, '-p', $coord->port, '-d', 'postgres',
		'-c', '\set VERBOSITY verbose', '-c', 'BEGIN',
		'-c', q{SELECT outcome FROM payments_keys.claim(8, 'late')}, '-c', 'COMMIT'
	],
	'>', \$late_out, '2>', \$late_err);
ok($from->poll_query_until('postgres',
		q{SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 8 AND NOT granted}),
	'the delegated claim waits on the old worker for the blocked writes');
$blocker->query_safe(
	"UPDATE pg_dist_placement SET groupid = $to_group WHERE shardid IN ($shard8, $keyshard8)");
$blocker->query_safe('COMMIT');
$late->finish;
like($late_err, qr/IK006/, 'the claim on the old worker fails with IK006');
unlike($late_err, qr/XX000|distributed query from a query on a shard/,
	'and not with Citus\'s internal error');
$from->safe_psql('postgres',
	"UPDATE pg_dist_placement SET groupid = $from_group WHERE shardid IN ($shard8, $keyshard8)");
is($coord->safe_psql('postgres', qq{SELECT count(*) FROM $keys WHERE key = 'late'}),
	'0', 'the refused claim wrote nothing');

# ---- moves under sustained claim -> insert -> complete load on one shard
# group: the clients of a psql each run their own stream of fresh keys;
# errors only end a transaction
my $dir = PostgreSQL::Test::Utils::tempdir();
my @accounts = split /\n/, $coord->safe_psql(
	'postgres', qq{
	SELECT a FROM generate_series(1, 2000) a
	 WHERE get_shard_id_for_distribution_column('payments', a) = $shard8 LIMIT 40});

# Starts $n clients of the claim -> insert -> complete shape over @$accts;
# their keys start with $tag.  Returns the IPC::Run handles.
sub start_load
{
	my ($tag, $n, $accts) = @_;
	my @h;
	for my $c (0 .. $n - 1)
	{
		my $file = "$dir/$tag$c.sql";
		open(my $fh, '>', $file) or die "$file: $!";
		for my $i (1 .. 20000)
		{
			my $acct = $accts->[ ($i * 7 + $c) % scalar(@$accts) ];
			my $key = "$tag$c-$i";
			print $fh "BEGIN;\nSELECT outcome FROM payments_keys.claim($acct, '$key');\n"
			  . "INSERT INTO payments VALUES ($acct, '$key', 1);\n"
			  . "SELECT state FROM payments_keys.complete($acct, '$key', '{}');\nCOMMIT;\n";
		}
		close($fh);
		push @h, IPC::Run::start(
			[
				'psql', '-X', '-q', '-At', '-h', $coord->host, '-p', $coord->port,
				'-d', 'postgres', '-f', $file
			],
			'>', '/dev/null', '2>', "$dir/$tag$c.err");
	}
	return @h;
}

sub stop_load
{
	for my $h (@_)
	{
		$h->kill_kill;
		$h->finish;
	}
	return;
}

my @load = start_load('m', 8, \@accounts);
sleep 2;
my ($ok, @failures) = (0);
my ($here) = grep { $_->port == shard_port($coord, 'payments', '8') } @workers;
my ($there) = grep { $_ != $here } @workers;
for my $i (1 .. 10)
{
	my ($ret, $out, $err) = move($shard8, $here, $there);
	if ($ret == 0)
	{
		$ok++;
		($here, $there) = ($there, $here);
	}
	else
	{
		push @failures, $err =~ s/\s+/ /gr;
	}
}
my $done = $coord->safe_psql('postgres', q{SELECT count(*) FROM payments WHERE request_key LIKE 'm%'});
stop_load(@load);
note "block_writes moves under 8 loading clients: $ok of 10 succeeded, $done transactions committed";
note "failed move: $_" for @failures;
cmp_ok($ok, '>=', 9, 'at least 9 of 10 block_writes moves succeed under claim -> insert -> complete load');
cmp_ok($done, '>', 0, 'the clients committed transactions meanwhile');

# ---- the rebalancer under the same load over every shard group
$coord->safe_psql(
	'postgres', qq{
	SELECT citus_move_shard_placement(shardid, '127.0.0.1', nodeport, '127.0.0.1', @{[ $w1->port ]},
	       shard_transfer_mode := 'block_writes')
	  FROM pg_dist_shard JOIN pg_dist_placement USING (shardid) JOIN pg_dist_node USING (groupid)
	 WHERE logicalrelid = 'payments'::regclass AND nodeport <> @{[ $w1->port ]}});
my @all = split /\n/, $coord->safe_psql('postgres', q{SELECT a FROM generate_series(1, 64) a});
@load = start_load('r', 8, \@all);
sleep 2;
my $job = $coord->safe_psql('postgres',
	q{SELECT citus_rebalance_start(shard_transfer_mode := 'block_writes')});
my $t0 = time;
$coord->safe_psql('postgres', 'SELECT citus_rebalance_wait()');
my $secs = time - $t0;
stop_load(@load);
my $tasks = $coord->safe_psql(
	'postgres', qq{
	SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'done')
	       || ' ' || count(*) FILTER (WHERE coalesce(retry_count, 0) > 0)
	  FROM pg_dist_background_task WHERE job_id = $job});
my ($ntasks, $ndone, $nretried) = split / /, $tasks;
note sprintf('rebalance under load: %d tasks, %d done, %d retried, %.1f s', $ntasks, $ndone, $nretried, $secs);
cmp_ok($ntasks, '>', 0, 'the rebalancer had moves to make');
is($ndone, $ntasks, 'every move of the rebalance is done');
is($nretried, 0, 'no move of the rebalance needed a retry');

# ---- and every transaction that committed has its completed key
is( $coord->safe_psql(
		'postgres', qq{
	SELECT (SELECT count(*) FROM payments)
	     = (SELECT count(*) FROM payments p JOIN $keys k
	          ON k.routing = p.account_id AND k.key = p.request_key AND k.state = 'completed'),
	       (SELECT count(*) FROM $keys WHERE state = 'in_progress')}),
	"t|0", 'every committed payment has its completed key, and no key is left in progress');

done_testing();
