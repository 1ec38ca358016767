# The portable edition installed the way a managed service allows it: the
# plain script portable/idempotency_portable.sql run with psql by a role that
# is not a superuser and has only CREATE on the database (as the master user
# of RDS, Cloud SQL or Azure is), and CREATE EXTENSION idempotency_portable
# from installed files (make -C portable install) by such a role.
#
# Then two application roles use the API: each sees and changes only its own
# keys, through every function of the edition and through the key table
# itself; the functions that read or delete every role's keys are refused to
# them; no function they may run executes with another role's rights; the
# security rules of docs/security.md hold (search path pinned, look-alike
# objects never used, no CREATE in the schema, row-level security forced).
# A second run of the script is refused and changes nothing, and so is a run
# into a schema idempotency that another role planted.  pg_dump by the
# installing role (with --enable-row-security) and a restore by it keep
# everything; DROP SCHEMA removes it.  Where pg_cron lives in another
# database, schedule_expiry() refuses and cron.schedule_in_database() of
# purge() expires the keys.  docs/managed.md.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = $ENV{TESTDIR} || File::Spec->rel2abs(dirname(__FILE__) . '/../..');
my $plain = "$root/portable/idempotency_portable.sql";
ok(-f $plain, 'the plain script portable/idempotency_portable.sql exists');

my $node = PostgreSQL::Test::Cluster->new('portable_plain');
$node->init;
$node->start;

# The master user of a managed service: no superuser, no CREATEDB, no
# CREATEROLE, no BYPASSRLS; CREATE on the application's database only.
$node->safe_psql('postgres', q{
    CREATE ROLE idem_master LOGIN;
    CREATE ROLE idem_alice LOGIN;
    CREATE ROLE idem_bob LOGIN;
    CREATE ROLE idem_mallory LOGIN;
    CREATE DATABASE app;
    GRANT CREATE ON DATABASE app TO idem_master;
});

# Runs sql in database $db (default app) as $role.
sub as
{
	my ($role, $sql, $db) = @_;
	return $node->safe_psql($db // 'app', $sql, extra_params => [ '-U', $role ]);
}

# The SQLSTATE with which sql fails as $role, or 'ok'.
sub fails_as
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db // 'app', $sql,
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=sqlstate', '-v', 'ON_ERROR_STOP=1' ]);
	return $rc == 0 ? 'ok' : (($err =~ /ERROR:\s+(\S+)/)[0] // "rc $rc: $err");
}

# Runs the plain script with psql as $role into $db: (success, stdout, stderr).
sub run_script
{
	my ($role, $db) = @_;
	my ($out, $err) = ('', '');
	my $ok = run_log(
		[
			'psql', '-X', '-q', '-h', $node->host, '-p', $node->port,
			'-U', $role, '-d', $db, '-v', 'VERBOSITY=verbose', '-f', $plain
		],
		'>', \$out, '2>', \$err);
	return ($ok, $out, $err);
}

# Two texts are equal; where not, the lines of each that the other lacks.
sub same_lines
{
	my ($got, $expected, $name) = @_;
	my %g = map { $_ => 1 } split /\n/, $got;
	my %e = map { $_ => 1 } split /\n/, $expected;
	my @extra = grep { !$e{$_} } sort keys %g;
	my @missing = grep { !$g{$_} } sort keys %e;
	return is_deeply([ [@extra], [@missing] ], [ [], [] ], $name)
	  || diag("only in the first:\n@extra\nonly in the second:\n@missing");
}

# Everything of the schema idempotency that a rerun must not change.
my $schema_facts_sql = q{
    SELECT string_agg(f, E'\n' ORDER BY f) FROM (
        SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid)) || ' '
               || (SELECT string_agg(g, ',' ORDER BY g) FROM (
                       SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                              || ':' || a.privilege_type AS g
                         FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a) AS z) AS f
          FROM pg_proc p WHERE p.pronamespace = 'idempotency'::regnamespace AND p.prokind <> 'a'
        UNION ALL
        SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' '
               || (SELECT string_agg(g, ',' ORDER BY g) FROM (
                       SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                              || ':' || a.privilege_type AS g
                         FROM aclexplode(coalesce(c.relacl,
                                                  acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char",
                                                             c.relowner))) AS a) AS z)
          FROM pg_class c WHERE c.relnamespace = 'idempotency'::regnamespace AND c.relkind <> 'i'
        UNION ALL
        SELECT 'index ' || pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         WHERE c.relnamespace = 'idempotency'::regnamespace
        UNION ALL
        SELECT 'trigger ' || pg_get_triggerdef(t.oid)
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = 'idempotency'::regnamespace AND NOT t.tgisinternal
        UNION ALL
        SELECT 'policy ' || policyname || ' ' || permissive || ' ' || roles::text || ' ' || cmd || ' '
               || coalesce(qual, '') || ' ' || coalesce(with_check, '')
          FROM pg_policies WHERE schemaname = 'idempotency') AS s};
my $keys_sql = q{
    SELECT string_agg(concat_ws(' ', owner::text, scope, key, state, fingerprint, response::text,
                                response_code, recovery_point, lease_token, lease_expires_at,
                                created_at, completed_at, expires_at), E'\n'
                      ORDER BY owner::text, scope, key)
      FROM idempotency.idempotency_keys};

# ---- who may run the script ----
my ($ok, $out, $err) = run_script('idem_alice', 'app');
ok(!$ok, 'a role without CREATE on the database cannot run the script');
like($err, qr/permission denied for database app/, 'it is refused with permission denied');
is($node->safe_psql('app', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'idempotency'}),
	'0', 'and nothing is left behind (one transaction)');

($ok, $out, $err) = run_script('idem_master', 'app');
ok($ok, 'the master role (CREATE on the database, not superuser) runs the plain script')
  or diag($err);
unlike($err, qr/ERROR|WARNING/, 'without errors or warnings');

is( $node->safe_psql(
		'app', q{
    SELECT r.rolsuper || ' ' || r.rolcreaterole || ' ' || r.rolcreatedb || ' ' || r.rolbypassrls
      FROM pg_roles r WHERE r.rolname = 'idem_master'}),
	'false false false false',
	'the installing role is no superuser and has no CREATEROLE, CREATEDB or BYPASSRLS');
is( $node->safe_psql(
		'app', q{
    SELECT n.nspowner::regrole || ' '
           || (SELECT count(*) FROM pg_extension WHERE extname LIKE 'idempotency%')
      FROM pg_namespace n WHERE n.nspname = 'idempotency'}),
	'idem_master 0',
	'the schema belongs to the installing role, and no extension was created');
is( $node->safe_psql(
		'app', q{
    SELECT count(*) FROM (
        SELECT p.proowner FROM pg_proc p WHERE p.pronamespace = 'idempotency'::regnamespace
        UNION ALL
        SELECT c.relowner FROM pg_class c WHERE c.relnamespace = 'idempotency'::regnamespace
        UNION ALL
        SELECT t.typowner FROM pg_type t WHERE t.typnamespace = 'idempotency'::regnamespace) AS o
     WHERE o.proowner <> 'idem_master'::regrole}),
	'0', 'every object of the schema belongs to the installing role');

# ---- the security rules (docs/security.md) ----
# once() and once_with() run their statement under the caller's search_path,
# as the C edition's do: they pin none, and their bodies are one call of
# idempotency.portable_once() (which pins its own) with every name qualified.
is( $node->safe_psql(
		'app', q{
    SELECT coalesce(string_agg(DISTINCT p.proname, ', '), '')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace
       AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)}),
	'once, once_with',
	'every function of the edition pins search_path = pg_catalog, pg_temp, but once() and once_with()');
is( $node->safe_psql(
		'app', q{
    SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace AND p.proname IN ('once', 'once_with')
       AND (p.prosecdef
            OR p.prosrc !~ '^\s*BEGIN\s+RETURN idempotency\.portable_once\((once|once_with)\.key(::pg_catalog\.text)?, [^;]*pg_catalog\.current_setting\(''search_path''\)\);\s*END\s*$'
            OR regexp_replace(p.prosrc, '(pg_catalog|idempotency|once|once_with)\.[a-z_]+|''[^'']*''|\m(BEGIN|RETURN|END|NULL)\M', '', 'g') ~ '[a-z_]+\s*\(')}),
	'', 'their bodies are one call of idempotency.portable_once(), every function named with its schema');
is( $node->safe_psql(
		'app', q{
    SELECT c.relrowsecurity || ' ' || c.relforcerowsecurity FROM pg_class c
     WHERE c.oid = 'idempotency.idempotency_keys'::regclass}),
	'true true', 'row-level security on the key table is enabled and forced');
is( $node->safe_psql(
		'app', q{SELECT has_schema_privilege('idem_alice', 'idempotency', 'CREATE')}),
	'f', 'PUBLIC may not create objects in the schema');
is(fails_as('idem_alice', q{CREATE FUNCTION idempotency.claim(k int) RETURNS int LANGUAGE sql AS 'SELECT 1'}),
	'42501', 'an application role cannot add an overload to the schema');

# Functions an application role may run with rights other than its own: none.
is( $node->safe_psql(
		'app', q{
    SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), '')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace AND p.prosecdef
       AND has_function_privilege('idem_alice', p.oid, 'EXECUTE')}),
	'', 'no SECURITY DEFINER function of the edition is executable by an application role');
# Relations it may read or write: the key table only (under row-level security).
is( $node->safe_psql(
		'app', q{
    SELECT string_agg(c.relname || ':' || concat_ws(',',
               CASE WHEN has_table_privilege('idem_alice', c.oid, 'SELECT') THEN 'select' END,
               CASE WHEN has_table_privilege('idem_alice', c.oid, 'INSERT') THEN 'insert' END,
               CASE WHEN has_table_privilege('idem_alice', c.oid, 'UPDATE') THEN 'update' END,
               CASE WHEN has_table_privilege('idem_alice', c.oid, 'DELETE') THEN 'delete' END,
               CASE WHEN has_table_privilege('idem_alice', c.oid, 'TRUNCATE') THEN 'truncate' END),
               ' ' ORDER BY c.relname)
      FROM pg_class c
     WHERE c.relnamespace = 'idempotency'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
       AND (has_table_privilege('idem_alice', c.oid, 'SELECT')
            OR has_table_privilege('idem_alice', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))}),
	'idempotency_keys:select,insert,update,delete',
	'the only relation an application role may read or write is the key table');
my $api = '{claim,complete,release,checkpoint,lookup,once,once_with,claim_batch,complete_batch,'
  . 'release_batch,fingerprint_digest}';
is( $node->safe_psql(
		'app', qq{
    SELECT coalesce(string_agg(DISTINCT p.proname, ' '), '')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace
       AND p.proname = ANY ('$api')
       AND NOT has_function_privilege('idem_alice', p.oid, 'EXECUTE')}),
	'', 'an application role may run every signature of the key API');
diag('functions of the edition an application role may run besides the API: '
	  . $node->safe_psql(
		'app', qq{
    SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), 'none')
      FROM pg_proc p
     WHERE p.pronamespace = 'idempotency'::regnamespace
       AND p.proname <> ALL ('$api')
       AND has_function_privilege('idem_alice', p.oid, 'EXECUTE')}));

# ---- two application roles, the same key strings, two key spaces ----
for my $role (qw(idem_alice idem_bob))
{
	is( as(
			$role, qq{
        BEGIN;
        SELECT outcome FROM idempotency.claim('order-1', fingerprint => 'sha256:$role');
        SELECT state FROM idempotency.complete('order-1', '{"by": "$role"}', 201);
        COMMIT;
        SELECT outcome || ' ' || response::text || ' ' || response_code
          FROM idempotency.claim('order-1', fingerprint => 'sha256:$role');}),
		qq{claimed\ncompleted\ncompleted {"by": "$role"} 201},
		"$role claims, completes and replays its order-1");
	is( as($role, qq{SELECT idempotency.once('once-1', 'SELECT \$1::text AS who', '$role'::text)}),
		qq{[{"who": "$role"}]}, "$role runs once-1 with its own statement");
}
is(as('idem_bob', q{SELECT idempotency.once('once-1', 'SELECT $1::text AS who', 'idem_bob'::text)}),
	'[{"who": "idem_bob"}]', 'bob replays his once-1, not alice\'s rows');

# keys only bob has: a completed one, a lease, one in a scope
my $bob_token = as('idem_bob',
	q{SELECT lease_token FROM idempotency.claim('job-1', lease => '1 hour')});
like($bob_token, qr/^[0-9a-f-]{36}$/, 'bob holds job-1 under a lease');
as('idem_bob', qq{SELECT idempotency.checkpoint('job-1', 'step-1', token => '$bob_token')});
as('idem_bob', q{
    BEGIN;
    SELECT idempotency.claim('bob-only', scope => 'refunds');
    SELECT idempotency.complete('bob-only', '"bob-secret"', 200, scope => 'refunds');
    COMMIT;
    BEGIN;
    SELECT idempotency.claim_batch(ARRAY['msg-1', 'msg-2'], scope => 'inbox');
    SELECT idempotency.complete_batch(ARRAY['msg-1', 'msg-2'], scope => 'inbox');
    COMMIT;
    SELECT idempotency.once('bob-once', 'SELECT 1 AS one');
});
my $bob_before = $node->safe_psql('app', $keys_sql . q{ WHERE owner = 'idem_bob'::regrole});

# ---- alice, through every function, meets none of bob's keys ----
is(as('idem_alice', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'2', 'alice reads only her own two keys from the key table');
is(as('idem_alice', q{SELECT count(*) FROM idempotency.idempotency_keys WHERE owner = 'idem_bob'::regrole}),
	'0', 'not even when she asks for bob\'s by owner');
is( as('idem_alice', q{
        SELECT (idempotency.lookup('job-1') IS NULL) || ' '
            || (idempotency.lookup('bob-only', 'refunds') IS NULL) || ' '
            || (SELECT response::text FROM idempotency.lookup('order-1'))}),
	'true true {"by": "idem_alice"}',
	'lookup(): bob\'s keys do not exist for alice; her order-1 is her own');
is( as('idem_alice', q{
        BEGIN;
        SELECT outcome || ' ' || (response IS NULL) FROM idempotency.claim('bob-only', scope => 'refunds');
        ROLLBACK;}),
	'claimed true', 'claim(): bob\'s completed key is a fresh key for alice, nothing replayed');
is( as('idem_alice', q{
        BEGIN;
        SELECT string_agg(outcome, ' ' ORDER BY ordinality)
          FROM idempotency.claim_batch(ARRAY['msg-1', 'msg-2'], scope => 'inbox', wait => '0');
        ROLLBACK;}),
	'claimed claimed', 'claim_batch(): bob\'s completed batch is a fresh batch for alice');
is(fails_as('idem_alice', qq{SELECT idempotency.complete('job-1', '"stolen"', token => '$bob_token')}),
	'IK003', 'complete() with bob\'s token: alice has no job-1');
is(fails_as('idem_alice', qq{SELECT idempotency.checkpoint('job-1', 'stolen', token => '$bob_token')}),
	'IK003', 'checkpoint() with bob\'s token: alice has no job-1');
is(fails_as('idem_alice', qq{SELECT idempotency.release('job-1', token => '$bob_token')}),
	'IK003', 'release() with bob\'s token: alice has no job-1');
is(fails_as('idem_alice', q{SELECT idempotency.complete('bob-only', '"x"', scope => 'refunds')}),
	'IK003', 'complete() of bob\'s completed key: not claimed, for alice');
is(fails_as('idem_alice', q{SELECT idempotency.release('bob-only', scope => 'refunds')}),
	'IK003', 'release() of bob\'s key: not claimed, for alice');
is(fails_as('idem_alice', q{SELECT idempotency.complete_batch(ARRAY['msg-1'], scope => 'inbox')}),
	'IK003', 'complete_batch() of bob\'s batch: not claimed, for alice');
is(fails_as('idem_alice', q{SELECT idempotency.release_batch(ARRAY['msg-1'], scope => 'inbox')}),
	'IK003', 'release_batch() of bob\'s batch: not claimed, for alice');
is(fails_as('idem_alice', q{SELECT count(*) FROM idempotency.all_keys()}),
	'42501', 'all_keys() is refused to alice');
is(fails_as('idem_alice', q{SELECT idempotency.purge()}), '42501', 'purge() is refused to alice');
is(fails_as('idem_alice', q{SELECT * FROM idempotency.key_table_stats()}),
	'42501', 'key_table_stats() is refused to alice');
is(fails_as('idem_alice', q{SELECT * FROM idempotency.key_stats}),
	'42501', 'the key_stats view is refused to alice');
is(fails_as('idem_alice', q{SELECT idempotency.schedule_expiry()}),
	'42501', 'schedule_expiry() is refused to alice');
is(fails_as('idem_alice', q{SELECT idempotency.unschedule_expiry()}),
	'42501', 'unschedule_expiry() is refused to alice');
is(fails_as('idem_alice', q{SELECT idempotency.stats_reset()}),
	'42501', 'stats_reset() is refused to alice');
is(fails_as('idem_alice', q{SELECT * FROM idempotency.stats}), '42501', 'the stats view is refused to alice');
is(fails_as('idem_alice', q{SELECT * FROM idempotency.expiry_status}),
	'42501', 'the expiry_status view is refused to alice');
is(fails_as('idem_alice', q{SELECT idempotency.purge_routed()}), '42501', 'purge_routed() is refused to alice');
is( as('idem_alice', q{
        SELECT idempotency.once_with('bob-once', '', NULL, 'fp-alice', 'SELECT $1::text AS who', 'idem_alice'::text)}),
	'[{"who": "idem_alice"}]', 'once_with() of a key only bob has runs alice\'s own statement');

# the key table, written directly (a listed difference: PUBLIC may write its
# own rows), never reaches bob's
is( as('idem_alice', q{
        WITH u AS (UPDATE idempotency.idempotency_keys SET response = '"hacked"'
                    WHERE key IN ('job-1', 'bob-only', 'msg-1') RETURNING 1),
             d AS (DELETE FROM idempotency.idempotency_keys
                    WHERE owner = 'idem_bob'::regrole RETURNING 1)
        SELECT (SELECT count(*) FROM u) || ' ' || (SELECT count(*) FROM d)}),
	'0 0', 'alice\'s UPDATE and DELETE of bob\'s rows touch nothing');
is( fails_as('idem_alice', q{
        INSERT INTO idempotency.idempotency_keys (owner, scope, key, state, response, created_at, expires_at)
        VALUES ('idem_bob', '', 'planted', 'completed', '"forged"', now(), now() + interval '1 day')}),
	'42501', 'alice cannot insert a key for bob');
is( fails_as('idem_alice', q{
        UPDATE idempotency.idempotency_keys SET owner = 'idem_bob'::regrole WHERE key = 'order-1'}),
	'42501', 'nor give one of hers to bob');
is(fails_as('idem_alice', q{TRUNCATE idempotency.idempotency_keys}),
	'42501', 'nor truncate the key table');
is(fails_as('idem_alice', q{SET ROLE idem_bob}), '42501', 'nor become bob');

is($node->safe_psql('app', $keys_sql . q{ WHERE owner = 'idem_bob'::regrole}),
	$bob_before, 'after all of that, bob\'s keys are exactly as they were');
is(as('idem_bob', qq{SELECT state || ' ' || recovery_point FROM idempotency.lookup('job-1')}),
	'in_progress step-1', 'and bob still holds his lease');
is( as('idem_bob', qq{
        SELECT state FROM idempotency.complete('job-1', '"done"', token => '$bob_token');
        SELECT response::text FROM idempotency.claim('bob-only', scope => 'refunds');}),
	"completed\n\"bob-secret\"", 'bob completes his lease with his token and replays his keys');
is(as('idem_master', q{SELECT count(DISTINCT owner) FROM idempotency.all_keys()}),
	'2', 'the installing role reads every role\'s keys through all_keys()');

# ---- look-alike objects on the caller's search path are never used ----
$node->safe_psql('app', 'GRANT CREATE ON SCHEMA public TO idem_mallory');
as('idem_mallory', q{
    CREATE TABLE public.trap_log (trap text);
    GRANT SELECT, INSERT ON public.trap_log TO PUBLIC;
    CREATE FUNCTION public.trap(what text) RETURNS boolean LANGUAGE sql
        AS $$ INSERT INTO public.trap_log VALUES (what) RETURNING true $$;
    CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql
        AS $$ SELECT public.trap('now()'); SELECT pg_catalog.now() $$;
    CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE sql
        AS $$ SELECT public.trap('clock_timestamp()'); SELECT pg_catalog.clock_timestamp() $$;
    CREATE FUNCTION public.gen_random_uuid() RETURNS uuid LANGUAGE sql
        AS $$ SELECT public.trap('gen_random_uuid()'); SELECT pg_catalog.gen_random_uuid() $$;
    CREATE FUNCTION public.sha256(bytea) RETURNS bytea LANGUAGE sql
        AS $$ SELECT public.trap('sha256()'); SELECT pg_catalog.sha256($1) $$;
    CREATE FUNCTION public.hashtextextended(text, int8) RETURNS int8 LANGUAGE sql
        AS $$ SELECT public.trap('hashtextextended()'); SELECT pg_catalog.hashtextextended($1, $2) $$;
    CREATE FUNCTION public.trap_texteq(text, text) RETURNS boolean LANGUAGE sql
        AS $$ SELECT public.trap('=(text,text)'); SELECT $1 OPERATOR(pg_catalog.=) $2 $$;
    CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_texteq);
    CREATE TABLE public.idempotency_keys (LIKE pg_catalog.pg_class);
});
is( as('idem_alice', q{
        SET search_path = public, pg_catalog;
        SELECT now() IS NOT NULL;
        SELECT count(*) FROM public.trap_log;}),
	"t\n1", 'control: a trap on the search path fires when the caller uses it');
as('idem_alice', q{
    SET search_path = public, pg_catalog;
    BEGIN;
    SELECT idempotency.claim('trap-1', fingerprint => 'fp');
    SELECT idempotency.complete('trap-1', '"ok"');
    COMMIT;
    SELECT idempotency.claim('trap-1', fingerprint => 'fp');
    SELECT idempotency.lookup('trap-1');
    SELECT idempotency.claim('trap-2', lease => '1 minute');
    SELECT idempotency.once('trap-3', 'SELECT 1 AS one');
    SELECT idempotency.once('trap-3', 'SELECT 1 AS one');
    BEGIN;
    SELECT idempotency.claim_batch(ARRAY['trap-4', 'trap-5']);
    SELECT idempotency.complete_batch(ARRAY['trap-4', 'trap-5']);
    COMMIT;
    SELECT idempotency.fingerprint_digest('x');
});
is(as('idem_alice', q{SELECT string_agg(trap, ', ') FROM public.trap_log}),
	'now()', 'the edition used none of the look-alike functions and operators');

# ---- a second run of the script ----
my $facts_before = $node->safe_psql('app', $schema_facts_sql);
my $keys_before = $node->safe_psql('app', $keys_sql);
($ok, $out, $err) = run_script('idem_master', 'app');
ok(!$ok, 'a second run of the script by the installing role is refused');
like($err, qr/42P06.*schema "idempotency" already exists/,
	'with 42P06: schema "idempotency" already exists');
is($node->safe_psql('app', $schema_facts_sql), $facts_before,
	'the schema\'s functions, relations, privileges and policies are unchanged');
is($node->safe_psql('app', $keys_sql), $keys_before, 'and every key is unchanged');
$node->safe_psql('app', 'GRANT CREATE ON DATABASE app TO idem_mallory');
($ok, $out, $err) = run_script('idem_mallory', 'app');
ok(!$ok && $err =~ /schema "idempotency" already exists/,
	'a run by another role with CREATE on the database is refused the same way');
is($node->safe_psql('app', $schema_facts_sql) . $node->safe_psql('app', $keys_sql),
	$facts_before . $keys_before, 'and changes nothing either');

# ---- pg_dump and restore by the installing role ----
# The key table's row-level security is forced, also for its owner: pg_dump
# (which turns row_security off) must be told that the owner's own policy,
# which shows it every row, is to apply.
my $dumpfile = $node->basedir . '/app.sql';
my @dump = ('pg_dump', '-h', $node->host, '-p', $node->port, '-U', 'idem_master', '-d', 'app',
	'--schema', 'idempotency');
($out, $err) = ('', '');
$ok = run_log([ @dump, '-f', $dumpfile ], '>', \$out, '2>', \$err);
ok(!$ok && $err =~ /query would be affected by row-level security policy for table "idempotency_keys"/,
	'pg_dump by the installing role needs --enable-row-security (forced row-level security)');
ok(run_log([ @dump, '--enable-row-security', '-f', $dumpfile ]),
	'pg_dump --enable-row-security --schema idempotency by the installing role dumps the schema and every key');
$node->safe_psql('postgres', q{
    CREATE DATABASE restored;
    GRANT CREATE ON DATABASE restored TO idem_master;
});
($out, $err) = ('', '');
ok( run_log(
		[
			'psql', '-X', '-q', '-h', $node->host, '-p', $node->port, '-U', 'idem_master',
			'-d', 'restored', '-v', 'ON_ERROR_STOP=1', '-f', $dumpfile
		],
		'>', \$out, '2>', \$err),
	'the installing role restores it into a new database') or diag($err);
is($node->safe_psql('restored', $keys_sql), $node->safe_psql('app', $keys_sql),
	'with every key as it was');
same_lines($node->safe_psql('restored', $schema_facts_sql), $node->safe_psql('app', $schema_facts_sql),
	'and the same functions, relations, privileges and policies');
is( $node->safe_psql(
		'restored', q{
    SELECT c.relrowsecurity || ' ' || c.relforcerowsecurity FROM pg_class c
     WHERE c.oid = 'idempotency.idempotency_keys'::regclass}),
	'true true', 'row-level security is forced there too');
is( as('idem_bob', q{
        SELECT count(*) || ' ' || (SELECT response::text FROM idempotency.claim('bob-only', scope => 'refunds'))
          FROM idempotency.idempotency_keys}, 'restored'),
	'7 "bob-secret"', 'bob sees his own seven keys only there, and replays them');

# ---- a schema idempotency that another role planted first ----
$node->safe_psql('postgres', q{
    CREATE DATABASE planted;
    GRANT CREATE ON DATABASE planted TO idem_master, idem_mallory;
});
as('idem_mallory', q{
    CREATE SCHEMA idempotency;
    GRANT USAGE ON SCHEMA idempotency TO PUBLIC;
    CREATE FUNCTION idempotency.claim(key text) RETURNS text LANGUAGE sql AS $$ SELECT 'mallory' $$;
}, 'planted');
($ok, $out, $err) = run_script('idem_master', 'planted');
ok(!$ok && $err =~ /schema "idempotency" already exists/,
	'the script refuses to install into a schema idempotency that another role made');
is( $node->safe_psql(
		'planted', q{
    SELECT count(*) FROM pg_class WHERE relnamespace = 'idempotency'::regnamespace}),
	'0', 'and installs nothing into it');

# ---- removing it: DROP SCHEMA idempotency CASCADE by the installing role ----
is(fails_as('idem_mallory', 'DROP SCHEMA idempotency CASCADE'), '42501',
	'another role cannot drop the schema');
is(fails_as('idem_master', 'DROP SCHEMA idempotency CASCADE'), 'ok',
	'the installing role removes the edition with DROP SCHEMA idempotency CASCADE');
is( $node->safe_psql(
		'app', q{
    SELECT count(*) FROM pg_namespace WHERE nspname = 'idempotency'}),
	'0', 'and nothing of it is left');
($ok, $out, $err) = run_script('idem_master', 'app');
ok($ok, 'after which the script installs it again') or diag($err);

# ---- CREATE EXTENSION idempotency_portable from installed files ----
my $pg_config = $ENV{PG_CONFIG} || 'pg_config';
my $sharedir = `"$pg_config" --sharedir`;
chomp $sharedir;
SKIP:
{
	ok(-f "$sharedir/extension/idempotency_portable.control",
		"the portable edition is installed in $sharedir (make -C portable install)")
	  or skip('the portable edition is not installed', 10);

	$node->safe_psql('postgres', q{
        CREATE DATABASE ext;
        CREATE DATABASE ext_nocreate;
        GRANT CREATE ON DATABASE ext TO idem_master;
    });
	is(fails_as('idem_alice', 'CREATE EXTENSION idempotency_portable', 'ext_nocreate'),
		'42501', 'CREATE EXTENSION needs CREATE on the database');
	is(fails_as('idem_master', 'CREATE EXTENSION idempotency_portable', 'ext'),
		'ok', 'the master role (not superuser) creates the extension from installed files');
	is( $node->safe_psql(
			'ext', q{
        SELECT e.extowner::regrole || ' ' || e.extversion || ' ' || e.extnamespace::regnamespace || ' '
               || ('idempotency.idempotency_keys'::regclass = ANY (e.extconfig))
          FROM pg_extension e WHERE e.extname = 'idempotency_portable'}),
		'idem_master 1.1 idempotency true',
		'owned by that role, version 1.1 in schema idempotency, its key table kept by pg_dump');
	for my $role (qw(idem_alice idem_bob))
	{
		is( as(
				$role, qq{
            BEGIN;
            SELECT outcome FROM idempotency.claim('order-1');
            SELECT state FROM idempotency.complete('order-1', '"$role"');
            COMMIT;
            SELECT outcome || ' ' || response::text FROM idempotency.claim('order-1');
            SELECT count(*) FROM idempotency.idempotency_keys;},
				'ext'),
			qq{claimed\ncompleted\ncompleted "$role"\n1},
			"$role claims, completes and replays its own order-1 in the extension");
	}
	is(fails_as('idem_alice', q{SELECT count(*) FROM idempotency.all_keys()}, 'ext'),
		'42501', 'all_keys() is refused to an application role there too');
	is( $node->safe_psql(
			'ext', q{
        SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '')
          FROM pg_proc p
         WHERE p.pronamespace = 'idempotency'::regnamespace AND p.prosecdef
           AND has_function_privilege('idem_alice', p.oid, 'EXECUTE')}),
		'', 'and no SECURITY DEFINER function is executable by it');
	is(as('idem_master', q{SELECT count(*) FROM idempotency.all_keys()}, 'ext'),
		'2', 'the extension\'s owner reads both roles\' keys');
	like(fails_as($node->safe_psql('postgres', 'SELECT current_user'), 'CREATE EXTENSION idempotency', 'ext'),
		qr/^42(P07|710)$/, 'the C edition cannot be created next to it (both use the schema idempotency)');
	is(fails_as('idem_master', 'DROP EXTENSION idempotency_portable', 'ext'),
		'ok', 'and may drop the extension again');
}

$node->stop;

# ---- expiry where pg_cron lives in another database ----
# pg_cron keeps its jobs in one database (cron.database_name, postgres by
# default, which is what Cloud SQL and a default RDS parameter group have).
# There, schedule_expiry() of the application's database refuses, and the
# installing role schedules purge() in that database from pg_cron's with
# cron.schedule_in_database() (docs/managed.md).
SKIP:
{
	skip('pg_cron is not installed', 5) unless -f "$sharedir/extension/pg_cron.control";
	my $cron = PostgreSQL::Test::Cluster->new('portable_cron');
	$cron->init;
	$cron->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
});
	$cron->start;
	$cron->safe_psql('postgres', q{
        CREATE ROLE idem_master LOGIN;
        CREATE DATABASE app;
        GRANT CREATE ON DATABASE app TO idem_master;
        CREATE EXTENSION pg_cron;
        GRANT USAGE ON SCHEMA cron TO idem_master;
        -- as an administrator of the service grants it (on RDS: a member of rds_superuser)
        DO $$
        DECLARE
            f regprocedure;
        BEGIN
            FOR f IN SELECT oid FROM pg_proc
                      WHERE pronamespace = 'cron'::regnamespace AND proname = 'schedule_in_database'
            LOOP
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO idem_master', f);
            END LOOP;
        END $$;
    });
	my ($cout, $cerr) = ('', '');
	ok( run_log(
			[
				'psql', '-X', '-q', '-h', $cron->host, '-p', $cron->port, '-U', 'idem_master',
				'-d', 'app', '-f', $plain
			],
			'>', \$cout, '2>', \$cerr),
		'the plain script installs the edition next to a pg_cron of another database') or diag($cerr);
	my ($rc, $o, $e) = $cron->psql('app', 'SELECT idempotency.schedule_expiry()',
		extra_params => [ '-U', 'idem_master', '-v', 'VERBOSITY=sqlstate' ]);
	like($e, qr/ERROR:\s+55000/, 'schedule_expiry() refuses (55000): pg_cron is not in this database');
	$cron->safe_psql(
		'app', q{
        INSERT INTO idempotency.idempotency_keys
               (owner, scope, key, state, response, created_at, completed_at, expires_at)
        SELECT current_user::regrole, '', 'old-' || g, 'completed', '{}', now() - interval '2 days',
               now() - interval '2 days', now() - interval '1 day'
          FROM generate_series(1, 3) AS g;
        INSERT INTO idempotency.idempotency_keys
               (owner, scope, key, state, response, created_at, completed_at, expires_at)
        VALUES (current_user::regrole, '', 'live', 'completed', '{}', now(), now(), now() + interval '1 day');},
		extra_params => [ '-U', 'idem_master' ]);
	$cron->safe_psql(
		'postgres', q{
        SELECT cron.schedule_in_database('idempotency-expiry-app', '* * * * *',
                                         'SELECT idempotency.purge()', 'app')},
		extra_params => [ '-U', 'idem_master' ]);
	ok( $cron->poll_query_until(
			'app', q{SELECT count(*) = 1 FROM idempotency.idempotency_keys}),
		'the job, run by pg_cron within a minute, purges the expired keys of the database');
	is($cron->safe_psql('app', q{SELECT key FROM idempotency.idempotency_keys}),
		'live', 'and only those');
	is( $cron->safe_psql(
			'postgres', q{
        SELECT d.status || ' ' || d.database || ' ' || d.username FROM cron.job_run_details d
          JOIN cron.job j USING (jobid) WHERE j.jobname = 'idempotency-expiry-app' LIMIT 1}),
		'succeeded app idem_master', 'as the installing role, in the application\'s database');
	$cron->stop;
}
done_testing();
