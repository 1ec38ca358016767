-- ------------------------------------------------------------------------
-- Privileges and row-level security (docs/security.md).
--
-- The key API runs as the caller and writes the key table directly, always
-- under the caller's own role as owner: PUBLIC may run it.  Nobody but the
-- extension's owner may write the table directly.  Reading it directly shows
-- a role its own keys only: row-level security, forced, so that it holds for
-- the table's owner too, who is let see every key by a policy of its own.
-- ------------------------------------------------------------------------
REVOKE ALL ON TABLE idempotency.idempotency_keys FROM PUBLIC;
GRANT SELECT ON TABLE idempotency.idempotency_keys TO PUBLIC;

ALTER TABLE idempotency.idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency.idempotency_keys FORCE ROW LEVEL SECURITY;

CREATE POLICY own_keys ON idempotency.idempotency_keys
    FOR ALL TO PUBLIC
    USING (owner OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER))
    WITH CHECK (owner OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER));

CREATE POLICY table_owner_all_keys ON idempotency.idempotency_keys
    FOR ALL TO PUBLIC
    USING (pg_catalog.pg_has_role(
             (SELECT c.relowner FROM pg_catalog.pg_class c
               WHERE c.oid OPERATOR(pg_catalog.=)
                     'idempotency.idempotency_keys'::pg_catalog.regclass),
             'USAGE'));

REVOKE ALL ON TYPE idempotency.claim_result FROM PUBLIC;
GRANT USAGE ON TYPE idempotency.claim_result TO PUBLIC;
GRANT USAGE ON SCHEMA idempotency TO PUBLIC;
