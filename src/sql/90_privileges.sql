
-- ------------------------------------------------------------------------
-- Privileges and row-level security (docs/security.md).
--
-- The key API runs as the caller and writes the key table directly, always
-- under the caller's own role (current_user) as owner: PUBLIC may run it.
-- Nothing else in the schema is executable by PUBLIC, and nobody but the
-- extension's owner may write the tables directly.  Reading the key table
-- directly shows a role its own keys only: row-level security, forced, so
-- that it holds for the table's owner too, who is let see every key by a
-- policy of its own.  all_keys() lets a monitoring role that an
-- administrator grants it to read every key.
-- ------------------------------------------------------------------------

-- The schema named in the control file is used as it is when it already
-- exists.  Refuse one that a role other than the installing role or a
-- superuser owns, can create objects in, or has put objects into: such a
-- role could add look-alike overloads of the API next to the extension's
-- functions.  Everything above names its objects with their schema, so
-- nothing in a refused schema has been used; the whole installation rolls
-- back.
DO LANGUAGE plpgsql $check_schema$
DECLARE
    v_nsp     pg_catalog.oid;
    v_owner   pg_catalog.oid;
    v_me      pg_catalog.oid;
    v_culprit pg_catalog.text;
BEGIN
    SELECT r.oid INTO v_me
      FROM pg_catalog.pg_roles r
     WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER;
    SELECT n.oid, n.nspowner INTO v_nsp, v_owner
      FROM pg_catalog.pg_namespace n
     WHERE n.nspname OPERATOR(pg_catalog.=) 'idempotency'::pg_catalog.name;

    IF v_owner OPERATOR(pg_catalog.<>) v_me
       AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) v_owner) THEN
        RAISE EXCEPTION 'schema "idempotency" is owned by role "%"',
              (SELECT r.rolname FROM pg_catalog.pg_roles r
                WHERE r.oid OPERATOR(pg_catalog.=) v_owner)
              USING ERRCODE = 'insufficient_privilege',
                    DETAIL = 'The extension installs into an existing schema of its name, and the owner of that schema could replace or shadow the extension''s objects.',
                    HINT = 'Drop the schema, or make a superuser its owner after checking what it contains.';
    END IF;

    SELECT pg_catalog.string_agg(
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid
                    THEN 'PUBLIC'::pg_catalog.text
                    ELSE (SELECT r.rolname::pg_catalog.text FROM pg_catalog.pg_roles r
                           WHERE r.oid OPERATOR(pg_catalog.=) a.grantee) END,
               ', '::pg_catalog.text)
      INTO v_culprit
      FROM pg_catalog.pg_namespace n,
           LATERAL pg_catalog.aclexplode(n.nspacl) a
     WHERE n.oid OPERATOR(pg_catalog.=) v_nsp
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'::pg_catalog.text
       AND a.grantee OPERATOR(pg_catalog.<>) v_me
       AND NOT COALESCE(
               (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) a.grantee), false);
    IF v_culprit IS NOT NULL THEN
        RAISE EXCEPTION 'roles other than superusers may create objects in schema "idempotency": %',
              v_culprit
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Revoke CREATE on the schema from them, and check what they created in it.';
    END IF;

    -- Objects of the schema owned by anyone but this role or a superuser.
    WITH objs(kind, name, owner) AS (
        SELECT 'relation'::pg_catalog.text, c.relname::pg_catalog.text, c.relowner
          FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'function', p.oid::pg_catalog.regprocedure::pg_catalog.text, p.proowner
          FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'type', t.typname::pg_catalog.text, t.typowner
          FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'operator', o.oid::pg_catalog.regoperator::pg_catalog.text, o.oprowner
          FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'collation', l.collname::pg_catalog.text, l.collowner
          FROM pg_catalog.pg_collation l WHERE l.collnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'conversion', v.conname::pg_catalog.text, v.conowner
          FROM pg_catalog.pg_conversion v WHERE v.connamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'operator class', oc.opcname::pg_catalog.text, oc.opcowner
          FROM pg_catalog.pg_opclass oc WHERE oc.opcnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'operator family', f.opfname::pg_catalog.text, f.opfowner
          FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'text search configuration', tc.cfgname::pg_catalog.text, tc.cfgowner
          FROM pg_catalog.pg_ts_config tc WHERE tc.cfgnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'text search dictionary', td.dictname::pg_catalog.text, td.dictowner
          FROM pg_catalog.pg_ts_dict td WHERE td.dictnamespace OPERATOR(pg_catalog.=) v_nsp
        UNION ALL
        SELECT 'statistics object', s.stxname::pg_catalog.text, s.stxowner
          FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace OPERATOR(pg_catalog.=) v_nsp
    )
    SELECT pg_catalog.string_agg(o.kind OPERATOR(pg_catalog.||) ' '::pg_catalog.text
                                 OPERATOR(pg_catalog.||) o.name,
                                 ', '::pg_catalog.text)
      INTO v_culprit
      FROM objs o
     WHERE o.owner OPERATOR(pg_catalog.<>) v_me
       AND NOT COALESCE(
               (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) o.owner), false);
    IF v_culprit IS NOT NULL THEN
        RAISE EXCEPTION 'schema "idempotency" holds objects of other roles: %', v_culprit
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Drop those objects, or install the extension into a schema that only a superuser controls.';
    END IF;
END
$check_schema$;

REVOKE CREATE ON SCHEMA idempotency FROM PUBLIC;
GRANT USAGE ON SCHEMA idempotency TO PUBLIC;

-- ---- Tables: no direct write for PUBLIC, whatever the schema holds -------
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON ALL TABLES IN SCHEMA idempotency FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA idempotency FROM PUBLIC;

REVOKE ALL ON TABLE idempotency.idempotency_keys FROM PUBLIC;
GRANT SELECT ON TABLE idempotency.idempotency_keys TO PUBLIC;

-- ---- Row-level security on the key table ----------------------------------
ALTER TABLE idempotency.idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency.idempotency_keys FORCE ROW LEVEL SECURITY;

-- Every role: its own keys.  The role's OID is looked up once per query
-- (an InitPlan), so a lookup by (scope, key) is a primary key index scan.
CREATE POLICY own_keys ON idempotency.idempotency_keys
    FOR ALL TO PUBLIC
    USING (owner OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER))
    WITH CHECK (owner OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER));

-- The role that creates the extension (its owner, and the owner of its
-- tables) and the roles that inherit its privileges: every key.  Naming the
-- role keeps this policy out of every other role's queries altogether.
-- Superusers bypass row-level security in any case.
CREATE POLICY extension_owner_all_keys ON idempotency.idempotency_keys
    FOR ALL TO CURRENT_USER
    USING (true)
    WITH CHECK (true);

-- For monitoring: every key, for a role an administrator grants it to.
CREATE FUNCTION idempotency.all_keys()
RETURNS SETOF idempotency.idempotency_keys
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
    SELECT k.* FROM idempotency.idempotency_keys k
$body$;

COMMENT ON FUNCTION idempotency.all_keys() IS
    'Every idempotency key of every role; executable only by the roles an administrator grants it to';

REVOKE ALL ON TYPE idempotency.claim_result FROM PUBLIC;
GRANT USAGE ON TYPE idempotency.claim_result TO PUBLIC;

-- ---- Functions: PUBLIC may run the key API, and nothing else -------------
REVOKE ALL ON ALL ROUTINES IN SCHEMA idempotency FROM PUBLIC;

-- Every signature of the API's functions, by name (docs/reference.md).
DO LANGUAGE plpgsql $grant_api$
DECLARE
    v_name pg_catalog.name;
    v_args pg_catalog.text;
BEGIN
    FOR v_name, v_args IN
        SELECT p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
         WHERE n.nspname OPERATOR(pg_catalog.=) 'idempotency'::pg_catalog.name
           AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
                   'claim', 'complete', 'release', 'checkpoint', 'lookup',
                   'once', 'once_with']::pg_catalog.name[])
         ORDER BY p.oid
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION idempotency.%I(%s) TO PUBLIC',
                                  v_name, v_args);
    END LOOP;
END
$grant_api$;
