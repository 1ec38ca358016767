# The whole cluster killed with SIGKILL under load.  pgbench clients make
# requests on a pool of uuid keys: single-transaction requests (claim, the
# business insert only when claimed, complete, commit) and lease requests
# (claim with a lease and commit, checkpoint and commit, then the business
# insert and complete with the token and commit).  The postmaster is killed
# mid-load; after the restart:
# - every key that was completed before the crash is still completed with
#   the same response;
# - every completed key has exactly one business row and every business row
#   belongs to a completed key;
# - no in_progress row without a lease, no key lock in pg_locks;
# - a fresh claim of every completed key replays its response, and every
#   abandoned lease is recovered;
# - the load runs again without errors: nothing is stuck.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;
use Time::HiRes qw(usleep);

my $nkeys = 2000;
my $nlease_keys = 300;

my $node = PostgreSQL::Test::Cluster->new('crash_load');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
@{[ preload_conf() ]}log_statement = none
max_connections = 20
});
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION @{[ extension_name() ]};

CREATE TABLE key_pool (n int PRIMARY KEY, k uuid NOT NULL);
INSERT INTO key_pool SELECT g, gen_random_uuid() FROM generate_series(1, $nkeys) g;

-- no unique constraint: a second row for a key must be possible, and seen
CREATE TABLE business (
	id bigserial PRIMARY KEY,
	idem_key uuid NOT NULL,
	scope text NOT NULL
);

-- one request in the caller's transaction
CREATE FUNCTION do_request(p_n int) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
	v_key uuid;
	c idempotency.claim_result;
	v_id bigint;
BEGIN
	SELECT kp.k INTO STRICT v_key FROM key_pool kp WHERE kp.n = p_n;
	SELECT * INTO c FROM idempotency.claim(v_key, fingerprint => p_n::text);
	IF c.outcome = 'claimed' THEN
		INSERT INTO business (idem_key, scope) VALUES (v_key, '') RETURNING id INTO v_id;
		PERFORM idempotency.complete(v_key, jsonb_build_object('business_id', v_id), 201);
	ELSIF c.outcome <> 'completed' THEN
		RAISE EXCEPTION 'unexpected outcome % for key %', c.outcome, v_key;
	END IF;
	RETURN c.outcome;
END
\$\$;

-- one request with a lease, in three transactions
CREATE PROCEDURE do_lease_request(p_n int) LANGUAGE plpgsql AS \$\$
DECLARE
	v_key uuid;
	c idempotency.claim_result;
	v_id bigint;
BEGIN
	SELECT kp.k INTO STRICT v_key FROM key_pool kp WHERE kp.n = p_n;
	SELECT * INTO c FROM idempotency.claim(v_key, scope => 'lease', lease => '1 hour');
	COMMIT;
	IF c.outcome NOT IN ('claimed', 'recovered') THEN
		RETURN;
	END IF;
	PERFORM pg_sleep(2);		-- the call to an outside service
	PERFORM idempotency.checkpoint(v_key, 'called', scope => 'lease', token => c.lease_token);
	COMMIT;
	INSERT INTO business (idem_key, scope) VALUES (v_key, 'lease') RETURNING id INTO v_id;
	PERFORM idempotency.complete(v_key, jsonb_build_object('business_id', v_id), 201,
								 scope => 'lease', token => c.lease_token);
	COMMIT;
END
\$\$;
});

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $script = "$tmp/request.sql";
my $lease_script = "$tmp/lease_request.sql";
PostgreSQL::Test::Utils::append_to_file(
	$script, qq{\\set n random_exponential(1, $nkeys, 3)
BEGIN;
SELECT do_request(:n);
COMMIT;
});
PostgreSQL::Test::Utils::append_to_file(
	$lease_script, qq{\\set n random(1, $nlease_keys)
CALL do_lease_request(:n);
});

# Starts the load in the background for $secs seconds: three clients make
# single-transaction requests, one client makes lease requests.
sub start_load
{
	my ($secs) = @_;
	my ($out, $err) = ('', '');
	my @common = ('-n', '-T', $secs, '-h', $node->host, '-p', $node->port);
	my $h = IPC::Run::start(
		[ 'pgbench', @common, '-c', '3', '-j', '1', '-f', $script, 'postgres' ],
		'>', \$out, '2>', \$err, '&',
		[ 'pgbench', @common, '-c', '1', '-j', '1', '-f', $lease_script, 'postgres' ],
		'>>', \$out, '2>>', \$err);
	return ($h, \$out, \$err);
}

# --- load, then SIGKILL the postmaster in the middle of it
my ($load, $load_out, $load_err) = start_load(120);

ok( $node->poll_query_until(
		'postgres', q{
		SELECT count(*) FILTER (WHERE state = 'completed') >= 500
		   AND count(*) FILTER (WHERE state = 'in_progress'
		                        AND lease_expires_at - lease_interval >
		                            clock_timestamp() - interval '0.5 s') >= 1
		  FROM idempotency.idempotency_keys}),
	'the load completes keys and holds leases');

# what has committed so far must survive the crash
my $before = completed_responses($node);
note scalar(keys %$before) . ' keys completed before the crash';

# every process of the server, so that the restart can wait for them
my @server_pids = split /\n/,
  $node->safe_psql('postgres', 'SELECT pid FROM pg_stat_activity');
push @server_pids, $node->{_pid};

$node->kill9;

# pgbench loses its connections and stops
ok(!$load->finish, 'pgbench fails when the server is killed');
note "pgbench before the crash:\n$$load_out$$load_err";

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
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM idempotency.idempotency_keys k
		 WHERE k.state = 'completed'
		   AND (SELECT count(*) FROM business b
		         WHERE b.idem_key::text = k.key AND b.scope = k.scope) <> 1}),
		'0',
		"$when: every completed key has exactly one business row");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM idempotency.idempotency_keys k
		 WHERE k.state = 'completed'
		   AND (k.response ->> 'business_id')::bigint IS DISTINCT FROM
		       (SELECT b.id FROM business b
		         WHERE b.idem_key::text = k.key AND b.scope = k.scope
		         ORDER BY b.id LIMIT 1)}),
		'0',
		"$when: every stored response names its business row");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM business b
		 WHERE NOT EXISTS (SELECT 1 FROM idempotency.idempotency_keys k
		                    WHERE k.key = b.idem_key::text AND k.scope = b.scope
		                      AND k.state = 'completed')}),
		'0',
		"$when: every business row belongs to a completed key");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM (SELECT idem_key, scope FROM business
		                       GROUP BY 1, 2 HAVING count(*) > 1) d}),
		'0',
		"$when: no key has two business rows");
	is( $node->safe_psql(
			'postgres', q{
		SELECT count(*) FROM idempotency.idempotency_keys
		 WHERE state = 'in_progress' AND lease_expires_at IS NULL}),
		'0',
		"$when: no in_progress row without a lease");
	is( key_lock_count($node),
		'0',
		"$when: no key lock is held");
	return;
}

check_consistency('after the crash');

# --- a fresh claim of every completed key replays its response
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM idempotency.idempotency_keys k,
	       LATERAL idempotency.claim(k.key::uuid, scope => k.scope) c
	 WHERE k.state = 'completed'
	   AND (c.outcome <> 'completed' OR c.response IS DISTINCT FROM k.response
	        OR c.response_code IS DISTINCT FROM 201)}),
	'0',
	'every completed key replays after the crash');

# --- every lease the crash abandoned is recovered by the next claimer
my $abandoned = $node->safe_psql(
	'postgres', q{
	SELECT count(*) FROM idempotency.idempotency_keys WHERE state = 'in_progress'});
note "$abandoned leases abandoned by the crash";
cmp_ok($abandoned, '>=', 1, 'the crash abandoned leases in progress');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM idempotency.idempotency_keys k,
	       LATERAL idempotency.claim(k.key::uuid, scope => k.scope, lease => '1 hour') c
	 WHERE k.state = 'in_progress' AND c.outcome <> 'recovered'}),
	'0',
	'every abandoned lease is recovered at once');

# --- the load runs again without an error: nothing is stuck
my ($load2, $load2_out, $load2_err) = start_load(3);
ok($load2->finish, 'a second load after the restart runs without errors')
  or diag $$load2_err;
note "pgbench after the restart:\n$$load2_out";
like($$load2_out, qr/number of transactions actually processed: [1-9]/,
	'the second load processes transactions');

check_consistency('after the second load');

$node->stop;
done_testing();
