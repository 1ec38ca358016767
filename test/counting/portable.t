# What the portable suites of scripts/test run and count: the skip list
# (skip_entries of scripts/lib/counts.sh: a skipped test counts nothing, a
# line that names no test or gives no reason counts one failure) and
# portable/test/prepare (the C edition's test files with the extension's
# name replaced where it names the extension and nowhere else, the C
# edition's expected output unless an override exists, the skipped tests
# left out of the lists that scripts/test counts against), run on a small
# tree of sample files.  Run by "scripts/test counting", or alone:
# prove test/counting/
use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use FindBin;

my $top = "$FindBin::RealBin/../..";
my $lib = "$top/scripts/lib/counts.sh";
my $prepare = "$top/portable/test/prepare";
ok(-f $prepare, 'portable/test/prepare is there');

sub slurp
{
	my ($file) = @_;
	open(my $fh, '<', $file) or return undef;
	local $/;
	return scalar <$fh>;
}

sub spew
{
	my ($file, $text) = @_;
	make_path(dirname($file));
	open(my $fh, '>', $file) or die "$file: $!";
	print $fh $text;
	close $fh;
}

sub run
{
	my (@cmd) = @_;
	open(my $fh, '-|', @cmd) or die "@cmd: $!";
	local $/;
	my $out = <$fh> // '';
	close $fh;
	return ($out, $? >> 8);
}

# ---- the substitution (portable/test/prepare --sql) ----
my $sample = <<'SQL';
CREATE EXTENSION IF NOT EXISTS idempotency;
create extension idempotency cascade;
DROP EXTENSION IF EXISTS idempotency;
ALTER EXTENSION idempotency UPDATE;
CREATE EXTENSION
    idempotency;
SELECT extname FROM pg_extension WHERE extname = 'idempotency';
SELECT 1 FROM pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'idempotency';
CREATE EXTENSION idempotency_portable;
CREATE EXTENSION idempotency_other;
CREATE EXTENSION pgtap;
SELECT * FROM idempotency.idempotency_keys WHERE scope = 'idempotency';
SELECT has_schema('idempotency');
-- the idempotency extension's CREATE EXTENSION idempotencyx
SQL
my $want = <<'SQL';
CREATE EXTENSION IF NOT EXISTS idempotency_portable;
create extension idempotency_portable cascade;
DROP EXTENSION IF EXISTS idempotency_portable;
ALTER EXTENSION idempotency_portable UPDATE;
CREATE EXTENSION
    idempotency_portable;
SELECT extname FROM pg_extension WHERE extname = 'idempotency_portable';
SELECT 1 FROM pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'idempotency_portable';
CREATE EXTENSION idempotency_portable;
CREATE EXTENSION idempotency_other;
CREATE EXTENSION pgtap;
SELECT * FROM idempotency.idempotency_keys WHERE scope = 'idempotency';
SELECT has_schema('idempotency');
-- the idempotency extension's CREATE EXTENSION idempotencyx
SQL
{
	my $in = File::Temp->new;
	print $in $sample;
	close $in;
	my ($out) = run('bash', '-c', 'bash "$0" --sql <"$1"', $prepare, $in->filename);
	is($out, $want,
		'the extension is renamed in CREATE/DROP/ALTER EXTENSION and extname comparisons, '
		  . 'not in the schema, the table, other extensions or longer words');
}

# ---- a sample tree: the C edition's tests, overrides, the skip list ----
my $tree = tempdir(CLEANUP => 1);
make_path("$tree/scripts/lib", "$tree/portable/test");
copy($lib, "$tree/scripts/lib/counts.sh") or die $!;
copy($prepare, "$tree/portable/test/prepare") or die $!;
my $a_sql = "CREATE EXTENSION IF NOT EXISTS idempotency;\nSELECT 1;\n";
my $a_out = "CREATE EXTENSION IF NOT EXISTS idempotency;\nSELECT 1;\n ?column? \n----------\n        1\n(1 row)\n\n";
spew("$tree/sql/alpha.sql", $a_sql);
spew("$tree/expected/alpha.out", $a_out);
spew("$tree/sql/beta.sql", "CREATE EXTENSION idempotency;\n");
spew("$tree/expected/beta.out", "CREATE EXTENSION idempotency;\nthe C edition\n");
spew("$tree/portable/expected/beta.out", "CREATE EXTENSION idempotency_portable;\nthe portable edition\n");
spew("$tree/sql/gamma.sql", "SELECT idempotency.stats();\n");
spew("$tree/expected/gamma.out", "");
spew("$tree/portable/sql/own.sql", "SELECT 2;\n");
spew("$tree/portable/expected/own.out", "own\n");
spew("$tree/test/specs/race.spec", "setup { CREATE EXTENSION IF NOT EXISTS idempotency; }\n");
spew("$tree/test/expected/race.out", "race\n");
spew("$tree/test/expected/race_1.out", "CREATE EXTENSION idempotency;\n");
spew("$tree/test/specs/counters.spec", "counters\n");
spew("$tree/test/expected/counters.out", "counters\n");
spew("$tree/test/pgtap/plain.sql", "BEGIN;\nCREATE EXTENSION idempotency;\n");
spew("$tree/test/pgtap/routed.sql", "C only\n");
spew("$tree/portable/test/pgtap/routed.sql", "CREATE EXTENSION idempotency_portable; -- its own\n");
spew("$tree/portable/expected/gone.out", "an override of a test that is no more\n");
spew("$tree/portable/test/expected/counters_1.out", "an override of a skipped spec\n");
spew("$tree/portable/test/skip", <<'SKIP');
# comments and blank lines do not count

sql/gamma.sql   shared-memory counters: not in the portable edition
test/specs/counters.spec	the counters again
sql/missing.sql  a test that is not there
sql/alpha.sql
sql/gamma.sql   twice
SKIP

# ---- skip_entries ----
{
	my ($out) = run('bash', '-c', '. "$0"; skip_entries "$1" "$2"', $lib, "$tree/portable/test/skip", $tree);
	is( $out,
		"skip sql/gamma.sql\tshared-memory counters: not in the portable edition\n"
		  . "skip test/specs/counters.spec\tthe counters again\n"
		  . "bad 5: sql/missing.sql: no such test\n"
		  . "bad 6: sql/alpha.sql gives no reason\n"
		  . "bad 7: sql/gamma.sql is listed twice\n",
		'skip_entries: the entries with their reasons; a line naming no test, giving no reason '
		  . 'or naming one twice is bad');
	my ($none) = run('bash', '-c', '. "$0"; skip_entries "$1" "$2"', $lib, "$tree/no/such/file", $tree);
	is($none, '', 'skip_entries: no skip list, no entries');
}

# ---- portable/test/prepare ----
my $out = "$tree/run";
my ($log, $status) = run('bash', "$tree/portable/test/prepare", $out);
is($status, 0, 'portable/test/prepare succeeds') or diag $log;
is(slurp("$out/regress.list"), "alpha\nbeta\nown\n",
	'regress: the C tests but the skipped one, then the portable edition\'s own');
is(slurp("$out/isolation.list"), "race\n", 'isolation: the skipped spec is left out');
is(slurp("$out/pgtap.list"), "plain\nrouted\n", 'pgTAP: every file, one replaced by its override');
is(slurp("$out/skipped"),
	"sql/gamma.sql\tshared-memory counters: not in the portable edition\n"
	  . "test/specs/counters.spec\tthe counters again\n",
	'the skipped tests, with their reasons, for the report');
is( slurp("$out/problems"),
	"portable/test/skip:5: sql/missing.sql: no such test\n"
	  . "portable/test/skip:6: sql/alpha.sql gives no reason\n"
	  . "portable/test/skip:7: sql/gamma.sql is listed twice\n"
	  . "portable/expected/gone.out: no test of that name\n"
	  . "portable/test/expected/counters_1.out: its test test/specs/counters.spec is skipped\n",
	'the bad lines of the skip list and the overrides no test uses, each a failure for scripts/test');
is(slurp("$out/regress/sql/alpha.sql"), "CREATE EXTENSION IF NOT EXISTS idempotency_portable;\nSELECT 1;\n",
	'a C test creates the portable edition');
is(slurp("$out/regress/expected/alpha.out"),
	"CREATE EXTENSION IF NOT EXISTS idempotency_portable;\nSELECT 1;\n ?column? \n----------\n        1\n(1 row)\n\n",
	'its expected output is the C edition\'s, with the echoed statement renamed the same way');
is(slurp("$out/regress/expected/beta.out"), "CREATE EXTENSION idempotency_portable;\nthe portable edition\n",
	'an override in portable/expected replaces the C edition\'s expected output, as it is');
ok(!-e "$out/regress/sql/gamma.sql", 'a skipped test is not copied');
is(slurp("$out/regress/sql/own.sql"), "SELECT 2;\n", 'a test of the portable edition alone runs as it is');
is(slurp("$out/isolation/specs/race.spec"), "setup { CREATE EXTENSION IF NOT EXISTS idempotency_portable; }\n",
	'a spec creates the portable edition');
is(slurp("$out/isolation/expected/race_1.out"), "CREATE EXTENSION idempotency_portable;\n",
	'alternative expected outputs come along, renamed');
is(slurp("$out/pgtap/plain.sql"), "BEGIN;\nCREATE EXTENSION idempotency_portable;\n",
	'a pgTAP file creates the portable edition');
is(slurp("$out/pgtap/routed.sql"), "CREATE EXTENSION idempotency_portable; -- its own\n",
	'a pgTAP override in portable/test/pgtap replaces the C file');

# a skipped test counts nothing: the runner counts the listed tests only
{
	my $f = File::Temp->new;
	print $f "ok 1         - alpha   5 ms\nok 2         - beta   5 ms\nok 3         - own   5 ms\n1..3\n";
	close $f;
	my ($counts) = run('bash', '-c', '. "$0"; regress_counts "$1" "$2" 0', $lib, $f->filename,
		scalar(split /\n/, slurp("$out/regress.list")));
	is($counts, "3 0\n", 'a run of the listed tests counts them; the skipped one neither passed nor failed');
}

done_testing();
