# PgTleTest: a server with pg_tle for the opt-in pgtle suite
# (docs/managed.md, "Testing the pg_tle way"): a PostgreSQL::Test::Cluster
# node with shared_preload_libraries = 'pg_tle', listening on a private
# socket directory only, and the SQL of portable/tle/install-sql.
#
# The suite never builds pg_tle.  It runs where pg_tle is installed in the
# PostgreSQL installation under test (pg_tle.control in the share directory
# of that installation's pg_config) and skips every test file elsewhere.
# pg_tle refuses to install an extension whose control file is installed as
# a file, so the portable edition must not be installed there
# (make -C portable install); the files check that and fail if it is.
package PgTleTest;

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(pgtle_installed skip_unless_pgtle portable_files_installed start_pgtle_node
  pgtle_has_schema_argument install_sql repo_root psql_script);

# The repository (the test's copy of it).
sub repo_root
{
	return $ENV{TESTDIR} || File::Spec->rel2abs(dirname(__FILE__) . '/../..');
}

# The share directory of the installation under test: the pg_config named
# by PG_CONFIG, else the one on PATH (next to the server binaries).
sub _sharedir
{
	my $pg_config = $ENV{PG_CONFIG};
	$pg_config = 'pg_config' if !defined $pg_config || $pg_config eq '';
	my $dir = `"$pg_config" --sharedir 2>/dev/null`;
	chomp $dir;
	return $dir;
}

# True when pg_tle is installed where the suite's servers come from.
sub pgtle_installed
{
	my $dir = _sharedir();
	return $dir ne '' && -f "$dir/extension/pg_tle.control";
}

# Ends the test file with a skip (not a failure) when pg_tle is absent.
sub skip_unless_pgtle
{
	return if pgtle_installed();
	plan skip_all => 'pg_tle is not installed in ' . (_sharedir() || 'this PostgreSQL installation');
	return;
}

# True when the portable edition's control file is installed as a file,
# which makes pgtle.install_extension() refuse the name.
sub portable_files_installed
{
	return -f _sharedir() . '/extension/idempotency_portable.control';
}

# A started node with pg_tle preloaded.
sub start_pgtle_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_tle'
log_min_messages = warning
});
	$node->start;
	return $node;
}

# Whether pgtle.install_extension() takes the extension's schema (pg_tle
# 1.5.0 and later), in database $db where pg_tle is created.
sub pgtle_has_schema_argument
{
	my ($node, $db) = @_;
	return $node->safe_psql(
		$db, q{
	SELECT count(*) FROM pg_proc
	 WHERE pronamespace = 'pgtle'::regnamespace AND proname = 'install_extension'
	   AND pronargs = 6}) eq '1';
}

# The SQL of portable/tle/install-sql (of the repository, or of the copy of
# portable/ in $dir), for the pg_tle of database $db.
sub install_sql
{
	my ($node, $db, $dir) = @_;
	my $script = ($dir // repo_root() . '/portable') . '/tle/install-sql';
	my @cmd = ($script);
	push @cmd, '--no-schema-argument' unless pgtle_has_schema_argument($node, $db);
	my ($out, $err) = ('', '');
	run_log(\@cmd, '>', \$out, '2>', \$err) or die "@cmd failed: $err";
	return $out;
}

# Runs the SQL text $sql through psql (as a script on standard input, so
# that psql's \set and transactions work as in a file) as $role in $db:
# (success, stdout, stderr).
sub psql_script
{
	my ($node, $role, $db, $sql) = @_;
	my ($out, $err) = ('', '');
	my $ok = run_log(
		[
			'psql', '-X', '-q', '-h', $node->host, '-p', $node->port,
			'-U', $role, '-d', $db, '-v', 'VERBOSITY=verbose', '-f', '-'
		],
		'<', \$sql, '>', \$out, '2>', \$err);
	return ($ok, $out, $err);
}

1;
