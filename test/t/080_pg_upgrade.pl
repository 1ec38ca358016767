# pg_upgrade across majors keeps the keys: a cluster of this suite's server
# (Debian's 15 in scripts/test) with the library preloaded, completed keys
# of two roles, a lease still held, an abandoned lease and an expiry
# schedule is upgraded with pg_upgrade to a newer major (the pg_config in
# IDEMPOTENCY_PG_UPGRADE_TO, which scripts/test sets when scripts/pgbuild
# has built one and the extension is installed there).  After the upgrade
# completed keys replay for their owners (role OIDs and the key tables'
# files carried over), the held lease completes with its token, the
# abandoned one recovers at its recovery point, and the expiry worker
# resumes on its schedule.  Skipped without a newer major.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;

my $new_pg_config = $ENV{IDEMPOTENCY_PG_UPGRADE_TO} // '';
plan skip_all => 'no newer major to upgrade to (IDEMPOTENCY_PG_UPGRADE_TO, set by scripts/test '
  . 'when scripts/pgbuild has built one)'
  unless $new_pg_config ne '' && -x $new_pg_config;

my $new_bindir = `"$new_pg_config" --bindir`;
chomp $new_bindir;
my $new_prefix = dirname($new_bindir);
my $old_bindir = `pg_config --bindir`;
chomp $old_bindir;
my ($old_version) = `pg_config --version` =~ /(\d+)/;
my ($new_version) = `"$new_pg_config" --version` =~ /(\d+)/;
plan skip_all => "$new_pg_config is not a newer major ($new_version) than this suite's ($old_version)"
  unless $new_version > $old_version;
note "upgrading from $old_version ($old_bindir) to $new_version ($new_bindir)";

my $preload = "shared_preload_libraries = 'idempotency'";

# ---- the old cluster: keys in every state, and a schedule ----
my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->append_conf('postgresql.conf', $preload);
$old->start;
$old->safe_psql('postgres', q{
	CREATE ROLE idem_app LOGIN;
	CREATE ROLE idem_other LOGIN;
	CREATE DATABASE shop;});
$old->safe_psql('shop', 'CREATE EXTENSION idempotency');

sub as
{
	my ($node, $role, $sql) = @_;
	return $node->safe_psql('shop', $sql, extra_params => [ '-U', $role ]);
}

is( as( $old, 'idem_app', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('pay-1', fingerprint => 'fp-1');
	SELECT state FROM idempotency.complete('pay-1', '{"payment_id": 1}', 201);
	COMMIT;
	SELECT idempotency.once('once-1', 'SELECT 42 AS answer');}),
	"claimed\ncompleted\n[{\"answer\": 42}]",
	'before: idem_app completes a key and runs a once() key');
is( as( $old, 'idem_other', q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('pay-1');
	SELECT state FROM idempotency.complete('pay-1', '"other"', 200);
	COMMIT;}),
	"claimed\ncompleted",
	'before: idem_other completes a key of the same name, its own');

# a lease held (an hour) by a session that is still open when the server
# stops, and a lease abandoned at its recovery point
my $holder = $old->background_psql('shop', extra_params => [ '-U', 'idem_app' ]);
my $held_token = $holder->query_safe(q{
	SELECT lease_token FROM idempotency.claim('lease-held', lease => '1 hour');});
like($held_token, qr/^[0-9a-f-]{36}$/, 'before: a session holds a lease, with its token');
is( as( $old, 'idem_app', q{
	SELECT outcome FROM idempotency.claim('lease-abandoned', lease => '1 second',
	                                      fingerprint => 'fp-l');
	SELECT recovery_point FROM idempotency.checkpoint('lease-abandoned', 'charged',
	    token => (SELECT lease_token FROM idempotency.lookup('lease-abandoned')));}),
	"claimed\ncharged",
	'before: a lease is checkpointed at "charged" and abandoned');

insert_expired($old, 'shop', 'old', 20);
$old->safe_psql('shop', q{SELECT idempotency.schedule_expiry('1 second', batch_size => 5)});
ok( $old->poll_query_until(
		'shop', q{SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'old-%'}),
	'before: the expiry worker purges on its schedule');
my $keys_before = $old->safe_psql('shop', q{
	SELECT string_agg(owner::text || '/' || key || '/' || state, ',' ORDER BY owner::text, key)
	  FROM idempotency.idempotency_keys});

$holder->quit;

# Debian's 15.20 stamps every user column with a reserved attribute option
# "pg_attver" (an attribute version, see its catalog/pg_attribute.h) that
# 17.11 and 18.6 do not know: their pg_dump carries it over and the new
# server rejects it, so pg_upgrade fails for any cluster with a table.
# The upgrade is tried as it is first; if it fails for that reason only,
# the option is removed from the old cluster's user columns (catalog
# surgery, as a superuser) and the upgrade is run again.
my $attver_sql = q{
	SELECT count(*) FROM pg_catalog.pg_attribute
	 WHERE attrelid >= 16384 AND attoptions::text LIKE '%pg_attver=%'};
my $attver = $old->safe_psql('shop', $attver_sql);
$old->stop;

my $workdir = PostgreSQL::Test::Utils::tempdir;

# initializes a new cluster of the newer major and upgrades the old one
# into it; returns the node and whether pg_upgrade succeeded
sub upgrade
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name, install_path => $new_prefix);
	# 18 initializes with data checksums by default; the old cluster has none
	$node->init(extra => ['--no-data-checksums']);
	$node->append_conf('postgresql.conf', $preload);
	chdir $workdir or die "chdir $workdir: $!";
	my $ok = run_log(
		[
			"$new_bindir/pg_upgrade", '--no-sync',
			'-d', $old->data_dir, '-D', $node->data_dir,
			'-b', $old_bindir, '-B', $new_bindir,
			'-s', $node->host, '-p', $old->port, '-P', $node->port,
		]);
	chdir $FindBin::RealBin;
	return ($node, $ok);
}

# the text of the logs pg_upgrade left in a new cluster's data directory
sub upgrade_logs
{
	my ($node) = @_;
	my $text = '';
	for my $f (glob($node->data_dir . '/pg_upgrade_output.d/*/log/*.log'))
	{
		$text .= slurp_file($f);
	}
	return $text;
}

my ($new, $ok) = upgrade('new');
if (!$ok && $attver > 0)
{
	my $logs = upgrade_logs($new);
	my @errors = $logs =~ /^(?:pg_restore: error|psql:.*ERROR|ERROR):.*$/mg;
	my @others = grep { !/unrecognized parameter "pg_attver"/ } @errors;
	ok(@errors > 0 && @others == 0,
		"pg_upgrade of the unmodified cluster fails only on $attver columns' pg_attver option")
	  or diag(join("\n", @errors));

	$old->start;
	for my $db (split /\n/,
		$old->safe_psql('postgres', 'SELECT datname FROM pg_database WHERE datallowconn'))
	{
		$old->safe_psql(
			$db, q{
		SET allow_system_table_mods = on;
		UPDATE pg_catalog.pg_attribute
		   SET attoptions = (SELECT pg_catalog.array_agg(o) FROM pg_catalog.unnest(attoptions) o
		                      WHERE o NOT LIKE 'pg_attver=%')
		 WHERE attrelid >= 16384 AND attoptions::text LIKE '%pg_attver=%'});
	}
	is($old->safe_psql('shop', $attver_sql), '0', 'pg_attver removed from the old cluster');
	$old->stop;
	($new, $ok) = upgrade('new_again');
}
ok($ok, "pg_upgrade from $old_version to $new_version, the library preloaded in both")
  or diag(upgrade_logs($new));
$new->start;

like($new->safe_psql('postgres', 'SHOW server_version'), qr/^$new_version\./,
	"the upgraded cluster runs $new_version");
is($new->safe_psql('shop', q{
	SELECT string_agg(owner::text || '/' || key || '/' || state, ',' ORDER BY owner::text, key)
	  FROM idempotency.idempotency_keys}),
	$keys_before, 'every key is there, with its owner and state');

# ---- after: keys replay for their owners ----
is( as( $new, 'idem_app', q{
	SELECT outcome || ' ' || response_code || ' ' || response::text
	  FROM idempotency.claim('pay-1', fingerprint => 'fp-1')}),
	'completed 201 {"payment_id": 1}',
	'a completed key replays for its owner');
my ($rc, $out, $err) = $new->psql('shop',
	q{SELECT idempotency.claim('pay-1', fingerprint => 'other')},
	extra_params => [ '-U', 'idem_app' ]);
like($err, qr/already used for a different request/,
	'its fingerprint still tells another request apart');
is( as( $new, 'idem_other', q{
	SELECT outcome || ' ' || response::text FROM idempotency.claim('pay-1')}),
	'completed "other"',
	'the other role replays its own key of the same name');
is(as($new, 'idem_app', q{SELECT idempotency.once('once-1', 'SELECT 42 AS answer')}),
	'[{"answer": 42}]', 'a once() key replays its stored rows');

# ---- leases ----
is( as( $new, 'idem_app', qq{
	SELECT state FROM idempotency.complete('lease-held', '"late"', 200,
	                                       token => '$held_token')}),
	'completed',
	'the holder of the lease completes it with its token');
is( as( $new, 'idem_app', q{
	SELECT outcome || ' ' || response::text FROM idempotency.claim('lease-held')}),
	'completed "late"', 'and it replays');
is( as( $new, 'idem_app', q{
	BEGIN;
	SELECT outcome || ' ' || recovery_point
	  FROM idempotency.claim('lease-abandoned', fingerprint => 'fp-l', lease => '1 minute');
	SELECT state FROM idempotency.complete('lease-abandoned', '"done"',
	    token => (SELECT lease_token FROM idempotency.lookup('lease-abandoned')));
	COMMIT;}),
	"recovered charged\ncompleted",
	'the abandoned lease recovers at its recovery point and completes');

# ---- the expiry worker resumes on the schedule it had ----
insert_expired($new, 'shop', 'new', 20);
ok( $new->poll_query_until(
		'shop', q{SELECT count(*) = 0 FROM idempotency.idempotency_keys WHERE key LIKE 'new-%'}),
	'the expiry worker purges again after the upgrade');
is( $new->safe_psql(
		'shop', q{
	SELECT scheduled AND worker_pid IS NOT NULL AND every = '1 second' AND batch_size = 5
	  FROM idempotency.expiry_status WHERE database = 'shop'}),
	't',
	'on the schedule set before the upgrade');
is(count_keys($new, 'shop', 'pay'), '2', 'and leaves live keys alone');

$new->stop;
done_testing();
