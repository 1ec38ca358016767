# The Prometheus path: Debian's prometheus-postgres-exporter, given
# monitoring/postgres_exporter.yaml and connected as a pg_monitor member,
# exports the counters and the key table's gauges after real traffic
# (replays, a mismatch, a recovered lease, a refused commit), scraped over
# HTTP; monitoring/alerts.yml passes `promtool check rules` and its unit
# tests (monitoring/alerts_test.yml).  Then a server with two databases that
# have the extension, watched by one exporter in the documented
# multi-database set-up (--auto-discover-databases): the scrape succeeds,
# the cluster-wide counters appear once, each database's gauges once with
# its own label and values.
use strict;
use warnings;

use File::Basename qw(dirname);
use HTTP::Tiny;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;

my $monitoring = dirname(dirname($FindBin::RealBin)) . '/monitoring';
my $exporter_bin = '/usr/bin/prometheus-postgres-exporter';
my $promtool = '/usr/bin/promtool';
# scripts/deps installs both; a missing one fails here rather than skipping
ok(-x $exporter_bin, 'prometheus-postgres-exporter is installed');
ok(-x $promtool, 'promtool is installed');

# ---- the rules file ----
command_ok([ $promtool, 'check', 'rules', "$monitoring/alerts.yml" ],
	'promtool check rules accepts alerts.yml');
command_like([ $promtool, 'test', 'rules', "$monitoring/alerts_test.yml" ],
	qr/SUCCESS/, 'the alerts fire as their unit tests say');

# ---- a server with some traffic ----
my $node = PostgreSQL::Test::Cluster->new('prometheus');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'idempotency'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE DATABASE app;
	CREATE ROLE app_user LOGIN;
	CREATE ROLE exporter LOGIN IN ROLE pg_monitor;});
$node->safe_psql('app', 'CREATE EXTENSION idempotency');
$node->safe_psql('app', 'SELECT idempotency.stats_reset()');

my $app = sub {
	my ($sql) = @_;
	return $node->psql('app', $sql, extra_params => [ '-U', 'app_user' ]);
};
$app->(q{
	BEGIN;
	SELECT idempotency.claim('order-1', fingerprint => 'a');
	SELECT idempotency.complete('order-1', '{"id": 1}', 201);
	COMMIT;});
$app->(q{SELECT idempotency.claim('order-1', fingerprint => 'a')}) for 1 .. 3;
$app->(q{SELECT idempotency.claim('order-1', fingerprint => 'b')});    # IK001
$app->(q{BEGIN; SELECT idempotency.claim('order-2'); COMMIT;});       # IK005
$app->(q{SELECT idempotency.claim('charge-1', lease => '1 second')});
sleep 2;    # the lease runs out
$app->(q{
	BEGIN;
	SELECT outcome FROM idempotency.claim('charge-1');
	SELECT idempotency.complete('charge-1', '"charged"');
	COMMIT;});
is( $node->safe_psql(
		'app', q{
	SELECT replayed || ' ' || mismatches || ' ' || recovered || ' ' || commits_refused
	  FROM idempotency.stats WHERE role = 'app_user'}),
	'3 1 1 1',
	'the traffic is counted in the view');

# ---- the exporter ----
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $dsn = sprintf('host=%s port=%d user=exporter dbname=app sslmode=disable',
	$node->host, $node->port);
my ($out, $err) = ('', '');
my $exporter = IPC::Run::start(
	[
		$exporter_bin, "--web.listen-address=127.0.0.1:$port",
		"--extend.query-path=$monitoring/postgres_exporter.yaml",
		'--disable-settings-metrics', '--log.level=warn'
	],
	'>', \$out, '2>', \$err,
	init => sub { $ENV{DATA_SOURCE_NAME} = $dsn; });

my $http = HTTP::Tiny->new(timeout => 10);
my $metrics = '';
for (1 .. 100)
{
	my $res = $http->get("http://127.0.0.1:$port/metrics");
	if ($res->{success} && $res->{content} =~ /^idempotency_stats_replayed/m)
	{
		$metrics = $res->{content};
		last;
	}
	usleep(200_000);
}
ok($metrics ne '', 'the exporter serves /metrics with the idempotency metrics')
  or diag("exporter stderr: $err");

# the value of one metric whose labels include every one of %labels
sub metric
{
	my ($name, %labels) = @_;
	for my $line (split /\n/, $metrics)
	{
		next unless $line =~ /^\Q$name\E\{([^}]*)\} (\S+)$/;
		my ($labels, $value) = ($1, $2);
		next if grep { $labels !~ /(^|,)\Q$_\E="\Q$labels{$_}\E"/ } keys %labels;
		return $value + 0;
	}
	return undef;
}

my %mine = (database => 'app', role => 'app_user');
is(metric('idempotency_stats_replayed', %mine), 3, 'replays are exported');
is(metric('idempotency_stats_claimed', %mine), 3, 'claims are exported');
is(metric('idempotency_stats_mismatches', %mine), 1, 'the mismatch is exported');
is(metric('idempotency_stats_recovered', %mine), 1, 'the recovered lease is exported');
is(metric('idempotency_stats_commits_refused', %mine), 1, 'the refused commit is exported');
is(metric('idempotency_stats_completes', %mine), 2, 'completes are exported');
cmp_ok(metric('idempotency_stats_response_bytes', %mine), '>', 0,
	'response bytes are exported');
is(metric('idempotency_stats_info_counting'), 1, 'counting is on');
cmp_ok(metric('idempotency_stats_info_reset_timestamp_seconds'), '>', 1_600_000_000,
	'the reset time is exported');
is(metric('idempotency_keys_leases', database => 'app'), 0,
	'the key table gauges: no lease left');
is(metric('idempotency_keys_expired_backlog', database => 'app'), 0,
	'the key table gauges: no expiry backlog');
cmp_ok(metric('idempotency_keys_table_bytes', database => 'app'), '>', 0,
	'the key table gauges: the table\'s size');

# a lease left open and an expired key show in the gauges at the next scrape
$app->(q{SELECT idempotency.claim('charge-2', lease => '1 hour')});
$node->safe_psql('app', q{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	VALUES ('app_user'::regrole, '', 'stale', 'completed', '{}',
	        now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours')});
my $res = $http->get("http://127.0.0.1:$port/metrics");
$metrics = $res->{content} // '';
is(metric('idempotency_keys_live_leases', database => 'app'), 1,
	'a live lease shows at the next scrape');
is(metric('idempotency_keys_expired_backlog', database => 'app'), 1,
	'an expired key shows as expiry backlog');
cmp_ok(metric('idempotency_keys_expiry_lag_seconds', database => 'app'), '>=', 7200,
	'and how long it has waited for expiry');

$exporter->signal('TERM');
$exporter->finish;
$node->stop;

# ---- two databases with the extension on one server ----
# The documented set-up (docs/observability.md): one data source, to one of
# the databases that have the extension, and --auto-discover-databases with
# --include-databases naming all of them.  The cluster-wide queries
# (master: true) run on that data source only; each database's gauges come
# from a connection to that database.
my $multi = PostgreSQL::Test::Cluster->new('prometheus_multi');
$multi->init;
$multi->append_conf('postgresql.conf', "shared_preload_libraries = 'idempotency'");
$multi->start;
$multi->safe_psql('postgres', q{
	CREATE DATABASE app;
	CREATE DATABASE shop;
	CREATE DATABASE other;
	CREATE ROLE app_user LOGIN;
	CREATE ROLE shop_user LOGIN;
	CREATE ROLE exporter LOGIN IN ROLE pg_monitor;});
$multi->safe_psql($_, 'CREATE EXTENSION idempotency') for qw(app shop);
$multi->safe_psql('app', 'SELECT idempotency.stats_reset()');

my $as = sub {
	my ($db, $role, $sql) = @_;
	my ($ret, $stdout, $stderr) =
	  $multi->psql($db, $sql, extra_params => [ '-U', $role ]);
	return $ret;
};
# app: one completed key replayed twice, a lease left open
$as->('app', 'app_user', q{
	BEGIN;
	SELECT idempotency.claim('order-1');
	SELECT idempotency.complete('order-1', '{"id": 1}', 201);
	COMMIT;});
$as->('app', 'app_user', q{SELECT idempotency.claim('order-1')}) for 1 .. 2;
$as->('app', 'app_user', q{SELECT idempotency.claim('charge-1', lease => '1 hour')});
# shop: three completed keys, one replay, one expired key not deleted yet
for my $i (1 .. 3)
{
	$as->('shop', 'shop_user', qq{
	BEGIN;
	SELECT idempotency.claim('cart-$i');
	SELECT idempotency.complete('cart-$i', '{}');
	COMMIT;});
}
$as->('shop', 'shop_user', q{SELECT idempotency.claim('cart-1')});
$multi->safe_psql('shop', q{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	VALUES ('shop_user'::regrole, '', 'stale', 'completed', '{}',
	        now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours')});
# expiry runs in app only (no expired key there to delete)
$multi->safe_psql('app', q{SELECT idempotency.schedule_expiry('1 hour')});
ok( $multi->poll_query_until(
		'app', q{
	SELECT count(*) = 1 FROM idempotency.expiry_status
	 WHERE database = 'app' AND worker_pid IS NOT NULL AND scheduled}),
	'the expiry worker of app runs');

my $mport = PostgreSQL::Test::Cluster::get_free_port();
my $mdsn = sprintf('host=%s port=%d user=exporter dbname=app sslmode=disable',
	$multi->host, $multi->port);
my $server_label = sprintf('%s:%d', $multi->host, $multi->port);
($out, $err) = ('', '');
my $mexporter = IPC::Run::start(
	[
		$exporter_bin, "--web.listen-address=127.0.0.1:$mport",
		"--extend.query-path=$monitoring/postgres_exporter.yaml",
		'--auto-discover-databases', '--include-databases=app,shop',
		'--log.level=warn'
	],
	'>', \$out, '2>', \$err,
	init => sub { $ENV{DATA_SOURCE_NAME} = $mdsn; });

my $mres;
for (1 .. 100)
{
	$mres = $http->get("http://127.0.0.1:$mport/metrics");
	last if $mres->{status} != 599;    # HTTP::Tiny's "could not connect"
	usleep(200_000);
}
is($mres->{status}, 200, 'two databases: the scrape succeeds')
  or diag(substr($mres->{content} // '', 0, 2000) . "\nexporter stderr: $err");
$metrics = $mres->{content} // '';

# every series of ours, as "name{labels}", and how often it was exported
my %seen;
for my $line (split /\n/, $metrics)
{
	next unless $line =~ /^(idempotency_\w+(?:\{[^}]*\})?) \S+$/;
	$seen{$1}++;
}
my @twice = grep { $seen{$_} > 1 } sort keys %seen;
is_deeply(\@twice, [], 'two databases: no series is exported twice');

# how many series of $name carry every one of %labels
sub series_count
{
	my ($name, %labels) = @_;
	my $n = 0;
	for my $line (split /\n/, $metrics)
	{
		next unless $line =~ /^\Q$name\E\{([^}]*)\} \S+$/;
		my $have = $1;
		$n++ unless grep { $have !~ /(^|,)\Q$_\E="\Q$labels{$_}\E"/ } keys %labels;
	}
	return $n;
}

# the cluster-wide counters: once per database and role, from one connection
is(series_count('idempotency_stats_claimed', database => 'app', role => 'app_user'),
	1, 'the counters of app are exported once');
is(series_count('idempotency_stats_claimed', database => 'shop', role => 'shop_user'),
	1, 'the counters of shop are exported once');
is(series_count('idempotency_stats_claimed'), 2, 'and no other counters row');
is(metric('idempotency_stats_claimed', database => 'app', role => 'app_user',
		server => $server_label),
	2, 'claims in app, labelled with the server');
is(metric('idempotency_stats_replayed', database => 'app', role => 'app_user'),
	2, 'replays in app');
is(metric('idempotency_stats_claimed', database => 'shop', role => 'shop_user'),
	3, 'claims in shop');
is(metric('idempotency_stats_replayed', database => 'shop', role => 'shop_user'),
	1, 'replays in shop');
is(series_count('idempotency_stats_info_counting'), 1, 'stats_info is exported once');
is(metric('idempotency_stats_info_counting'), 1, 'counting is on');

# the key table's gauges: once per database, each with its own values
is(series_count('idempotency_keys_live_leases', database => $_), 1,
	"the key table gauges of $_ are exported once")
  for qw(app shop);
is(series_count('idempotency_keys_live_leases'), 2, 'and of no other database');
is(metric('idempotency_keys_live_leases', database => 'app'), 1, 'app: the open lease');
is(metric('idempotency_keys_live_leases', database => 'shop'), 0, 'shop: no lease');
is(metric('idempotency_keys_expired_backlog', database => 'app'), 0,
	'app: no expiry backlog');
is(metric('idempotency_keys_expired_backlog', database => 'shop'), 1,
	'shop: the expired key');
cmp_ok(metric('idempotency_keys_expiry_lag_seconds', database => 'shop'), '>=', 7200,
	'shop: how long it has waited for expiry');
cmp_ok(metric('idempotency_keys_table_bytes', database => $_), '>', 0,
	"$_: the key table's size")
  for qw(app shop);

# the expiry workers: once per database
is(series_count('idempotency_expiry_scheduled', database => 'app'), 1,
	'the expiry worker of app is exported once');
is(metric('idempotency_expiry_worker_running', database => 'app'), 1,
	'and it runs');
is(series_count('idempotency_expiry_scheduled'), 1, 'no other database has expiry');

# every query ran without an error, on both connections
like($metrics, qr/^pg_exporter_last_scrape_error 0$/m,
	'two databases: no query failed');

$mexporter->signal('TERM');
$mexporter->finish;
$multi->stop;
done_testing();
