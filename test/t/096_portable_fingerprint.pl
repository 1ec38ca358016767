# once()'s fingerprint is the same in both editions: the same request under
# the same key stores the same digest in the C edition and in the portable
# edition, for the statement alone and for parameters of every type the
# portable edition rebuilds bit for bit (portable/DIFFERENCES.md), so that
# keys moved between the editions replay.  Both editions installed
# (make install, make -C portable install); one cluster, one database each.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('portable_fingerprint');
my $sharedir = $node->config_data('--sharedir');
plan skip_all => 'the C edition is not installed'
  unless -f "$sharedir/extension/idempotency.control";
ok(-f "$sharedir/extension/idempotency_portable.control", 'the portable edition is installed');

$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE c_ed; CREATE DATABASE p_ed;');
$node->safe_psql('c_ed', 'CREATE EXTENSION idempotency');
$node->safe_psql('p_ed', 'CREATE EXTENSION idempotency_portable');
for my $db ('c_ed', 'p_ed')
{
	$node->safe_psql($db, q{
        CREATE TYPE mood AS ENUM ('ok', 'sad');
        CREATE TYPE pair AS (a int, b text);
        CREATE TABLE t (x int)});
}

# statement, parameters (SQL, all of one type), as once() takes them
my @cases = (
	[ 'SELECT 1 AS one', undef ],
	[ 'SELECT $1 AS v', '1' ],
	[ 'SELECT $1 AS v', '1::bigint' ],
	[ 'SELECT $1 AS v', '(-5)::int2' ],
	[ 'SELECT $1, $2, $3 AS v', q{'a', 'bc', 'déf'} ],
	[ 'SELECT $1, $2 AS v', q{NULL::text, 'x'::text} ],
	[ 'SELECT $1 AS v', 'true' ],
	[ 'SELECT $1, $2 AS v', '1.5::float4, (-0.0)::float4' ],
	[ 'SELECT $1, $2, $3 AS v', q{1e300::float8, 'NaN'::float8, '-Infinity'::float8} ],
	[ 'SELECT $1, $2, $3, $4 AS v', q{0::numeric, 'NaN'::numeric, '-Infinity'::numeric, (-1.5)::numeric} ],
	[ 'SELECT $1, $2 AS v', q{1e300::numeric, '12345678901234567890.123456789000'::numeric} ],
	[ 'SELECT $1, $2 AS v', q{'2026-02-28'::date, 'infinity'::date} ],
	[ 'SELECT $1 AS v', q{'2026-01-02 03:04:05.678'::timestamp} ],
	[ 'SELECT $1 AS v', q{'2026-01-02 03:04:05.678+00'::timestamptz} ],
	[ 'SELECT $1 AS v', q{'13:14:15.5'::time} ],
	[ 'SELECT $1 AS v', q{'13:14:15.5+02'::timetz} ],
	[ 'SELECT $1 AS v', q{'-1 year -2 mons +3 days -04:05:06.7'::interval} ],
	[ 'SELECT $1 AS v', q{'8f0c1a4e-0000-4000-8000-0000000000aa'::uuid} ],
	[ 'SELECT $1 AS v', q{'\x00ff10'::bytea} ],
	[ 'SELECT $1 AS v', q{'{"a": [1, 2]}'::json} ],
	[ 'SELECT $1 AS v', q{'abc'::varchar} ],
	[ 'SELECT $1 AS v', q{'ab'::char(4)} ],
	[ 'SELECT $1 AS v', q{'a name'::name} ],
	[ 'SELECT $1 AS v', '3000000000::oid' ],
	[ 'SELECT $1 AS v', q{'x'::"char"} ],
	[ 'SELECT $1 AS v', q{'12.5'::money} ],
	[ 'SELECT $1 AS v', q{'08:00:2b:01:02:03'::macaddr} ],
	[ 'SELECT $1 AS v', q{'08:00:2b:01:02:03:04:05'::macaddr8} ],
	[ 'SELECT $1 AS v', q{'(1.5,-2)'::point} ],
	[ 'SELECT $1, $2 AS v', q{'10.1.0.0/16'::inet, '::1'::inet} ],
	[ 'SELECT $1 AS v', q{'2001:db8::/32'::cidr} ],
	[ 'SELECT $1 AS v', q{'ok'::mood} ],
	[ 'SELECT $1 AS v', q{ROW(1, 'x')::pair} ],
	[ 'SELECT $1 AS v', q{'pg_class'::regclass} ],
	[ 'SELECT $1, $2 AS v', q{'1'::jsonb, '"str"'::jsonb} ],
	[ 'SELECT $1 AS v', q{'[1, "ab", null, false, {"x": [2.5, "y"]}, [[]]]'::jsonb} ],
	[ 'SELECT $1 AS v', q{'{"bb": 1, "a": "x", "ccc": [1,2,3], "d": {"e": null}, "é": -1.5e10}'::jsonb} ],
	[ 'SELECT $1 AS v', '(SELECT jsonb_agg(g) FROM generate_series(1, 70) g)' ],
	[ 'SELECT $1, $2, $3, $4, $5, $6, $7 AS v', '1, 2, 3, 4, 5, 6, 7' ],
	[ 'SELECT $1, $2, $3 AS v', q{repeat('x', 1000), 'y', ''} ],
	[ 'INSERT INTO t VALUES ($1) RETURNING x', '42' ],);

my $n = 0;
for my $case (@cases)
{
	my ($stmt, $params) = @$case;
	$n++;
	(my $lit = $stmt) =~ s/'/''/g;
	my $call = defined $params
	  ? "SELECT idempotency.once('fp-$n', '$lit', $params)"
	  : "SELECT idempotency.once('fp-$n', '$lit')";
	my %digest;
	for my $db ('c_ed', 'p_ed')
	{
		$node->safe_psql($db, $call);
		$digest{$db} = $node->safe_psql($db,
			"SELECT fingerprint FROM idempotency.idempotency_keys WHERE key = 'fp-$n'");
	}
	is($digest{p_ed}, $digest{c_ed},
		'the same fingerprint: ' . (defined $params ? $params : '(no parameters)'));
}

# a key completed by the C edition replays in the portable edition: the
# completed row, as a move between the editions carries it (docs/managed.md)
$node->safe_psql('c_ed', q{SELECT idempotency.once('moved', 'INSERT INTO t VALUES ($1) RETURNING x + 1 AS n', 41)});
my $row = $node->safe_psql('c_ed', q{
    SELECT format('(%L::regrole, %L, %L, %L, %L, %L::jsonb, now(), now(), now() + interval ''1 day'')',
                  current_user, scope, key, state, fingerprint, response)
      FROM idempotency.idempotency_keys WHERE key = 'moved'});
$node->safe_psql('p_ed', qq{
    INSERT INTO idempotency.idempotency_keys
           (owner, scope, key, state, fingerprint, response, created_at, completed_at, expires_at)
    VALUES $row});
is($node->safe_psql('p_ed', q{SELECT idempotency.once('moved', 'INSERT INTO t VALUES ($1) RETURNING x + 1 AS n', 41)}),
	'[{"n": 42}]', 'a key the C edition completed replays in the portable edition');
is($node->safe_psql('p_ed', q{SELECT count(*) FROM t WHERE x = 41}), '0', '... without running the statement');
my ($rc, $out, $err) = $node->psql('p_ed', q{SELECT idempotency.once('moved', 'INSERT INTO t VALUES ($1) RETURNING x + 1 AS n', 42)});
like($err, qr/already used for a different request/, '... and another request under it is IK001');

$node->stop;
done_testing();
