# A holder killed with pg_terminate_backend leaves nothing behind.  Its open
# transaction's claim (already completed, not yet committed) vanishes with
# its lock, so a duplicate that was waiting on the key gets it (claimed,
# not completed) and does the work once.  Its committed lease claim is
# recovered at once by the next claimer, because the holder's session is
# gone, though the lease itself is still live.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('killed_holder');
$node->init;
$node->append_conf('postgresql.conf',
	preload_conf() . "log_statement = none");
$node->start;
$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION @{[ extension_name() ]};
	CREATE TABLE shipments (id serial PRIMARY KEY, idem_key text NOT NULL, made_by text NOT NULL);
});

# Polls until session $pid waits for a key lock (IdemTest's key_lock_class).
sub wait_for_key_waiter
{
	my ($pid) = @_;
	return $node->poll_query_until(
		'postgres', qq{
		SELECT count(*) = 1 FROM pg_catalog.pg_locks
		 WHERE locktype = 'advisory' AND objsubid = @{[ key_lock_class() ]}
		   AND pid = $pid AND NOT granted});
}

# --- the holder: a committed lease claim, then an open claim that completed
my $holder = $node->background_psql('postgres', on_error_stop => 0);
my $holder_pid = $holder->query_safe('SELECT pg_backend_pid()');

my $lease = $holder->query_safe(
	q{SELECT outcome || '|' || lease_token
	    FROM idempotency.claim('ship-lease', lease => '1 hour')});
like($lease, qr/^claimed\|[0-9a-f-]{36}$/, 'the holder takes a lease on ship-lease');
my ($old_token) = $lease =~ /\|(.*)$/;

$holder->query_safe(
	q{SELECT idempotency.checkpoint('ship-lease', 'label-printed', token => '}
	  . $old_token . q{')});

$holder->query_safe('BEGIN');
is($holder->query_safe(q{SELECT outcome FROM idempotency.claim('ship-1')}),
	'claimed', 'the holder claims ship-1 in an open transaction');
$holder->query_safe(
	q{INSERT INTO shipments (idem_key, made_by) VALUES ('ship-1', 'holder')});
is( $holder->query_safe(
		q{SELECT state FROM idempotency.complete('ship-1', '"shipped by holder"')}),
	'completed',
	'the holder completes ship-1 but does not commit');

# while the holder lives, its lease answers in_progress
is( $node->safe_psql(
		'postgres',
		q{SELECT outcome FROM idempotency.claim('ship-lease', lease => '1 hour')}),
	'in_progress',
	'a live holder keeps its lease');

# --- the duplicate waits on ship-1
my $dup = $node->background_psql('postgres', on_error_stop => 0);
my $dup_pid = $dup->query_safe('SELECT pg_backend_pid()');
$dup->query_safe('BEGIN');
$dup->query_until(qr/sent/,
	"\\echo sent\nSELECT 'outcome:' || outcome FROM idempotency.claim('ship-1');\n");
ok(wait_for_key_waiter($dup_pid), 'the duplicate waits for ship-1');

# --- kill the holder
ok( $node->safe_psql('postgres', "SELECT pg_terminate_backend($holder_pid)")
	  eq 't',
	'the holder is terminated');
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $holder_pid"),
	'the holder session is gone');
eval { $holder->quit; };

my $out = $dup->query_until(qr/outcome:\S+/, '');
like($out, qr/outcome:claimed/,
	'the waiting duplicate gets ship-1 as claimed, not completed');

is( $node->safe_psql(
		'postgres', qq{
		SELECT count(*) FROM pg_catalog.pg_locks
		 WHERE locktype = 'advisory' AND objsubid = @{[ key_lock_class() ]}
		   AND pid IS DISTINCT FROM $dup_pid}),
	'0',
	'no key lock is left but the duplicate\'s');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM idempotency.idempotency_keys WHERE key = 'ship-1'}),
	'0',
	'the holder left no committed row for ship-1');
is($node->safe_psql('postgres', 'SELECT count(*) FROM shipments'),
	'0', 'the holder\'s work was rolled back');

# the duplicate does the work once
$dup->query_safe(
	q{INSERT INTO shipments (idem_key, made_by) VALUES ('ship-1', 'duplicate')});
$dup->query_safe(
	q{SELECT idempotency.complete('ship-1', '"shipped by duplicate"')});
$dup->query_safe('COMMIT');

# --- the holder's lease: recovered at once, its session being gone
my $rec = $dup->query_safe(
	q{SELECT outcome || '|' || coalesce(recovery_point, '') || '|' || lease_token
	    FROM idempotency.claim('ship-lease', lease => '1 hour')});
my ($rec_outcome, $rec_point, $new_token) = split /\|/, $rec;
is($rec_outcome, 'recovered',
	'the dead holder\'s live lease is recovered at once');
is($rec_point, 'label-printed', 'the recovery point is handed on');
isnt($new_token, $old_token, 'the recovery returns a new token');

my ($ret, $stdout, $stderr) = $node->psql(
	'postgres',
	q{SELECT idempotency.complete('ship-lease', '"old"', token => '}
	  . $old_token . q{')});
isnt($ret, 0, 'the old token cannot complete the recovered key');
like($stderr, qr/lease token does not hold idempotency key "ship-lease"/,
	'the old token gets the lease-lost error');

is( $dup->query_safe(
		q{SELECT state FROM idempotency.complete('ship-lease', '"shipped"', token => '}
		  . $new_token . q{')}),
	'completed',
	'the new holder completes the lease');
$dup->quit;

# --- final state: each key done exactly once, nothing held
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(idem_key || ':' || made_by, ',' ORDER BY id) FROM shipments}),
	'ship-1:duplicate',
	'ship-1\'s work happened exactly once');
is( $node->safe_psql(
		'postgres', q{
		SELECT string_agg(key || ':' || state || ':' || response::text, ',' ORDER BY key)
		  FROM idempotency.idempotency_keys}),
	'ship-1:completed:"shipped by duplicate",ship-lease:completed:"shipped"',
	'both keys are completed with the survivor\'s response');
is( $node->safe_psql(
		'postgres', q{
		SELECT outcome || ':' || response::text FROM idempotency.claim('ship-1')}),
	'completed:"shipped by duplicate"',
	'a retry of ship-1 replays');
is( key_lock_count($node),
	'0',
	'no key lock is held at the end');

$node->stop;
done_testing();
