# The routed layout (docs/citus.md): idempotency.distribute() makes a key
# table colocated with a business table and routed entry points that Citus
# delegates to the worker holding the routing value's shard, in the
# caller's transaction.  A coordinator and two workers.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib "$FindBin::RealBin/..";
use CitusTest;

skip_unless_citus();

my ($coord, @workers) = start_citus_cluster('routed');
my @nodes = ($coord, @workers);

$coord->safe_psql('postgres', 'CREATE EXTENSION idempotency');
create_payments($coord);

# ---- distribute(): the key table and the entry points
my $keys = $coord->safe_psql('postgres',
	q{SELECT idempotency.distribute('payments', 'account_id', 'payments_keys')});
like($keys, qr/^idempotency\.keys_\d+$/, 'distribute() returns the key table');
is( $coord->safe_psql(
		'postgres', qq{
	SELECT p.colocationid = k.colocationid AND k.partmethod = 'h'
	       AND column_to_column_name(k.logicalrelid, k.partkey) = 'routing'
	  FROM pg_dist_partition p, pg_dist_partition k
	 WHERE p.logicalrelid = 'payments'::regclass AND k.logicalrelid = '$keys'::regclass}),
	't',
	'the key table is distributed by its routing column, colocated with payments');
is( $coord->safe_psql(
		'postgres', q{
	SELECT count(*) FILTER (WHERE o.force_delegation AND o.distribution_argument_index = 0
	                          AND o.colocationid = p.colocationid)
	  FROM pg_dist_object o
	  JOIN pg_proc f ON o.classid = 'pg_proc'::regclass AND o.objid = f.oid
	  JOIN pg_namespace n ON n.oid = f.pronamespace AND n.nspname = 'payments_keys',
	       pg_dist_partition p
	 WHERE p.logicalrelid = 'payments'::regclass}),
	'7',
	'seven entry points, force-delegated by the routing argument, colocated with payments');
my ($ret, $out, $err) = $coord->psql('postgres',
	q{SELECT idempotency.distribute('payments', 'amount_cents', 'x')});
like($err, qr/payments is not hash-distributed by column amount_cents/,
	'distribute() refuses a column that is not the distribution column');

# ---- claim + business insert + complete, one coordinator transaction
my $request = q{
	SET citus.log_remote_commands = on;
	SET client_min_messages = notice;
	BEGIN;
	SELECT outcome FROM payments_keys.claim(42, 'pay-1', fingerprint => 'a42');
	INSERT INTO payments VALUES (42, 'pay-1', 500);
	SELECT state FROM payments_keys.complete(42, 'pay-1', '{"payment": 1}', 201);
	COMMIT;
};
($ret, $out, $err) = $coord->psql('postgres', $request);
is($out, "claimed\ncompleted", 'claim, insert and complete in one transaction');
like($err, qr/issuing SELECT outcome FROM payments_keys\.claim\('42'::bigint/,
	'the claim is delegated to a worker');
unlike($err, qr/PREPARE TRANSACTION/, 'one worker written: no two-phase commit');
my $owner_port = shard_port($coord, 'payments', '42');
my @hosts = ($err =~ /on server \S+\@127\.0\.0\.1:(\d+)/g);
is_deeply([ sort { $a <=> $b } keys %{ { map { $_ => 1 } @hosts } } ], [$owner_port],
	'every statement went to the worker that holds account 42');

is( $coord->safe_psql(
		'postgres',
		qq{SELECT routing || ' ' || owner || ' ' || state || ' ' || response_code FROM $keys}),
	'42 postgres completed 201',
	'the key row is in the shard, visible through Citus, owner by name');
is( $coord->safe_psql(
		'postgres',
		q{SELECT outcome || ' ' || response_code || ' ' || response::text
		    FROM payments_keys.claim(42, 'pay-1', fingerprint => 'a42')}),
	'completed 201 {"payment": 1}',
	'the retry replays the stored response');
($ret, $out, $err) = $coord->psql('postgres',
	qq{\\set VERBOSITY verbose\nSELECT outcome FROM payments_keys.claim(42, 'pay-1', fingerprint => 'other')});
like($err, qr/IK001/, 'a different fingerprint fails with IK001 through the coordinator');
is( $coord->safe_psql(
		'postgres',
		q{SELECT state FROM payments_keys.lookup(42, 'pay-1')}),
	'completed', 'lookup() finds the key');
is($coord->safe_psql('postgres', q{SELECT key IS NULL FROM payments_keys.lookup(43, 'pay-1')}),
	't', 'lookup() is per routing value: another account has no such key');

# ---- the same key under another routing value is another key
is($coord->safe_psql('postgres', q{
	BEGIN;
	SELECT outcome FROM payments_keys.claim(43, 'pay-1');
	SELECT payments_keys.release(43, 'pay-1');
	SELECT outcome FROM payments_keys.claim(43, 'pay-1');
	SELECT state FROM payments_keys.complete(43, 'pay-1', '{}');
	COMMIT;}),
	"claimed\n\nclaimed\ncompleted",
	'release() frees the key and the next claim starts afresh');

# ---- the commit rule: a claim neither completed nor released
($ret, $out, $err) = $coord->psql('postgres', q{
	BEGIN;
	SELECT outcome FROM payments_keys.claim(44, 'unfinished');
	INSERT INTO payments VALUES (44, 'unfinished', 1);
	COMMIT;});
like($err, qr/cannot commit a transaction that claimed idempotency key "unfinished"/,
	'COMMIT of an unfinished routed claim is refused');
is( $coord->safe_psql(
		'postgres',
		qq{SELECT (SELECT count(*) FROM $keys WHERE routing = 44)
		        + (SELECT count(*) FROM payments WHERE account_id = 44)}),
	'0', 'and neither the key nor the business row committed');

# ---- once(): a delegated INSERT ... RETURNING, run once, replayed
my $once = q{SELECT payments_keys.once(7, 'once-1',
	'INSERT INTO payments VALUES ($1, $2, $3) RETURNING account_id, amount_cents',
	7::bigint, 'once-1'::text, 300)};
my $first = $coord->safe_psql('postgres', $once);
is($first, '[{"account_id": 7, "amount_cents": 300}]', 'once(): the insert runs and returns its row');
is($coord->safe_psql('postgres', $once), $first, 'once(): the retry replays the same rows');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM payments WHERE request_key = 'once-1'}),
	'1', 'once(): the insert ran once');
is( $coord->safe_psql(
		'postgres', q{BEGIN;
	SELECT payments_keys.once(8, 'once-2', 'INSERT INTO payments VALUES ($1, ''once-2'', 1) RETURNING 1 AS one', 8::bigint);
	INSERT INTO payments VALUES (8, 'once-2b', 2);
	COMMIT;
	SELECT count(*) FROM payments WHERE account_id = 8;}),
	"[{\"one\": 1}]\n2", 'once(): inside a transaction with another insert of the same account');

# ---- roles: keys belong to their owner by name on every node
$coord->safe_psql(
	'postgres', q{
CREATE ROLE alice LOGIN;
GRANT ALL ON payments TO alice;
GRANT USAGE ON SCHEMA payments_keys TO alice;
});
is( $coord->safe_psql(
		'postgres', q{SET ROLE alice;
	BEGIN;
	SELECT outcome FROM payments_keys.claim(42, 'pay-1');
	SELECT state FROM payments_keys.complete(42, 'pay-1', '"alice"');
	COMMIT;}),
	"claimed\ncompleted",
	'another role\'s key of the same name is its own');
is( $coord->safe_psql(
		'postgres', qq{SET ROLE alice; SELECT string_agg(owner || ':' || response::text, ',') FROM $keys}),
	'alice:"alice"', 'a role reads only its own rows of the key table');
($ret, $out, $err) = $coord->psql('postgres',
	qq{SET ROLE alice; INSERT INTO $keys (routing, owner, scope, key, state, created_at, expires_at)
	   VALUES (42, 'alice', '', 'forged', 'completed', now(), now())});
like($err, qr/permission denied/, 'the key table is written only through the functions');

# ---- duplicates through two coordinator connections: wait, then replay
my $holder = $coord->background_psql('postgres', on_error_stop => 0);
$holder->query_safe('BEGIN');
is($holder->query_safe(q{SELECT outcome FROM payments_keys.claim(42, 'pay-2')}),
	'claimed', 'the first request claims pay-2');
$holder->query_safe(q{INSERT INTO payments VALUES (42, 'pay-2', 900)});

my ($dup_out, $dup_err) = ('', '');
my $dup = IPC::Run::start(
	[
		'psql', '-X', '-A', '-t', '-h', $coord->host, '-p', $coord->port,
		'-d', 'postgres', '-c', q{SELECT outcome FROM payments_keys.claim(42, 'pay-2')}
	],
	'>', \$dup_out, '2>', \$dup_err);
my ($owner) = grep { $_->port == $owner_port } @workers;
ok( $owner->poll_query_until(
		'postgres', q{
	SELECT count(*) = 1 FROM pg_locks
	 WHERE locktype = 'advisory' AND objsubid = 18756 AND NOT granted}),
	'the duplicate waits on the key lock on the shard\'s worker');
$holder->query_safe(q{SELECT payments_keys.complete(42, 'pay-2', '{"payment": 2}')});
$holder->query_safe('COMMIT');
$holder->quit;
$dup->finish;
is($dup_out =~ s/\s+$//r, 'completed', 'the waiting duplicate replays once the first commits');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM payments WHERE request_key = 'pay-2'}),
	'1', 'pay-2 took effect once');

# ---- a call Citus does not delegate runs on the coordinator: refused
($ret, $out, $err) = $coord->psql('postgres',
	qq{\\set VERBOSITY verbose\nSELECT (payments_keys.claim(a, 'x')).outcome FROM (VALUES (42::bigint)) v(a)});
like($err, qr/IK006: this node does not hold the shard of routing value 42/,
	'a routed call on a node without the shard fails with IK006');

# ---- the shard moves: the retry follows it and replays
my ($target) = grep { $_->port != $owner_port } @workers;
$coord->safe_psql(
	'postgres', qq{
	SELECT citus_move_shard_placement(
	       get_shard_id_for_distribution_column('payments', 42),
	       '127.0.0.1', $owner_port, '127.0.0.1', @{[ $target->port ]},
	       shard_transfer_mode := 'force_logical')});
is(shard_port($coord, $keys, '42'), $target->port, 'the key shard moved with the payments shard');
is( $coord->safe_psql(
		'postgres', q{BEGIN;
	SELECT outcome FROM payments_keys.claim(42, 'pay-1', fingerprint => 'a42');
	ROLLBACK;}),
	'completed', 'after the move, the retry replays');
is( $coord->safe_psql(
		'postgres', q{SELECT outcome FROM payments_keys.claim(42, 'pay-2')}),
	'completed', 'after the move, the waited-for key replays too');
is( $coord->safe_psql(
		'postgres', q{SET ROLE alice; SELECT response::text FROM payments_keys.claim(42, 'pay-1')}),
	'"alice"', 'after the move, a role still finds its own key (owner by name)');

# ---- a uuid business key that is its own routing value
$coord->safe_psql(
	'postgres', q{
CREATE TABLE posts (id uuid PRIMARY KEY, body text);
SELECT create_distributed_table('posts', 'id', shard_count := 4);
SELECT idempotency.distribute('posts', 'id', 'posts_keys');
});
is( $coord->safe_psql(
		'postgres', q{BEGIN;
	SELECT outcome FROM posts_keys.claim('7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a', '7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a');
	INSERT INTO posts VALUES ('7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a', 'hello');
	SELECT state FROM posts_keys.complete('7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a', '7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a', '{"post": 1}');
	COMMIT;
	SELECT outcome FROM posts_keys.claim('7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a', '7d3c4f3e-2b9a-4c1e-8d0a-1f2e3d4c5b6a');}),
	"claimed\ncompleted\ncompleted",
	'uuid routing: claim, insert, complete, then a replay');

# ---- the shell tables are never written
for my $n (@nodes)
{
	is( $n->safe_psql(
			'postgres',
			qq{SELECT pg_relation_size('$keys') + pg_relation_size('idempotency.idempotency_keys')}),
		'0',
		'no key row in a shell or plain key table on ' . $n->name);
}

# ---- on the node that holds the shard, the plain functions refuse
# (docs/citus.md; more in 007_delegated.pl): a plain key there would stay
# behind when the shard group moves.  The routed claim in the same
# transaction is not a claim of the plain key table either.
my ($holder_node) = grep { $_->port == shard_port($coord, $keys, '42') } @workers;
($ret, $out, $err) = $holder_node->psql('postgres', q{
	\set VERBOSITY verbose
	BEGIN;
	SELECT outcome FROM payments_keys.claim(42, 'mixed');
	SELECT idempotency.complete('mixed', '{}');});
like($err, qr/55000: the plain idempotency functions cannot keep a key on a Citus worker/,
	'a plain complete() on the shard\'s worker is refused, even after a routed claim');
like($err, qr/payments_keys\.claim\(\)/, 'and the hint names the routed functions');
is($holder_node->safe_psql('postgres', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'0', 'the plain key table of the worker stays empty');

# ---- a routed lease ends by time only: the worker backend that ran the
# claim serves a coordinator connection, which Citus closes when it is older
# than citus.max_cached_connection_lifetime (here: at once) while the client
# session lives on; another claim must not take the live lease over
my $client = $coord->background_psql('postgres');
$client->query_safe(q{SET citus.max_cached_connection_lifetime = 0});
is($client->query_safe(q{SELECT outcome FROM payments_keys.claim(42, 'lease-1', lease => '1 hour')}),
	'claimed', 'a client claims a key with a lease');
my $lease_holder = $holder_node->safe_psql('postgres',
	q{SELECT lease_holder_pid FROM payments_keys.lookup(42, 'lease-1')});
my $holder_gone;
for (1 .. 100)
{
	$holder_gone = $holder_node->safe_psql('postgres',
		qq{SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $lease_holder});
	last if $holder_gone eq 't';
	usleep(100_000);
}
is($holder_gone, 't', 'the worker backend that ran the claim has exited, the client has not');
is( $coord->safe_psql(
		'postgres', q{SELECT outcome FROM payments_keys.claim(42, 'lease-1', lease => '1 hour', wait => '0')}),
	'in_progress', 'another claim does not take the live lease over');
($ret, $out, $err) = $coord->psql('postgres',
	qq{\\set VERBOSITY verbose\nSELECT payments_keys.once(42, 'lease-1', 'SELECT 1')});
like($err, qr/55P03: idempotency key "lease-1" is held under a lease\n/,
	'once() on it fails with 55P03, without guessing whose session holds it');
$client->quit;

done_testing();
