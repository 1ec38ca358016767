# Updates through pg_tle (docs/managed.md): when a release adds an update
# script portable/idempotency_portable--A--B.sql, the SQL of
# portable/tle/install-sql adds pgtle.install_update_path() and
# pgtle.set_default_version() calls; run again in a database that has the
# older version, it installs just the new path, and ALTER EXTENSION
# idempotency_portable UPDATE brings the database up to date with its keys;
# in a new database CREATE EXTENSION installs the newest version.
#
# There is no release after 1.1 yet, so this test makes one in a copy of
# portable/: an update script 1.1--1.1.99 that changes a comment.  Where
# portable/ has real update scripts, the test also updates through them.
use strict;
use warnings;
use File::Copy qw(copy);
use FindBin;
use lib "$FindBin::RealBin/..";
use PgTleTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

skip_unless_pgtle();
ok(!portable_files_installed(), 'the portable edition is not installed as files here')
  or BAIL_OUT('make -C portable uninstall for this PG_CONFIG, then run the pgtle suite again');

my $root = repo_root();
my $node = start_pgtle_node('pgtle_update');
$node->safe_psql('postgres', q{
    CREATE ROLE tle_master LOGIN;
    CREATE ROLE tle_alice LOGIN;
    CREATE DATABASE upd;
    CREATE DATABASE fresh;
    CREATE DATABASE real_update;
    GRANT CREATE ON DATABASE upd, fresh, real_update TO tle_master;
});
for my $db (qw(upd fresh real_update))
{
	$node->safe_psql($db, 'CREATE EXTENSION pg_tle');
}
$node->safe_psql('postgres', 'GRANT pgtle_admin TO tle_master');
my $with_schema = pgtle_has_schema_argument($node, 'upd');
my $schema_first = $with_schema ? '' : 'CREATE SCHEMA idempotency; ';
my $schema_clause = $with_schema ? '' : ' SCHEMA idempotency';

sub as
{
	my ($role, $sql, $db) = @_;
	return $node->safe_psql($db, $sql, extra_params => [ '-U', $role ]);
}

# a copy of portable/ with a release 1.1.99 after 1.1
my $copy = $node->basedir . '/portable';
mkdir $copy or die "mkdir $copy: $!";
mkdir "$copy/tle" or die "mkdir $copy/tle: $!";
copy("$root/portable/idempotency_portable--1.1.sql", $copy) or die "copy: $!";
copy("$root/portable/idempotency_portable.control", $copy) or die "copy: $!";
copy("$root/portable/tle/install-sql", "$copy/tle/install-sql") or die "copy: $!";
chmod 0755, "$copy/tle/install-sql";
open my $fh, '>', "$copy/idempotency_portable--1.1--1.1.99.sql" or die $!;
print $fh <<'SQL';
-- a test release: changes one comment, as an update script may
\echo Use "ALTER EXTENSION idempotency_portable UPDATE" to load this file. \quit
COMMENT ON FUNCTION idempotency.lookup(pg_catalog.text, pg_catalog.text) IS 'lookup, as of 1.1.99';
SQL
close $fh;

my $sql_11 = install_sql($node, 'upd');
my $sql_1199 = install_sql($node, 'upd', $copy);
like($sql_1199, qr/pgtle\.install_update_path\(\s*'idempotency_portable',\s*'1\.1',\s*'1\.1\.99'/,
	'with an update script, install-sql adds pgtle.install_update_path()');
like($sql_1199, qr/pgtle\.set_default_version\('idempotency_portable', '1\.1\.99'\)/,
	'and makes the newest version the default');

# ---- a database that has 1.1, with keys, then the release ----
my ($ok, $out, $err) = psql_script($node, 'tle_master', 'upd', $sql_11);
ok($ok, '1.1 is installed into pg_tle') or diag($err);
as('tle_master', "${schema_first}CREATE EXTENSION idempotency_portable$schema_clause", 'upd');
as('tle_alice', q{
    BEGIN;
    SELECT idempotency.claim('order-1', fingerprint => 'fp');
    SELECT idempotency.complete('order-1', '"paid"', 201);
    COMMIT;
}, 'upd');
($ok, $out, $err) = psql_script($node, 'tle_master', 'upd', $sql_1199);
ok($ok, 'the install SQL of the release runs where 1.1 is installed') or diag($err);
is( $node->safe_psql(
		'upd', q{
    SELECT string_agg(source || '>' || target || '=' || path, ' ')
      FROM pgtle.extension_update_paths('idempotency_portable') WHERE path IS NOT NULL}),
	'1.1>1.1.99=1.1--1.1.99', 'pg_tle has the update path 1.1 to 1.1.99');
is(as('tle_master', 'ALTER EXTENSION idempotency_portable UPDATE; '
	  . q{SELECT extversion FROM pg_extension WHERE extname = 'idempotency_portable'}, 'upd'),
	'1.1.99', 'ALTER EXTENSION idempotency_portable UPDATE brings the database to 1.1.99');
is( $node->safe_psql(
		'upd', q{SELECT obj_description('idempotency.lookup(text, text)'::regprocedure, 'pg_proc')}),
	'lookup, as of 1.1.99', 'the update script ran');
is( as('tle_alice',
		q{SELECT outcome || ' ' || response::text || ' ' || response_code
            FROM idempotency.claim('order-1', fingerprint => 'fp')}, 'upd'),
	'completed "paid" 201', 'a key made before the update replays after it');
($ok, $out, $err) = psql_script($node, 'tle_master', 'upd', $sql_1199);
ok($ok, 'running the release\'s install SQL once more is harmless') or diag($err);

# ---- a new database gets the newest version ----
($ok, $out, $err) = psql_script($node, 'tle_master', 'fresh', $sql_1199);
ok($ok, 'the release\'s install SQL runs in a new database') or diag($err);
is( as('tle_master', "${schema_first}CREATE EXTENSION idempotency_portable$schema_clause; "
		  . q{SELECT extversion || ' ' || obj_description('idempotency.lookup(text, text)'::regprocedure, 'pg_proc')
                FROM pg_extension WHERE extname = 'idempotency_portable'}, 'fresh'),
	'1.1.99 lookup, as of 1.1.99', 'CREATE EXTENSION there installs 1.1 and updates it to 1.1.99');

# ---- real update scripts, once a release has them ----
my @real = glob("$root/portable/idempotency_portable--1.1--*.sql");
SKIP:
{
	skip('portable/ has no update script after 1.1 yet', 2) unless @real;
	my $default = `sed -n "s/^default_version *= *'\\(.*\\)'.*/\\1/p" "$root/portable/idempotency_portable.control"`;
	chomp $default;
	($ok, $out, $err) = psql_script($node, 'tle_master', 'real_update', install_sql($node, 'real_update'));
	ok($ok, 'the install SQL with the real update scripts runs') or diag($err);
	is( as('tle_master', "${schema_first}CREATE EXTENSION idempotency_portable VERSION '1.1'$schema_clause; "
			  . 'ALTER EXTENSION idempotency_portable UPDATE; '
			  . q{SELECT extversion FROM pg_extension WHERE extname = 'idempotency_portable'}, 'real_update'),
		$default, "1.1 updates to $default through pg_tle");
}

$node->stop;
done_testing();
