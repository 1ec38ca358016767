# A user's own distributed function, colocated with the business table and
# force-delegated (docs/citus.md, "A delegated function of your own"): the
# routed functions work inside it, its key moves with the shard group and a
# retry after a move replays.  The plain functions of schema idempotency
# would keep the key in the worker's own key table, which never moves: on a
# worker they refuse (55000), naming the routed function to use.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/..";
use CitusTest;

skip_unless_citus();

my ($coord, @workers) = start_citus_cluster('delegated');

$coord->safe_psql('postgres', 'CREATE EXTENSION idempotency');
create_payments($coord);
my $keys = $coord->safe_psql('postgres',
	q{SELECT idempotency.distribute('payments', 'account_id', 'payments_keys')});

# The pattern of docs/citus.md, as written there.
$coord->safe_psql(
	'postgres', q{
CREATE SCHEMA app;
CREATE FUNCTION app.pay(acct bigint, request_key text, amount int)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	c record;
	r jsonb;
BEGIN
	SELECT * INTO c FROM payments_keys.claim(acct, request_key);
	IF c.outcome <> 'claimed' THEN
		RETURN c.response;          -- completed: the stored response
	END IF;
	INSERT INTO payments VALUES (acct, request_key, amount);
	r := jsonb_build_object('account', acct, 'amount', amount);
	PERFORM payments_keys.complete(acct, request_key, r, 201);
	RETURN r;
END $$;
SELECT create_distributed_function('app.pay(bigint,text,int)', 'acct',
	colocate_with := 'payments', force_delegation := true);

-- the same with the plain functions: a mistake the extension must refuse
CREATE FUNCTION app.pay_plain(acct bigint, request_key text, amount int)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	c record;
BEGIN
	SELECT * INTO c FROM idempotency.claim(request_key);
	INSERT INTO payments VALUES (acct, request_key, amount);
	PERFORM idempotency.complete(request_key, '{}');
	RETURN c.outcome;
END $$;
SELECT create_distributed_function('app.pay_plain(bigint,text,int)', 'acct',
	colocate_with := 'payments', force_delegation := true);
});

my ($ret, $out, $err) = $coord->psql(
	'postgres', q{
	SET citus.log_remote_commands = on;
	SET client_min_messages = notice;
	SELECT app.pay(42, 'pay-1', 500);});
is($out, '{"amount": 500, "account": 42}', 'the delegated function claims, inserts and completes');
like($err, qr/issuing SELECT app\.pay\(/, 'the function call is delegated to the worker');
is($coord->safe_psql('postgres', q{SELECT app.pay(42, 'pay-1', 500)}),
	'{"amount": 500, "account": 42}', 'a retry returns the stored response');
is( $coord->safe_psql(
		'postgres', q{BEGIN; SELECT app.pay(42, 'pay-2', 700); SELECT app.pay(42, 'pay-2', 700); COMMIT;}),
	qq{{"amount": 700, "account": 42}\n{"amount": 700, "account": 42}},
	'inside a coordinator transaction block too, and a second call there replays');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM payments WHERE account_id = 42}),
	'2', 'each request took effect once');
is($coord->safe_psql('postgres', qq{SELECT count(*) FROM $keys WHERE routing = 42 AND state = 'completed'}),
	'2', 'and their keys are in the routed key table');

# the shard group moves: the retry follows it and replays
my $owner = shard_port($coord, 'payments', '42');
my ($target) = grep { $_->port != $owner } @workers;
$coord->safe_psql(
	'postgres', qq{
	SELECT citus_move_shard_placement(get_shard_id_for_distribution_column('payments', 42),
	       '127.0.0.1', $owner, '127.0.0.1', @{[ $target->port ]},
	       shard_transfer_mode := 'block_writes')});
is(shard_port($coord, $keys, '42'), $target->port, 'the key shard moved with the payments shard');
is($coord->safe_psql('postgres', q{SELECT app.pay(42, 'pay-1', 500)}),
	'{"amount": 500, "account": 42}', 'after the move, the retry replays');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM payments WHERE account_id = 42}),
	'2', 'and runs nothing again');

# the plain functions inside the delegated function: refused on the worker
($ret, $out, $err) = $coord->psql('postgres',
	qq{\\set VERBOSITY verbose\nSELECT app.pay_plain(43, 'plain-1', 100)});
like($err, qr/55000: the plain idempotency functions cannot keep a key on a Citus worker/,
	'a plain claim inside a delegated function fails with 55000');
like($err, qr/payments_keys\.claim/, 'the error names the routed function to use');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM payments WHERE account_id = 43}),
	'0', 'and nothing is written');
for my $w (@workers)
{
	is($w->safe_psql('postgres', q{SELECT count(*) FROM idempotency.idempotency_keys}),
		'0', 'no key in the plain key table of ' . $w->name);
}

# on a worker, directly: refused too; on the coordinator, the plain key
# table serves as on any server
($ret, $out, $err) = $workers[0]->psql('postgres',
	qq{\\set VERBOSITY verbose\nSELECT outcome FROM idempotency.claim('direct')});
like($err, qr/55000: the plain idempotency functions cannot keep a key on a Citus worker/,
	'a plain claim on a worker, outside any delegated call, fails with 55000');
($ret, $out, $err) = $workers[0]->psql('postgres',
	qq{\\set VERBOSITY verbose\nSELECT idempotency.once('direct', 'SELECT 1')});
like($err, qr/55000: the plain idempotency functions cannot keep a key on a Citus worker/,
	'and so does a plain once()');
is( $coord->safe_psql(
		'postgres', q{BEGIN;
	SELECT outcome FROM idempotency.claim('coordinator-1');
	SELECT state FROM idempotency.complete('coordinator-1', '{}');
	COMMIT;}),
	"claimed\ncompleted", 'the coordinator keeps plain keys in its own key table');

# inside a routed once(), the statement's plain calls are refused as well
($ret, $out, $err) = $coord->psql(
	'postgres', qq{\\set VERBOSITY verbose
	SELECT payments_keys.once(42, 'outer-1',
	    \$\$SELECT s.state FROM idempotency.claim('inner-1') AS c,
	             idempotency.complete('inner-1', '{"inner": 1}') AS s\$\$)});
like($err, qr/55000: the plain idempotency functions cannot keep a key on a Citus worker/,
	'a routed once() whose statement calls the plain functions fails with 55000');
is($coord->safe_psql('postgres', qq{SELECT count(*) FROM $keys WHERE key = 'outer-1'}),
	'0', 'and its own key is rolled back with it');

done_testing();
