# The whole cluster killed with SIGKILL while pgbench clients call once().
# Every request inserts a post whose id, client and body are derived from
# its key alone, so that every call for a key passes the same statement and
# the same parameter values.  Keys come from a fixed pool of uuids:
# autocommit requests pick any key of the pool; requests in an explicit
# transaction (a log insert, once(), a short pause, COMMIT) all pick the
# key of the current tenth of a second, so that duplicates wait on a key
# that another transaction is running and then replay it (log_lock_waits
# shows that they did).  The postmaster is killed mid-load (no request may
# fail with an error before that); after the restart:
# - every key completed before the crash is still completed, same response;
# - every completed key has exactly one post, the one its values describe,
#   and every post belongs to a completed key;
# - each stored response is the post's id as once() returns it;
# - every logged request belongs to a completed key (the log insert and
#   once() commit together or not at all);
# - no in_progress row, no key lock in pg_locks;
# - once() for every completed key replays its response and inserts nothing;
# - the load runs again without a failed transaction, and all of the above
#   still holds.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;
use Time::HiRes qw(sleep time usleep);

my $nkeys = 2000;

# the statement every request runs; its text must be the same on every call.
# The portable edition's once() takes parameters of one type
# (portable/DIFFERENCES.md): text there, with casts in the statement.
my $portable = edition() eq 'portable';
my $stmt = $portable
  ? 'INSERT INTO posts (id, client, body) VALUES ($1::uuid, $2::int, $3) RETURNING id'
  : 'INSERT INTO posts (id, client, body) VALUES ($1, $2, $3) RETURNING id';

# the call for the key number given as SQL text (pgbench variable or column)
sub once_call
{
	my ($n) = @_;
	return $portable
	  ? "idempotency.once(post_key($n), '$stmt', post_key($n)::text, ($n % 4)::text, 'post ' || $n)"
	  : "idempotency.once(post_key($n), '$stmt', post_key($n), $n % 4, 'post ' || $n)";
}

my $node = PostgreSQL::Test::Cluster->new('once_crash_load');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
@{[ preload_conf() ]}log_statement = none
max_connections = 20
# the replay below locks every completed key in one transaction
max_locks_per_transaction = 256
# every wait for a key lock longer than 1 ms is logged: duplicates raced
log_lock_waits = on
deadlock_timeout = '1ms'
});
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION @{[ extension_name() ]};

CREATE FUNCTION post_key(n int) RETURNS uuid
	LANGUAGE sql IMMUTABLE STRICT
	RETURN md5('once-' || n)::uuid;

-- no unique constraint on id: a second execution must leave a second
-- row to be seen, not an error
CREATE TABLE posts (
	seq bigserial PRIMARY KEY,
	id uuid NOT NULL,
	client int NOT NULL,
	body text NOT NULL
);
CREATE INDEX ON posts (id);

-- written in the same transaction as once() by the explicit requests
CREATE TABLE request_log (id uuid NOT NULL);
});

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $auto_script = "$tmp/once_autocommit.sql";
my $xact_script = "$tmp/once_transaction.sql";
PostgreSQL::Test::Utils::append_to_file(
	$auto_script, qq{\\set n random(1, $nkeys)
SELECT ${\ once_call(':n') };
});
PostgreSQL::Test::Utils::append_to_file(
	$xact_script,
	qq{SELECT floor(extract(epoch FROM clock_timestamp()) * 10)::bigint % $nkeys + 1 AS n \\gset
BEGIN;
INSERT INTO request_log (id) VALUES (post_key(:n));
SELECT ${\ once_call(':n') };
SELECT pg_sleep(0.01);
COMMIT;
});

# Starts 4 pgbench clients in the background for $secs seconds.
sub start_load
{
	my ($secs) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'pgbench', '-n', '-T', $secs, '-c', '4', '-j', '1',
			'-h', $node->host, '-p', $node->port,
			'-f', "$auto_script\@3", '-f', "$xact_script\@1", 'postgres'
		],
		'>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# --- load, then SIGKILL the postmaster in the middle of it
my $load_start = time;
my ($load, $load_out, $load_err) = start_load(120);

ok( $node->poll_query_until(
		'postgres', q{
		SELECT (SELECT count(*) FROM idempotency.idempotency_keys
		         WHERE state = 'completed') >= 300
		   AND EXISTS (SELECT FROM request_log)}),
	'the load completes keys');

# let it run a little longer, while most keys of the pool are still new
my $ran = time - $load_start;
sleep(2.5 - $ran) if $ran < 2.5;

# what has committed so far must survive the crash
my $before = completed_responses($node);
note scalar(keys %$before) . ' keys completed before the crash';

# every process of the server, so that the restart can wait for them
my @server_pids = split /\n/,
  $node->safe_psql('postgres', 'SELECT pid FROM pg_stat_activity');
push @server_pids, $node->{_pid};

$node->kill9;

ok(!$load->finish, 'pgbench fails when the server is killed');
note "pgbench before the crash:\n$$load_out$$load_err";
unlike($$load_err, qr/\bERROR:/, 'no request failed with an error before the crash');

# a duplicate waited for the transaction that was running its key (the C
# edition's key locks are of class 18756; the portable edition's are
# pg_advisory_xact_lock(bigint)'s, class 1)
my $class = $portable ? 1 : 18756;
my $lock_waits = () = slurp_file($node->logfile) =~
  /still waiting for ExclusiveLock on advisory lock \[\d+,\d+,\d+,$class\]/g;
note "$lock_waits waits for a key lock were logged before the crash";
cmp_ok($lock_waits, '>', 0, 'duplicates waited on a key lock');

# old backends exit once they notice the postmaster is gone
my $deadline = time + 60;
while (time < $deadline && grep { kill(0, $_) } @server_pids)
{
	usleep(100_000);
}
ok(!(grep { kill(0, $_) } @server_pids), 'every old server process is gone');

$node->start;

# --- nothing committed is lost
my @lost = lost_completed($before, completed_responses($node));
is(scalar(@lost), 0, 'every key completed before the crash is still completed, same response')
  or diag join("\n", @lost[ 0 .. ($#lost < 9 ? $#lost : 9) ]);

# Runs the consistency checks; $when names the moment in test names.
sub check_consistency
{
	my ($when) = @_;
	cmp_ok(
		$node->safe_psql(
			'postgres',
			q{SELECT count(*) FROM idempotency.idempotency_keys WHERE state = 'completed'}),
		'>', 0, "$when: keys are completed");
	is( $node->safe_psql(
			'postgres', qq{
		SELECT count(*) FROM idempotency.idempotency_keys k
		 WHERE k.state = 'completed'
		   AND (SELECT count(*) FROM posts p WHERE p.id = k.key::uuid) <> 1}),
		'0',
		"$when: every completed key has exactly one post");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM posts p
		 WHERE NOT EXISTS (SELECT FROM idempotency.idempotency_keys k
		                    WHERE k.key = p.id::text AND k.scope = ''
		                      AND k.state = 'completed')}),
		'0',
		"$when: every post belongs to a completed key");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM (SELECT id FROM posts GROUP BY id HAVING count(*) > 1) d}),
		'0',
		"$when: no key has two posts");
	is( $node->safe_psql(
			'postgres', qq{
		SELECT count(*) FROM posts p
		 WHERE NOT EXISTS (SELECT FROM generate_series(1, $nkeys) n
		                    WHERE post_key(n) = p.id AND p.client = n % 4
		                      AND p.body = 'post ' || n)}),
		'0',
		"$when: every post holds the values of its key");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM idempotency.idempotency_keys k
		 WHERE k.state = 'completed'
		   AND k.response IS DISTINCT FROM
		       (SELECT jsonb_agg(jsonb_build_object('id', p.id))
		          FROM posts p WHERE p.id = k.key::uuid)}),
		'0',
		"$when: every stored response is its post's id");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM request_log r
		 WHERE NOT EXISTS (SELECT FROM idempotency.idempotency_keys k
		                    WHERE k.key = r.id::text AND k.state = 'completed')}),
		'0',
		"$when: every logged request belongs to a completed key");
	is( $node->safe_psql(
			'postgres',
			q{SELECT count(*) FROM idempotency.idempotency_keys WHERE state <> 'completed'}),
		'0',
		"$when: no in_progress row");
	is(key_lock_count($node), '0', "$when: no key lock is held");

	# once() for every completed key replays and runs nothing
	my $posts = $node->safe_psql('postgres', 'SELECT count(*) FROM posts');
	my $replay = $node->safe_psql(
		'postgres', qq{
		WITH done AS MATERIALIZED (
			SELECT n, k.response
			  FROM generate_series(1, $nkeys) n
			  JOIN idempotency.idempotency_keys k
			    ON k.key = post_key(n)::text AND k.scope = ''
			 WHERE k.state = 'completed')
		SELECT count(*) || ' ' ||
		       count(*) FILTER (WHERE ${\ once_call('n') } IS DISTINCT FROM response)
		  FROM done});
	my ($replayed, $differing) = split / /, $replay;
	cmp_ok($replayed, '>', 0, "$when: once() is called again for the completed keys");
	is($differing, '0', "$when: once() returns the stored response of every completed key");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM posts'),
		$posts, "$when: replaying every completed key inserts no post");
	return;
}

check_consistency('after the crash');

# --- the load runs again without a failed transaction
my ($load2, $load2_out, $load2_err) = start_load(3);
ok($load2->finish, 'a second load after the restart runs without errors')
  or diag $$load2_err;
note "pgbench after the restart:\n$$load2_out";
like($$load2_out, qr/number of transactions actually processed: [1-9]/,
	'the second load processes transactions');
like($$load2_out, qr/number of failed transactions: 0 \(/,
	'the second load has no failed transaction');

check_consistency('after the second load');

$node->stop;
done_testing();
