# Every SQL-callable function of the extension, found through pg_depend so
# that new functions are covered without touching this test, is called with
# bad and extreme arguments: NULLs, empty and 10 MB strings, extreme
# intervals, huge and deeply nested jsonb, wrong keys, owners and tokens.
# Each call must succeed or fail with a documented SQLSTATE, never an
# internal error, and the server must survive it all.
#
# The calls run from a PL/pgSQL driver, each in its own subtransaction that
# is always rolled back, once as the role that owns the prepared keys, once
# as another role, and once as a superuser.  Each call is logged before it
# runs, so a crash names the call that caused it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('bad_input');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idempotency'
max_prepared_transactions = 2
});
$node->start;

my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

$node->safe_psql('postgres', q{
    CREATE EXTENSION idempotency;
    CREATE ROLE fuzz_a LOGIN;
    CREATE ROLE fuzz_b LOGIN;
});

# ---------------------------------------------------------------------
# Candidate values per argument type, as SQL expressions.  Big values live
# in fuzz_big and are referenced by sub-selects, so call texts stay short.
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{
    CREATE TABLE fuzz_big (label text PRIMARY KEY, t text, j jsonb);
    INSERT INTO fuzz_big VALUES
        ('10MB',  repeat('x', 10 * 1024 * 1024), NULL),
        ('2MB',   NULL, to_jsonb(repeat('y', 2 * 1024 * 1024))),
        ('deep',  NULL, (repeat('[', 10000) || repeat(']', 10000))::jsonb),
        ('wide',  NULL, (SELECT jsonb_agg(g) FROM generate_series(1, 100000) g)),
        ('nest',  NULL, (SELECT jsonb_object_agg('k' || g, repeat('v', 100))
                           FROM generate_series(1, 5000) g));
    CREATE TABLE fuzz_sink (a int);
    CREATE TABLE fuzz_vals (typ regtype, label text, expr text, PRIMARY KEY (typ, label));
    CREATE TABLE fuzz_results (role name, fn text, call text, varied text,
                               state text, msg text);
    GRANT ALL ON fuzz_big, fuzz_sink, fuzz_vals, fuzz_results TO PUBLIC;

    INSERT INTO fuzz_vals (typ, label, expr) VALUES
    -- text (also keys, scopes, fingerprints, recovery points, statements)
    ('text', 'null',        'NULL::text'),
    ('text', 'empty',       $$''::text$$),
    ('text', 'fresh key',   $$'fz-fresh'::text$$),
    ('text', 'done key',    $$'fz-done'::text$$),
    ('text', 'lease key',   $$'fz-lease'::text$$),
    ('text', 'live key',    $$'fz-live'::text$$),
    ('text', 'locked key',  $$'fz-locked'::text$$),
    ('text', 'absent key',  $$'fz-absent'::text$$),
    ('text', '255 bytes',   $$repeat('k', 255)$$),
    ('text', '256 bytes',   $$repeat('k', 256)$$),
    ('text', '1025 bytes',  $$repeat('k', 1025)$$),
    ('text', '10 MB',       $$(SELECT t FROM public.fuzz_big WHERE label = '10MB')$$),
    ('text', 'multibyte',   $$repeat('ключ🔑', 30)$$),
    ('text', 'controls',    $$E'a\nb\tc\rd\\e''f"g'$$),
    ('text', 'format',      $$'%s %d %n %x %%'::text$$),
    ('text', 'sql one',     $$'SELECT 1 AS one'::text$$),
    ('text', 'sql param',   $$'SELECT $1 AS a'::text$$),
    ('text', 'sql param 2', $$'SELECT $2 AS b'::text$$),
    ('text', 'sql two',     $$'SELECT 1; SELECT 2'::text$$),
    ('text', 'sql commit',  $$'COMMIT'::text$$),
    ('text', 'sql begin',   $$'BEGIN'::text$$),
    ('text', 'sql savepoint', $$'SAVEPOINT s'::text$$),
    ('text', 'sql vacuum',  $$'VACUUM public.fuzz_sink'::text$$),
    ('text', 'sql copy',    $$'COPY (SELECT 1) TO STDOUT'::text$$),
    ('text', 'sql insert',  $$'INSERT INTO public.fuzz_sink VALUES (1) RETURNING a'::text$$),
    ('text', 'sql big',     $$'SELECT repeat(''x'', 3000000) AS big'::text$$),
    ('text', 'sql many',    $$'SELECT g FROM generate_series(1, 200000) g'::text$$),
    ('text', 'sql none',    $$'SELECT 1 WHERE false'::text$$),
    ('text', 'sql nested',  $$'SELECT idempotency.once(''fz-inner'', ''SELECT 1 AS one'') AS r'::text$$),
    ('text', 'sql set role', $$'SET ROLE NONE'::text$$),
    ('text', 'sql drop ext', $$'DROP EXTENSION idempotency'::text$$),
    ('text', 'sql empty',   $$';'::text$$),
    ('text', 'sql comment', $$'-- nothing'::text$$),
    -- uuid
    ('uuid', 'null',        'NULL::uuid'),
    ('uuid', 'random',      'gen_random_uuid()'),
    ('uuid', 'zero',        $$'00000000-0000-0000-0000-000000000000'::uuid$$),
    ('uuid', 'max',         $$'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid$$),
    ('uuid', 'fresh key',   $$'00000000-0000-4000-8000-00000000f5e5'::uuid$$),
    ('uuid', 'done key',    $$'00000000-0000-4000-8000-00000000d0e5'::uuid$$),
    -- interval
    ('interval', 'null',        'NULL::interval'),
    ('interval', 'zero',        $$'0'::interval$$),
    ('interval', 'minus 1s',    $$'-1 second'::interval$$),
    ('interval', '1us',         $$'1 microsecond'::interval$$),
    ('interval', '1 minute',    $$'1 minute'::interval$$),
    ('interval', '1e6 years',   $$'1000000 years'::interval$$),
    ('interval', '178e6 years', $$'178000000 years'::interval$$),
    ('interval', '-178e6 years', $$'-178000000 years'::interval$$),
    ('interval', 'mon-30d',     $$'1 mon -30 days'::interval$$),
    ('interval', 'max days',    $$'2147483647 days'::interval$$),
    ('interval', 'min months',  $$'-2147483648 months'::interval$$),
    ('interval', 'day-86400s',  $$'1 day -86400 seconds'::interval$$),
    ('interval', 'max usecs',   $$'2562047788:00:54.775807'::interval$$),
    -- jsonb
    ('jsonb', 'null',    'NULL::jsonb'),
    ('jsonb', 'json null', $$'null'::jsonb$$),
    ('jsonb', 'object',  $$'{"ok": true}'::jsonb$$),
    ('jsonb', 'array',   $$'[]'::jsonb$$),
    ('jsonb', 'number',  $$'1e308'::jsonb$$),
    ('jsonb', '2 MB',    $$(SELECT j FROM public.fuzz_big WHERE label = '2MB')$$),
    ('jsonb', 'deep',    $$(SELECT j FROM public.fuzz_big WHERE label = 'deep')$$),
    ('jsonb', 'wide',    $$(SELECT j FROM public.fuzz_big WHERE label = 'wide')$$),
    ('jsonb', 'nest',    $$(SELECT j FROM public.fuzz_big WHERE label = 'nest')$$),
    -- integers and booleans
    ('integer', 'null', 'NULL::integer'),
    ('integer', 'zero', '0'),
    ('integer', 'minus', '-1'),
    ('integer', 'http', '201'),
    ('integer', 'max',  '2147483647'),
    ('integer', 'min',  '(-2147483648)::integer'),
    ('bigint', 'null', 'NULL::bigint'),
    ('bigint', 'zero', '0::bigint'),
    ('bigint', 'max',  '9223372036854775807::bigint'),
    ('bigint', 'min',  '(-9223372036854775808)::bigint'),
    ('boolean', 'null', 'NULL::boolean'),
    ('boolean', 'true', 'true'),
    ('boolean', 'false', 'false'),
    -- variadic "any" parameters of once()
    ('"any"', 'untyped null', 'NULL'),
    ('"any"', 'untyped literal', $$'abc'$$),
    ('"any"', 'text', $$'x'::text$$),
    ('"any"', 'int', '42'),
    ('"any"', 'float nan', $$'NaN'::float8$$),
    ('"any"', 'numeric', '1e-300::numeric'),
    ('"any"', 'bytea', $$'\x00ff'::bytea$$),
    ('"any"', '10 MB', $$(SELECT t FROM public.fuzz_big WHERE label = '10MB')$$),
    ('"any"', 'deep', $$(SELECT j FROM public.fuzz_big WHERE label = 'deep')$$),
    ('"any"', 'uuid', 'gen_random_uuid()'),
    ('"any"', 'interval', $$'178000000 years'::interval$$),
    ('"any"', 'array', 'ARRAY[1, NULL, 3]'),
    ('"any"', 'record', $$ROW(1, 'a')$$),
    ('"any"', 'regclass', $$'pg_class'::regclass$$),
    ('"any"', 'point', $$'(1,2)'::point$$);
});

# Valid values for arguments by name (and by type), so that one bad
# argument at a time reaches the code behind the others' checks.
$node->safe_psql('postgres', q{
    CREATE FUNCTION fuzz_baseline(typ regtype, argname text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE
            WHEN argname = 'key' AND typ = 'uuid'::regtype
                THEN $q$'00000000-0000-4000-8000-00000000f5e5'::uuid$q$
            WHEN argname = 'key' THEN $q$'fz-fresh'::text$q$
            WHEN argname = 'scope' THEN $q$''::text$q$
            WHEN argname = 'statement' THEN $q$'SELECT 1 AS one'::text$q$
            WHEN argname = 'recovery_point' THEN $q$'step-1'::text$q$
            WHEN argname = 'response' THEN $q$'{"ok": true}'::jsonb$q$
            WHEN argname = 'every' THEN $q$'1 minute'::interval$q$
            WHEN argname = 'batch_size' THEN '100'
            WHEN argname IN ('fingerprint', 'wait', 'lease', 'ttl', 'token', 'response_code')
                THEN 'NULL::' || typ::text
            WHEN typ = '"any"'::regtype THEN $q$'x'::text$q$
            WHEN typ = 'text'::regtype THEN $q$'x'::text$q$
            WHEN typ = 'integer'::regtype THEN '1'
            WHEN typ = 'bigint'::regtype THEN '1::bigint'
            WHEN typ = 'interval'::regtype THEN $q$'1 minute'::interval$q$
            WHEN typ = 'jsonb'::regtype THEN $q$'{}'::jsonb$q$
            WHEN typ = 'uuid'::regtype THEN 'gen_random_uuid()'
            WHEN typ = 'boolean'::regtype THEN 'false'
            ELSE 'NULL::' || typ::text
        END
    $$;

    -- Runs one call in a subtransaction that is always rolled back, after
    -- claiming the "fresh" keys there, and records its outcome.
    CREATE FUNCTION fuzz_call(fn regprocedure, call text, varied text) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
        st text;
        m text;
    BEGIN
        BEGIN
            PERFORM idempotency.claim('fz-fresh');
            PERFORM idempotency.claim('00000000-0000-4000-8000-00000000f5e5'::uuid);
            RAISE LOG 'fuzz call as %: %', current_user, call;
            EXECUTE call;
            RAISE EXCEPTION USING ERRCODE = 'ZZ001';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
        END;
        INSERT INTO public.fuzz_results
        VALUES (current_user, fn::text, call, varied,
                CASE st WHEN 'ZZ001' THEN 'ok' ELSE st END, left(m, 200));
    END $$;

    -- Calls every function of the extension: all baselines, all NULLs, each
    -- argument through each candidate of its type, explicit VARIADIC arrays,
    -- and random combinations.
    CREATE FUNCTION fuzz_run(random_calls integer) RETURNS bigint
    LANGUAGE plpgsql AS $$
    DECLARE
        f record;
        base text[];
        args text[];
        c record;
        k integer;
        r integer;
        n bigint := 0;
        stmt_pos integer;
    BEGIN
        PERFORM setseed(0.4242);
        FOR f IN
            SELECT p.oid::regprocedure AS fn, p.proname, p.provariadic,
                   ARRAY(SELECT t::regtype FROM unnest(p.proargtypes::oid[])
                                   WITH ORDINALITY u(t, o) ORDER BY o) AS types,
                   CASE WHEN p.proargmodes IS NULL THEN COALESCE(p.proargnames, '{}')
                        ELSE ARRAY(SELECT u.nm
                                     FROM unnest(p.proargnames, p.proargmodes)
                                          WITH ORDINALITY u(nm, md, o)
                                    WHERE u.md IN ('i', 'b', 'v') ORDER BY u.o)
                   END AS names,
                   p.proretset
              FROM pg_proc p
              JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
              JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass
                                 AND d.refobjid = e.oid
             WHERE e.extname = 'idempotency' AND d.deptype = 'e'
               AND p.prorettype <> 'trigger'::regtype
             ORDER BY p.oid
        LOOP
            base := ARRAY(SELECT public.fuzz_baseline(f.types[i], f.names[i])
                            FROM generate_subscripts(f.types, 1) i ORDER BY i);
            stmt_pos := array_position(f.names, 'statement');

            PERFORM public.fuzz_call(f.fn, format('SELECT %s(%s)', f.fn::oid::regproc,
                                                  array_to_string(base, ', ')), 'baseline');
            args := ARRAY(SELECT CASE WHEN f.types[i] = '"any"'::regtype THEN 'NULL'
                                      ELSE 'NULL::' || f.types[i]::text END
                            FROM generate_subscripts(f.types, 1) i ORDER BY i);
            PERFORM public.fuzz_call(f.fn, format('SELECT %s(%s)', f.fn::oid::regproc,
                                                  array_to_string(args, ', ')), 'all null');
            n := n + 2;

            FOR k IN 1 .. coalesce(array_length(f.types, 1), 0) LOOP
                FOR c IN SELECT v.label, v.expr FROM public.fuzz_vals v
                          WHERE v.typ = f.types[k] ORDER BY v.label
                LOOP
                    args := base;
                    args[k] := c.expr;
                    PERFORM public.fuzz_call(f.fn,
                        format('SELECT %s(%s)', f.fn::oid::regproc, array_to_string(args, ', ')),
                        coalesce(f.names[k], 'arg' || k) || ': ' || c.label);
                    n := n + 1;
                END LOOP;
            END LOOP;

            IF f.provariadic = '"any"'::regtype THEN
                FOREACH c.expr IN ARRAY ARRAY['VARIADIC ARRAY[1, 2]', 'VARIADIC NULL::integer[]',
                                              'VARIADIC ARRAY[]::text[]',
                                              $v$VARIADIC ARRAY['a', NULL]::text[]$v$,
                                              $v$'a'::text, 2, NULL, (SELECT t FROM public.fuzz_big WHERE label = '10MB')$v$]
                LOOP
                    args := base;
                    args[array_length(args, 1)] := c.expr;
                    IF stmt_pos IS NOT NULL THEN
                        args[stmt_pos] := $q$'SELECT $1 AS a, $2 AS b'::text$q$;
                    END IF;
                    PERFORM public.fuzz_call(f.fn,
                        format('SELECT %s(%s)', f.fn::oid::regproc, array_to_string(args, ', ')),
                        'variadic: ' || c.expr);
                    n := n + 1;
                END LOOP;
            END IF;

            FOR r IN 1 .. random_calls LOOP
                args := ARRAY(SELECT coalesce(
                                  (SELECT v.expr FROM public.fuzz_vals v
                                    WHERE v.typ = f.types[i] ORDER BY random() LIMIT 1),
                                  public.fuzz_baseline(f.types[i], f.names[i]))
                                FROM generate_subscripts(f.types, 1) i ORDER BY i);
                IF array_length(args, 1) IS NULL THEN
                    EXIT;
                END IF;
                PERFORM public.fuzz_call(f.fn,
                    format('SELECT %s(%s)', f.fn::oid::regproc, array_to_string(args, ', ')),
                    'random' || CASE WHEN stmt_pos IS NOT NULL
                                          AND args[stmt_pos] <> base[stmt_pos]
                                     THEN ': statement' ELSE '' END);
                n := n + 1;
            END LOOP;
        END LOOP;
        RETURN n;
    END $$;
});

# ---------------------------------------------------------------------
# Keys of fuzz_a for the calls to find: completed, under a lease whose
# holder is gone, under a live lease, and locked by an open transaction.
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{
    BEGIN;
    SELECT idempotency.claim('fz-done', fingerprint => 'fp-done');
    SELECT idempotency.complete('fz-done', '"done"');
    SELECT idempotency.claim('00000000-0000-4000-8000-00000000d0e5'::uuid);
    SELECT idempotency.complete('00000000-0000-4000-8000-00000000d0e5'::uuid, '"done"');
    COMMIT;
    SELECT idempotency.claim('fz-lease', lease => '1 hour');
    INSERT INTO fuzz_vals
    SELECT 'uuid', 'lease token', quote_literal(lease_token) || '::uuid'
      FROM idempotency.lookup('fz-lease');
}, extra_params => [ '-U', 'fuzz_a' ]);

my $holder = $node->background_psql('postgres', extra_params => [ '-U', 'fuzz_a' ]);
$holder->query_safe(q{SELECT idempotency.claim('fz-live', lease => '1 hour')});
$holder->query_safe(q{INSERT INTO fuzz_vals
    SELECT 'uuid', 'live token', quote_literal(lease_token) || '::uuid'
      FROM idempotency.lookup('fz-live')});
my $locker = $node->background_psql('postgres', extra_params => [ '-U', 'fuzz_a' ]);
$locker->query_safe(q{BEGIN; SELECT idempotency.claim('fz-locked')});

# ---------------------------------------------------------------------
# Run.  A lock wait ends after 200 ms; no call may take long.
# ---------------------------------------------------------------------
my %calls;
for my $role ('fuzz_a', 'fuzz_b', $node->safe_psql('postgres', 'SELECT current_user'))
{
	my ($rc, $out, $err) = $node->psql('postgres', q{
        SET lock_timeout = '200ms';
        SET statement_timeout = '15min';
        SELECT public.fuzz_run(15);
    }, extra_params => [ '-U', $role ]);
	is($rc, 0, "the calls as $role ran to the end") or diag($err);
	$calls{$role} = $out;
}
$locker->query_safe('ROLLBACK');
$locker->quit;
$holder->quit;

# ---------------------------------------------------------------------
# Outcomes.
# ---------------------------------------------------------------------
my $total = $node->safe_psql('postgres', 'SELECT count(*) FROM fuzz_results');
my $functions = $node->safe_psql('postgres', q{
    SELECT count(*) FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
     WHERE e.extname = 'idempotency' AND d.deptype = 'e'
       AND d.classid = 'pg_proc'::regclass
       AND d.objid IN (SELECT oid FROM pg_proc WHERE prorettype <> 'trigger'::regtype)});
cmp_ok($total, '>', 40 * $functions, "$total calls of $functions functions were made");
is( $node->safe_psql('postgres', q{
        SELECT count(DISTINCT fn) FROM fuzz_results}),
	$functions, 'every function was called');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM fuzz_results WHERE state = 'ok'}),
	'>', 100, 'many calls succeeded');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM fuzz_results WHERE state <> 'ok'}),
	'>', 100, 'many calls failed');

# The documented SQLSTATEs (docs/reference.md, docs/security.md).
my $documented = q{
    'IK001', 'IK002', 'IK003', 'IK004', 'IK005',
    '22004', '22023', '22001', '54000', '55000', '40001', '40P01', '55P03',
    '25006', '0A000', '42601', '42883', '22P02', '42501'};
my $bad = $node->safe_psql('postgres', qq{
    SELECT string_agg(format('%s as %s: %s -> %s %s', varied, role, call, state, msg), E'\n'
                      ORDER BY fn, call)
      FROM fuzz_results
     WHERE state <> 'ok'
       AND state NOT IN ($documented)
       -- the statement given to once() raises what it raises, except
       -- internal errors
       AND NOT ((varied LIKE 'statement: %' OR varied = 'random: statement'
                 OR varied LIKE 'variadic: %')
                AND state NOT LIKE 'XX%' AND state NOT LIKE '58%')});
is($bad, '', 'every failure has a documented SQLSTATE');

is( $node->safe_psql('postgres', q{
        SELECT string_agg(DISTINCT call || ' -> ' || msg, E'\n')
          FROM fuzz_results WHERE state LIKE 'XX%'}),
	'', 'no call raised an internal error');

note('failures of statements given to once(): '
	  . $node->safe_psql('postgres',
		q{SELECT string_agg(DISTINCT varied || ' ' || state || ' ' || left(msg, 60), E'\n')
            FROM fuzz_results
           WHERE state <> 'ok'
             AND (varied LIKE 'statement: %' OR varied LIKE 'variadic: %')}));
note('SQLSTATEs seen: '
	  . $node->safe_psql('postgres',
		q{SELECT string_agg(state || ' x' || n, ', ' ORDER BY state)
            FROM (SELECT state, count(*) n FROM fuzz_results GROUP BY state) s}));

# ---------------------------------------------------------------------
# Commit paths: an unfinished claim at COMMIT, and at PREPARE.
# ---------------------------------------------------------------------
my ($rc, $out, $err) = $node->psql('postgres',
	q{SELECT idempotency.claim((SELECT t FROM fuzz_big WHERE label = '10MB'))},
	extra_params => [ '-v', 'VERBOSITY=sqlstate' ]);
like($err, qr/ERROR:\s+22023/, 'a 10 MB key in autocommit: 22023');
($rc, $out, $err) = $node->psql('postgres',
	q{SELECT idempotency.claim(repeat('ключ', 31))},
	extra_params => [ '-v', 'VERBOSITY=sqlstate' ]);
like($err, qr/ERROR:\s+IK005/, 'an unfinished claim at autocommit: IK005');
($rc, $out, $err) = $node->psql('postgres',
	q{BEGIN; SELECT idempotency.claim('fz-2pc'); PREPARE TRANSACTION 'fz';},
	extra_params => [ '-v', 'VERBOSITY=sqlstate' ]);
like($err, qr/ERROR:\s+IK005/, 'an unfinished claim at PREPARE TRANSACTION: IK005');

# ---------------------------------------------------------------------
# The server survived: same postmaster, no backend terminated by a signal.
# ---------------------------------------------------------------------
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server answers');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
	$start_time, 'the postmaster never restarted');
my $log = slurp_file($node->logfile);
unlike($log,
	qr/terminated by signal|was terminated by exception|server process .* exited with exit code [1-9]|reinitializing|PANIC/,
	'no backend crashed');
if ($log =~ /terminated by signal/)
{
	my @calls = ($log =~ /LOG:  fuzz call as \S+: (.*)/g);
	diag('last call before the crash: ' . $calls[-1]) if @calls;
}

$node->stop;
done_testing();
