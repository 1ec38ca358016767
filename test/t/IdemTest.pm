# IdemTest: fixtures shared by the TAP tests of the idempotency extension.
#
# Key rows written directly (as a superuser; row-level security does not
# apply to one), for tests that need keys in a given state without going
# through the API, and the checks several tests make on a node.
package IdemTest;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(insert_expired insert_live insert_live_lease count_keys key_lock_count
  completed_responses lost_completed extension_objects edition preload_conf extension_name
  key_lock_class);

# The edition a test runs against: the C edition, or with
# IDEMPOTENCY_EDITION=portable the portable edition (scripts/test's portable
# suite runs the tests that portable/test/tap names that way).  A test
# written for both takes its settings and extension from these.
sub edition
{
	return ($ENV{IDEMPOTENCY_EDITION} // '') eq 'portable' ? 'portable' : 'c';
}

# postgresql.conf lines that load the edition's library: none for the
# portable edition, which has no library.
sub preload_conf
{
	return edition() eq 'portable' ? '' : "shared_preload_libraries = 'idempotency'\n";
}

# The name of the edition's extension.
sub extension_name
{
	return edition() eq 'portable' ? 'idempotency_portable' : 'idempotency';
}

# pg_locks.objsubid of a key's lock: the C edition's own class of advisory
# lock, or pg_advisory_xact_lock(bigint)'s in the portable edition.
sub key_lock_class
{
	return edition() eq 'portable' ? 1 : 18756;
}

# $n completed keys named "$prefix-1" .. "$prefix-$n" that expired an hour
# ago (each a microsecond apart, so their order is fixed).
sub insert_expired
{
	my ($node, $db, $prefix, $n) = @_;
	$node->safe_psql(
		$db, qq{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	SELECT current_user::regrole, '', '$prefix-' || g, 'completed', '{}',
	       now() - interval '2 hours', now() - interval '2 hours',
	       now() - interval '1 hour' + g * interval '1 microsecond'
	  FROM generate_series(1, $n) AS g});
	return;
}

# A completed key that lives another day.
sub insert_live
{
	my ($node, $db, $key) = @_;
	$node->safe_psql(
		$db, qq{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	VALUES (current_user::regrole, '', '$key', 'completed', '{}', now(), now(),
	        now() + interval '1 day')});
	return;
}

# An in_progress key past its expires_at but held under a lease that runs
# another day: expiry must leave it alone.
sub insert_live_lease
{
	my ($node, $db, $key) = @_;
	$node->safe_psql(
		$db, qq{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, lease_token, lease_holder_pid, lease_interval,
	        lease_expires_at, created_at, expires_at)
	VALUES (current_user::regrole, '', '$key', 'in_progress', gen_random_uuid(), 1,
	        interval '1 day', now() + interval '1 day', now() - interval '2 hours',
	        now() - interval '1 hour')});
	return;
}

# How many keys named "$prefix-..." there are.
sub count_keys
{
	my ($node, $db, $prefix) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE '$prefix-%'");
}

# How many key locks (advisory locks of the extension's class) are held.
sub key_lock_count
{
	my ($node, $db) = @_;
	return $node->safe_psql($db // 'postgres',
		q{SELECT count(*) FROM pg_catalog.pg_locks
		   WHERE locktype = 'advisory' AND objsubid = } . key_lock_class());
}

# The completed keys and their stored responses, as a hash reference
# { "scope/key" => response as text }.
sub completed_responses
{
	my ($node) = @_;
	my %responses = map { split /=/, $_, 2 } split /\n/,
	  $node->safe_psql(
		'postgres', q{
		SELECT scope || '/' || key || '=' || response::text
		  FROM idempotency.idempotency_keys WHERE state = 'completed'});
	return \%responses;
}

# The keys of $before (from completed_responses) that $after no longer has
# completed with the same response, as "scope/key=response" lines.
sub lost_completed
{
	my ($before, $after) = @_;
	return map { "$_=$before->{$_}" }
	  grep { !defined $after->{$_} || $after->{$_} ne $before->{$_} }
	  sort keys %$before;
}

# Everything of the idempotency extension in database $db that an upgrade
# must get right, one line per fact, sorted, without OIDs: each member
# object with its definition (functions, views, columns, constraints,
# indexes, triggers, policies, composite types), owner, privileges and
# comment; the tables pg_dump keeps; the initial privileges pg_dump
# restores; the extension's version.
sub extension_objects
{
	my ($node, $db) = @_;
	return $node->safe_psql(
		$db, q{
	WITH ext AS (
	    SELECT oid, extversion, extconfig FROM pg_extension WHERE extname = 'idempotency'
	), members AS (
	    SELECT d.classid, d.objid
	      FROM pg_depend d, ext
	     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid
	       AND d.deptype = 'e'
	), facts(line) AS (
	    SELECT 'version ' || extversion FROM ext
	    UNION ALL
	    SELECT 'member ' || pg_describe_object(classid, objid, 0) FROM members
	    UNION ALL
	    SELECT 'comment ' || pg_describe_object(m.classid, m.objid, 0) || ': ' || c.description
	      FROM members m JOIN pg_description c
	        ON c.classoid = m.classid AND c.objoid = m.objid AND c.objsubid = 0
	    UNION ALL
	    SELECT 'function ' || p.oid::regprocedure || ' owner ' || p.proowner::regrole
	           || ' acl ' || coalesce(p.proacl::text, 'default') || E'\n'
	           || pg_get_functiondef(p.oid)
	      FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
	     WHERE p.prokind <> 'a'
	    UNION ALL
	    SELECT 'relation ' || c.oid::regclass || ' kind ' || c.relkind::text
	           || ' owner ' || c.relowner::regrole
	           || ' acl ' || coalesce(c.relacl::text, 'default')
	           || ' options ' || coalesce(c.reloptions::text, '')
	           || ' rls ' || c.relrowsecurity || '/' || c.relforcerowsecurity
	           || coalesce(E'\n' || pg_get_viewdef(c.oid), '')
	      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
	    UNION ALL
	    SELECT 'column ' || c.oid::regclass || '.' || a.attname || ' '
	           || format_type(a.atttypid, a.atttypmod)
	           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
	           || coalesce(' collate ' || co.collname, '')
	           || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
	           || ' position ' || a.attnum
	      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
	      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	      LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
	      LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
	    UNION ALL
	    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
	      FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
	    UNION ALL
	    SELECT 'constraint ' || co.conrelid::regclass || ' ' || co.conname || ' '
	           || pg_get_constraintdef(co.oid)
	      FROM members m JOIN pg_constraint co
	        ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid
	    UNION ALL
	    SELECT 'trigger ' || pg_get_triggerdef(t.oid)
	      FROM members m JOIN pg_trigger t
	        ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid AND NOT t.tgisinternal
	    UNION ALL
	    SELECT 'policy ' || p.schemaname || '.' || p.tablename || ' ' || p.policyname
	           || ' ' || p.permissive || ' ' || p.roles::text || ' ' || p.cmd
	           || ' using ' || coalesce(p.qual, '') || ' check ' || coalesce(p.with_check, '')
	      FROM pg_policies p WHERE p.schemaname = 'idempotency'
	    UNION ALL
	    SELECT 'type ' || t.oid::regtype || ' owner ' || t.typowner::regrole
	           || ' acl ' || coalesce(t.typacl::text, 'default')
	      FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
	    UNION ALL
	    SELECT 'schema ' || n.nspname || ' owner ' || n.nspowner::regrole
	           || ' acl ' || coalesce(n.nspacl::text, 'default')
	      FROM pg_namespace n WHERE n.nspname = 'idempotency'
	    UNION ALL
	    SELECT 'dumped table ' || t::regclass FROM ext, unnest(ext.extconfig) AS t
	    UNION ALL
	    SELECT 'initial privileges ' || pg_describe_object(ip.classoid, ip.objoid, ip.objsubid)
	           || ' ' || ip.privtype::text || ' ' || ip.initprivs::text
	      FROM pg_init_privs ip
	      JOIN members m ON m.classid = ip.classoid AND m.objid = ip.objoid
	)
	SELECT string_agg(line, E'\n' ORDER BY line) FROM facts});
}

1;
