# Keys are per role across sessions: a role never waits on another role's
# claim of the same key string (the key's lock includes its owner), never
# sees another role's lease as in progress, and cannot take another role's
# identity.  The identity is the session's current role as PostgreSQL
# checks it; role membership lets a member act as the role only through
# SET ROLE.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('role_isolation');
$node->init;
$node->append_conf('postgresql.conf', preload_conf());
$node->start;

$node->safe_psql('postgres', qq{
    CREATE ROLE idem_alice LOGIN;
    CREATE ROLE idem_bob LOGIN;
    CREATE ROLE idem_carol LOGIN IN ROLE idem_alice;
    CREATE EXTENSION @{[ extension_name() ]};
});

sub as
{
	my ($role, $sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', $role ]);
}

sub fails_as
{
	my ($role, $sql) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', $sql,
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=sqlstate' ]);
	return $rc == 0 ? 'ok' : ($err =~ /ERROR:\s+(\S+)/)[0];
}

# Alice holds an uncommitted claim of "order-1" in an open transaction.
my $alice = $node->background_psql('postgres', extra_params => [ '-U', 'idem_alice' ]);
is($alice->query_safe(q{BEGIN; SELECT outcome FROM idempotency.claim('order-1');}),
	'claimed', 'alice claims order-1 and keeps her transaction open');

# Control: another session of alice's does see the key as held.
is(as('idem_alice', q{SELECT outcome FROM idempotency.claim('order-1', wait => '0')}),
	'in_progress', 'another session of alice sees her claim in progress');
is(fails_as('idem_alice', q{SET lock_timeout = '200ms'; SELECT idempotency.claim('order-1')}),
	'55P03', 'and a waiting claim of alice\'s own key runs into lock_timeout');

# Bob's claim of the same key string neither waits nor reports in_progress:
# with a lock_timeout, a wait on alice's lock would end in an error.
is( as('idem_bob', q{
        SET lock_timeout = '5s';
        BEGIN;
        SELECT outcome FROM idempotency.claim('order-1');
        SELECT count(*) FROM pg_locks WHERE NOT granted;
        SELECT state FROM idempotency.complete('order-1', '"bob"');
        COMMIT;
    }),
	"claimed\n0\ncompleted",
	'bob claims and completes his own order-1 while alice holds hers, without waiting');
is(as('idem_bob', q{SELECT outcome FROM idempotency.claim('order-1', wait => '0')}),
	'completed', 'bob replays his order-1');

is($alice->query_safe(q{
        SELECT state FROM idempotency.complete('order-1', '"alice"');
        COMMIT;
        SELECT response FROM idempotency.lookup('order-1');}),
	"completed\n\"alice\"", 'alice completes her order-1 with her own response');
$alice->quit;

# Leases: alice's live lease, held by a live session, is invisible to bob.
$alice = $node->background_psql('postgres', extra_params => [ '-U', 'idem_alice' ]);
is($alice->query_safe(q{SELECT outcome FROM idempotency.claim('job-1', lease => '1 hour')}),
	'claimed', 'alice holds job-1 under a lease');
my $token = $alice->query_safe(q{SELECT lease_token FROM idempotency.lookup('job-1')});
is(as('idem_alice', q{SELECT outcome FROM idempotency.claim('job-1', wait => '0')}),
	'in_progress', 'control: alice\'s other sessions see her lease in progress');
is(as('idem_bob', q{SELECT outcome FROM idempotency.claim('job-1', wait => '0', lease => '1 minute')}),
	'claimed', 'bob\'s job-1 is his own: claimed, not in_progress');
is(fails_as('idem_bob', qq{SELECT idempotency.checkpoint('job-1', 'x', token => '$token')}),
	'IK002', 'alice\'s token does not hold bob\'s job-1');
is(as('idem_alice', q{SELECT lease_holder_pid IS NOT NULL FROM idempotency.lookup('job-1')}),
	't', 'alice\'s lease is untouched');
$alice->quit;

# Identity cannot be switched by a setting or by an unauthorised SET ROLE.
is(fails_as('idem_bob', q{SET ROLE idem_alice}), '42501', 'bob cannot SET ROLE to alice');
is(fails_as('idem_bob', q{SET SESSION AUTHORIZATION idem_alice}), '42501',
	'bob cannot SET SESSION AUTHORIZATION to alice');
if (edition() eq 'portable')
{
	# no library reserves the prefix: the setting exists, and means nothing
	is( as('idem_bob', q{
	        SET idempotency.owner = 'idem_alice';
	        SELECT response FROM idempotency.lookup('order-1');}),
		'"bob"', 'a setting idempotency.owner does not change whose keys bob reads');
}
else
{
	isnt(fails_as('idem_bob', q{SET idempotency.owner = 'idem_alice'}), 'ok',
		'there is no setting for the owner (the idempotency.* prefix is reserved)');
}
is( as('idem_bob', q{
        SET application_name = 'idem_alice';
        SELECT response FROM idempotency.lookup('order-1');}),
	'"bob"', 'client-chosen settings do not change whose keys bob reads');

# Membership: carol inherits alice's privileges but keeps her own keys;
# after SET ROLE she acts as alice.
is(as('idem_carol', q{SELECT idempotency.lookup('order-1') IS NULL}),
	't', 'carol, a member of alice, does not see alice\'s keys as carol');
is(as('idem_carol', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'0', 'nor through the table');
is( as('idem_carol', q{
        SET ROLE idem_alice;
        SELECT response FROM idempotency.lookup('order-1');}),
	'"alice"', 'after SET ROLE idem_alice, carol reads alice\'s keys');

$node->stop;
done_testing();
