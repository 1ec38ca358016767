# The API behind PgBouncer in transaction pooling mode: four client
# sessions share a pool of two server connections, so the transactions of
# one client run on different server connections and each server connection
# runs transactions of several clients.  Which connection a transaction
# gets is steered by holding the other one in an open transaction of a
# spare session (hold_server).  A claim, its work and complete() in one
# transaction replay for another client; a duplicate through the pooler
# waits, then replays; a lease claimed, checkpointed and completed in
# transactions on different server connections is known by its token, not
# by the connection; once() from several clients runs once; a claim left
# unfinished at COMMIT fails with IK005 and leaves its server connection
# clean for the next client; and at the end no key lock and no open
# transaction is left on the server.  Skipped when pgbouncer is not
# installed.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $pgbouncer_bin = '/usr/sbin/pgbouncer';
foreach my $dir (split /:/, $ENV{PATH} // '')
{
	if (-x "$dir/pgbouncer")
	{
		$pgbouncer_bin = "$dir/pgbouncer";
		last;
	}
}
plan skip_all =>
  "pgbouncer is not installed (no pgbouncer in PATH or at /usr/sbin/pgbouncer)"
  unless -x $pgbouncer_bin;

# PgBouncer's address as a node object that is never initialized or
# started: its psql, safe_psql, background_psql and poll_query_until
# connect through the pooler, over TCP on 127.0.0.1.
package PgBouncerEndpoint;
use parent -norequire, 'PostgreSQL::Test::Cluster';

sub host
{
	return '127.0.0.1';
}

package main;

my $node = PostgreSQL::Test::Cluster->new('pgbouncer_node');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'idempotency'\nlog_statement = none");
$node->start;
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION idempotency;
	CREATE TABLE payments (id serial PRIMARY KEY, idem_key text NOT NULL, made_by text NOT NULL);
});
my $user = $node->safe_psql('postgres', 'SELECT current_user');

# --- PgBouncer: transaction pooling, two server connections for the pool
my $bouncer_dir = PostgreSQL::Test::Utils::tempdir('pgbouncer');
my $bouncer_port = PostgreSQL::Test::Cluster::get_free_port();
my $pidfile = "$bouncer_dir/pgbouncer.pid";
my $logfile = "$bouncer_dir/pgbouncer.log";
my $pgbouncer_stopped;

END
{
	my $exit_code = $?;
	stop_pgbouncer($exit_code != 0) if defined $pidfile;
	$? = $exit_code;
}

open my $fh, '>', "$bouncer_dir/userlist.txt" or die "userlist.txt: $!";
print $fh qq{"$user" ""\n};
close $fh;

my $node_host = $node->host;
my $node_port = $node->port;
open $fh, '>', "$bouncer_dir/pgbouncer.ini" or die "pgbouncer.ini: $!";
print $fh <<"EOC";
[databases]
postgres = host=$node_host port=$node_port dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $bouncer_dir/userlist.txt
pool_mode = transaction
default_pool_size = 2
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 50
server_reset_query_always = 0
admin_users = $user
logfile = $logfile
pidfile = $pidfile
EOC
close $fh;

# Transaction pooling runs no reset query between clients
# (server_reset_query_always = 0): what one client's transaction leaves on
# a server connection, the next client's transaction sees.
system_or_bail($pgbouncer_bin, '-d', "$bouncer_dir/pgbouncer.ini");

my $bouncer = PgBouncerEndpoint->new('pgbouncer', port => $bouncer_port);
ok($bouncer->poll_query_until('postgres', 'SELECT true'),
	'pgbouncer accepts connections on 127.0.0.1')
  or BAIL_OUT('pgbouncer did not start: ' . slurp_file($logfile));

# The client sessions, more than the pool's server connections.
my $client_a = $bouncer->background_psql('postgres', on_error_stop => 0);
my $client_b = $bouncer->background_psql('postgres', on_error_stop => 0);
my $spare1 = $bouncer->background_psql('postgres', on_error_stop => 0);
my $spare2 = $bouncer->background_psql('postgres', on_error_stop => 0);

# Every server connection a client transaction ran on.
my %server_pids;

# The server connection of session $s's current (or next, in autocommit)
# transaction.
sub backend_pid
{
	my ($s) = @_;
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$server_pids{$pid} = 1;
	return $pid;
}

# Steers the next transaction of a client: both spare sessions open a
# transaction, which takes both server connections of the pool, and the
# one not to be kept commits.  With $which 'this' the spare session on
# server connection $pid stays in its transaction, so other clients run on
# the other connection; with 'other' the one on the other connection stays,
# so other clients run on $pid.  Returns the session that stays; it must
# COMMIT to give its connection back.
sub hold_server
{
	my ($pid, $which) = @_;
	my %on;
	foreach my $s ($spare1, $spare2)
	{
		$s->query_safe('BEGIN');
		$on{ backend_pid($s) } = $s;
	}
	die "server connection $pid is not in the pool (" . join(',', keys %on) . ')'
	  unless exists $on{$pid};
	my $keep;
	foreach my $p (keys %on)
	{
		if (($p == $pid) == ($which eq 'this'))
		{
			$keep = $on{$p};
		}
		else
		{
			$on{$p}->query_safe('COMMIT');
		}
	}
	return $keep;
}

# Polls until $n claims wait for a key lock on the node.
sub wait_for_key_waiters
{
	my ($n) = @_;
	return $node->poll_query_until(
		'postgres', qq{
		SELECT count(*) = $n FROM pg_catalog.pg_locks
		 WHERE locktype = 'advisory' AND objsubid = 18756 AND NOT granted});
}

# How many clients wait in pgbouncer's queue for a server connection of
# the pool (its admin console's SHOW POOLS), or undef.
sub clients_waiting
{
	my ($ret, $out, $err) =
	  $bouncer->psql('pgbouncer', "\\pset tuples_only off\nSHOW POOLS;");
	return undef if $ret != 0;
	my ($header, @rows) = split /\n/, $out;
	my @cols = split /\|/, $header;
	foreach my $line (@rows)
	{
		my %row;
		@row{@cols} = split /\|/, $line;
		return $row{cl_waiting}
		  if ($row{database} // '') eq 'postgres' && ($row{user} // '') eq $user;
	}
	return undef;
}

# Polls until a client waits in pgbouncer's queue.
sub wait_for_queued_client
{
	for (my $i = 0; $i < 10 * $PostgreSQL::Test::Utils::timeout_default; $i++)
	{
		my $n = clients_waiting();
		return 1 if defined $n && $n >= 1;
		usleep(100_000);
	}
	return 0;
}

sub payments_for
{
	my ($key) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM payments WHERE idem_key = '$key'");
}

# --- the pool is shared: one client's transactions move between connections
my $first_pid = backend_pid($client_a);
my $held = hold_server($first_pid, 'this');
my ($ret, $stdout, $stderr);
my $second_pid = backend_pid($client_a);
isnt($second_pid, $first_pid,
	'two transactions of one client run on different server connections');
$held->query_safe('COMMIT');

# --- (1) claim, work and complete in one transaction; another client replays
$client_a->query_safe('BEGIN');
is($client_a->query_safe(q{SELECT outcome FROM idempotency.claim('pay-1')}),
	'claimed', 'client a claims pay-1 through pgbouncer');
$client_a->query_safe(
	q{INSERT INTO payments (idem_key, made_by) VALUES ('pay-1', 'a')});
is( $client_a->query_safe(
		q{SELECT state FROM idempotency.complete('pay-1', '{"charge": "ch_1"}', 201)}
	),
	'completed',
	'client a completes pay-1');
$client_a->query_safe('COMMIT');

$client_b->query_safe('BEGIN');
is( $client_b->query_safe(
		q{SELECT outcome || '|' || response::text || '|' || response_code
		    FROM idempotency.claim('pay-1')}),
	'completed|{"charge": "ch_1"}|201',
	'the retry from client b replays pay-1 with its response');
$client_b->query_safe('COMMIT');
is(payments_for('pay-1'), '1', 'pay-1\'s work happened once');

# --- (2) concurrent duplicates: the second waits, then replays
$client_a->query_safe('BEGIN');
my $a_pid = backend_pid($client_a);
is($client_a->query_safe(q{SELECT outcome FROM idempotency.claim('pay-2')}),
	'claimed', 'client a claims pay-2 in an open transaction');
$client_a->query_safe(
	q{INSERT INTO payments (idem_key, made_by) VALUES ('pay-2', 'a')});

$client_b->query_safe('BEGIN');
my $b_pid = backend_pid($client_b);
isnt($b_pid, $a_pid, 'client b\'s transaction runs on the pool\'s other connection');
$client_b->query_until(qr/sent/,
	    "\\echo sent\n"
	  . "SELECT 'outcome:' || outcome || '|' || coalesce(response::text, '')"
	  . " FROM idempotency.claim('pay-2');\n");
ok( $node->poll_query_until(
		'postgres', qq{
		SELECT count(*) = 1 FROM pg_catalog.pg_locks
		 WHERE locktype = 'advisory' AND objsubid = 18756
		   AND pid = $b_pid AND NOT granted}),
	'client b\'s duplicate claim of pay-2 waits for client a\'s');

$client_a->query_safe(
	q{SELECT idempotency.complete('pay-2', '{"charge": "ch_2"}', 201)});
$client_a->query_safe('COMMIT');

like(
	$client_b->query_until(qr/outcome:[^\n]*\n/, ''),
	qr/^outcome:completed\|\{"charge": "ch_2"\}$/m,
	'client b\'s waiting duplicate replays pay-2 once client a commits');
$client_b->query_safe('COMMIT');
is(payments_for('pay-2'), '1', 'pay-2\'s work happened once');

# --- (3) a lease claimed, checkpointed and completed on different connections
my ($outcome, $token, $holder, $claim_pid) = split /\|/,
  $client_a->query_safe(
	q{SELECT outcome || '|' || lease_token || '|' || lease_holder_pid || '|' || pg_backend_pid()
	    FROM idempotency.claim('pay-3', lease => '1 hour')});
$server_pids{$claim_pid} = 1;
is($outcome, 'claimed', 'client a takes a lease on pay-3');
like($token, qr/^[0-9a-f-]{36}$/, 'the lease claim returns a token');
is($holder, $claim_pid,
	'the server connection that ran the claim holds the lease');

# another client's transaction on the holder's connection is not the holder
$held = hold_server($claim_pid, 'other');
is( $client_b->query_safe(
		q{SELECT outcome || '|' || coalesce(lease_token::text, '') || '|' || pg_backend_pid()
		    FROM idempotency.claim('pay-3', lease => '1 hour')}),
	"in_progress||$claim_pid",
	'a duplicate on the holder\'s server connection gets in_progress, without the token'
);
($ret, $stdout, $stderr) = $bouncer->psql(
	'postgres', q{
\set VERBOSITY verbose
SELECT pg_backend_pid();
SELECT idempotency.complete('pay-3', '{"charge": "stolen"}');
});
is($stdout, $claim_pid,
	'another client\'s complete() without the token runs on the holder\'s server connection'
);
like(
	$stderr,
	qr/ERROR:  IK002: idempotency key "pay-3" is held under a lease/,
	'and fails with IK002: the lease belongs to the token, not to the connection'
);
$held->query_safe('COMMIT');

$held = hold_server($claim_pid, 'this');
my ($cp_holder, $cp_pid, $cp_point) = split /\|/,
  $client_a->query_safe(
	    q{SELECT lease_holder_pid || '|' || pg_backend_pid() || '|' || recovery_point}
	  . q{  FROM idempotency.checkpoint('pay-3', 'charged', token => '}
	  . $token
	  . q{')});
$server_pids{$cp_pid} = 1;
isnt($cp_pid, $claim_pid,
	'client a\'s checkpoint runs on another server connection than its claim');
is($cp_holder, $cp_pid,
	'the checkpoint makes its server connection the holder');
is($cp_point, 'charged', 'the checkpoint records the recovery point');
$held->query_safe('COMMIT');

is( $client_b->query_safe(
		q{SELECT outcome || '|' || recovery_point
		    FROM idempotency.claim('pay-3', lease => '1 hour')}),
	'in_progress|charged',
	'a duplicate still gets in_progress after the checkpoint');

$held = hold_server($cp_pid, 'this');
$client_a->query_safe('BEGIN');
my $complete_pid = backend_pid($client_a);
isnt($complete_pid, $cp_pid,
	'client a\'s completing transaction runs on another server connection than its checkpoint'
);
$client_a->query_safe(
	q{INSERT INTO payments (idem_key, made_by) VALUES ('pay-3', 'a')});
is( $client_a->query_safe(
		    q{SELECT state || '|' || response::text}
		  . q{  FROM idempotency.complete('pay-3', '{"charge": "ch_3"}', 201, token => '}
		  . $token
		  . q{')}),
	'completed|{"charge": "ch_3"}',
	'complete() with the token succeeds on another server connection');
$client_a->query_safe('COMMIT');
$held->query_safe('COMMIT');

is( $client_b->query_safe(
		q{SELECT outcome || '|' || response::text || '|' || response_code
		    FROM idempotency.claim('pay-3', lease => '1 hour')}),
	'completed|{"charge": "ch_3"}|201',
	'a retry of pay-3 replays');
is(payments_for('pay-3'), '1', 'pay-3\'s work happened once');

# --- (4) once() from several clients for one key
my $once_sql =
    q{SELECT 'rows:' || idempotency.once('pay-4', }
  . q{'INSERT INTO payments (idem_key, made_by) VALUES ($1, $2) RETURNING id, idem_key', }
  . q{'pay-4'::text, 'once'::text)::text};

$client_a->query_safe('BEGIN');
my $first_rows = $client_a->query_safe($once_sql);
like($first_rows, qr/^rows:\[\{"id": \d+, "idem_key": "pay-4"\}\]$/,
	'client a runs the once() statement of pay-4');

# client b waits on the key lock with the other server connection; spare1
# then waits in pgbouncer's queue, both connections being taken
$client_b->query_until(qr/sent/, "\\echo sent\n$once_sql;\n");
ok(wait_for_key_waiters(1), 'client b\'s once() of pay-4 waits for client a\'s');
$spare1->query_until(qr/sent/, "\\echo sent\n$once_sql;\n");
ok(wait_for_queued_client(), 'a third once() of pay-4 waits in pgbouncer\'s queue');

$client_a->query_safe('COMMIT');
my ($b_rows) = $client_b->query_until(qr/rows:[^\n]*\n/, '') =~ /^(rows:.*)$/m;
my ($spare_rows) =
  $spare1->query_until(qr/rows:[^\n]*\n/, '') =~ /^(rows:.*)$/m;
my $late_rows = $spare2->query_safe($once_sql);
is($b_rows, $first_rows, 'client b\'s waiting once() replays client a\'s rows');
is($spare_rows, $first_rows,
	'a once() queued in pgbouncer replays client a\'s rows');
is($late_rows, $first_rows, 'a later once() replays client a\'s rows');
is(payments_for('pay-4'), '1', 'pay-4\'s statement ran once');

# --- (5) a claim left unfinished at COMMIT: IK005, nothing left behind
($ret, $stdout, $stderr) = $bouncer->psql(
	'postgres', q{
\set VERBOSITY verbose
BEGIN;
SELECT outcome || '|' || pg_backend_pid() FROM idempotency.claim('pay-5');
INSERT INTO payments (idem_key, made_by) VALUES ('pay-5', 'forgetful');
COMMIT;
});
my ($forgot_outcome, $forgot_pid) = split /\|/, $stdout;
$server_pids{$forgot_pid} = 1 if defined $forgot_pid;
is($forgot_outcome, 'claimed', 'a client claims pay-5 and does the work');
isnt($ret, 0, 'its COMMIT fails');
like(
	$stderr,
	qr/ERROR:  IK005: cannot commit a transaction that claimed idempotency key "pay-5" without completing or releasing it/,
	'its COMMIT fails with IK005');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM idempotency.idempotency_keys WHERE key = 'pay-5'}),
	'0',
	'the refused commit leaves no row for pay-5');
is(payments_for('pay-5'), '0', 'the refused commit\'s work is rolled back');
is(key_lock_count($node), '0', 'the refused commit leaves no key lock');

# the next client, on the same server connection, claims it and finishes
$held = hold_server($forgot_pid, 'other');
$client_b->query_safe('BEGIN');
is( $client_b->query_safe(
		q{SELECT outcome || '|' || pg_backend_pid()
		    FROM idempotency.claim('pay-5', wait => '0')}),
	"claimed|$forgot_pid",
	'client b claims pay-5 at once on the server connection of the refused commit');
$client_b->query_safe(
	q{INSERT INTO payments (idem_key, made_by) VALUES ('pay-5', 'b')});
$client_b->query_safe(
	q{SELECT idempotency.complete('pay-5', '{"charge": "ch_5"}', 201)});
my ($commit_out, $commit_err) = $client_b->query('COMMIT');
is($commit_err, 0, 'client b commits pay-5 on that server connection');
$held->query_safe('COMMIT');
is( $node->safe_psql(
		'postgres',
		q{SELECT state || '|' || response::text FROM idempotency.idempotency_keys
		   WHERE key = 'pay-5'}),
	'completed|{"charge": "ch_5"}',
	'pay-5 is completed by client b');

# a plain transaction of another client commits on each server connection
foreach my $pid ($a_pid, $b_pid)
{
	my $which = $pid == $a_pid ? 'pay-2\'s claim' : 'pay-2\'s duplicate';
	$held = hold_server($pid, 'other');
	$client_a->query_safe('BEGIN');
	is(backend_pid($client_a), $pid,
		"a plain transaction runs on the server connection of $which");
	$client_a->query_safe(
		q{INSERT INTO payments (idem_key, made_by) VALUES ('plain', 'a')});
	my (undef, $err) = $client_a->query('COMMIT');
	is($err, 0, "it commits on the server connection of $which");
	$held->query_safe('COMMIT');
}

# --- (6) nothing leaks between the clients sharing server connections
$client_a->quit;
$client_b->quit;
$spare1->quit;
$spare2->quit;

ok(keys %server_pids <= 2,
	'the clients\' transactions ran on at most the pool\'s two server connections'
) or diag('server connections: ' . join(',', sort keys %server_pids));
is(key_lock_count($node), '0', 'no key lock is held at the end');
is( $node->safe_psql(
		'postgres', q{
		SELECT count(*) FROM pg_catalog.pg_stat_activity
		 WHERE state LIKE 'idle in transaction%'}),
	'0',
	'no server connection is left in a transaction');
is( $node->safe_psql(
		'postgres', q{
		SELECT string_agg(key || ':' || state, ',' ORDER BY key)
		  FROM idempotency.idempotency_keys}),
	'pay-1:completed,pay-2:completed,pay-3:completed,pay-4:completed,pay-5:completed',
	'every key is completed');
is( $node->safe_psql(
		'postgres', q{
		SELECT string_agg(idem_key || ':' || n, ',' ORDER BY idem_key)
		  FROM (SELECT idem_key, count(*) AS n FROM payments
		         WHERE idem_key <> 'plain' GROUP BY idem_key) AS c}),
	'pay-1:1,pay-2:1,pay-3:1,pay-4:1,pay-5:1',
	'each key\'s work happened exactly once');

stop_pgbouncer(0);
$node->stop;
done_testing();

# Stops pgbouncer (immediate shutdown) and waits for it to exit; shows its
# log if a test failed or $failed says so.

sub stop_pgbouncer
{
	my ($failed) = @_;
	return if $pgbouncer_stopped;
	$pgbouncer_stopped = 1;
	if (-e $pidfile)
	{
		my $pid = slurp_file($pidfile);
		chomp $pid;
		if ($pid =~ /^\d+$/ && kill('TERM', $pid))
		{
			for (my $i = 0; $i < 10 * $PostgreSQL::Test::Utils::timeout_default; $i++)
			{
				last unless kill(0, $pid);
				usleep(100_000);
			}
		}
	}
	diag("pgbouncer log:\n" . slurp_file($logfile))
	  if -e $logfile
	  && ($failed || !PostgreSQL::Test::Utils::all_tests_passing());
	return;
}
