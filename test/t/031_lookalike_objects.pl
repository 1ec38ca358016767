# An untrusted role that plants look-alike objects before CREATE EXTENSION
# cannot get them used.  Its objects in the schema idempotency make the
# installation fail; its objects in public are never called, neither while
# installing nor when the extension is used from a search_path that puts
# public first.
#
# Every trap records its use in a table mallory owns; the test shows that
# each kind of trap does fire when reached (so an empty record means
# something), then that the extension never reaches one.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('lookalike');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'idempotency'");
$node->start;

$node->safe_psql('postgres', q{
    CREATE ROLE mallory LOGIN;
    CREATE ROLE app LOGIN;
});

# The record of trap use, and the traps in public: functions and operators
# that shadow pg_catalog's when public comes first in the search path, and
# others that are a better match than pg_catalog's for argument types the
# extension uses, so they would win wherever public is in the path at all.
my $public_traps = q{
    CREATE TABLE public.trap_log (trap text, caller text);
    CREATE FUNCTION public.trap(what text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
    BEGIN
        INSERT INTO public.trap_log VALUES (what, session_user);
        RETURN true;
    END $$;

    -- same signatures as pg_catalog's
    CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('now()'); RETURN pg_catalog.now(); END $$;
    CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('clock_timestamp()'); RETURN pg_catalog.clock_timestamp(); END $$;
    CREATE FUNCTION public.gen_random_uuid() RETURNS uuid LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('gen_random_uuid()'); RETURN pg_catalog.gen_random_uuid(); END $$;
    CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('lower(text)'); RETURN pg_catalog.lower($1); END $$;
    CREATE FUNCTION public.length(text) RETURNS integer LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('length(text)'); RETURN pg_catalog.length($1); END $$;
    CREATE FUNCTION public.current_setting(text) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('current_setting(text)'); RETURN pg_catalog.current_setting($1); END $$;
    CREATE FUNCTION public.pg_has_role(oid, text) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('pg_has_role(oid,text)'); RETURN pg_catalog.pg_has_role($1, $2); END $$;
    CREATE FUNCTION public.to_regrole(text) RETURNS regrole LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('to_regrole(text)'); RETURN pg_catalog.to_regrole($1); END $$;
    CREATE FUNCTION public.trap_texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('=(text,text)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
    CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_texteq);
    CREATE FUNCTION public.trap_nameeq(name, name) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('=(name,name)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
    CREATE OPERATOR public.= (LEFTARG = name, RIGHTARG = name, FUNCTION = public.trap_nameeq);
    CREATE FUNCTION public.trap_oidne(oid, oid) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('<>(oid,oid)'); RETURN $1 OPERATOR(pg_catalog.<>) $2; END $$;
    CREATE OPERATOR public.<> (LEFTARG = oid, RIGHTARG = oid, FUNCTION = public.trap_oidne);

    -- better matches than pg_catalog's
    CREATE FUNCTION public.trap_regroleeq(regrole, oid) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('=(regrole,oid)'); RETURN $1::oid OPERATOR(pg_catalog.=) $2; END $$;
    CREATE OPERATOR public.= (LEFTARG = regrole, RIGHTARG = oid, FUNCTION = public.trap_regroleeq);
    CREATE FUNCTION public.trap_nametexteq(name, text) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('=(name,text)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
    CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('format(text,text)'); RETURN pg_catalog.format($1, $2); END $$;
    CREATE FUNCTION public.format(text, name, text) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('format(text,name,text)'); RETURN pg_catalog.format($1, $2, $3); END $$;
    CREATE FUNCTION public.concat(text, text) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('concat(text,text)'); RETURN pg_catalog.concat($1, $2); END $$;
    CREATE FUNCTION public.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('jsonb_build_object(text,text)'); RETURN pg_catalog.jsonb_build_object($1, $2); END $$;
    CREATE FUNCTION public.text(regrole) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('text(regrole)'); RETURN $1::pg_catalog.text; END $$;

    -- a look-alike of the key table: writes and reads are recorded
    CREATE TABLE public.idempotency_keys (owner regrole, scope text, key text, state text,
                                          response jsonb);
    GRANT ALL ON public.idempotency_keys TO PUBLIC;
    CREATE FUNCTION public.trap_trigger() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('public.idempotency_keys ' || TG_OP); RETURN NULL; END $$;
    CREATE TRIGGER trap AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.idempotency_keys
        FOR EACH STATEMENT EXECUTE FUNCTION public.trap_trigger();
    ALTER TABLE public.idempotency_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE public.idempotency_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY trap ON public.idempotency_keys USING (public.trap('public.idempotency_keys SELECT'));
    CREATE TYPE public.claim_result AS (outcome text);
};

# Look-alikes of the extension's own objects, in a schema idempotency.
my $schema_traps = q{
    CREATE FUNCTION idempotency.claim(key text) RETURNS text LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('idempotency.claim(text)'); RETURN 'claimed'; END $$;
    CREATE FUNCTION idempotency.now() RETURNS timestamptz LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('idempotency.now()'); RETURN pg_catalog.now(); END $$;
    CREATE FUNCTION idempotency.trap_regroleeq(regrole, oid) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN PERFORM public.trap('idempotency.=(regrole,oid)'); RETURN $1::oid OPERATOR(pg_catalog.=) $2; END $$;
    CREATE OPERATOR idempotency.= (LEFTARG = regrole, RIGHTARG = oid,
                                   FUNCTION = idempotency.trap_regroleeq);
};

# A database in which mallory may create schemas and objects in public, and
# has planted her public traps.
sub trap_database
{
	my ($db) = @_;
	$node->safe_psql('postgres', qq{CREATE DATABASE $db});
	$node->safe_psql($db, q{
        GRANT CREATE ON DATABASE } . $db . q{ TO mallory;
        GRANT CREATE ON SCHEMA public TO mallory;
    });
	$node->safe_psql($db, $public_traps, extra_params => [ '-U', 'mallory' ]);
	return;
}

sub traps_used
{
	my ($db) = @_;
	return $node->safe_psql($db,
		q{SELECT count(DISTINCT trap) || coalesce(': ' || string_agg(DISTINCT trap, ', '), '')
            FROM public.trap_log});
}

# CREATE EXTENSION as the superuser, from a search path that puts the
# traps first.  Returns (exit code, stderr).
sub create_extension
{
	my ($db) = @_;
	my ($rc, $out, $err) = $node->psql($db,
		q{SET search_path = public, idempotency, pg_catalog;
          CREATE EXTENSION idempotency;},
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	return ($rc, $err);
}

sub extension_installed
{
	my ($db) = @_;
	return $node->safe_psql($db,
		q{SELECT count(*) FROM pg_catalog.pg_extension
           WHERE extname OPERATOR(pg_catalog.=) 'idempotency'});
}

# ---------------------------------------------------------------------
# The traps work: each kind fires when reached.
# ---------------------------------------------------------------------
trap_database('trap_check');
$node->safe_psql('trap_check', q{
    SET search_path = public, pg_catalog;
    SELECT now(), gen_random_uuid(), lower('A'), 'a'::text = 'a'::text;
}, extra_params => [ '-U', 'app' ]);
$node->safe_psql('trap_check', q{
    SELECT 'app'::regrole = 10::oid, format('%s', 'x'), concat('a', 'b');
    SELECT count(*) FROM public.idempotency_keys;
    INSERT INTO public.idempotency_keys (key) VALUES ('k');
}, extra_params => [ '-U', 'app' ]);
is( traps_used('trap_check'),
	'9: =(regrole,oid), =(text,text), concat(text,text), format(text,text), '
	  . 'gen_random_uuid(), lower(text), now(), public.idempotency_keys INSERT, '
	  . 'public.idempotency_keys SELECT',
	'the traps fire when reached, better-match traps even with pg_catalog first');

# ---------------------------------------------------------------------
# Mallory owns a schema idempotency holding a key table and overloads:
# the installation fails and nothing of hers runs.
# ---------------------------------------------------------------------
trap_database('trap_own_schema');
$node->safe_psql('trap_own_schema', qq{
    CREATE SCHEMA idempotency;
    CREATE TABLE idempotency.idempotency_keys (owner regrole, key text);
    $schema_traps
}, extra_params => [ '-U', 'mallory' ]);
my ($rc, $err) = create_extension('trap_own_schema');
isnt($rc, 0, 'CREATE EXTENSION fails in a schema idempotency that mallory owns');
like($err, qr/ERROR:  (42P07|42501)/, 'with a clear error: ' . ($err =~ /(ERROR:.*)/)[0]);
is(extension_installed('trap_own_schema'), '0', 'the extension is not installed');
is(traps_used('trap_own_schema'), '0', 'none of mallory\'s objects was used');

# The same without the table: the schema check refuses it.
trap_database('trap_schema_funcs');
$node->safe_psql('trap_schema_funcs', qq{
    CREATE SCHEMA idempotency;
    GRANT USAGE ON SCHEMA idempotency TO PUBLIC;
    $schema_traps
}, extra_params => [ '-U', 'mallory' ]);
($rc, $err) = create_extension('trap_schema_funcs');
isnt($rc, 0, 'CREATE EXTENSION fails in a schema that mallory owns, even an empty-looking one');
like($err, qr/ERROR:  42501: schema "idempotency" is owned by role "mallory"/,
	'insufficient_privilege, naming the owner');
is(extension_installed('trap_schema_funcs'), '0', 'the extension is not installed');
is(traps_used('trap_schema_funcs'), '0', 'none of mallory\'s objects was used');
# What the refusal prevents: callers of idempotency.claim(key) would reach
# mallory's overload.
$node->safe_psql('trap_schema_funcs', q{SELECT idempotency.claim('k')},
	extra_params => [ '-U', 'app' ]);
is(traps_used('trap_schema_funcs'), '1: idempotency.claim(text)',
	'mallory\'s overload in that schema is what a caller would reach');

# A superuser's schema in which mallory may create objects.
trap_database('trap_create_grant');
$node->safe_psql('trap_create_grant', q{
    CREATE SCHEMA idempotency;
    GRANT CREATE ON SCHEMA idempotency TO mallory;
});
($rc, $err) = create_extension('trap_create_grant');
isnt($rc, 0, 'CREATE EXTENSION fails when mallory may create objects in the schema');
like($err, qr/ERROR:  42501: roles other than superusers may create objects in schema "idempotency": mallory/,
	'insufficient_privilege, naming mallory');
is(extension_installed('trap_create_grant'), '0', 'the extension is not installed');

# A superuser's schema that still holds what mallory put there while she
# could.
trap_database('trap_leftovers');
$node->safe_psql('trap_leftovers', q{
    CREATE SCHEMA idempotency;
    GRANT USAGE, CREATE ON SCHEMA idempotency TO mallory;
});
$node->safe_psql('trap_leftovers', $schema_traps, extra_params => [ '-U', 'mallory' ]);
$node->safe_psql('trap_leftovers', q{REVOKE CREATE ON SCHEMA idempotency FROM mallory});
($rc, $err) = create_extension('trap_leftovers');
isnt($rc, 0, 'CREATE EXTENSION fails when the schema holds mallory\'s objects');
like($err, qr/ERROR:  42501: schema "idempotency" holds objects of other roles: .*claim\(text\)/,
	'insufficient_privilege, listing her objects');
is(extension_installed('trap_leftovers'), '0', 'the extension is not installed');
is(traps_used('trap_leftovers'), '0', 'none of mallory\'s objects was used');

# ---------------------------------------------------------------------
# Traps in public only: the extension installs untouched, and using it
# from a search path that puts public first reaches no trap.
# ---------------------------------------------------------------------
trap_database('trap_public');
($rc, $err) = create_extension('trap_public');
is($rc, 0, 'CREATE EXTENSION succeeds beside look-alikes in public') or diag($err);
is(traps_used('trap_public'), '0', 'installing used none of mallory\'s objects');

# Everything the extension resolved lies in pg_catalog or idempotency.
is( $node->safe_psql('trap_public', q{
        SELECT count(*) FROM pg_catalog.pg_depend d
         WHERE d.refclassid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc'::regclass,
                                                 'pg_catalog.pg_operator'::regclass,
                                                 'pg_catalog.pg_type'::regclass,
                                                 'pg_catalog.pg_class'::regclass]::oid[])
           AND d.refobjid OPERATOR(pg_catalog.=) ANY (
                 SELECT p.oid FROM pg_catalog.pg_proc p
                  WHERE p.pronamespace OPERATOR(pg_catalog.=) 'public'::regnamespace
                 UNION ALL
                 SELECT o.oid FROM pg_catalog.pg_operator o
                  WHERE o.oprnamespace OPERATOR(pg_catalog.=) 'public'::regnamespace
                 UNION ALL
                 SELECT t.oid FROM pg_catalog.pg_type t
                  WHERE t.typnamespace OPERATOR(pg_catalog.=) 'public'::regnamespace
                 UNION ALL
                 SELECT c.oid FROM pg_catalog.pg_class c
                  WHERE c.relnamespace OPERATOR(pg_catalog.=) 'public'::regnamespace)
           AND (d.classid, d.objid) IN (
                 SELECT e.classid, e.objid FROM pg_catalog.pg_depend e
                  WHERE e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::regclass
                    AND e.refobjid OPERATOR(pg_catalog.=)
                        (SELECT x.oid FROM pg_catalog.pg_extension x
                          WHERE x.extname OPERATOR(pg_catalog.=) 'idempotency')
                 UNION ALL
                 SELECT 'pg_catalog.pg_policy'::regclass, pol.oid FROM pg_catalog.pg_policy pol
                  WHERE pol.polrelid OPERATOR(pg_catalog.=) 'idempotency.idempotency_keys'::regclass
                 UNION ALL
                 SELECT 'pg_catalog.pg_constraint'::regclass, con.oid FROM pg_catalog.pg_constraint con
                  WHERE con.conrelid OPERATOR(pg_catalog.=) 'idempotency.idempotency_keys'::regclass)
    }),
	'0',
	'no object, policy or constraint of the extension depends on anything in public');

# The API and direct reads, from a search path with public first, as an
# ordinary role and as the superuser.  These statements use no operator
# or function of their own, so any trap use would be the extension's.
my $use = q{
    SET search_path = public, pg_catalog;
    BEGIN;
    SELECT outcome FROM idempotency.claim('order-1', fingerprint => 'f1');
    SELECT state FROM idempotency.complete('order-1', '{"ok": true}', 201);
    COMMIT;
    SELECT outcome FROM idempotency.claim('order-1', fingerprint => 'f1');
    SELECT outcome, lease_token AS tok
      FROM idempotency.claim('8f0c1a4e-0000-4000-8000-00000000000a'::uuid, lease => '1 minute') \gset
    SELECT :'outcome';
    SELECT state FROM idempotency.checkpoint('8f0c1a4e-0000-4000-8000-00000000000a'::uuid,
                                             'step-1', token => :'tok');
    SELECT idempotency.release('8f0c1a4e-0000-4000-8000-00000000000a'::uuid, token => :'tok');
    SELECT state FROM idempotency.lookup('order-1');
    SELECT idempotency.once('once-1', 'SELECT 1 AS one');
    SELECT idempotency.once('once-1', 'SELECT 1 AS one');
    SELECT idempotency.once_with('once-2', 'a-scope', '1 hour', NULL, 'SELECT $1 AS v', 'x'::text);
    SELECT count(*) FROM idempotency.idempotency_keys;
};
is( $node->safe_psql('trap_public', $use, extra_params => [ '-U', 'app' ]),
	"claimed\ncompleted\ncompleted\nclaimed\nin_progress\n\ncompleted\n"
	  . "[{\"one\": 1}]\n[{\"one\": 1}]\n[{\"v\": \"x\"}]\n3",
	'an ordinary role uses the extension with public first in its search path');
is(traps_used('trap_public'), '0', 'the ordinary role reached none of mallory\'s objects');

$node->safe_psql('trap_public', $use);
$node->safe_psql('trap_public', q{
    SET search_path = public, pg_catalog;
    SELECT count(*) FROM idempotency.all_keys();
});
is(traps_used('trap_public'), '0',
	'the superuser, all_keys() included, reached none of mallory\'s objects');

# Mallory herself: her own keys only, and still no trap reached.
is( $node->safe_psql('trap_public', q{
        SET search_path = public, pg_catalog;
        SELECT outcome FROM idempotency.claim('order-1', wait => '0', lease => '1 minute');
        SELECT count(*) FROM idempotency.idempotency_keys;
    }, extra_params => [ '-U', 'mallory' ]),
	"claimed\n1",
	'mallory sees and claims only her own keys');
is(traps_used('trap_public'), '0', 'and reached none of her own traps through the extension');

$node->stop;
done_testing();
