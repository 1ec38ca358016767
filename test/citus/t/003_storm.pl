# Shard moves under a retry storm (docs/citus.md, "What a rebalance does to
# in-flight keys"): clients on the coordinator send every request of a key
# set, each key from several clients at once, and retry every request that
# fails, while citus_move_shard_placement and then citus_rebalance_start
# move the shard groups of the business table and its keys.  Every key's
# effect must exist exactly once: the business table has no unique
# constraint that would hide a second insert.  Meanwhile a purger runs
# idempotency.purge_routed() again and again (docs/citus.md, "Expiry of
# routed keys"): it must delete expired keys only, never a live one.
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

my ($coord, @workers) = start_citus_cluster('storm');
my ($w1, $w2) = @workers;

# Every shard group starts on the first worker, so that the rebalancer has
# work during the storm.
$coord->safe_psql(
	'postgres', qq{
SELECT citus_set_node_property('127.0.0.1', @{[ $w2->port ]}, 'shouldhaveshards', false);
CREATE EXTENSION idempotency;
CREATE TABLE ledger (account_id bigint NOT NULL, request_key text NOT NULL, amount int NOT NULL);
ALTER TABLE ledger REPLICA IDENTITY FULL;
SELECT create_distributed_table('ledger', 'account_id', shard_count := 8);
});
my $keys = $coord->safe_psql('postgres',
	q{SELECT idempotency.distribute('ledger', 'account_id', 'ledger_keys')});
$coord->safe_psql('postgres',
	"SELECT citus_set_node_property('127.0.0.1', @{[ $w2->port ]}, 'shouldhaveshards', true)");
is( $coord->safe_psql(
		'postgres', qq{
	SELECT count(*) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
	 WHERE logicalrelid = 'ledger'::regclass AND groupid = (SELECT groupid FROM pg_dist_node WHERE nodeport = @{[ $w1->port ]})}),
	'8', 'before the storm, every shard group is on the first worker');

# Expired keys for the purger: 48 over 24 accounts, a second to live.
$coord->safe_psql('postgres', join('', map {
	my $a = ($_ % 24) + 1;
	qq{BEGIN; SELECT outcome FROM ledger_keys.claim($a, 'old$_', ttl => '1 second');
	SELECT state FROM ledger_keys.complete($a, 'old$_', '{}'); COMMIT;}
} 1 .. 48));
sleep 2;

# 120 keys over 24 accounts; four clients of each shape, each in its own
# order, so that every key is sent eight times, often at the same moment.
my @keys = map { (($_ % 24) + 1) . ":k$_" } 1 .. 120;
my $dir = PostgreSQL::Test::Utils::tempdir();
my @clients;
for my $c (0 .. 7)
{
	my @order = $c % 2 ? reverse @keys : @keys;
	push @order, splice(@order, 0, 15 * $c);    # rotate: start elsewhere
	push @clients,
	  start_storm($coord, 'ledger_keys', 'ledger', $c < 4 ? 'claim' : 'once',
		\@order, "$dir/client$c.log");
}

# The purger, until told to stop (or 400 s, so that it never outlives a
# test that died): each round writes one more key that expires 0.1 s later,
# then calls purge_routed(5) and logs "time deleted"; a failed call (a
# shard moving away under it, 58000) is only logged.
my $psql = join(' ', 'psql', '-X', '-At', '-q', '-h', $coord->host, '-p', $coord->port, '-d', 'postgres');
my $purger = IPC::Run::start([ 'bash', '-c', qq{
	end=\$((SECONDS + 400)); i=0
	until [ -f $dir/stop-purger ] || [ \$SECONDS -ge \$end ]; do
		i=\$((i + 1)); a=\$((i % 24 + 1))
		$psql >/dev/null 2>> $dir/purged.err <<EOSQL
BEGIN;
SELECT outcome FROM ledger_keys.claim(\$a, 'old-live\$i', ttl => '100 milliseconds');
SELECT state FROM ledger_keys.complete(\$a, 'old-live\$i', '{}');
COMMIT;
EOSQL
		n=\$($psql -c 'SELECT idempotency.purge_routed(5)' 2>> $dir/purged.err) &&
			echo "\$(date +%s.%N) \$n" >> $dir/purged.log
		sleep 0.05
	done} ]);

# While they run: one move by hand, then the rebalancer.
sleep 1;
my $moves_started = time;
my $moved = $coord->safe_psql(
	'postgres', qq{
	SELECT citus_move_shard_placement(get_shard_id_for_distribution_column('ledger', 1),
	       '127.0.0.1', @{[ $w1->port ]}, '127.0.0.1', @{[ $w2->port ]},
	       shard_transfer_mode := 'force_logical');
	SELECT nodeport FROM pg_dist_placement JOIN pg_dist_node USING (groupid)
	 WHERE shardid = get_shard_id_for_distribution_column('ledger', 1)});
is($moved =~ s/^\s+//r, $w2->port, 'a shard group moved during the storm');
$coord->safe_psql(
	'postgres', q{
	SELECT citus_rebalance_start(shard_transfer_mode := 'force_logical');
	SELECT citus_rebalance_wait();});
my $moves_ended = time;
cmp_ok(
	$coord->safe_psql(
		'postgres', qq{
	SELECT count(*) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
	 WHERE logicalrelid = 'ledger'::regclass AND groupid = (SELECT groupid FROM pg_dist_node WHERE nodeport = @{[ $w2->port ]})}),
	'>=', 3, 'the rebalancer moved shard groups to the second worker during the storm');

note 'clients still running when the rebalance ended: ' . scalar(grep { $_->pumpable } @clients);
$_->finish for @clients;
open(my $stop, '>', "$dir/stop-purger") or die "stop-purger: $!";
close($stop);
$purger->finish;
my @purged = map { [ split / / ] } split /\n/, slurp_file("$dir/purged.log");
my ($purged_total, $purged_moving) = (0, 0);
for my $p (@purged)
{
	$purged_total += $p->[1];
	$purged_moving += $p->[1] if $p->[0] >= $moves_started && $p->[0] <= $moves_ended;
}
note 'purge_routed() calls that succeeded during the storm: ' . scalar(@purged)
  . ", keys deleted: $purged_total, of them while shards moved: $purged_moving";
note 'purge_routed() errors: ' . join(' | ', map { s/^.*?ERROR:\s*//r } grep { /ERROR/ } split /\n/,
	(-f "$dir/purged.err" ? slurp_file("$dir/purged.err") : ''));
cmp_ok($purged_moving, '>', 0, 'the purger deleted expired keys while the shards moved');

my (%outcomes, $gave_up, $answers);
for my $c (0 .. 7)
{
	for my $line (split /\n/, slurp_file("$dir/client$c.log"))
	{
		my ($key, $outcome) = split / /, $line;
		$gave_up++ if $outcome eq 'gave-up';
		$outcomes{$outcome}++;
		$answers++;
	}
}
note 'outcomes: ' . join(', ', map { "$_ $outcomes{$_}" } sort keys %outcomes);
my @errors = grep { /ERROR/ } split /\n/, join('', map { -f "$dir/client$_.log.err" ? slurp_file("$dir/client$_.log.err") : '' } 0 .. 7);
my %kinds;
$kinds{ s/^.*?ERROR:\s*//r =~ s/\d+/N/gr }++ for @errors;
note "errors the clients retried: $_ x$kinds{$_}" for sort keys %kinds;

is($gave_up // 0, 0, 'every request ended cleanly, after retries');
is($answers, 960, 'every client answered every key');
is( $coord->safe_psql(
		'postgres', q{
	SELECT count(*) || ' ' || count(DISTINCT request_key) FROM ledger}),
	'120 120', 'every key took effect, each exactly once');
is( $coord->safe_psql(
		'postgres', qq{
	SELECT count(*) FILTER (WHERE state = 'completed') FROM $keys WHERE key LIKE 'k%'}),
	'120', 'every key is completed, once (none purged: they live a day)');
is( $coord->safe_psql(
		'postgres', qq{
	SELECT count(*) FROM ledger l JOIN $keys k
	    ON k.routing = l.account_id AND k.key = l.request_key}),
	'120', 'every key row sits with its business row');
usleep(200_000);    # past the last expires_at
$coord->safe_psql('postgres', q{SELECT idempotency.purge_routed()});
is( $coord->safe_psql(
		'postgres', qq{SELECT count(*) FROM $keys WHERE key LIKE 'old%'}),
	'0', 'the expired keys are gone, purged during the storm or after it');

done_testing();
