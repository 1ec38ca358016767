# The two editions must not drift (issue 26): on one cluster, a database
# with the C edition (CREATE EXTENSION idempotency) and one with the
# portable edition (CREATE EXTENSION idempotency_portable); their catalogs,
# one fact a line (portable/test/catalog.sql: every function signature with
# its defaults, volatility, strictness, security and parallel safety, the
# result types and their attributes, the key table with its columns, types,
# collations, constraints, indexes, triggers, row-level security and
# policies, the views, every grant and owner, the comments, the extension's
# members and control settings), must be the same but for the differences
# listed in portable/test/catalog-differences:
#
#   - FACT # REASON     a fact of the C edition that the portable one lacks
#   + FACT # REASON     a fact of the portable edition that the C one lacks
#
# ("*" in FACT matches any text: "+ function idempotency.portable_* # ..."
# covers every fact of those helpers).  Fails on any other difference, and
# on a listed difference that no longer occurs.  The plain script
# (portable/idempotency_portable.sql, run with psql -f by a role that is
# not a superuser and has CREATE on the database) must give the same
# catalog as the extension, its extension facts aside.  Then it changes the
# portable edition in a third database, one object of each kind, and checks
# that each change is found: the comparison can fail.
#
# Run by scripts/test's portable suite on its pgTAP cluster; by hand, with
# both editions installed (make install; make -C portable install) and the
# PG* variables naming a server where the user may create databases:
#   prove portable/test/catalog.t
# IDEMPOTENCY_CATALOG_EXTENSION names another extension to compare with the
# C edition (a modified copy of the portable edition, installed under a
# name of its own); IDEMPOTENCY_CATALOG_DIFFERENCES another list.
use strict;
use warnings;

use Test::More;
use FindBin;

my $here = $FindBin::RealBin;
my $facts_sql = "$here/catalog.sql";
my $differences = $ENV{IDEMPOTENCY_CATALOG_DIFFERENCES} // "$here/catalog-differences";
# the extension compared with the C edition (another name: a modified copy)
my $portable = $ENV{IDEMPOTENCY_CATALOG_EXTENSION} // 'idempotency_portable';
my $plain_script = $ENV{IDEMPOTENCY_CATALOG_PLAIN} // "$here/../idempotency_portable.sql";
my @dbs = qw(catalog_c catalog_portable catalog_changed catalog_plain);
my $plain_role = 'catalog_plain_owner';

# psql on a database; its output, or dies with its errors
sub psql
{
	my ($db, @args) = @_;
	my $out = qx{psql -X -q -A -t -v ON_ERROR_STOP=1 -d '$db' @args 2>&1};
	die "psql -d $db @args failed:\n$out" if $?;
	return $out;
}

sub sql
{
	my ($db, $sql) = @_;
	$sql =~ s/'/'\\''/g;
	return psql($db, "-c '$sql'");
}

# the sorted facts of a database's catalog
sub facts
{
	my ($db) = @_;
	return [ grep { $_ ne '' } split /\n/, psql($db, "-f '$facts_sql'") ];
}

# the kind of object a fact is about, for the report
my @kinds = qw(extension schema function type table view column constraint index trigger policy other);
sub kind_of
{
	my ($fact) = @_;
	my ($word) = $fact =~ /^(\S+?):?\s/;
	$word //= 'other';
	$word = 'function' if $word eq 'procedure';
	return (grep { $_ eq $word } @kinds) ? $word : 'other';
}

# the listed differences: [side, regex, text, reason, line number]
my @listed;
my @malformed;
if (open(my $fh, '<', $differences))
{
	while (my $line = <$fh>)
	{
		chomp $line;
		next if $line =~ /^\s*(#|$)/;
		if ($line =~ /^([-+]) (.+?) # (\S.*)$/)
		{
			my ($side, $fact, $reason) = ($1, $2, $3);
			my $re = join '.*', map { quotemeta } split /\*/, $fact, -1;
			push @listed, [ $side, qr/^$re$/, $fact, $reason, $. ];
		}
		else
		{
			push @malformed, "$.: $line";
		}
	}
	close $fh;
}
is_deeply(\@malformed, [], 'every line of catalog-differences is a difference with its reason')
  or diag "malformed lines of $differences:\n" . join("\n", @malformed);

# the differences of two fact lists that no listed difference explains,
# per kind, and the listed differences that explain none
sub compare
{
	my ($c, $p) = @_;
	my (%in_c, %in_p);
	@in_c{@$c} = ();
	@in_p{@$p} = ();
	my @diff = ((map { [ '-', $_ ] } grep { !exists $in_p{$_} } @$c),
		(map { [ '+', $_ ] } grep { !exists $in_c{$_} } @$p));
	my %used;
	my %unlisted = map { $_ => [] } @kinds;
	DIFF: for my $d (@diff)
	{
		for my $i (0 .. $#listed)
		{
			if ($listed[$i][0] eq $d->[0] && $d->[1] =~ $listed[$i][1])
			{
				$used{$i} = 1;
				next DIFF;
			}
		}
		push @{ $unlisted{ kind_of($d->[1]) } }, "$d->[0] $d->[1]";
	}
	my @stale = map { "line $listed[$_][4]: $listed[$_][0] $listed[$_][2]" }
	  grep { !$used{$_} } 0 .. $#listed;
	return (\%unlisted, \@stale);
}

# the databases
psql('postgres', "-c 'DROP DATABASE IF EXISTS $_'") for @dbs;
psql('postgres', "-c 'CREATE DATABASE $_'") for @dbs;
my %created;
for my $case ([ 'catalog_c', 'idempotency' ], [ 'catalog_portable', $portable ], [ 'catalog_changed', $portable ])
{
	my ($db, $ext) = @$case;
	$created{$db} = eval { sql($db, "CREATE EXTENSION $ext"); 1 };
	ok($created{$db}, "CREATE EXTENSION $ext in $db") or diag $@;
}
if (!$created{catalog_c} || !$created{catalog_portable})
{
	psql('postgres', "-c 'DROP DATABASE IF EXISTS $_'") for @dbs;
	done_testing();
	exit;
}

# the plain script, as a role with CREATE on the database only
psql('postgres', "-c 'DROP ROLE IF EXISTS $plain_role'");
psql('postgres', "-c 'CREATE ROLE $plain_role LOGIN'");
psql('postgres', "-c 'GRANT CREATE ON DATABASE catalog_plain TO $plain_role'");
my $plain_ok = eval { psql('catalog_plain', "-U $plain_role -f '$plain_script'"); 1 };
ok($plain_ok, "the plain script runs as $plain_role, a role that is not a superuser") or diag $@;

my $c = facts('catalog_c');
my $p = facts('catalog_portable');
for my $case ([ 'C', $c ], [ 'portable', $p ])
{
	my ($edition, $facts) = @$case;
	ok((grep { /^function idempotency\.claim\(.*: returns idempotency\.claim_result$/ } @$facts)
		  && (grep { /^policy own_keys on table idempotency\.idempotency_keys: / } @$facts),
		"the $edition edition's catalog lists claim() and the key table's policy ("
		  . scalar(@$facts) . " facts)");
}

my ($unlisted, $stale) = compare($c, $p);
for my $kind (@kinds)
{
	is_deeply($unlisted->{$kind}, [], "$kind: the editions differ only as catalog-differences says")
	  or diag "differences not listed in $differences (- C only, + portable only):\n"
	  . join("\n", @{ $unlisted->{$kind} });
}
is_deeply($stale, [], 'every difference listed in catalog-differences still occurs')
  or diag "listed differences that no longer occur (remove them from $differences):\n"
  . join("\n", @$stale);

# the plain script: the extension's catalog, but what only an extension
# has (its control settings, its members, the tables pg_dump keeps), and
# the version mark on the schema that plain updates check
SKIP:
{
	skip 'the plain script did not run', 2 unless $plain_ok;
	my @ext_only = grep { /^extension: |: extension member$/ } @$p;
	my @p_plain = grep { !/^extension: |: extension member$/ } @$p;
	my $plain = facts('catalog_plain');
	my @mark = grep { /^schema idempotency: comment idempotency_portable [0-9.]+$/ } @$plain;
	is(scalar(@mark), 1, 'the plain script marks its schema with the version: ' . ($mark[0] // 'none'));
	$plain = [ grep { !/^schema idempotency: comment idempotency_portable [0-9.]+$/ } @$plain ];
	my (%in_p, %in_plain);
	@in_p{@p_plain} = ();
	@in_plain{@$plain} = ();
	my @diff = ((map { "- $_" } grep { !exists $in_plain{$_} } @p_plain),
		(map { "+ $_" } grep { !exists $in_p{$_} } @$plain));
	is_deeply(\@diff, [],
		'the plain script gives the catalog of the extension (but its '
		  . scalar(@ext_only) . ' extension facts)')
	  or diag "- the extension only, + the plain script only:\n" . join("\n", @diff);
}

# the comparison finds a change of one edition: each change made to the
# portable edition in catalog_changed shows as a difference not listed
SKIP:
{
	skip 'the portable edition could not be created in catalog_changed', 7 unless $created{catalog_changed};
	my @changes = (
		[ 'ALTER FUNCTION idempotency.lookup(text, text) SECURITY DEFINER',
			qr/^\+ function idempotency\.lookup\(text,text\): security definer$/ ],
		[ 'REVOKE USAGE ON SCHEMA idempotency FROM PUBLIC',
			qr/^- schema idempotency: grant USAGE to PUBLIC$/ ],
		[ 'ALTER TABLE idempotency.idempotency_keys NO FORCE ROW LEVEL SECURITY',
			qr/^\+ table idempotency\.idempotency_keys: row-level security enabled$/ ],
		[ 'CREATE INDEX catalog_probe ON idempotency.idempotency_keys (expires_at)',
			qr/^\+ index idempotency\.catalog_probe: / ],
		[ 'ALTER POLICY own_keys ON idempotency.idempotency_keys USING (true)',
			qr/^\+ policy own_keys on table idempotency\.idempotency_keys: .* using \(true\)/ ],
		[ 'ALTER TYPE idempotency.claim_result ADD ATTRIBUTE catalog_probe integer',
			qr/^\+ type idempotency\.claim_result: attribute \d+ catalog_probe integer$/ ],
		[ 'ALTER TABLE idempotency.idempotency_keys ALTER COLUMN scope SET DEFAULT \'x\'',
			qr/^\+ column scope of table idempotency\.idempotency_keys: .* default 'x'::text$/ ],
	);
	sql('catalog_changed', $_->[0]) for @changes;
	my ($found) = compare($c, facts('catalog_changed'));
	my @found = map { @{ $found->{$_} } } @kinds;
	for my $change (@changes)
	{
		ok((grep { $_ =~ $change->[1] } @found), "a change of one edition is found: $change->[0]")
		  or diag "differences found:\n" . join("\n", @found);
	}
}

psql('postgres', "-c 'DROP DATABASE IF EXISTS $_'") for @dbs;
psql('postgres', "-c 'DROP ROLE IF EXISTS $plain_role'");
done_testing();
