-- The portable edition's copy of test/pgtap/security_audit.sql (it
-- replaces that file in scripts/test's portable suite, see
-- portable/test/prepare); keep the two in step.  It differs in two
-- assertions, both differences of the design (portable/DIFFERENCES.md):
--   * the internal helpers idempotency.portable_*, which the API's
--     functions call as the caller, may be executable by PUBLIC when they
--     run as the caller (SECURITY INVOKER): they give a role nothing its own
--     rights do not; every SECURITY DEFINER function stays closed to PUBLIC
--     (the assertion after it, unchanged);
--   * the key table grants INSERT, UPDATE and DELETE to PUBLIC: the API
--     writes it as the caller, and forced row-level security (own_keys,
--     asserted below) limits every role to its own keys; no other write, and
--     no other relation, is granted to PUBLIC.
-- Audits the installed extension's objects, found through pg_depend, so
-- that objects added later are audited too: search_path pinned on every
-- SQL-language function, nothing but the key API executable by PUBLIC, no
-- table write granted to PUBLIC, row-level security enabled and forced,
-- everything in the schema idempotency, nothing bound to objects outside
-- pg_catalog and idempotency.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS idempotency_portable;

SELECT plan(27);

-- The documented key API (docs/reference.md): every signature of these
-- names is for PUBLIC; nothing else is.
CREATE TEMP TABLE audit_api (name name PRIMARY KEY);
INSERT INTO audit_api VALUES
    ('claim'), ('complete'), ('release'), ('checkpoint'), ('lookup'),
    ('once'), ('once_with'), ('fingerprint_digest'), ('claim_batch'), ('complete_batch'),
    ('release_batch');

-- Every member object of the extension.
CREATE TEMP VIEW audit_members AS
SELECT d.classid, d.objid, i.type, i.schema, i.identity
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e
    ON d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid
 CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, 0) i
 WHERE e.extname = 'idempotency_portable' AND d.deptype = 'e';

CREATE TEMP VIEW audit_functions AS
SELECT p.*, l.lanname
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE p.oid IN (SELECT objid FROM audit_members
                  WHERE classid = 'pg_catalog.pg_proc'::regclass);

CREATE TEMP VIEW audit_relations AS
SELECT c.*
  FROM pg_catalog.pg_class c
 WHERE c.oid IN (SELECT objid FROM audit_members
                  WHERE classid = 'pg_catalog.pg_class'::regclass);

-- Functions PUBLIC may execute: a NULL ACL is the default, which grants
-- EXECUTE to PUBLIC.
CREATE TEMP VIEW audit_public_functions AS
SELECT f.oid::regprocedure AS fn, f.proname, f.prosecdef
  FROM audit_functions f
 WHERE EXISTS (SELECT 1
                 FROM pg_catalog.aclexplode(COALESCE(f.proacl,
                                                     pg_catalog.acldefault('f', f.proowner))) a
                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE');

-- ---------- the extension itself ----------
SELECT ok((SELECT count(*) >= 10 FROM audit_members),
          'the audit finds the extension''s member objects');

SELECT is((SELECT extrelocatable FROM pg_catalog.pg_extension WHERE extname = 'idempotency_portable'),
          false, 'the extension is not relocatable');

SELECT is((SELECT extnamespace::regnamespace::text FROM pg_catalog.pg_extension
            WHERE extname = 'idempotency_portable'),
          'idempotency', 'the extension''s schema is idempotency');

SELECT is_empty($$SELECT type, identity FROM audit_members
                   WHERE schema IS DISTINCT FROM 'idempotency'$$,
                'every member object is in the schema idempotency');

SELECT is_empty($$SELECT c.oid::regclass::text FROM pg_catalog.pg_class c
                   WHERE c.relnamespace = 'idempotency'::regnamespace
                     AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
                     AND c.oid NOT IN (SELECT oid FROM audit_relations)
                     AND c.reltype NOT IN (SELECT objid FROM audit_members
                                            WHERE classid = 'pg_catalog.pg_type'::regclass)
                  UNION ALL
                  SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                   WHERE p.pronamespace = 'idempotency'::regnamespace
                     AND p.oid NOT IN (SELECT oid FROM audit_functions)$$,
                'the schema idempotency holds no relation or function that is not the extension''s');

SELECT is_empty($$SELECT m.type, m.identity
                    FROM audit_members m
                    JOIN pg_catalog.pg_extension e ON e.extname = 'idempotency_portable'
                    LEFT JOIN pg_catalog.pg_proc p
                      ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
                    LEFT JOIN pg_catalog.pg_class c
                      ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
                    LEFT JOIN pg_catalog.pg_type t
                      ON m.classid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objid
                   WHERE COALESCE(p.proowner, c.relowner, t.typowner) IS DISTINCT FROM e.extowner$$,
                'every member function, relation and type is owned by the extension''s owner');

-- ---------- the schema ----------
SELECT is((SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = 'idempotency'),
          (SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'idempotency_portable'),
          'the schema idempotency is owned by the extension''s owner');

SELECT is_empty($$SELECT a.grantee::regrole, a.privilege_type
                    FROM pg_catalog.pg_namespace n,
                         pg_catalog.aclexplode(COALESCE(n.nspacl,
                                                        pg_catalog.acldefault('n', n.nspowner))) a
                   WHERE n.nspname = 'idempotency'
                     AND a.privilege_type = 'CREATE' AND a.grantee <> n.nspowner$$,
                'nobody but its owner may create objects in the schema idempotency');

-- ---------- functions ----------
SELECT ok((SELECT count(*) > 0 FROM audit_functions WHERE lanname NOT IN ('c', 'internal')),
          'the extension has SQL-language functions to audit');

-- once() and once_with() run their statement under the caller's search_path,
-- as in the C edition (portable/DIFFERENCES.md): they pin nothing, run as the
-- caller, and their body is one call with every name schema-qualified, which
-- hands the caller's search_path to idempotency.portable_once() (that pins its
-- own for its work)
SELECT is_empty($$SELECT oid::regprocedure, lanname, proconfig
                    FROM audit_functions
                   WHERE lanname NOT IN ('c', 'internal')
                     AND proname NOT IN ('once', 'once_with')
                     AND NOT COALESCE('search_path=pg_catalog, pg_temp' = ANY (proconfig), false)$$,
                'every SQL-language function but once() and once_with() pins search_path = pg_catalog, pg_temp');

SELECT is_empty($$SELECT oid::regprocedure FROM audit_functions
                   WHERE proname IN ('once', 'once_with')
                     AND (prosecdef OR proconfig IS NOT NULL
                          OR prosrc !~ '^\s*BEGIN\s+RETURN idempotency\.portable_once\((once|once_with)\.key(::pg_catalog\.text)?, [^;]*pg_catalog\.current_setting\(''search_path''\)\);\s*END\s*$'
                          OR regexp_replace(prosrc, '(pg_catalog|idempotency|once|once_with)\.[a-z_]+|''[^'']*''|\m(BEGIN|RETURN|END|NULL)\M', '', 'g') ~ '[a-z_]+\s*\(')$$,
                'once() and once_with() run as the caller, set nothing, and are one schema-qualified call of idempotency.portable_once()');

SELECT is_empty($$SELECT oid::regprocedure FROM audit_functions
                   WHERE prosecdef
                     AND NOT COALESCE('search_path=pg_catalog, pg_temp' = ANY (proconfig), false)$$,
                'every SECURITY DEFINER function pins search_path');

SELECT is_empty($$SELECT fn FROM audit_public_functions
                   WHERE proname NOT IN (SELECT name FROM audit_api)
                     AND NOT (proname LIKE 'portable\_%' AND NOT prosecdef)$$,
                'no function outside the key API but the internal helpers running as the caller is executable by PUBLIC');

SELECT is_empty($$SELECT fn FROM audit_public_functions WHERE prosecdef$$,
                'no SECURITY DEFINER function is executable by PUBLIC');

SELECT is_empty($$SELECT name FROM audit_api
                   WHERE name NOT IN (SELECT proname FROM audit_functions)$$,
                'every function of the documented key API exists');

SELECT is_empty($$SELECT oid::regprocedure FROM audit_functions
                   WHERE proname IN (SELECT name FROM audit_api)
                     AND oid NOT IN (SELECT fn FROM audit_public_functions)$$,
                'every signature of the key API is executable by PUBLIC');

SELECT is_empty($$SELECT oid::regprocedure FROM audit_functions
                   WHERE prosecdef AND lanname IN ('c', 'internal')$$,
                'no C function runs as SECURITY DEFINER');

-- A role that nobody granted anything to runs the API, not all_keys().
CREATE ROLE idem_audit_nobody;
SELECT ok(pg_catalog.has_function_privilege('idem_audit_nobody',
              'idempotency.claim(text, text, text, interval, interval, interval)', 'EXECUTE')
          AND NOT pg_catalog.has_function_privilege('idem_audit_nobody',
              'idempotency.all_keys()', 'EXECUTE'),
          'a role without grants may run claim() but not all_keys()');

-- ---------- tables ----------
SELECT is_empty($$SELECT c.oid::regclass, a.privilege_type
                    FROM audit_relations c,
                         pg_catalog.aclexplode(COALESCE(c.relacl,
                             pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char",
                                                   c.relowner))) a
                   WHERE a.grantee = 0
                     AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                              'REFERENCES', 'TRIGGER', 'USAGE')
                     AND NOT (c.oid = 'idempotency.idempotency_keys'::regclass
                              AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE'))$$,
                'no relation of the extension grants a write (or sequence use) to PUBLIC, but the key table its rows (row-level security)');

SELECT is_empty($$SELECT c.oid::regclass, att.attname, a.privilege_type
                    FROM audit_relations c
                    JOIN pg_catalog.pg_attribute att ON att.attrelid = c.oid
                   CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a
                   WHERE att.attacl IS NOT NULL AND a.grantee = 0
                     AND a.privilege_type <> 'SELECT'$$,
                'no column of the extension''s relations grants a write to PUBLIC');

-- ---------- row-level security ----------
SELECT ok((SELECT relrowsecurity AND relforcerowsecurity FROM pg_catalog.pg_class
            WHERE oid = 'idempotency.idempotency_keys'::regclass),
          'row-level security is enabled and forced on idempotency_keys');

SELECT policies_are('idempotency', 'idempotency_keys',
                    ARRAY['own_keys', 'extension_owner_all_keys'],
                    'idempotency_keys has exactly the documented policies');

SELECT is((SELECT pg_catalog.array_to_string(polroles, ',') || ' ' || polcmd::text || ' '
                   || polpermissive::text
              FROM pg_catalog.pg_policy
             WHERE polrelid = 'idempotency.idempotency_keys'::regclass
               AND polname = 'own_keys'),
          '0 * true', 'own_keys is a permissive policy for every command and every role (PUBLIC)');

SELECT ok((SELECT pg_catalog.pg_get_expr(polqual, polrelid) LIKE '%CURRENT_USER%'
                  AND pg_catalog.pg_get_expr(polwithcheck, polrelid) LIKE '%CURRENT_USER%'
             FROM pg_catalog.pg_policy
            WHERE polrelid = 'idempotency.idempotency_keys'::regclass
              AND polname = 'own_keys'),
          'own_keys compares the owner with the current role, for reads and for writes');

SELECT policy_roles_are('idempotency', 'idempotency_keys', 'extension_owner_all_keys',
                        ARRAY[(SELECT extowner::regrole::name FROM pg_catalog.pg_extension
                                WHERE extname = 'idempotency_portable')],
                        'the see-all policy applies to the extension''s owner only');

-- ---------- nothing is bound to objects outside pg_catalog and idempotency ----------
-- Policies, constraints, defaults, rules, triggers and indexes of the
-- extension's relations, and the extension's functions themselves, depend on
-- the functions, operators, types and collations they resolved at install
-- (pinned objects of pg_catalog are not recorded).
CREATE TEMP VIEW audit_bindings AS
    WITH owned(classid, objid) AS (
        SELECT 'pg_catalog.pg_proc'::regclass, oid FROM audit_functions
        UNION ALL
        SELECT 'pg_catalog.pg_class'::regclass, oid FROM audit_relations
        UNION ALL
        SELECT 'pg_catalog.pg_class'::regclass, indexrelid FROM pg_catalog.pg_index
         WHERE indrelid IN (SELECT oid FROM audit_relations)
        UNION ALL
        SELECT 'pg_catalog.pg_policy'::regclass, oid FROM pg_catalog.pg_policy
         WHERE polrelid IN (SELECT oid FROM audit_relations)
        UNION ALL
        SELECT 'pg_catalog.pg_constraint'::regclass, oid FROM pg_catalog.pg_constraint
         WHERE conrelid IN (SELECT oid FROM audit_relations)
        UNION ALL
        SELECT 'pg_catalog.pg_attrdef'::regclass, oid FROM pg_catalog.pg_attrdef
         WHERE adrelid IN (SELECT oid FROM audit_relations)
        UNION ALL
        SELECT 'pg_catalog.pg_rewrite'::regclass, oid FROM pg_catalog.pg_rewrite
         WHERE ev_class IN (SELECT oid FROM audit_relations)
        UNION ALL
        SELECT 'pg_catalog.pg_trigger'::regclass, oid FROM pg_catalog.pg_trigger
         WHERE tgrelid IN (SELECT oid FROM audit_relations)
    )
    SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS dependent,
           r.type, r.schema, r.identity
      FROM owned o
      JOIN pg_catalog.pg_depend d ON d.classid = o.classid AND d.objid = o.objid
     CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) r
     WHERE d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_operator'::regclass,
                            'pg_catalog.pg_type'::regclass, 'pg_catalog.pg_collation'::regclass);

SELECT is_empty($$SELECT dependent, type, identity FROM audit_bindings
                   WHERE schema IS DISTINCT FROM 'pg_catalog'
                     AND schema IS DISTINCT FROM 'idempotency'$$,
    'nothing of the extension depends on a function, operator, type or collation outside pg_catalog and idempotency');

SELECT ok((SELECT count(*) > 0 FROM audit_bindings WHERE schema = 'idempotency'),
          'the dependency check sees the extension''s own bindings (it is not vacuous)');

SELECT * FROM finish();
ROLLBACK;
