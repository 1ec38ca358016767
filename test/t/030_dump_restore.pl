# pg_dump and pg_restore keep the idempotency keys: after a restore into a
# new database, every row is there as it was, each role replays its own
# completed keys, finishes its lease with the token it was given, and
# claims new keys; row-level security holds in the restored database.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->append_conf('postgresql.conf', preload_conf());
$node->start;

$node->safe_psql('postgres', q{
    CREATE ROLE idem_alice LOGIN;
    CREATE ROLE idem_bob LOGIN;
    CREATE ROLE idem_monitor LOGIN;
    CREATE DATABASE src;
});
# An administrator's grants on the extension's objects are part of the dump.
$node->safe_psql('src', qq{
    CREATE EXTENSION @{[ extension_name() ]};
    GRANT EXECUTE ON FUNCTION idempotency.all_keys() TO idem_monitor;
    REVOKE EXECUTE ON FUNCTION idempotency.lookup(uuid, text) FROM PUBLIC;
});
my $acl_sql = q{
    SELECT string_agg(p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '-'), E'\n'
                      ORDER BY p.oid::regprocedure::text)
      FROM pg_proc p WHERE p.pronamespace = 'idempotency'::regnamespace};

# Runs sql in database db as role.
sub psql_as
{
	my ($db, $role, $sql) = @_;
	return $node->safe_psql($db, $sql, extra_params => [ '-U', $role ]);
}

# Each role: a completed key, a key completed in a scope with a
# fingerprint, and a lease in progress.  Both roles use the same key strings.
my %token;
for my $role (qw(idem_alice idem_bob))
{
	psql_as('src', $role, qq{
        BEGIN;
        SELECT idempotency.claim('order-1');
        SELECT idempotency.complete('order-1', '{"by": "$role", "n": 1}', 201);
        COMMIT;
        BEGIN;
        SELECT idempotency.claim('order-2', scope => 'refunds', fingerprint => 'sha256:$role');
        SELECT idempotency.complete('order-2', '["$role"]', 200, scope => 'refunds');
        COMMIT;
    });
	$token{$role} = psql_as('src', $role,
		q{SELECT lease_token FROM idempotency.claim('job-1', lease => '1 hour')});
	like($token{$role}, qr/^[0-9a-f-]{36}$/, "$role holds a lease on job-1");
}
$token{alice_only} = psql_as('src', 'idem_alice',
	q{SELECT lease_token FROM idempotency.claim('job-alice', lease => '1 hour')});

my $rows_sql = q{
    SELECT owner, scope, key, state, fingerprint, response, response_code,
           lease_token, lease_interval, lease_expires_at, created_at,
           completed_at, expires_at
      FROM idempotency.idempotency_keys
     ORDER BY owner::text, scope, key};
my $before = $node->safe_psql('src', $rows_sql);
is(scalar(split /\n/, $before), 7, 'seven keys before the dump');

my $dumpfile = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', 'src', '-f', $dumpfile ], 'pg_dump -Fc');

my ($toc, $tocerr);
PostgreSQL::Test::Utils::run_log([ 'pg_restore', '-l', $dumpfile ], '>', \$toc, '2>', \$tocerr);
like($toc, qr/TABLE DATA idempotency idempotency_keys/,
	'the dump holds the key table\'s rows');

$node->safe_psql('postgres', 'CREATE DATABASE restored');
my ($stdout, $stderr);
my $ok = PostgreSQL::Test::Utils::run_log(
	[
		'pg_restore', '--exit-on-error',
		'-h', $node->host, '-p', $node->port,
		'-d', 'restored', $dumpfile
	],
	'>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_restore succeeds');
is($stderr, '', 'pg_restore reports nothing');

my $after = $node->safe_psql('restored', $rows_sql);
is($after, $before, 'every key is restored unchanged');

is($node->safe_psql('restored', $acl_sql), $node->safe_psql('src', $acl_sql),
	'the functions\' privileges are restored as they were');
is(psql_as('restored', 'idem_monitor', q{SELECT count(*) FROM idempotency.all_keys()}),
	'7', 'the monitoring role reads every key through all_keys()');
is(psql_as('restored', 'idem_monitor', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'0', 'and none directly');

is($node->safe_psql('restored',
		q{SELECT relrowsecurity AND relforcerowsecurity FROM pg_class
           WHERE oid = 'idempotency.idempotency_keys'::regclass}),
	't', 'row-level security is enabled and forced in the restored database');

for my $role (qw(idem_alice idem_bob))
{
	is( psql_as('restored', $role,
			q{SELECT count(*) || ' ' || count(*) FILTER (WHERE owner = current_user::regrole)
                FROM idempotency.idempotency_keys}),
		$role eq 'idem_alice' ? '4 4' : '3 3',
		"$role sees exactly its own keys in the restored database");

	is( psql_as('restored', $role,
			q{SELECT outcome || ' ' || response::text || ' ' || response_code
                FROM idempotency.claim('order-1')}),
		qq{completed {"n": 1, "by": "$role"} 201},
		"$role replays its own order-1");

	is( psql_as('restored', $role,
			qq{SELECT outcome || ' ' || response::text
                 FROM idempotency.claim('order-2', scope => 'refunds',
                                        fingerprint => 'sha256:$role')}),
		qq{completed ["$role"]},
		"$role replays order-2 in its scope with its fingerprint");

	my ($rc, $out, $err) = $node->psql('restored',
		q{SELECT idempotency.claim('order-2', scope => 'refunds', fingerprint => 'other')},
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=sqlstate' ]);
	like($err, qr/IK001/, "$role: another fingerprint for order-2 is still refused");

	is( psql_as('restored', $role,
			qq{SELECT state || ' ' || response::text
                 FROM idempotency.complete('job-1', '"finished after restore"',
                                           token => '$token{$role}')}),
		'completed "finished after restore"',
		"$role completes its restored lease with its token");

	is( psql_as('restored', $role, q{
            BEGIN;
            SELECT outcome FROM idempotency.claim('order-3');
            SELECT state FROM idempotency.complete('order-3', '"new"');
            COMMIT;
            SELECT outcome || ' ' || response::text FROM idempotency.claim('order-3');
        }),
		"claimed\ncompleted\ncompleted \"new\"",
		"$role claims, completes and replays a new key");
}

# Tokens do not cross roles: bob's call with alice's token acts on bob's own
# key job-alice, which does not exist; alice's lease is untouched and she
# finishes it.
my ($rc, $out, $err) = $node->psql('restored',
	qq{SELECT idempotency.complete('job-alice', '"x"', token => '$token{alice_only}')},
	extra_params => [ '-U', 'idem_bob', '-v', 'VERBOSITY=sqlstate' ]);
like($err, qr/IK003/, 'bob cannot finish alice\'s restored lease with her token');
is( psql_as('restored', 'idem_alice',
		qq{SELECT state FROM idempotency.complete('job-alice', '"done"',
                                                   token => '$token{alice_only}')}),
	'completed', 'alice finishes her restored lease');

is($node->safe_psql('restored',
		q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'9', 'the restored database holds the seven restored keys and two new ones');

# The source database is untouched by all this.
is($node->safe_psql('src', $rows_sql), $before, 'the source database is unchanged');

$node->stop;
done_testing();
