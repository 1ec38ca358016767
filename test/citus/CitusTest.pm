# CitusTest: a Citus cluster on this machine for the opt-in citus suite
# (docs/citus.md): one coordinator and two workers, each a
# PostgreSQL::Test::Cluster node with Citus and idempotency preloaded,
# listening on a private socket directory and on 127.0.0.1 only (Citus
# connects its nodes to one another over TCP).
#
# The suite never builds Citus.  It runs where Citus is installed in the
# PostgreSQL installation under test (citus.control in the share directory
# of that installation's pg_config) and skips every test file elsewhere.
package CitusTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(citus_installed skip_unless_citus start_citus_cluster shard_port
  create_payments start_storm);

# The share directory of the installation under test: the pg_config named
# by PG_CONFIG, else the one next to the server binaries on PATH.
sub _sharedir
{
	my $pg_config = $ENV{PG_CONFIG};
	if (!defined $pg_config || $pg_config eq '')
	{
		$pg_config = 'pg_config';
	}
	my $dir = `"$pg_config" --sharedir 2>/dev/null`;
	chomp $dir;
	return $dir;
}

# True when Citus is installed where the suite's servers come from.
sub citus_installed
{
	my $dir = _sharedir();
	return $dir ne '' && -f "$dir/extension/citus.control";
}

# Ends the test file with a skip (not a failure) when Citus is absent.
sub skip_unless_citus
{
	return if citus_installed();
	plan skip_all => 'Citus is not installed in ' . (_sharedir() || 'this PostgreSQL installation');
	return;
}

# Starts a coordinator and $nworkers workers (2 unless given), creates the
# citus extension on each, registers the coordinator and adds the workers.
# Returns ($coordinator, @workers).  Nothing else is created: each test
# creates the idempotency extension (on the coordinator, from where Citus
# propagates it) and its own tables.
sub start_citus_cluster
{
	my ($name, $nworkers) = @_;
	$nworkers //= 2;
	my @nodes;
	for my $i (0 .. $nworkers)
	{
		my $node = PostgreSQL::Test::Cluster->new($i == 0 ? "${name}_coord" : "${name}_w$i");

		# wal_level = logical: shard moves copy by logical replication
		$node->init(allows_streaming => 'logical');
		$node->append_conf(
			'postgresql.conf', qq{
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus,idempotency'
max_prepared_transactions = 100
max_connections = 100
max_worker_processes = 32
max_wal_senders = 16
max_replication_slots = 16
citus.max_cached_conns_per_worker = 4
log_min_messages = warning
});
		$node->start;
		$node->safe_psql('postgres', 'CREATE EXTENSION citus');
		push @nodes, $node;
	}
	my ($coord, @workers) = @nodes;
	$coord->safe_psql('postgres',
		"SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ')');
	for my $w (@workers)
	{
		$coord->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $w->port . ')');
	}
	return ($coord, @workers);
}

# Creates the business table of the tests on the coordinator: payments,
# distributed by account_id (bigint) in 4 shards.
sub create_payments
{
	my ($coord) = @_;
	$coord->safe_psql(
		'postgres', q{
CREATE TABLE payments (
	account_id   bigint NOT NULL,
	request_key  text NOT NULL,
	amount_cents int NOT NULL,
	PRIMARY KEY (account_id, request_key)
);
SELECT create_distributed_table('payments', 'account_id', shard_count := 4);
});
	return;
}

# The port of the worker that holds the shard of $table for the
# distribution value $value (a SQL literal).
sub shard_port
{
	my ($coord, $table, $value) = @_;
	return $coord->safe_psql(
		'postgres', qq{
	SELECT n.nodeport
	  FROM pg_dist_placement p
	  JOIN pg_dist_node n USING (groupid)
	 WHERE p.shardid = get_shard_id_for_distribution_column('$table', $value)});
}

# Starts one client of a retry storm against the coordinator: a shell loop
# that sends the request of every key in @$keys (each "account:key"), in
# order, through the routed functions of $schema on table $table, and
# repeats a request until it ends cleanly (COMMIT, or a replay), as a client
# would retry after an error.  $shape is 'claim' (claim, insert when
# claimed, complete, one transaction) or 'once' (once() of the insert).
# Each line of $log is "key outcome" for the attempt that ended cleanly;
# errors go to $log.err.  Gives up ("key gave-up") on every key still
# unanswered $deadline seconds after the start, so that a client outlives a
# test that died by at most that long.  Returns the IPC::Run handle.
sub start_storm
{
	my ($coord, $schema, $table, $shape, $keys, $log, $deadline) = @_;
	$deadline //= 400;
	my $psql = join(' ',
		'psql', '-X', '-At', '-q', '-v', 'ON_ERROR_STOP=1',
		'-h', $coord->host, '-p', $coord->port, '-d', 'postgres');
	my $script = "set -u\n: > $log\nend=\$((SECONDS + $deadline))\n";
	for my $item (@$keys)
	{
		my ($acct, $key) = split /:/, $item;
		my $sql;
		if ($shape eq 'claim')
		{
			$sql = qq{BEGIN;
SELECT outcome AS o, (outcome = 'claimed') AS c FROM $schema.claim($acct, '$key') \\gset
\\if :c
INSERT INTO $table VALUES ($acct, '$key', 1);
SELECT state FROM $schema.complete($acct, '$key', '{}') \\gset
\\endif
COMMIT;
\\echo :o
};
		}
		else
		{
			$sql = qq{SELECT $schema.once($acct, '$key', 'INSERT INTO $table VALUES (\$1, \$2, 1) RETURNING 1 AS one', ${acct}::bigint, '$key'::text) AS o \\gset
\\echo ran
};
		}
		$script .= qq{until out=\$($psql 2>>$log.err <<'EOSQL'
$sql
EOSQL
); do
  if [ \$SECONDS -ge \$end ]; then echo "$key gave-up" >> $log; break; fi
  sleep 0.05
done
[ -n "\${out:-}" ] && echo "$key \$out" >> $log
};
	}
	return IPC::Run::start([ 'bash', '-c', $script ]);
}

1;
