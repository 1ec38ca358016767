-- idempotency 1.0: install script.  Assembled by the Makefile from the
-- fragments in src/sql/, in name order.  Security rules: every name is
-- schema-qualified, every SQL function pins search_path, nothing is granted
-- to PUBLIC by accident (see docs/security.md).

\echo Use "CREATE EXTENSION idempotency" to load this file. \quit

-- ------------------------------------------------------------------------
-- The key store.  One row per (owning role, scope, key).  The C functions
-- read and write it directly through its primary key, which leads with the
-- key, its most selective column; the column order of table and primary key
-- is part of the C code's contract (src/keystore.h, src/keystore.c).
-- ------------------------------------------------------------------------
CREATE TABLE idempotency.idempotency_keys (
    owner            pg_catalog.regrole     NOT NULL,
    scope            pg_catalog.text        COLLATE "C" NOT NULL,
    key              pg_catalog.text        COLLATE "C" NOT NULL,
    state            pg_catalog.text        NOT NULL,
    fingerprint      pg_catalog.text,
    response         pg_catalog.jsonb,
    response_code    pg_catalog.int4,
    recovery_point   pg_catalog.text,
    lease_token      pg_catalog.uuid,
    lease_holder_pid pg_catalog.int4,
    lease_interval   pg_catalog.interval,
    lease_expires_at pg_catalog.timestamptz,
    created_at       pg_catalog.timestamptz NOT NULL,
    completed_at     pg_catalog.timestamptz,
    expires_at       pg_catalog.timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (key, scope, owner),
    CONSTRAINT idempotency_keys_state_check
        CHECK (state OPERATOR(pg_catalog.=) 'in_progress'::pg_catalog.text
               OR state OPERATOR(pg_catalog.=) 'completed'::pg_catalog.text)
) WITH (fillfactor = 90);

COMMENT ON TABLE idempotency.idempotency_keys IS
    'Idempotency keys, one row per (owner, scope, key); written only through the idempotency functions';

CREATE INDEX idempotency_keys_expires_at_idx
    ON idempotency.idempotency_keys (expires_at);

SELECT pg_catalog.pg_extension_config_dump('idempotency.idempotency_keys', '');

-- What claim() returns: the key's row with the claim's outcome in front.
CREATE TYPE idempotency.claim_result AS (
    outcome          pg_catalog.text,
    owner            pg_catalog.regrole,
    scope            pg_catalog.text,
    key              pg_catalog.text,
    state            pg_catalog.text,
    fingerprint      pg_catalog.text,
    response         pg_catalog.jsonb,
    response_code    pg_catalog.int4,
    recovery_point   pg_catalog.text,
    lease_token      pg_catalog.uuid,
    lease_holder_pid pg_catalog.int4,
    lease_interval   pg_catalog.interval,
    lease_expires_at pg_catalog.timestamptz,
    created_at       pg_catalog.timestamptz,
    completed_at     pg_catalog.timestamptz,
    expires_at       pg_catalog.timestamptz
);

-- ------------------------------------------------------------------------
-- The key API.  Each function exists for a text key and for a uuid key
-- (the uuid is stored in its canonical text form).
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.claim(
    key pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    fingerprint pg_catalog.text DEFAULT NULL,
    wait pg_catalog.interval DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL,
    ttl pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.claim_result
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_claim';

CREATE FUNCTION idempotency.claim(
    key pg_catalog.uuid,
    scope pg_catalog.text DEFAULT '',
    fingerprint pg_catalog.text DEFAULT NULL,
    wait pg_catalog.interval DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL,
    ttl pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.claim_result
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_claim_uuid';

CREATE FUNCTION idempotency.complete(
    key pg_catalog.text,
    response pg_catalog.jsonb,
    response_code pg_catalog.int4 DEFAULT NULL,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_complete';

CREATE FUNCTION idempotency.complete(
    key pg_catalog.uuid,
    response pg_catalog.jsonb,
    response_code pg_catalog.int4 DEFAULT NULL,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_complete_uuid';

CREATE FUNCTION idempotency.release(
    key pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_release';

CREATE FUNCTION idempotency.release(
    key pg_catalog.uuid,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_release_uuid';

CREATE FUNCTION idempotency.checkpoint(
    key pg_catalog.text,
    recovery_point pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_checkpoint';

CREATE FUNCTION idempotency.checkpoint(
    key pg_catalog.uuid,
    recovery_point pg_catalog.text,
    scope pg_catalog.text DEFAULT '',
    token pg_catalog.uuid DEFAULT NULL,
    lease pg_catalog.interval DEFAULT NULL)
RETURNS idempotency.idempotency_keys
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_checkpoint_uuid';

CREATE FUNCTION idempotency.lookup(
    key pg_catalog.text,
    scope pg_catalog.text DEFAULT '')
RETURNS idempotency.idempotency_keys
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'idempotency_lookup';

CREATE FUNCTION idempotency.lookup(
    key pg_catalog.uuid,
    scope pg_catalog.text DEFAULT '')
RETURNS idempotency.idempotency_keys
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'idempotency_lookup_uuid';
