# Moving a database's keys between the editions (docs/managed.md, "Moving
# between editions"): from the C edition on one server to the portable
# edition, installed with the plain script by a role that is not a
# superuser, on another server whose roles have other OIDs (a team moving
# onto a managed service), and back to the C edition (a team leaving it),
# with portable/migrate/export.sql and portable/migrate/import.sql.
#
# After each move every completed key replays (an expired one moves too,
# for purge() to delete): claim() returns the stored response with the
# stored fingerprint (and refuses another one with IK001), once() and
# once_with() return the stored rows without running their statement again
# (and refuse other parameters), claim_batch() replays a batch; keys made by
# the portable edition replay on the C edition.  A once() key whose
# parameters were of two types cannot be retried on the portable edition
# (one VARIADIC type: the call does not resolve, and cast to one type it is
# another request, IK001); back on the C edition it replays again.  A lease
# in progress moves with its token and recovery point: the old token still
# completes it, and the first claim on the new server takes it over as
# "recovered".  The import loads nothing when a role is missing, when keys
# exist already, or when run by a role that may not write every role's keys;
# the export leaves out keys of dropped roles and refuses a 1.0 key table.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = $ENV{TESTDIR} || File::Spec->rel2abs(dirname(__FILE__) . '/../..');
my $plain = "$root/portable/idempotency_portable.sql";
my $export = "$root/portable/migrate/export.sql";
my $import = "$root/portable/migrate/import.sql";

# ---- the old server: the C edition ----
my $old = PostgreSQL::Test::Cluster->new('migrate_c');
$old->init;
$old->start;
$old->safe_psql('postgres', q{
    CREATE ROLE idem_alice LOGIN;
    CREATE ROLE idem_bob LOGIN;
    CREATE ROLE idem_carol LOGIN;
    CREATE ROLE idem_gone LOGIN;
    CREATE DATABASE app;
    CREATE DATABASE old10;
});
$old->safe_psql('app', q{
    CREATE EXTENSION idempotency;
    CREATE TABLE public.events (id serial PRIMARY KEY, who text, amount int);
    GRANT ALL ON public.events, public.events_id_seq TO PUBLIC;
});
$old->safe_psql('old10', q{CREATE EXTENSION idempotency VERSION '1.0'});

# ---- the new server: the portable edition, installed by a plain role ----
my $new = PostgreSQL::Test::Cluster->new('migrate_portable');
$new->init;
$new->start;
# other roles first, and the application roles in another order: their
# OIDs differ from the old server's
$new->safe_psql('postgres', q{
    CREATE ROLE idem_master LOGIN;
    CREATE ROLE idem_padding;
    CREATE ROLE idem_bob LOGIN;
    CREATE ROLE idem_alice LOGIN;
    CREATE DATABASE app;
    GRANT CREATE ON DATABASE app TO idem_master;
});
$new->safe_psql('app', q{
    CREATE TABLE public.events (id serial PRIMARY KEY, who text, amount int);
    GRANT ALL ON public.events, public.events_id_seq TO PUBLIC;
});
isnt( $new->safe_psql('postgres', q{SELECT 'idem_alice'::regrole::oid}),
	$old->safe_psql('postgres', q{SELECT 'idem_alice'::regrole::oid}),
	'the roles have other OIDs on the new server');

sub as
{
	my ($node, $role, $sql, $db) = @_;
	return $node->safe_psql($db // 'app', $sql, extra_params => [ '-U', $role ]);
}

sub fails_as
{
	my ($node, $role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db // 'app', $sql,
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=sqlstate', '-v', 'ON_ERROR_STOP=1' ]);
	return $rc == 0 ? 'ok' : (($err =~ /ERROR:\s+(\S+)/)[0] // "rc $rc: $err");
}

# Runs a psql script file as $role in $db: (success, stdout, stderr); stdin
# from $in and stdout to $outfile when given.
sub psql_file
{
	my (%a) = @_;
	my ($out, $err) = ('', '');
	my @cmd = (
		'psql', '-X', '-q', '-h', $a{node}->host, '-p', $a{node}->port,
		'-U', $a{role}, '-d', $a{db} // 'app', '-v', 'VERBOSITY=verbose', '-f', $a{file});
	my $ok = run_log(\@cmd, '<', $a{in} // '/dev/null', '>', $a{outfile} // \$out, '2>', \$err);
	return ($ok, $out, $err);
}

sub slurp_file_text
{
	my ($f) = @_;
	open my $fh, '<', $f or die "$f: $!";
	local $/;
	return scalar <$fh>;
}

# ---- keys of every kind, made by the C edition ----
my %token;
for my $role (qw(idem_alice idem_bob idem_carol))
{
	as($old, $role, qq{
        BEGIN;
        SELECT idempotency.claim('order-1', fingerprint => 'sha256:order-1:$role');
        SELECT idempotency.complete('order-1', '{"by": "$role", "n": 1}', 201);
        COMMIT;
        BEGIN;
        SELECT idempotency.claim('8f0c6b2e-0000-4000-8000-000000000001'::uuid, scope => 'refunds',
                                 fingerprint => 'a fingerprint with spaces, ümlauts and a ''quote''');
        SELECT idempotency.complete('8f0c6b2e-0000-4000-8000-000000000001'::uuid, '["$role"]', 200,
                                    scope => 'refunds');
        COMMIT;
        SELECT idempotency.once('evt-1', 'INSERT INTO public.events (who, amount) VALUES (\$1, \$2::int) RETURNING id, who, amount',
                                '$role'::text, '42'::text);
        SELECT idempotency.once('evt-4', 'SELECT \$1::int + \$2::int AS sum', 40, 2);
        SELECT idempotency.once('mixed-1', 'SELECT \$1::text AS a, \$2::int AS b', 'x'::text, 42);
        SELECT idempotency.once_with('evt-2', 'payments', interval '2 days', 'fp-evt-2',
                                     'SELECT \$1::text AS who, now() IS NOT NULL AS ok', '$role'::text);
        BEGIN;
        SELECT idempotency.claim_batch(ARRAY['msg-1', 'msg-2', 'msg-3'], scope => 'inbox',
                                       fingerprints => ARRAY['f1', 'f2', 'f3']);
        SELECT idempotency.complete_batch(ARRAY['msg-1', 'msg-2', 'msg-3'],
                                          ARRAY['{"m": 1}', '{"m": 2}', NULL]::jsonb[], ARRAY[200, 202, 204],
                                          scope => 'inbox');
        COMMIT;
    });
	# two leases: one to be finished with its token, one to be recovered
	$token{"$role/job-1"} = as($old, $role,
		q{SELECT lease_token FROM idempotency.claim('job-1', lease => '1 hour', fingerprint => 'job')});
	as($old, $role, qq{SELECT idempotency.checkpoint('job-1', 'step-1', token => '$token{"$role/job-1"}')});
	$token{"$role/job-2"} = as($old, $role,
		q{SELECT lease_token FROM idempotency.claim('job-2', lease => '1 hour')});
	as($old, $role, qq{SELECT idempotency.checkpoint('job-2', 'step-2', token => '$token{"$role/job-2"}')});
}
# a key past its expiry that expiry has not deleted yet
$old->safe_psql('app', q{
    INSERT INTO idempotency.idempotency_keys
           (owner, scope, key, state, response, created_at, completed_at, expires_at)
    VALUES ('idem_alice', '', 'expired-1', 'completed', '"old"', now() - interval '2 days',
            now() - interval '2 days', now() - interval '1 day')});
as($old, 'idem_gone', q{SELECT idempotency.once('gone-1', 'SELECT 1 AS one')});
$old->safe_psql('postgres', 'DROP ROLE idem_gone');
is($old->safe_psql('app', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'35', 'the old server has 11 keys for each of three roles, an expired one and one of a dropped role');
is($old->safe_psql('app', q{SELECT count(*) FROM public.events}), '3',
	'once() ran its INSERT once for each role');

# ---- export from the C edition ----
my $file_c = $old->basedir . '/keys-from-c.copy';
my ($ok, $out, $err) = psql_file(node => $old, role => $old->safe_psql('postgres', 'SELECT current_user'),
	file => $export, outfile => $file_c);
ok($ok, 'export.sql reads the C edition\'s keys') or diag($err);
like($err, qr/1 keys of dropped roles are not exported/,
	'with a warning for the key of the dropped role');
my @lines = split /\n/, slurp_file_text($file_c);
is(scalar @lines, 34, 'one line for each of the 34 keys of existing roles');
is(scalar(grep { /^idem_alice\t/ } @lines), 12, 'owners are written by name');

($ok, $out, $err) = psql_file(node => $old, role => 'idem_alice', file => $export,
	outfile => $old->basedir . '/nothing.copy');
ok(!$ok && $err =~ /permission denied for function all_keys/,
	'an application role cannot export (all_keys() is not granted to it)');
($ok, $out, $err) = psql_file(node => $old, role => $old->safe_psql('postgres', 'SELECT current_user'),
	db => 'old10', file => $export, outfile => $old->basedir . '/old10.copy');
ok(!$ok && $err =~ /55000: the key table of database "old10" is of version 1.0/,
	'a 1.0 key table is refused, with the hint to update it first');

# ---- the portable edition on the new server ----
($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $plain);
ok($ok, 'the master role installs the portable edition with the plain script') or diag($err);

($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $import, in => $file_c);
ok(!$ok, 'import.sql refuses a file with keys of a role that does not exist here');
like($err, qr/42704: the roles of some keys do not exist here: idem_carol/, 'naming the role');
is($new->safe_psql('app', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'0', 'and imports nothing');

$new->safe_psql('postgres', 'CREATE ROLE idem_carol LOGIN');
($ok, $out, $err) = psql_file(node => $new, role => 'idem_alice', file => $import, in => $file_c);
ok(!$ok && $err =~ /42501: role "idem_alice" may not write the keys of other roles/,
	'an application role may not import');

my $crafted = $new->basedir . '/crafted.copy';
open my $cf, '>', $crafted or die "$crafted: $!";
print $cf join("\t", 'idem_alice', '', 'crafted', 'in_progress', ('\N') x 7,
	'2026-01-01 00:00:00+00', '\N', '2099-01-01 00:00:00+00') . "\n";
close $cf;
($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $import, in => $crafted);
ok(!$ok && $err =~ /22023: 1 keys of the file are in progress without a lease/,
	'a key in progress without a lease (which no commit leaves) is refused');

($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $import, in => $file_c);
ok($ok, 'the master role (not superuser) imports the keys') or diag($err);
like($err, qr/imported 34 keys into database "app"/, 'and is told how many');

($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $import, in => $file_c);
ok(!$ok && $err =~ /23505: 34 keys of the file exist here already/,
	'a second import of the same file is refused');
is($new->safe_psql('app', q{SELECT count(*) FROM idempotency.idempotency_keys}),
	'34', 'and changes nothing');

# the keys are the same: an export from the portable edition gives the same file
my $file_p = $new->basedir . '/keys-from-portable.copy';
($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $export, outfile => $file_p);
ok($ok, 'the master role exports from the portable edition') or diag($err);
is(slurp_file_text($file_p), slurp_file_text($file_c),
	'which gives exactly the file exported from the C edition');
is( $new->safe_psql(
		'app', q{
    SELECT count(*) FILTER (WHERE lease_holder_pid IS NULL) || ' '
           || count(*) FILTER (WHERE owner::oid <> (SELECT oid FROM pg_roles WHERE rolname = owner::text))
      FROM idempotency.idempotency_keys}),
	'34 0', 'every key has this server\'s role OID as owner and no lease holder');

is( as($new, 'idem_master', q{
        SELECT idempotency.purge();
        SELECT count(*) FROM idempotency.idempotency_keys WHERE key = 'expired-1';}),
	"1\n0", 'the expired key moved too, and purge() on the new server deletes it');

# Every kind of key replays for $role in database $db of $node; $edition
# names it.
sub replays
{
	my ($node, $db, $role, $edition) = @_;
	is( as(
			$node, $role, qq{
        SELECT outcome || ' ' || response::text || ' ' || response_code
          FROM idempotency.claim('order-1', fingerprint => 'sha256:order-1:$role');
        SELECT outcome || ' ' || response::text || ' ' || response_code
          FROM idempotency.claim('8f0c6b2e-0000-4000-8000-000000000001'::uuid, scope => 'refunds',
                                 fingerprint => 'a fingerprint with spaces, ümlauts and a ''quote''');}, $db),
		qq{completed {"n": 1, "by": "$role"} 201\ncompleted ["$role"] 200},
		"$edition: $role\'s completed keys replay with their fingerprints");
	is( fails_as($node, $role,
			q{SELECT idempotency.claim('order-1', fingerprint => 'sha256:another request')}, $db),
		'IK001', "$edition: another fingerprint for $role\'s order-1 is refused with IK001");
	my $events = $node->safe_psql($db, 'SELECT count(*) FROM public.events');
	my $rows = as($node, $role,
		qq{SELECT idempotency.once('evt-1', 'INSERT INTO public.events (who, amount) VALUES (\$1, \$2::int) RETURNING id, who, amount', '$role'::text, '42'::text)->0->>'who'}, $db);
	is($rows, $role, "$edition: once() replays $role\'s stored rows");
	is($node->safe_psql($db, 'SELECT count(*) FROM public.events'),
		$events, "$edition: without running the INSERT again");
	is( fails_as($node, $role,
			qq{SELECT idempotency.once('evt-1', 'INSERT INTO public.events (who, amount) VALUES (\$1, \$2::int) RETURNING id, who, amount', '$role'::text, '43'::text)}, $db),
		'IK001', "$edition: once() with other parameters is refused with IK001");
	is(as($node, $role, q{SELECT idempotency.once('evt-4', 'SELECT $1::int + $2::int AS sum', 40, 2)}, $db),
		'[{"sum": 42}]', "$edition: once() with integer parameters replays $role\'s rows");
	if ($edition =~ /^portable/)
	{
		is( fails_as($node, $role,
				q{SELECT idempotency.once('mixed-1', 'SELECT $1::text AS a, $2::int AS b', 'x'::text, 42)}, $db),
			'42883', "$edition: once() with parameters of two types does not resolve (one VARIADIC type)");
		is( fails_as($node, $role,
				q{SELECT idempotency.once('mixed-1', 'SELECT $1::text AS a, $2::int AS b', 'x'::text, '42'::text)},
				$db),
			'IK001', "$edition: and the same values as text make another fingerprint: IK001, not a replay");
	}
	else
	{
		is( as($node, $role,
				q{SELECT idempotency.once('mixed-1', 'SELECT $1::text AS a, $2::int AS b', 'x'::text, 42)}, $db),
			'[{"a": "x", "b": 42}]',
			"$edition: the C edition's once() key with parameters of two types replays after the round trip");
	}
	is( as($node, $role,
			qq{SELECT idempotency.once_with('evt-2', 'payments', interval '2 days', 'fp-evt-2',
                                             'SELECT \$1::text AS who, now() IS NOT NULL AS ok', '$role'::text)}, $db),
		qq{[{"ok": true, "who": "$role"}]}, "$edition: once_with() replays $role\'s rows");
	is( as($node, $role, q{
            SELECT string_agg(outcome || ' ' || coalesce(response::text, '-') || ' ' || response_code,
                              ', ' ORDER BY ordinality)
              FROM idempotency.claim_batch(ARRAY['msg-1', 'msg-2', 'msg-3'], scope => 'inbox',
                                           fingerprints => ARRAY['f1', 'f2', 'f3'])}, $db),
		'completed {"m": 1} 200, completed {"m": 2} 202, completed - 204',
		"$edition: claim_batch() replays $role\'s batch");
	return;
}

for my $role (qw(idem_alice idem_bob idem_carol))
{
	replays($new, 'app', $role, 'portable edition after the move');
}
is($new->safe_psql('app', 'SELECT count(*) FROM public.events'), '0',
	'no once() statement ran on the new server');

# leases: the old token still finishes job-1; job-2 is recovered
for my $role (qw(idem_alice idem_bob))
{
	is( as($new, $role,
			qq{SELECT state || ' ' || recovery_point FROM idempotency.complete('job-1', '"finished"',
                                                                             token => '$token{"$role/job-1"}')}),
		'completed step-1', "$role completes its moved lease job-1 with the token from the old server");
	is( as($new, $role,
			q{SELECT outcome || ' ' || recovery_point || ' ' || (lease_token IS NOT NULL)
                FROM idempotency.claim('job-2', wait => '0', lease => '1 hour')}),
		'recovered step-2 true',
		"$role\'s first claim of the moved lease job-2 takes it over from its recovery point");
	is( fails_as($new, $role,
			qq{SELECT idempotency.checkpoint('job-2', 'step-3', token => '$token{"$role/job-2"}')}),
		'IK002', "after that, the old server's token of job-2 holds it no longer");
}

# keys the portable edition makes, for the way back
for my $role (qw(idem_alice idem_bob))
{
	as($new, $role, qq{
        BEGIN;
        SELECT idempotency.claim('order-2', fingerprint => 'sha256:order-2:$role');
        SELECT idempotency.complete('order-2', '{"made by": "portable"}', 201);
        COMMIT;
        SELECT idempotency.once('evt-3', 'INSERT INTO public.events (who, amount) VALUES (\$1, \$2::int) RETURNING who',
                                '$role'::text, '7'::text);
    });
}
is($new->safe_psql('app', 'SELECT count(*) FROM public.events'), '2',
	'the portable edition\'s once() ran its INSERT once for each role');

# ---- and back: from the portable edition to the C edition ----
my $file_back = $new->basedir . '/keys-back.copy';
($ok, $out, $err) = psql_file(node => $new, role => 'idem_master', file => $export, outfile => $file_back);
ok($ok, 'the master role exports the keys again') or diag($err);
$old->safe_psql('postgres', 'CREATE DATABASE back');
$old->safe_psql('back', q{
    CREATE EXTENSION idempotency;
    CREATE TABLE public.events (id serial PRIMARY KEY, who text, amount int);
    GRANT ALL ON public.events, public.events_id_seq TO PUBLIC;
});
($ok, $out, $err) = psql_file(node => $old, role => $old->safe_psql('postgres', 'SELECT current_user'),
	db => 'back', file => $import, in => $file_back);
ok($ok, 'a superuser imports them into the C edition') or diag($err);
like($err, qr/imported 37 keys into database "back"/, 'every key');
my $file_back2 = $old->basedir . '/keys-back-again.copy';
($ok, $out, $err) = psql_file(node => $old, role => $old->safe_psql('postgres', 'SELECT current_user'),
	db => 'back', file => $export, outfile => $file_back2);
is(slurp_file_text($file_back2), slurp_file_text($file_back),
	'the C edition now holds exactly the keys the portable edition had');

for my $role (qw(idem_alice idem_bob idem_carol))
{
	replays($old, 'back', $role, 'C edition after the way back');
}
for my $role (qw(idem_alice idem_bob))
{
	is( as($old, $role, qq{
            SELECT outcome || ' ' || response::text
              FROM idempotency.claim('order-2', fingerprint => 'sha256:order-2:$role');
            SELECT idempotency.once('evt-3', 'INSERT INTO public.events (who, amount) VALUES (\$1, \$2::int) RETURNING who',
                                    '$role'::text, '7'::text);}, 'back'),
		qq{completed {"made by": "portable"}\n[{"who": "$role"}]},
		"C edition: $role\'s keys made by the portable edition replay, fingerprints and once() included");
	is( as($old, $role,
			q{SELECT outcome || ' ' || recovery_point FROM idempotency.claim('job-2', wait => '0', lease => '1 hour')},
			'back'),
		'recovered step-2',
		"C edition: $role\'s lease recovered on the portable edition moves back, and is recovered again");
}
is($old->safe_psql('back', 'SELECT count(*) FROM public.events'), '0',
	'no once() statement ran on the way back');

$old->stop;
$new->stop;
done_testing();
