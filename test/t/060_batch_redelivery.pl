# Redelivery, as a queue consumer sees it.  A producer writes 100000
# messages into a queue table in four partitions (re-sending some of them,
# as an at-least-once producer does); four consumers, one per partition,
# poll batches of 500, and in one transaction claim the batch with
# claim_batch(), apply each claimed message's effect and complete_batch().
# They commit their offset only every few batches, in a transaction of its
# own after the batch's, as a consumer of Kafka does; they are terminated at
# random points and restarted from their last committed offset, so that
# the batches since are delivered again.  Some restarts start the new
# consumer before the old one is gone, so two consumers of one partition
# overlap, as during a rebalance.  At the end:
# - every message's effect exists exactly once;
# - every message's key is completed, none is left in progress or locked;
# - many messages were delivered more than once.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use IdemTest;
use Time::HiRes qw(usleep time);

my $nmessages = 100000;
my $batch = 500;
my $npart = 4;
my $max_kills = 30;

my $node = PostgreSQL::Test::Cluster->new('batch_redelivery');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
@{[ preload_conf() ]}max_connections = 20
max_locks_per_transaction = 700
log_statement = none
log_min_messages = warning
});
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION @{[ extension_name() ]};

CREATE TABLE queue (
	"offset" bigserial PRIMARY KEY,
	part int NOT NULL,
	message_id text NOT NULL,
	payload int NOT NULL
);
CREATE INDEX ON queue (part, "offset");
CREATE TABLE producer_state (done bool NOT NULL);
INSERT INTO producer_state VALUES (false);

CREATE TABLE consumer_offsets (part int PRIMARY KEY, committed bigint NOT NULL);
INSERT INTO consumer_offsets SELECT p, 0 FROM generate_series(0, $npart - 1) p;

-- no unique constraint: a message applied twice would show as two rows
CREATE TABLE effects (message_id text NOT NULL, payload int NOT NULL, part int NOT NULL);
CREATE TABLE delivery_log (part int NOT NULL, messages int NOT NULL, replays int NOT NULL,
                           duplicates int NOT NULL);

-- 100 chunks of 1000 new messages, each chunk re-sending 20 earlier ones;
-- a message's partition comes from its id, as a keyed topic's does
CREATE PROCEDURE produce() LANGUAGE plpgsql AS \$\$
BEGIN
	FOR c IN 0 .. $nmessages / 1000 - 1 LOOP
		INSERT INTO queue (part, message_id, payload)
		SELECT abs(hashtext('msg-' || n)) % $npart, 'msg-' || n, n
		  FROM (SELECT c * 1000 + g AS n FROM generate_series(1, 1000) g
		        UNION ALL
		        SELECT 1 + floor(random() * (c * 1000 + 1000))::int
		          FROM generate_series(1, 20)) m;
		COMMIT;
		PERFORM pg_sleep(0.05);
	END LOOP;
	UPDATE producer_state SET done = true;
	COMMIT;
END
\$\$;

-- A consumer of partition p: from its committed offset, batches of $batch
-- applied in one transaction each; the offset committed every third batch.
CREATE PROCEDURE consume(p int) LANGUAGE plpgsql AS \$\$
DECLARE
	v_pos bigint;
	v_last bigint;
	v_ids text[];
	v_claimed text[];
	v_replays int;
	v_dups int;
	v_done bool;
	v_n int := 0;
BEGIN
	SELECT committed INTO STRICT v_pos FROM consumer_offsets WHERE part = p;
	COMMIT;
	LOOP
		SELECT done INTO STRICT v_done FROM producer_state;
		SELECT array_agg(message_id ORDER BY "offset"), max("offset")
		  INTO v_ids, v_last
		  FROM (SELECT message_id, "offset" FROM queue
		         WHERE part = p AND "offset" > v_pos
		         ORDER BY "offset" LIMIT $batch) b;
		IF v_ids IS NULL THEN
			EXIT WHEN v_done;
			COMMIT;
			PERFORM pg_sleep(0.02);
			CONTINUE;
		END IF;

		SELECT coalesce(array_agg(key) FILTER (WHERE outcome = 'claimed'), '{}'),
		       count(*) FILTER (WHERE outcome = 'completed'),
		       count(*) FILTER (WHERE outcome = 'duplicate')
		  INTO v_claimed, v_replays, v_dups
		  FROM idempotency.claim_batch(v_ids, scope => 'orders');
		IF EXISTS (SELECT FROM unnest(v_ids) k WHERE k IS NULL) THEN
			RAISE EXCEPTION 'null message id';
		END IF;
		INSERT INTO effects (message_id, payload, part)
		SELECT k, substr(k, 5)::int, p FROM unnest(v_claimed) k;
		PERFORM idempotency.complete_batch(v_claimed, scope => 'orders');
		INSERT INTO delivery_log VALUES (p, cardinality(v_ids), v_replays, v_dups);
		COMMIT;

		v_pos := v_last;
		v_n := v_n + 1;
		IF v_n % 3 = 0 THEN
			UPDATE consumer_offsets SET committed = v_pos WHERE part = p;
			COMMIT;
		END IF;
	END LOOP;
	UPDATE consumer_offsets SET committed = v_pos WHERE part = p;
	COMMIT;
END
\$\$;
});

my $connstr = $node->connstr('postgres');
my $deadline = time() + 170;

# A background psql running one CALL, named for pg_stat_activity.
sub start_call
{
	my ($name, $call) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
			"$connstr application_name=$name", '-c', $call
		],
		'>', \$out, '2>', \$err);
	return { h => $h, name => $name, out => \$out, err => \$err };
}

sub terminate
{
	my ($c) = @_;
	$node->safe_psql('postgres',
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$c->{name}'"
	);
	return;
}

my $producer = start_call('producer', 'CALL produce()');

my %consumers;    # partition => list of running consumers (two during an overlap)
my %done;
my $generation = 0;
my ($kills, $overlaps, $failures) = (0, 0, 0);

sub start_consumer
{
	my ($p) = @_;
	$generation++;
	push @{ $consumers{$p} }, start_call("consumer-$p-$generation", "CALL consume($p)");
	return;
}

start_consumer($_) for 0 .. $npart - 1;

while (keys %done < $npart && time() < $deadline)
{
	usleep(50_000 + int(rand(200_000)));

	# consumers that ended: done when one finished cleanly; restarted when
	# killed (a consumer that fails otherwise is a failure of the test)
	for my $p (0 .. $npart - 1)
	{
		my @alive;
		for my $c (@{ $consumers{$p} || [] })
		{
			if ($c->{h}->pumpable)
			{
				$c->{h}->pump_nb;
				push @alive, $c;
				next;
			}
			$c->{h}->finish;
			if ($c->{h}->result(0) == 0)
			{
				$done{$p} = 1;
			}
			elsif (${ $c->{err} } !~ /terminating connection due to administrator command/)
			{
				$failures++;
				diag("consumer $c->{name} failed: ${ $c->{err} }");
			}
		}
		$consumers{$p} = \@alive;
		start_consumer($p) if !$done{$p} && !@alive;
	}

	# kill a random running consumer; sometimes start its successor first
	next if $kills >= $max_kills;
	my $p = int(rand($npart));
	next if $done{$p} || !@{ $consumers{$p} };
	my $victim = $consumers{$p}[0];
	if (rand() < 0.3)
	{
		start_consumer($p);
		$overlaps++;
		usleep(int(rand(300_000)));
	}
	terminate($victim);
	$kills++;
}

$producer->{h}->finish;
is($producer->{h}->result(0), 0, 'the producer wrote every message')
  or diag(${ $producer->{err} });
is(scalar(keys %done), $npart, 'every consumer reached the end of its partition');
is($failures, 0, 'no consumer failed other than by being terminated');
cmp_ok($kills, '>=', 10, "consumers were terminated ($kills times, $overlaps overlapping)");
for my $list (values %consumers)
{
	for my $c (@$list)
	{
		terminate($c);
		$c->{h}->finish;
	}
}

is( $node->safe_psql(
		'postgres', 'SELECT count(DISTINCT message_id) FROM queue'),
	$nmessages,
	"the queue holds $nmessages distinct messages");
cmp_ok(
	$node->safe_psql(
		'postgres', 'SELECT count(*) - count(DISTINCT message_id) FROM queue'),
	'>', 0,
	'the producer re-sent some messages');

is( $node->safe_psql(
		'postgres', q{
		SELECT count(*) FROM (SELECT message_id FROM effects GROUP BY message_id
		                       HAVING count(*) > 1) d}),
	0,
	'no message was applied twice');
is( $node->safe_psql(
		'postgres', q{
		SELECT count(*) FROM (SELECT DISTINCT message_id FROM queue) q
		 WHERE NOT EXISTS (SELECT FROM effects e WHERE e.message_id = q.message_id)}),
	0,
	'every message was applied');
is($node->safe_psql('postgres', 'SELECT count(*) FROM effects'),
	$nmessages, "$nmessages effects in all");

is( $node->safe_psql(
		'postgres', q{
		SELECT count(*) FILTER (WHERE state = 'completed') || '/' || count(*)
		  FROM idempotency.idempotency_keys WHERE scope = 'orders'}),
	"$nmessages/$nmessages",
	'every message\'s key is completed');
is( $node->safe_psql(
		'postgres', q{
		SELECT count(*) FROM pg_catalog.pg_locks
		 WHERE locktype = 'advisory' AND objsubid = 18756}),
	0,
	'no key lock is left');

my ($delivered, $replays, $dups) = split /\|/,
  $node->safe_psql('postgres',
	'SELECT sum(messages), sum(replays), sum(duplicates) FROM delivery_log');
cmp_ok($replays, '>=', 2000,
	"many messages were delivered again ($delivered deliveries in committed batches, $replays replays, $dups duplicates within a batch)"
);
is( $node->safe_psql(
		'postgres', q{
		SELECT sum(messages - replays - duplicates) FROM delivery_log}),
	$nmessages,
	'the committed batches claimed each message once');

$node->stop;
done_testing();
