# The counting of scripts/test (scripts/lib/counts.sh), fed the output of
# every driver it reads, in every format it meets: pg_regress and
# pg_isolation_regress before 16 ("test NAME ... ok") and from 16 on (TAP:
# "ok 1 - NAME"), serial and in parallel groups, with failures, with a
# server that never started and cut short; prove and pg_prove summaries;
# node:test and pytest; the failed Asserts of server logs.  The logs in
# logs/ are real outputs of PostgreSQL 15.20 and 17.11 drivers, prove,
# node, pytest and an 18.6 server built with assertions (paths replaced).
# Run by "scripts/test counting" (part of the default run), or alone:
# prove test/counting/
use strict;
use warnings;

use Test::More;
use File::Temp qw(tempfile);
use FindBin;

my $lib = "$FindBin::RealBin/../../scripts/lib/counts.sh";
my $logs = "$FindBin::RealBin/logs";
ok(-f $lib, 'scripts/lib/counts.sh is there');

# runs one counting function of counts.sh in bash; its output, trimmed
sub counts
{
	my ($function, @args) = @_;
	open(my $fh, '-|', 'bash', '-c', '. "$0"; "$@"', $lib, $function, @args)
	  or die "bash: $!";
	local $/;
	my $out = <$fh> // '';
	close $fh;
	$out =~ s/\s+$//;
	$out =~ s/^\s+//;
	$out =~ s/\s+/ /g;
	return $out;
}

# a log of the given lines, in a temporary file
sub log_of
{
	my ($fh, $name) = tempfile(UNLINK => 1);
	print $fh @_;
	close $fh;
	return $name;
}

# ---- pg_regress / pg_isolation_regress (log, tests expected, exit status) ----
is(counts('regress_counts', "$logs/regress-15.log", 2, 1), '1 1',
	'15: "test alpha ... ok" passes, "test beta ... FAILED" fails');
is(counts('regress_counts', "$logs/regress-15-parallel.log", 3, 1), '2 1',
	'15: the indented lines of a parallel group count too');
is(counts('regress_counts', "$logs/regress-17.log", 2, 1), '1 1',
	'17: "ok 1 - alpha" passes, "not ok 2 - beta" fails');
is(counts('regress_counts', "$logs/regress-17-parallel.log", 3, 1), '2 1',
	'17: "+" marks a parallel group\'s tests, counted the same');
is(counts('regress_counts', "$logs/regress-15-no-server.log", 2, 2), '0 2',
	'15: the server did not start: every test counts as failed');
is(counts('regress_counts', "$logs/regress-17-no-server.log", 2, 2), '0 2',
	'17: "Bail out!" before any test: every test counts as failed');

# passing runs: the same logs without the failing test
my $pass15 = log_of(grep { !/beta/ } do { open my $f, '<', "$logs/regress-15.log" or die; <$f> });
my $pass17 = log_of(grep { !/beta/ } do { open my $f, '<', "$logs/regress-17.log" or die; <$f> });
is(counts('regress_counts', $pass15, 1, 0), '1 0', '15: a clean run counts no failure');
is(counts('regress_counts', $pass17, 1, 0), '1 0', '17: a clean run counts no failure');
is(counts('regress_counts', $pass17, 3, 124), '1 2',
	'17: a run cut short (timeout) counts the tests that never reported as failed');
is(counts('regress_counts', $pass17, 1, 2), '1 1',
	'a non-zero exit status counts one failure at least');
is(counts('regress_counts', log_of("test gamma ... failed (ignored)  12 ms\n"), 1, 0), '0 1',
	'before 16: a test "failed (ignored)" counts as failed');
is( counts(
		'regress_counts',
		log_of("# parallel group (2 tests):  ok notok\nok 1         + ok   1 ms\n"
			  . "not ok 2     + notok   1 ms\n1..2\n# 1 of 2 tests failed.\n"),
		2, 1),
	'1 1',
	'16 and later: tests named like the status words, and "#" notes, count right');

# ---- prove / pg_prove (log, files, exit status) ----
is(counts('tap_counts', "$logs/prove-pass.log", 1, 0), '3 0',
	'prove: every assertion of a clean run passes');
is(counts('tap_counts', "$logs/prove-mixed.log", 3, 1), '7 2 t/fail.t t/dies.t',
	'prove: a failed assertion counts, a file that died without one counts one more; both named');
is(counts('tap_counts', log_of(''), 2, 1), '0 2', 'prove: no summary counts every file as failed');
is( counts(
		'tap_counts',
		log_of("t/080_pg_upgrade.pl .. skipped: no newer major\nFiles=1, Tests=0,  0 wallclock secs\n"
			  . "Result: NOTESTS\n"),
		1, 0),
	'0 0',
	'prove: a skipped file counts nothing');

# ---- client runners (log, declared, exit status, pass regex, fail regex) ----
is(counts('client_counts', "$logs/node.log", 3, 1, '^# pass [0-9]+', '^# fail [0-9]+'), '2 1',
	'node:test: "# pass" and "# fail"');
is(counts('client_counts', "$logs/pytest.log", 3, 1, '[0-9]+ passed', '[0-9]+ (failed|errors?)'),
	'2 1', 'pytest: "1 failed, 2 passed"');
is(counts('client_counts', log_of("npm ERR! network\n"), 4, 1, '^# pass [0-9]+', '^# fail [0-9]+'),
	'0 4', 'a runner that reported nothing: every declared test counts as failed');

# ---- failed Asserts in server logs (directories) ----
is( counts('assert_traps', "$logs/traps", "$logs/no-such-directory"),
	'TRAP: failed Assert("nkeys == scan->numberOfKeys"), File: "indexam.c", Line: 363, PID: 18175 '
	  . 'TRAP: failed Assert("nkeys == scan->numberOfKeys"), File: "indexam.c", Line: 363, PID: 18215',
	'the TRAP lines of a server log (18.6 with assertions), once each; not those a test quotes');
is(counts('assert_traps', "$logs/traps/tap"), '', 'logs without a TRAP line give none');

done_testing();
