# Expiry of routed keys (docs/citus.md): idempotency.purge_routed() deletes
# expired keys from every shard of the key tables that distribute() made,
# with purge()'s rule, skipping (never waiting for) keys a claimer holds;
# the expiry worker scheduled on the coordinator runs it.  A coordinator and
# two workers.
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

my ($coord, @workers) = start_citus_cluster('expiry');

$coord->safe_psql('postgres', 'CREATE EXTENSION idempotency');
create_payments($coord);
my $keys = $coord->safe_psql('postgres',
	q{SELECT idempotency.distribute('payments', 'account_id', 'payments_keys')});

# Per account 1..20: a completed key that expires at once, a completed key
# that lives a day, and a lease claim whose lease and ttl end at once.
sub make_keys
{
	my ($prefix) = @_;
	my $sql = '';
	for my $a (1 .. 20)
	{
		$sql .= qq{
BEGIN;
SELECT outcome FROM payments_keys.claim($a, '$prefix-short', ttl => '1 second');
SELECT state FROM payments_keys.complete($a, '$prefix-short', '{}');
COMMIT;
BEGIN;
SELECT outcome FROM payments_keys.claim($a, '$prefix-long');
SELECT state FROM payments_keys.complete($a, '$prefix-long', '{}');
COMMIT;
SELECT outcome FROM payments_keys.claim($a, '$prefix-ended', lease => '1 millisecond', ttl => '1 second');
};
	}
	$coord->safe_psql('postgres', $sql);
	usleep(1_200_000);    # past every short expires_at
	return;
}

sub count_keys
{
	my ($pattern) = @_;
	return $coord->safe_psql('postgres', qq{SELECT count(*) FROM $keys WHERE key LIKE '$pattern'});
}

# ---- purge_routed(): the expired keys of every shard, nothing else
make_keys('a');
is(count_keys('a-%'), '60', 'sixty keys written over twenty accounts');

# a claimer holds account 1's expired key: its claim deleted the old row and
# wrote a new one, not yet committed
my $holder = $coord->background_psql('postgres');
$holder->query_safe(q{BEGIN});
is($holder->query_safe(q{SELECT outcome FROM payments_keys.claim(1, 'a-short')}),
	'claimed', 'a claimer takes over an expired key in an open transaction');

is( $coord->safe_psql(
		'postgres', q{SET statement_timeout = '20s'; SELECT idempotency.purge_routed()}),
	'39', 'purge_routed() deletes the expired keys but the held one, without waiting for its claimer');
is(count_keys('a-long'), '20', 'keys that have not expired stay');
is(count_keys('a-ended'), '0', 'lease claims whose lease and ttl ended are deleted');
is(count_keys('a-short'), '1', 'the key the claimer holds stays');
is($holder->query_safe(q{SELECT state FROM payments_keys.complete(1, 'a-short', '{"late": 1}')}),
	'completed', 'the claimer completes the key it holds');
$holder->query_safe(q{COMMIT});
$holder->quit;
is( $coord->safe_psql('postgres', q{SELECT response::text FROM payments_keys.lookup(1, 'a-short')}),
	'{"late": 1}', 'and its result stands');

# ---- the batch size bounds the keys deleted from each shard
make_keys('b');
my $shards = $coord->safe_psql(
	'postgres', q{
	SELECT count(DISTINCT get_shard_id_for_distribution_column('payments', a))
	  FROM generate_series(1, 20) AS a});
is($coord->safe_psql('postgres', q{SELECT idempotency.purge_routed(1)}),
	$shards, 'purge_routed(1) deletes one key from each shard');
is(count_keys('b-short') + count_keys('b-ended'),
	40 - $shards, 'the other expired keys are left for the next batch');
is($coord->safe_psql('postgres', q{SELECT idempotency.purge_routed(1000000)}),
	40 - $shards, 'a large batch takes the rest');

# ---- a read replica of a worker (a Citus secondary node) is never written
my $primary = $workers[1];
$primary->backup('for_secondary');
my $secondary = PostgreSQL::Test::Cluster->new('expiry_secondary');
$secondary->init_from_backup($primary, 'for_secondary', has_streaming => 1);
# the key that Citus made for the primary's SSL comes out of the backup
# readable by the group, which the server refuses
my $ssl_key = $secondary->data_dir . '/server.key';
chmod(0600, $ssl_key) if -f $ssl_key;
$secondary->start;
$coord->safe_psql('postgres',
	"SELECT citus_add_secondary_node('127.0.0.1', @{[ $secondary->port ]}, '127.0.0.1', @{[ $primary->port ]})");
make_keys('s');
is($coord->safe_psql('postgres', q{SELECT idempotency.purge_routed()}),
	'40', 'purge_routed() purges the primaries and leaves the secondary alone');

# ---- refusals
my ($ret, $out, $err) = $coord->psql('postgres', q{SELECT idempotency.purge_routed(NULL)});
like($err, qr/batch size must not be null/, 'purge_routed(NULL) is refused');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT idempotency.purge_routed(0)});
like($err, qr/invalid batch size 0/, 'purge_routed(0) is refused');
make_keys('r');
($ret, $out, $err) = $coord->psql('postgres',
	q{BEGIN READ ONLY; SELECT idempotency.purge_routed(); COMMIT;});
like($err, qr/cannot execute purge_routed\(\) in a read-only transaction/,
	'purge_routed() in a read-only transaction is refused');
is(count_keys('r-short') + count_keys('r-ended'), '40', 'and deletes nothing');
$coord->safe_psql('postgres', q{CREATE ROLE mallory LOGIN});
($ret, $out, $err) = $coord->psql('postgres', q{SET ROLE mallory; SELECT idempotency.purge_routed()});
like($err, qr/permission denied for function purge_routed/,
	'a role without the grant may not purge');

# ---- a worker that cannot be reached: an error naming it, after the others
make_keys('c');
my $down = $workers[0];
my @down_accounts = grep { shard_port($coord, 'payments', $_) == $down->port } 1 .. 20;
$down->stop('immediate');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT idempotency.purge_routed()});
like($err, qr/could not purge routed keys on a worker \(\d+ statement\(s\) failed\)/,
	'an unreachable worker fails the purge with an error');
like($err, qr/Worker 127\.0\.0\.1:@{[ $down->port ]}: /, 'which names it');
$down->start;
# the coordinator's cached connections to it broke: wait until it serves again
for (1 .. 50)
{
	($ret) = $coord->psql('postgres', q{SELECT count(*) FROM payments});
	last if $ret == 0;
	usleep(200_000);
}
my $down_list = join(',', @down_accounts) || 'NULL';
is( $coord->safe_psql(
		'postgres', qq{
	SELECT count(*) FILTER (WHERE routing IN ($down_list)) = 2 * @{[ scalar @down_accounts ]}
	       AND count(*) FILTER (WHERE routing NOT IN ($down_list)) = 0
	  FROM $keys WHERE key IN ('c-short', 'c-ended')}),
	't', 'the reachable worker purged its shards; the keys of the unreachable one wait');

# ---- the expiry worker scheduled on the coordinator purges routed keys
make_keys('d');
$coord->safe_psql('postgres', q{SELECT idempotency.schedule_expiry('1 second')});
my ($left, $counted);
for (1 .. 100)
{
	$left = count_keys('d-short') + count_keys('d-ended');
	$counted = $coord->safe_psql('postgres',
		q{SELECT total_deleted >= 40 AND last_error IS NULL FROM idempotency.expiry_status});
	last if $left == 0 && $counted eq 't';
	usleep(200_000);
}
is($left, 0, 'the expiry worker deletes expired routed keys');
is($counted, 't', 'expiry_status counts them, with no error');
is(count_keys('d-long'), '20', 'and leaves the others');

done_testing();
