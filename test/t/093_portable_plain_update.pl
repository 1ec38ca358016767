# Updates of a plain installation of the portable edition (docs/managed.md):
# for each update script portable/idempotency_portable--A--B.sql of the
# extension, portable/build writes portable/plain-update--A--B.sql, which the
# role that ran the plain script runs with psql to bring the schema from A to
# B, and the plain script itself installs the newest version.
#
# There is no release after 1.1 yet, so this test makes one in a copy of the
# sources: an update script 1.1--1.1.99 that adds a function and a table
# (with pg_extension_config_dump(), which a plain script leaves out) and
# changes a comment.  It builds the copy, installs the plain script of 1.1
# (the repository's) as a role that is not a superuser, with keys, and runs
# the generated update: the keys replay, the release's objects are there,
# the schema is marked 1.1.99, and its catalog is the one a fresh plain
# install of 1.1.99 makes.  The update refuses (changing nothing) a second
# run, another role, a database without the schema, and an extension.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = $ENV{TESTDIR} || File::Spec->rel2abs(dirname(__FILE__) . '/../..');

# ---- a copy of the sources with a release 1.1.99 ----
my $copy = PostgreSQL::Test::Utils::tempdir('portable_update');
make_path("$copy/portable");
copy("$root/$_", "$copy/$_") or die "copy $_: $!"
  for ('idempotency--1.0.sql', 'idempotency--1.0--1.1.sql');
copy("$root/portable/build", "$copy/portable/build") or die "copy build: $!";
chmod 0755, "$copy/portable/build";
for my $dir ('src/c', 'src/replace', 'src/extra')
{
	make_path("$copy/portable/$dir");
	opendir(my $dh, "$root/portable/$dir") or die "$dir: $!";
	for my $f (grep { /\.sql$/ } readdir $dh)
	{
		copy("$root/portable/$dir/$f", "$copy/portable/$dir/$f") or die "copy $f: $!";
	}
	closedir $dh;
}
open my $fh, '>', "$copy/portable/idempotency_portable--1.1--1.1.99.sql" or die $!;
print $fh <<'SQL';
-- a test release: a new function, a new table kept by pg_dump, a comment
\echo Use "ALTER EXTENSION idempotency_portable UPDATE" to load this file. \quit

CREATE FUNCTION idempotency.release_name()
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'one point one point ninety-nine'::pg_catalog.text $$;
REVOKE ALL ON FUNCTION idempotency.release_name() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.release_name() TO PUBLIC;

CREATE TABLE idempotency.release_notes (note pg_catalog.text NOT NULL);
SELECT pg_catalog.pg_extension_config_dump('idempotency.release_notes', '');

COMMENT ON FUNCTION idempotency.lookup(pg_catalog.text, pg_catalog.text) IS 'lookup, as of 1.1.99';
SQL
close $fh;

my ($out, $err) = ('', '');
ok(run_log([ "$copy/portable/build" ], '>', \$out, '2>', \$err), 'portable/build of the release')
  or diag($err);
my $update = "$copy/portable/plain-update--1.1--1.1.99.sql";
ok(-f $update, 'it wrote portable/plain-update--1.1--1.1.99.sql');
ok(run_log([ "$copy/portable/build", '--check' ], '>', \$out, '2>', \$err),
	'portable/build --check passes after it');
my $update_sql = slurp_file($update);
like($update_sql, qr/^-- \(extension script only\) SELECT pg_catalog\.pg_extension_config_dump/m,
	'the plain update leaves pg_extension_config_dump() out');
unlike($update_sql, qr/^\\echo/m, 'and the extension script\'s psql guard');
my $plain_new = "$copy/portable/idempotency_portable.sql";
like(slurp_file($plain_new), qr/COMMENT ON SCHEMA idempotency IS 'idempotency_portable 1\.1\.99'/,
	'the plain script of the release installs 1.1.99');

# a stale or orphaned plain update is caught by --check
open $fh, '>', "$copy/portable/plain-update--1.0--1.1.sql" or die $!;
print $fh "-- no update script makes this\n";
close $fh;
ok(!run_log([ "$copy/portable/build", '--check' ], '>', \$out, '2>', \$err),
	'portable/build --check fails on a plain update without its update script');
like($err, qr/plain-update--1\.0--1\.1\.sql/, '... naming it');
run_log([ "$copy/portable/build" ], '>', \$out, '2>', \$err);
ok(!-e "$copy/portable/plain-update--1.0--1.1.sql", 'portable/build removes it');

# ---- a database with the plain script of 1.1 and keys ----
my $node = PostgreSQL::Test::Cluster->new('portable_plain_update');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
    CREATE ROLE idem_master LOGIN;
    CREATE ROLE idem_other LOGIN;
    CREATE ROLE idem_alice LOGIN;
    CREATE DATABASE app;
    CREATE DATABASE fresh;
    CREATE DATABASE empty;
    CREATE DATABASE ext;
    GRANT CREATE ON DATABASE app, fresh, empty, ext TO idem_master;
    GRANT CREATE ON DATABASE app TO idem_other;
});

# psql -f $file into $db as $role: (success, stderr)
sub run_file
{
	my ($role, $db, $file) = @_;
	my ($o, $e) = ('', '');
	my $ok = run_log(
		[
			'psql', '-X', '-q', '-h', $node->host, '-p', $node->port,
			'-U', $role, '-d', $db, '-v', 'VERBOSITY=verbose', '-f', $file
		],
		'>', \$o, '2>', \$e);
	return ($ok, $e);
}

sub as
{
	my ($role, $sql, $db) = @_;
	return $node->safe_psql($db // 'app', $sql, extra_params => [ '-U', $role ]);
}

# What a plain installation is made of, in a form two databases can compare:
# the schema's mark, functions (signature, result, body, settings, security,
# privileges, comment), relations and their columns, policies, privileges.
my $catalog_sql = q{
    SELECT 'mark ' || coalesce(obj_description(n.oid, 'pg_namespace'), '-') FROM pg_namespace n
     WHERE nspname = 'idempotency'
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || ' -> ' || pg_get_function_result(p.oid)
           || ' secdef=' || p.prosecdef || ' config=' || coalesce(p.proconfig::text, '-')
           || ' acl=' || coalesce(p.proacl::text, '-') || ' md5=' || md5(p.prosrc)
           || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'idempotency'
    UNION ALL
    SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
           || ' acl=' || coalesce(c.relacl::text, '-')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'idempotency'
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' notnull=' || a.attnotnull
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'idempotency' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'policy ' || tablename || '.' || policyname || ' ' || cmd || ' ' || roles::text || ' '
           || coalesce(qual, '-') || ' ' || coalesce(with_check, '-')
      FROM pg_policies WHERE schemaname = 'idempotency'
    UNION ALL
    SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || pg_get_triggerdef(t.oid)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'idempotency' AND NOT t.tgisinternal
    ORDER BY 1
};

my ($ok, $e) = run_file('idem_master', 'app', "$root/portable/idempotency_portable.sql");
ok($ok, 'the plain script of 1.1 installs as a role that is not a superuser') or diag($e);
is($node->safe_psql('app', q{SELECT obj_description('idempotency'::regnamespace, 'pg_namespace')}),
	'idempotency_portable 1.1', 'and marks the schema as 1.1');
as('idem_alice', q{
    BEGIN;
    SELECT idempotency.claim('order-1', fingerprint => 'fp');
    SELECT idempotency.complete('order-1', '{"paid": 1}', 201);
    COMMIT;
    SELECT idempotency.once('job-1', 'SELECT 7 AS seven');
    BEGIN;
    SELECT outcome FROM idempotency.claim('lease-1', lease => '1 hour');
    COMMIT;
});
my $keys_before = as('idem_master',
	'SELECT owner, scope, key, state, fingerprint, response FROM idempotency.idempotency_keys ORDER BY key');

# refused: another role (even one allowed to create in the database)
($ok, $e) = run_file('idem_other', 'app', $update);
ok(!$ok, 'the update refuses a role that does not own the schema');
like($e, qr/42501/, '... with 42501');
is($node->safe_psql('app', q{SELECT obj_description('idempotency'::regnamespace, 'pg_namespace')}),
	'idempotency_portable 1.1', '... changing nothing');

# the update
($ok, $e) = run_file('idem_master', 'app', $update);
ok($ok, 'the owner runs the update') or diag($e);
is($node->safe_psql('app', q{SELECT obj_description('idempotency'::regnamespace, 'pg_namespace')}),
	'idempotency_portable 1.1.99', 'the schema is marked 1.1.99');
is(as('idem_alice', 'SELECT idempotency.release_name()'), 'one point one point ninety-nine',
	'the release\'s new function runs for an application role');
is($node->safe_psql('app', q{
    SELECT obj_description('idempotency.lookup(text, text)'::regprocedure, 'pg_proc')}),
	'lookup, as of 1.1.99', 'its comment change is made');
is(as('idem_master', 'SELECT count(*) FROM idempotency.release_notes'), '0', 'its table is there');
is(as('idem_master',
	'SELECT owner, scope, key, state, fingerprint, response FROM idempotency.idempotency_keys ORDER BY key'),
	$keys_before, 'every key is as it was');
is(as('idem_alice', q{
    SELECT outcome || ' ' || response::text FROM idempotency.claim('order-1', fingerprint => 'fp')}),
	'completed {"paid": 1}', 'a completed key replays after the update');
is(as('idem_alice', q{SELECT idempotency.once('job-1', 'SELECT 7 AS seven')}),
	'[{"seven": 7}]', 'and a once() key');
my ($rc, $o2, $e2) = $node->psql('app',
	q{SELECT idempotency.claim('order-1', fingerprint => 'other')},
	extra_params => [ '-U', 'idem_alice', '-v', 'VERBOSITY=sqlstate' ]);
like($e2, qr/IK001/, 'a different fingerprint is still refused with IK001');

# refused: a second run
($ok, $e) = run_file('idem_master', 'app', $update);
ok(!$ok, 'a second run of the update is refused');
like($e, qr/55000.*idempotency_portable 1\.1\.99/s, '... with 55000, naming the version installed');

# upgraded equals fresh
($ok, $e) = run_file('idem_master', 'fresh', $plain_new);
ok($ok, 'the plain script of 1.1.99 installs into a new database') or diag($e);
my $cat_updated = $node->safe_psql('app', $catalog_sql);
my $cat_fresh = $node->safe_psql('fresh', $catalog_sql);
cmp_ok(scalar(split /\n/, $cat_fresh), '>', 50, 'the catalog comparison sees the whole edition');
is($cat_updated, $cat_fresh, 'an updated plain installation has the catalog of a fresh one');

# refused: no schema, or an extension
($ok, $e) = run_file('idem_master', 'empty', $update);
ok(!$ok, 'the update refuses a database without the schema');
like($e, qr/55000.*does not exist/s, '... with 55000');
is($node->safe_psql('empty', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'idempotency'}),
	'0', '... creating nothing');
SKIP:
{
	my $sharedir = $node->config_data('--sharedir');
	skip 'the portable edition is not installed as an extension here', 3
	  unless -f "$sharedir/extension/idempotency_portable.control";
	$node->safe_psql('ext', 'CREATE EXTENSION idempotency_portable');
	($ok, $e) = run_file('postgres', 'ext', $update);
	ok(!$ok, 'the update refuses a database where the edition is an extension');
	like($e, qr/55000.*ALTER EXTENSION/s, '... with 55000, pointing to ALTER EXTENSION');
	is($node->safe_psql('ext',
		q{SELECT count(*) FROM pg_proc WHERE proname = 'release_name'}),
		'0', '... changing nothing');
}

$node->stop;
done_testing();
