# A worker killed mid-load (docs/citus.md): clients on the coordinator send
# every request of a key set, several clients per key, and retry failures,
# while one worker's postmaster is killed with SIGKILL and started again.
# Requests to its shards fail while it is down and are retried; the keys
# of transactions that were in flight on it roll back with their business
# rows (one worker per transaction: no two-phase commit to resolve).  Every
# key's effect must exist exactly once.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib "$FindBin::RealBin/..";
use CitusTest;

skip_unless_citus();

my ($coord, @workers) = start_citus_cluster('killed');
my ($w1, $w2) = @workers;

$coord->safe_psql(
	'postgres', q{
CREATE EXTENSION idempotency;
CREATE TABLE ledger (account_id bigint NOT NULL, request_key text NOT NULL, amount int NOT NULL);
SELECT create_distributed_table('ledger', 'account_id', shard_count := 4);
});
my $keys = $coord->safe_psql('postgres',
	q{SELECT idempotency.distribute('ledger', 'account_id', 'ledger_keys')});

my @keys = map { (($_ % 16) + 1) . ":k$_" } 1 .. 80;
my $dir = PostgreSQL::Test::Utils::tempdir();
my @clients;
for my $c (0 .. 5)
{
	my @order = $c % 2 ? reverse @keys : @keys;
	push @order, splice(@order, 0, 13 * $c);
	push @clients,
	  start_storm($coord, 'ledger_keys', 'ledger', $c < 3 ? 'claim' : 'once',
		\@order, "$dir/client$c.log");
}

# Kill the second worker once the load is under way, then restart it.
my $done_before = 0;
for (1 .. 200)
{
	$done_before = 0;
	$done_before += () = slurp_file("$dir/client$_.log") =~ /\n/g
	  for grep { -f "$dir/client$_.log" } 0 .. 5;
	last if $done_before >= 60;
	usleep(50_000);
}
ok($done_before >= 60, 'the load is under way before the kill');
$w2->kill9;
sleep 2;
$w2->start;
my $running = grep { $_->pumpable } @clients;
note "clients still running when the worker came back: $running";

$_->finish for @clients;

my ($answers, $gave_up) = (0, 0);
for my $c (0 .. 5)
{
	for my $line (split /\n/, slurp_file("$dir/client$c.log"))
	{
		$answers++;
		$gave_up++ if $line =~ / gave-up$/;
	}
}
my %kinds;
for my $c (0 .. 5)
{
	next unless -f "$dir/client$c.log.err";
	$kinds{ s/^.*?ERROR:\s*//r =~ s/\d+/N/gr }++
	  for grep { /ERROR/ } split /\n/, slurp_file("$dir/client$c.log.err");
}
note "errors the clients retried: $_ x$kinds{$_}" for sort keys %kinds;
ok(scalar(keys %kinds) > 0, 'requests failed while the worker was down (and were retried)');

is($gave_up, 0, 'every request ended cleanly, after retries');
is($answers, 480, 'every client answered every key');
is( $coord->safe_psql(
		'postgres', q{SELECT count(*) || ' ' || count(DISTINCT request_key) FROM ledger}),
	'80 80', 'every key took effect, each exactly once');
is( $coord->safe_psql(
		'postgres', qq{
	SELECT count(*) FROM ledger l JOIN $keys k
	    ON k.routing = l.account_id AND k.key = l.request_key AND k.state = 'completed'}),
	'80', 'every business row has its completed key');
is( $coord->safe_psql('postgres', qq{SELECT count(*) FROM $keys WHERE state <> 'completed'}),
	'0', 'no key was left in progress by the transactions the kill cut off');
is($w2->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'),
	'0', 'no prepared transaction was left on the killed worker');

done_testing();
