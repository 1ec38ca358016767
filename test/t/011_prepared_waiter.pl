# Two-phase commit: a prepared transaction that claimed and completed a key
# keeps the key's lock.  A duplicate claim waits on it (blocked by the
# prepared transaction, which has no session) and, after COMMIT PREPARED,
# replays the stored response; after ROLLBACK PREPARED it owns the key.
# The prepared transaction survives a restart together with its lock.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('prepared_waiter');
$node->init;
$node->append_conf('postgresql.conf',
	preload_conf() . "max_prepared_transactions = 10\nlog_statement = none"
);
$node->start;
$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION @{[ extension_name() ]};
	CREATE TABLE refunds (id serial PRIMARY KEY, idem_key text NOT NULL, made_by text NOT NULL);
});

# Prepares a transaction $gid that claimed $key, did its work and completed.
sub prepare_completed
{
	my ($key, $gid) = @_;
	$node->safe_psql(
		'postgres', qq{
		BEGIN;
		SELECT outcome FROM idempotency.claim('$key');
		INSERT INTO refunds (idem_key, made_by) VALUES ('$key', 'prepared');
		SELECT state FROM idempotency.complete('$key', '"refunded by $gid"');
		PREPARE TRANSACTION '$gid';
	});
}

# Starts a session whose claim of $key waits; returns it once it waits.
sub start_waiter
{
	my ($key) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_safe('BEGIN');
	$s->query_until(qr/sent/,
		"\\echo sent\nSELECT 'result:' || outcome || ':' || coalesce(response::text, '') FROM idempotency.claim('$key');\n"
	);
	ok( $node->poll_query_until(
			'postgres', qq{
			SELECT pg_catalog.pg_blocking_pids($pid) = '{0}'::int[]
			   AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks
			                WHERE locktype = 'advisory' AND objsubid = @{[ key_lock_class() ]}
			                  AND pid = $pid AND NOT granted)}),
		"the claim of $key waits on the prepared transaction");
	return $s;
}

# --- COMMIT PREPARED: the waiter replays
prepare_completed('refund-1', 'gid_1');
is( $node->safe_psql(
		'postgres', qq{
		SELECT count(*) FROM pg_catalog.pg_locks
		 WHERE locktype = 'advisory' AND objsubid = @{[ key_lock_class() ]} AND pid IS NULL AND granted}),
	'1',
	'the prepared transaction holds the key lock');

my $w1 = start_waiter('refund-1');
$node->safe_psql('postgres', "COMMIT PREPARED 'gid_1'");
like(
	$w1->query_until(qr/result:\S*/, ''),
	qr/result:completed:"refunded by gid_1"/,
	'after COMMIT PREPARED the waiter replays the prepared response');
$w1->query_safe('COMMIT');
$w1->quit;

# --- ROLLBACK PREPARED: the waiter owns the key
prepare_completed('refund-2', 'gid_2');
my $w2 = start_waiter('refund-2');
$node->safe_psql('postgres', "ROLLBACK PREPARED 'gid_2'");
like($w2->query_until(qr/result:\S*/, ''),
	qr/result:claimed:/, 'after ROLLBACK PREPARED the waiter owns the key');
$w2->query_safe(
	q{INSERT INTO refunds (idem_key, made_by) VALUES ('refund-2', 'waiter')});
$w2->query_safe(q{SELECT idempotency.complete('refund-2', '"refunded by waiter"')});
$w2->query_safe('COMMIT');
$w2->quit;

# --- a prepared transaction keeps its key lock across a restart
prepare_completed('refund-3', 'gid_3');
$node->restart;
is( $node->safe_psql(
		'postgres', q{
		SELECT outcome FROM idempotency.claim('refund-3', wait => '0')}),
	'in_progress',
	'after a restart the prepared transaction still holds refund-3');
$node->safe_psql('postgres', "COMMIT PREPARED 'gid_3'");
is( $node->safe_psql(
		'postgres', q{
		SELECT outcome || ':' || response::text FROM idempotency.claim('refund-3', wait => '0')}),
	'completed:"refunded by gid_3"',
	'after COMMIT PREPARED refund-3 replays');

# --- each key's work happened once
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(idem_key || ':' || made_by, ',' ORDER BY idem_key) FROM refunds}),
	'refund-1:prepared,refund-2:waiter,refund-3:prepared',
	'every refund was made exactly once');
is( key_lock_count($node),
	'0',
	'no key lock is held at the end');

$node->stop;
done_testing();
