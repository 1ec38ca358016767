# The pg_tle way (docs/managed.md): a role that is not a superuser but a
# member of pgtle_admin (as the master user of RDS or Aurora is made one)
# installs the portable edition with the SQL of portable/tle/install-sql,
# then CREATE EXTENSION idempotency_portable; application roles claim,
# complete and replay keys, run once(), and meet none of each other's keys
# through any function of the edition or the key table.  Running the
# install SQL again is harmless; a role outside pgtle_admin cannot run it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use PgTleTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

skip_unless_pgtle();
ok(!portable_files_installed(),
	'the portable edition is not installed as files here (pg_tle refuses an extension name that has a control file)')
  or BAIL_OUT('make -C portable uninstall for this PG_CONFIG, then run the pgtle suite again');

my $node = start_pgtle_node('pgtle_install');
$node->safe_psql('postgres', q{
    CREATE ROLE tle_master LOGIN;
    CREATE ROLE tle_alice LOGIN;
    CREATE ROLE tle_bob LOGIN;
    CREATE DATABASE app;
    CREATE DATABASE other;
    GRANT CREATE ON DATABASE app TO tle_master;
});
# pg_tle itself is created by an administrator (on RDS: the master user, a
# member of rds_superuser), which makes the role pgtle_admin
$node->safe_psql('app', 'CREATE EXTENSION pg_tle');
$node->safe_psql('other', 'CREATE EXTENSION pg_tle');
$node->safe_psql('postgres', 'GRANT pgtle_admin TO tle_master');
my $pgtle_version = $node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_tle'});
my $with_schema = pgtle_has_schema_argument($node, 'app');
diag("pg_tle $pgtle_version, install_extension() "
	  . ($with_schema ? 'takes the schema' : 'without the schema argument (before 1.5.0)'));

sub as
{
	my ($role, $sql, $db) = @_;
	return $node->safe_psql($db // 'app', $sql, extra_params => [ '-U', $role ]);
}

sub fails_as
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db // 'app', $sql,
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=sqlstate', '-v', 'ON_ERROR_STOP=1' ]);
	return $rc == 0 ? 'ok' : (($err =~ /ERROR:\s+(\S+)/)[0] // "rc $rc: $err");
}

is( $node->safe_psql(
		'app', q{SELECT rolsuper || ' ' || rolbypassrls FROM pg_roles WHERE rolname = 'tle_master'}),
	'false false', 'the installing role is no superuser and does not bypass row-level security');

my $sql = install_sql($node, 'app');
like($sql, qr/pgtle\.install_extension\(\s*'idempotency_portable',\s*'1\.1'/,
	'portable/tle/install-sql makes the pgtle.install_extension() call for version 1.1');

my ($ok, $out, $err) = psql_script($node, 'tle_alice', 'other', $sql);
ok(!$ok && $err =~ /42501: permission denied for function install_extension/,
	'a role outside pgtle_admin cannot install it');

($ok, $out, $err) = psql_script($node, 'tle_master', 'app', $sql);
ok($ok, 'a member of pgtle_admin installs it into pg_tle') or diag($err);
is( $node->safe_psql(
		'app', q{
    SELECT name || ' ' || version || ' ' || coalesce(schema::text, '-') || ' '
           || array_to_string(requires, ',') || ' ' || superuser || ' ' || trusted
      FROM pgtle.available_extension_versions() WHERE name = 'idempotency_portable'}),
	'idempotency_portable 1.1 ' . ($with_schema ? 'idempotency' : '-') . ' plpgsql,pg_tle false false',
	'pg_tle offers idempotency_portable 1.1, requiring plpgsql, neither superuser nor trusted'
	  . ($with_schema ? ', in schema idempotency' : ''));
($ok, $out, $err) = psql_script($node, 'tle_master', 'app', $sql);
ok($ok, 'running the same install SQL again is harmless (it skips what pg_tle has)') or diag($err);

# ---- CREATE EXTENSION by the same non-superuser role ----
my $create = $with_schema
  ? 'CREATE EXTENSION idempotency_portable'
  : 'CREATE SCHEMA idempotency; CREATE EXTENSION idempotency_portable SCHEMA idempotency';
is(fails_as('tle_alice', $create),
	'42501', 'a role without CREATE on the database cannot create the extension');
is(fails_as('tle_master', $create), 'ok', "the installing role runs: $create");
is( $node->safe_psql(
		'app', q{
    SELECT e.extowner::regrole || ' ' || e.extversion || ' ' || e.extnamespace::regnamespace || ' '
           || ('idempotency.idempotency_keys'::regclass = ANY (e.extconfig)) || ' '
           || (SELECT n.nspowner::regrole FROM pg_namespace n WHERE n.nspname = 'idempotency')
      FROM pg_extension e WHERE e.extname = 'idempotency_portable'}),
	'tle_master 1.1 idempotency true tle_master',
	'the extension is tle_master\'s, version 1.1, in schema idempotency, its key table kept by pg_dump');

# ---- the security rules hold as with the other ways ----
# once() and once_with() run their statement under the caller's search_path,
# as in the C edition (test/t/091_portable_plain_script.pl checks their bodies)
is( $node->safe_psql(
		'app', q{
    SELECT coalesce(string_agg(DISTINCT p.proname, ', '), '')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace
       AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)}),
	'once, once_with', 'every function pins search_path = pg_catalog, pg_temp, but once() and once_with()');
is( $node->safe_psql(
		'app', q{
    SELECT c.relrowsecurity || ' ' || c.relforcerowsecurity || ' '
           || has_schema_privilege('tle_alice', 'idempotency', 'CREATE')
      FROM pg_class c WHERE c.oid = 'idempotency.idempotency_keys'::regclass}),
	'true true false', 'row-level security is forced, and PUBLIC may not create in the schema');
is( $node->safe_psql(
		'app', q{
    SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace AND p.prosecdef
       AND has_function_privilege('tle_alice', p.oid, 'EXECUTE')}),
	'', 'no SECURITY DEFINER function of the edition is executable by an application role');
is( $node->safe_psql(
		'app', q{
    SELECT string_agg(c.relname, ' ' ORDER BY c.relname)
      FROM pg_class c
     WHERE c.relnamespace = 'idempotency'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
       AND (has_table_privilege('tle_alice', c.oid, 'SELECT')
            OR has_table_privilege('tle_alice', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))}),
	'idempotency_keys', 'the only relation an application role may use is the key table');

# ---- claim, complete, replay, once(), per role ----
for my $role (qw(tle_alice tle_bob))
{
	is( as(
			$role, qq{
        BEGIN;
        SELECT outcome FROM idempotency.claim('order-1', fingerprint => 'fp-$role');
        SELECT state FROM idempotency.complete('order-1', '{"by": "$role"}', 201);
        COMMIT;}),
		"claimed\ncompleted", "$role claims and completes order-1");
	is( as($role, qq{
            SELECT outcome || ' ' || response::text || ' ' || response_code
              FROM idempotency.claim('order-1', fingerprint => 'fp-$role')}),
		qq{completed {"by": "$role"} 201}, "$role replays order-1");
	is(fails_as($role, q{SELECT idempotency.claim('order-1', fingerprint => 'another request')}),
		'IK001', "$role: another fingerprint for order-1 is refused");
	is( as($role, qq{
            SELECT idempotency.once('once-1', 'SELECT \$1::text AS who', '$role'::text);
            SELECT idempotency.once('once-1', 'SELECT \$1::text AS who', '$role'::text);}),
		qq{[{"who": "$role"}]\n[{"who": "$role"}]}, "$role runs once-1 and replays it");
	is(fails_as($role, q{BEGIN; SELECT idempotency.claim('left-open'); COMMIT;}),
		'IK005', "$role: a claim without a lease may not commit unfinished");
}

# ---- alice meets none of bob's keys ----
my $token = as('tle_bob', q{SELECT lease_token FROM idempotency.claim('job-1', lease => '1 hour')});
as('tle_bob', q{
    BEGIN;
    SELECT idempotency.claim_batch(ARRAY['msg-1', 'msg-2'], scope => 'inbox');
    SELECT idempotency.complete_batch(ARRAY['msg-1', 'msg-2'], scope => 'inbox');
    COMMIT;
});
my $bob_rows_sql = q{
    SELECT string_agg(concat_ws(' ', scope, key, state, response::text, lease_token), E'\n'
                      ORDER BY scope, key)
      FROM idempotency.idempotency_keys WHERE owner = 'tle_bob'::regrole};
my $bob_before = $node->safe_psql('app', $bob_rows_sql);
is( as('tle_alice', q{
        SELECT count(*) || ' ' || (idempotency.lookup('job-1') IS NULL)
          FROM idempotency.idempotency_keys}),
	'2 true', 'alice reads her own two keys only; bob\'s lease does not exist for her');
is(as('tle_alice', q{SELECT idempotency.once('once-1', 'SELECT $1::text AS who', 'tle_alice'::text)}),
	'[{"who": "tle_alice"}]', 'once-1 of alice is hers, not bob\'s');
is(fails_as('tle_alice', qq{SELECT idempotency.complete('job-1', '"x"', token => '$token')}),
	'IK003', 'complete() with bob\'s token: alice has no job-1');
is(fails_as('tle_alice', qq{SELECT idempotency.checkpoint('job-1', 'x', token => '$token')}),
	'IK003', 'checkpoint() with bob\'s token: alice has no job-1');
is(fails_as('tle_alice', qq{SELECT idempotency.release('job-1', token => '$token')}),
	'IK003', 'release() with bob\'s token: alice has no job-1');
is( as('tle_alice', q{
        BEGIN;
        SELECT string_agg(outcome, ' ' ORDER BY ordinality)
          FROM idempotency.claim_batch(ARRAY['msg-1', 'msg-2'], scope => 'inbox', wait => '0');
        ROLLBACK;}),
	'claimed claimed', 'claim_batch(): bob\'s completed batch is a fresh batch for alice');
is(fails_as('tle_alice', q{SELECT idempotency.complete_batch(ARRAY['msg-1'], scope => 'inbox')}),
	'IK003', 'complete_batch() of bob\'s batch: not claimed, for alice');
is(fails_as('tle_alice', q{SELECT idempotency.release_batch(ARRAY['msg-1'], scope => 'inbox')}),
	'IK003', 'release_batch() of bob\'s batch: not claimed, for alice');
is( as('tle_alice', q{
        SELECT idempotency.once_with('msg-1', 'inbox', NULL, 'fp', 'SELECT $1::text AS who', 'tle_alice'::text)}),
	'[{"who": "tle_alice"}]', 'once_with() of a key only bob has runs alice\'s own statement');
is(fails_as('tle_alice', q{SELECT count(*) FROM idempotency.all_keys()}),
	'42501', 'all_keys() is refused to alice');
is(fails_as('tle_alice', q{SELECT * FROM idempotency.key_stats}), '42501', 'key_stats is refused to alice');
is(fails_as('tle_alice', q{SELECT idempotency.schedule_expiry()}),
	'42501', 'schedule_expiry() is refused to alice');
is(fails_as('tle_alice', q{SELECT idempotency.purge()}), '42501', 'purge() is refused to alice');
is( as('tle_alice', q{
        WITH u AS (UPDATE idempotency.idempotency_keys SET response = '"hacked"'
                    WHERE owner = 'tle_bob'::regrole RETURNING 1),
             d AS (DELETE FROM idempotency.idempotency_keys
                    WHERE owner = 'tle_bob'::regrole RETURNING 1)
        SELECT (SELECT count(*) FROM u) || ' ' || (SELECT count(*) FROM d)}),
	'0 0', 'alice\'s UPDATE and DELETE of bob\'s rows touch nothing');
is( fails_as('tle_alice', q{
        INSERT INTO idempotency.idempotency_keys (owner, scope, key, state, response, created_at, expires_at)
        VALUES ('tle_bob', '', 'planted', 'completed', '"forged"', now(), now() + interval '1 day')}),
	'42501', 'alice cannot insert a key for bob');
is($node->safe_psql('app', $bob_rows_sql), $bob_before, 'bob\'s keys are as they were');
is(as('tle_bob', qq{SELECT state FROM idempotency.complete('job-1', '"done"', token => '$token')}),
	'completed', 'bob finishes his lease with his token');
is(as('tle_master', q{SELECT count(DISTINCT owner) FROM idempotency.all_keys()}),
	'2', 'the extension\'s owner reads both roles\' keys through all_keys()');

# ---- removing it again ----
is(fails_as('tle_master', 'DROP EXTENSION idempotency_portable'), 'ok',
	'the installing role drops the extension');
is(fails_as('tle_master', "SELECT pgtle.uninstall_extension('idempotency_portable')"), 'ok',
	'and removes it from pg_tle');
is( $node->safe_psql(
		'app', q{SELECT count(*) FROM pgtle.available_extensions() WHERE name = 'idempotency_portable'}),
	'0', 'pg_tle offers it no longer');

$node->stop;
done_testing();
