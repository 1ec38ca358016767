-- ------------------------------------------------------------------------
-- Portable edition: the commit rule (src/xact.c in the C edition).  A claim
-- without a lease must be completed or released in its own transaction:
-- COMMIT (or PREPARE TRANSACTION) of a transaction that leaves one
-- in_progress fails with IK005.  Here a deferred constraint trigger does it:
-- every write of an in_progress row without a lease queues one event (the
-- WHEN clause keeps completed rows, once()'s among them, and lease claims
-- from queueing any), and at COMMIT or PREPARE each event rereads its key.
-- Events of a subtransaction rolled back go with it, as the row does.
-- ------------------------------------------------------------------------

-- SECURITY DEFINER: the role current at COMMIT may not be the one that
-- claimed the key (SET LOCAL ROLE, a SECURITY DEFINER function of the
-- application); the extension's owner sees every key (policy
-- extension_owner_all_keys).  A trigger function cannot be called directly,
-- and it is executable by nobody.
CREATE FUNCTION idempotency.portable_commit_rule()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF EXISTS (SELECT FROM idempotency.idempotency_keys AS k
                WHERE k.key OPERATOR(pg_catalog.=) NEW.key
                  AND k.scope OPERATOR(pg_catalog.=) NEW.scope
                  AND k.owner OPERATOR(pg_catalog.=) NEW.owner
                  AND k.state OPERATOR(pg_catalog.=) 'in_progress'::pg_catalog.text
                  AND k.lease_expires_at IS NULL) THEN
        -- deferred events fire at COMMIT and at PREPARE TRANSACTION: tell
        -- them apart by the statement that ends the transaction
        RAISE EXCEPTION 'cannot % a transaction that claimed idempotency key "%" without completing or releasing it',
              CASE WHEN pg_catalog.current_query() OPERATOR(pg_catalog.~*) '\mprepare\s+transaction\M'
                   THEN 'prepare' ELSE 'commit' END,
              NEW.key
            USING ERRCODE = 'IK005',
                  DETAIL = 'Committing would leave the key claimed with no result, and a retry would redo the work.',
                  HINT = 'Call idempotency.complete() or idempotency.release() before COMMIT, or claim with a lease.';
    END IF;
    RETURN NULL;
END
$function$;

REVOKE ALL ON FUNCTION idempotency.portable_commit_rule() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER idempotency_keys_commit_rule
    AFTER INSERT OR UPDATE ON idempotency.idempotency_keys
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (NEW.state OPERATOR(pg_catalog.=) 'in_progress'::pg_catalog.text
          AND NEW.lease_expires_at IS NULL)
    EXECUTE FUNCTION idempotency.portable_commit_rule();

-- ------------------------------------------------------------------------
-- The key API runs as its caller and writes the key table itself, so PUBLIC
-- may write it too (a listed difference: the C edition's library alone
-- writes it).  Row-level security, enabled and forced, confines every read
-- and write to the caller's own keys (policy own_keys): a row for another
-- owner is refused (42501), another role's rows are never seen.
-- ------------------------------------------------------------------------
GRANT INSERT, UPDATE, DELETE ON TABLE idempotency.idempotency_keys TO PUBLIC;
