# Restarts and crashes: a completed key survives a clean restart and still
# replays its stored response; a claim whose transaction never committed
# leaves neither a row nor a lock behind after an immediate shutdown.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('restart');
$node->init;
$node->append_conf('postgresql.conf', preload_conf());
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION ' . extension_name());

# the first request claims, does its work and completes, in one transaction
my $first = $node->safe_psql('postgres', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('restart-1', fingerprint => 'fp-1');
	SELECT state FROM idempotency.complete('restart-1', '{"payment_id": 7}', 201);
	COMMIT;
});
is($first, "claimed\ncompleted", 'the first claim does the work and completes');

$node->restart;

# after a restart, the same request replays the stored response
my $replay_sql = q{
	BEGIN;
	SELECT outcome, state, response_code, response::text
	  FROM idempotency.claim('restart-1', fingerprint => 'fp-1');
	COMMIT;
};
is($node->safe_psql('postgres', $replay_sql),
	'completed|completed|201|{"payment_id": 7}',
	'after a restart the completed key replays its response');

# a claim left open in a transaction that never commits
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN');
is($holder->query_safe(q{SELECT outcome FROM idempotency.claim('crash-1')}),
	'claimed', 'an open transaction claims crash-1');

# while it is open, another session sees the key held and does not wait
is( $node->safe_psql(
		'postgres', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('crash-1', wait => '0');
	COMMIT;
}),
	'in_progress',
	'another session sees crash-1 in progress');

$node->stop('immediate');
# the holder's connection died with the server
eval { $holder->quit; };

$node->start;

is($node->safe_psql('postgres',
		q{SELECT count(*) FROM idempotency.idempotency_keys WHERE key = 'crash-1'}),
	'0', 'the uncommitted claim left no row');
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
	'0', 'no advisory lock is held after the crash');

# the key is free: a new claim gets it at once
is( $node->safe_psql(
		'postgres', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('crash-1', wait => '0');
	ROLLBACK;
}),
	'claimed',
	'crash-1 can be claimed again without waiting');

# and the completed key survived the crash too
is($node->safe_psql('postgres', $replay_sql),
	'completed|completed|201|{"payment_id": 7}',
	'after the crash the completed key still replays');

$node->stop;
done_testing();
