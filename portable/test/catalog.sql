-- portable/test/catalog.sql: the catalog of an installed edition of the
-- idempotency extension, one fact a line, sorted: what application code and
-- the security rules see of it.  portable/test/catalog.t runs this in a
-- database with the C edition and in one with the portable edition and
-- compares the two lists; by hand: psql -X -A -t -q -d DB -f portable/test/catalog.sql
--
-- A fact is "OBJECT: ATTRIBUTE", OBJECT as pg_describe_object() names it
-- ("function idempotency.claim(text,text,text,interval,interval,interval)",
-- "column key of table idempotency.idempotency_keys", ...), for:
--   the extension (its name aside): schema, version, relocatable,
--     superuser, trusted, requires, comment, the tables pg_dump keeps;
--     every member object;
--   the schema idempotency and everything in it: functions (kind, arguments
--     with names and defaults, result, volatility, strictness, security,
--     leakproof, parallel safety), types (composite attributes, enum
--     labels, domains), tables and views (columns, constraints, indexes,
--     triggers, rules, row-level security, policies, view definitions);
--     of each its owner, its grants and its comment.
-- Not compared: how a function is implemented (language, body, its SET
-- clauses, cost, rows), and object ids.  The owner of the schema is written
-- OWNER, PUBLIC as PUBLIC, so that the two databases may have different
-- installers.
\set ON_ERROR_STOP 1
SET search_path = pg_catalog, pg_temp;
SET client_min_messages = warning;

-- a role as the facts name it
CREATE FUNCTION pg_temp.who(r oid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r = 0 THEN 'PUBLIC'
                WHEN r = (SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = 'idempotency')
                    THEN 'OWNER'
                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END
$$;
-- text on one line, white space runs as one blank
CREATE FUNCTION pg_temp.flat(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_catalog.regexp_replace(pg_catalog.btrim(t), '\s+', ' ', 'g')
$$;
-- one fact per privilege of an ACL (NULL: the default of its kind; a
-- column's, none)
CREATE FUNCTION pg_temp.grants(obj text, acl aclitem[], kind "char", owner oid)
RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT obj || ': grant ' || a.privilege_type || ' to ' || pg_temp.who(a.grantee)
           || CASE WHEN a.is_grantable THEN ' with grant option' ELSE '' END
      FROM pg_catalog.aclexplode(CASE WHEN kind = 'c' THEN acl
                                      ELSE coalesce(acl, pg_catalog.acldefault(kind, owner)) END) a
$$;

WITH nsp AS (
    SELECT oid, nspowner, nspacl FROM pg_namespace WHERE nspname = 'idempotency'
), ext AS (
    SELECT e.* FROM pg_extension e JOIN nsp ON e.extnamespace = nsp.oid
), procs AS (
    SELECT p.*, pg_describe_object('pg_proc'::regclass, p.oid, 0) AS obj
      FROM pg_proc p JOIN nsp ON p.pronamespace = nsp.oid
), types AS (
    SELECT t.*, pg_describe_object('pg_type'::regclass, t.oid, 0) AS obj
      FROM pg_type t JOIN nsp ON t.typnamespace = nsp.oid
     WHERE NOT (t.typcategory = 'A' AND t.typelem <> 0)     -- array types
       AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
), rels AS (
    SELECT c.*, pg_describe_object('pg_class'::regclass, c.oid, 0) AS obj
      FROM pg_class c JOIN nsp ON c.relnamespace = nsp.oid
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
), cols AS (
    SELECT a.*, r.relkind, r.obj AS relobj,
           pg_describe_object('pg_class'::regclass, a.attrelid, a.attnum) AS obj,
           row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS pos
      FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid
     WHERE a.attnum > 0 AND NOT a.attisdropped
), facts(fact) AS (
    -- the extension
    SELECT 'extension: schema ' || e.extnamespace::regnamespace::text FROM ext e
    UNION ALL SELECT 'extension: version ' || e.extversion FROM ext e
    UNION ALL SELECT 'extension: ' || CASE WHEN e.extrelocatable THEN 'relocatable' ELSE 'not relocatable' END
      FROM ext e
    UNION ALL SELECT 'extension: ' || CASE WHEN v.superuser THEN 'superuser only' ELSE 'no superuser needed' END
                     || ', ' || CASE WHEN v.trusted THEN 'trusted' ELSE 'not trusted' END
                     || ', requires ' || coalesce(array_to_string(v.requires, ', '), 'nothing')
      FROM ext e JOIN pg_available_extension_versions v ON v.name = e.extname AND v.version = e.extversion
    UNION ALL SELECT 'extension: comment ' || pg_temp.flat(coalesce(obj_description(e.oid, 'pg_extension'), '(none)'))
      FROM ext e
    UNION ALL SELECT 'extension: pg_dump keeps the rows of ' || t.tab::regclass::text
                     || coalesce(nullif(' ' || pg_temp.flat(t.cond), ' '), '')
      FROM ext e, unnest(e.extconfig, e.extcondition) AS t(tab, cond)
    UNION ALL SELECT pg_describe_object(d.classid, d.objid, d.objsubid) || ': extension member'
      FROM pg_depend d JOIN ext e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
     WHERE d.deptype = 'e'

    -- the schema
    UNION ALL SELECT 'schema idempotency: owner ' || pg_temp.who(n.nspowner) FROM nsp n
    UNION ALL SELECT g FROM nsp n, pg_temp.grants('schema idempotency', n.nspacl, 'n', n.nspowner) g
    UNION ALL SELECT 'schema idempotency: comment ' || pg_temp.flat(d) FROM nsp n,
           obj_description(n.oid, 'pg_namespace') d WHERE d IS NOT NULL

    -- functions and procedures
    UNION ALL SELECT obj || ': ' || CASE prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure'
                                      WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window function' END
      FROM procs
    UNION ALL SELECT obj || ': arguments (' || pg_get_function_arguments(oid) || ')' FROM procs
    UNION ALL SELECT obj || ': returns ' || coalesce(pg_get_function_result(oid), '(nothing)') FROM procs
    UNION ALL SELECT obj || ': ' || CASE provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable'
                                      ELSE 'volatile' END FROM procs
    UNION ALL SELECT obj || ': ' || CASE WHEN proisstrict THEN 'strict' ELSE 'called on null input' END
      FROM procs
    UNION ALL SELECT obj || ': ' || CASE WHEN prosecdef THEN 'security definer' ELSE 'security invoker' END
      FROM procs
    UNION ALL SELECT obj || ': ' || CASE WHEN proleakproof THEN 'leakproof' ELSE 'not leakproof' END FROM procs
    UNION ALL SELECT obj || ': parallel ' || CASE proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted'
                                               ELSE 'unsafe' END FROM procs
    UNION ALL SELECT obj || ': owner ' || pg_temp.who(proowner) FROM procs
    UNION ALL SELECT g FROM procs, pg_temp.grants(obj, proacl, 'f', proowner) g
    UNION ALL SELECT obj || ': comment ' || pg_temp.flat(d) FROM procs,
           obj_description(oid, 'pg_proc') d WHERE d IS NOT NULL

    -- types: composite result types, enums, domains
    UNION ALL SELECT obj || ': ' || CASE typtype WHEN 'c' THEN 'composite' WHEN 'e' THEN 'enum'
                                      WHEN 'd' THEN 'domain over ' || format_type(typbasetype, typtypmod)
                                      WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange'
                                      WHEN 'p' THEN 'pseudo-type' ELSE 'base type' END
      FROM types
    UNION ALL SELECT t.obj || ': attribute ' || a.pos || ' ' || quote_ident(a.attname) || ' '
                     || format_type(a.atttypid, a.atttypmod)
                     || CASE WHEN a.attcollation <> 0 THEN ' collate ' || a.attcollation::regcollation::text
                             ELSE '' END
      FROM types t
      JOIN LATERAL (SELECT x.*, row_number() OVER (ORDER BY x.attnum) AS pos
                      FROM pg_attribute x
                     WHERE x.attrelid = t.typrelid AND x.attnum > 0 AND NOT x.attisdropped) a ON true
     WHERE t.typtype = 'c'
    UNION ALL SELECT t.obj || ': label ' || row_number() OVER (PARTITION BY t.oid ORDER BY e.enumsortorder)
                     || ' ' || quote_literal(e.enumlabel)
      FROM types t JOIN pg_enum e ON e.enumtypid = t.oid
    UNION ALL SELECT obj || ': not null' FROM types WHERE typtype = 'd' AND typnotnull
    UNION ALL SELECT obj || ': default ' || pg_temp.flat(typdefault) FROM types WHERE typdefault IS NOT NULL
    UNION ALL SELECT t.obj || ': constraint ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid)
      FROM types t JOIN pg_constraint c ON c.contypid = t.oid
    UNION ALL SELECT obj || ': owner ' || pg_temp.who(typowner) FROM types
    UNION ALL SELECT g FROM types, pg_temp.grants(obj, typacl, 'T', typowner) g
    UNION ALL SELECT obj || ': comment ' || pg_temp.flat(d) FROM types,
           obj_description(oid, 'pg_type') d WHERE d IS NOT NULL

    -- tables, views, sequences
    UNION ALL SELECT obj || ': ' || CASE relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary'
                                      ELSE 'permanent' END FROM rels
    UNION ALL SELECT obj || ': row-level security '
                     || CASE WHEN relrowsecurity THEN 'enabled' ELSE 'disabled' END
                     || CASE WHEN relforcerowsecurity THEN ', forced' ELSE '' END
      FROM rels WHERE relkind IN ('r', 'p')
    UNION ALL SELECT obj || ': options ' || array_to_string(reloptions, ', ') FROM rels
     WHERE reloptions IS NOT NULL
    UNION ALL SELECT obj || ': definition ' || pg_temp.flat(pg_get_viewdef(oid)) FROM rels
     WHERE relkind IN ('v', 'm')
    UNION ALL SELECT obj || ': owner ' || pg_temp.who(relowner) FROM rels
    UNION ALL SELECT g FROM rels, pg_temp.grants(obj, relacl, (CASE WHEN relkind = 'S' THEN 's' ELSE 'r' END)::"char",
                                                  relowner) g
    UNION ALL SELECT obj || ': comment ' || pg_temp.flat(d) FROM rels,
           obj_description(oid, 'pg_class') d WHERE d IS NOT NULL

    -- columns
    UNION ALL SELECT c.obj || ': position ' || c.pos || ', ' || format_type(c.atttypid, c.atttypmod)
                     || CASE WHEN c.attcollation <> 0 THEN ' collate ' || c.attcollation::regcollation::text
                             ELSE '' END
                     || CASE WHEN c.attnotnull THEN ' not null' ELSE '' END
                     || coalesce(' default ' || pg_temp.flat(pg_get_expr(d.adbin, d.adrelid)), '')
                     || CASE c.attidentity WHEN 'a' THEN ' generated always as identity'
                                           WHEN 'd' THEN ' generated by default as identity' ELSE '' END
                     || CASE c.attgenerated WHEN 's' THEN ' stored' ELSE '' END
      FROM cols c LEFT JOIN pg_attrdef d ON d.adrelid = c.attrelid AND d.adnum = c.attnum
    UNION ALL SELECT g FROM cols c, pg_temp.grants(c.obj, c.attacl, 'c', 0) g
    UNION ALL SELECT c.obj || ': comment ' || pg_temp.flat(d) FROM cols c,
           col_description(c.attrelid, c.attnum) d WHERE d IS NOT NULL

    -- constraints, indexes, triggers, rules, policies of those tables
    UNION ALL SELECT pg_describe_object('pg_constraint'::regclass, c.oid, 0) || ': '
                     || pg_temp.flat(pg_get_constraintdef(c.oid))
      FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid
    UNION ALL SELECT pg_describe_object('pg_class'::regclass, i.indexrelid, 0) || ': '
                     || pg_temp.flat(pg_get_indexdef(i.indexrelid))
                     || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END
      FROM pg_index i JOIN rels r ON r.oid = i.indrelid
    UNION ALL SELECT pg_describe_object('pg_trigger'::regclass, t.oid, 0) || ': '
                     || pg_temp.flat(pg_get_triggerdef(t.oid))
                     || CASE t.tgenabled WHEN 'D' THEN ' (disabled)' WHEN 'R' THEN ' (enabled on replica)'
                                         WHEN 'A' THEN ' (enabled always)' ELSE '' END
      FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL SELECT pg_describe_object('pg_rewrite'::regclass, w.oid, 0) || ': '
                     || pg_temp.flat(pg_get_ruledef(w.oid))
      FROM pg_rewrite w JOIN rels r ON r.oid = w.ev_class WHERE w.rulename <> '_RETURN'
    UNION ALL SELECT pg_describe_object('pg_policy'::regclass, p.oid, 0) || ': '
                     || CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END
                     || ' for ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                                    WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
                     || ' to ' || (SELECT string_agg(pg_temp.who(x), ', ' ORDER BY pg_temp.who(x))
                                     FROM unnest(p.polroles) x)
                     || coalesce(' using (' || pg_temp.flat(pg_get_expr(p.polqual, p.polrelid)) || ')', '')
                     || coalesce(' with check (' || pg_temp.flat(pg_get_expr(p.polwithcheck, p.polrelid))
                                 || ')', '')
      FROM pg_policy p JOIN rels r ON r.oid = p.polrelid
)
SELECT DISTINCT fact FROM facts WHERE fact IS NOT NULL ORDER BY fact;
