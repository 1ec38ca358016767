-- idempotency 1.0 -> 1.1: upgrade script.  A fresh CREATE EXTENSION runs
-- idempotency--1.0.sql and then this file, so this is also how 1.1 is
-- installed.  The install-script rules apply (docs/releases.md): every name
-- schema-qualified, search_path pinned, privileges revoked from PUBLIC and
-- granted deliberately.

\echo Use "ALTER EXTENSION idempotency UPDATE TO '1.1'" to load this file. \quit

-- ------------------------------------------------------------------------
-- Lean keys (docs/releases.md): the key table stores a fingerprint as its
-- 16-byte digest, not as the text given (64 hex digits for once()).  The
-- conversion rewrites the table (see docs/releases.md for what it locks);
-- a fingerprint given later is compared by its digest, so every stored
-- fingerprint still matches the same requests.
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.fingerprint_digest(fingerprint pg_catalog.text)
RETURNS pg_catalog.bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'idempotency_fingerprint_digest';

COMMENT ON FUNCTION idempotency.fingerprint_digest(pg_catalog.text) IS
    'The 16-byte digest that the key table stores for a fingerprint';

ALTER TABLE idempotency.idempotency_keys
    ALTER COLUMN fingerprint TYPE pg_catalog.bytea
    USING idempotency.fingerprint_digest(fingerprint);

ALTER TYPE idempotency.claim_result
    ALTER ATTRIBUTE fingerprint TYPE pg_catalog.bytea;

REVOKE ALL ON FUNCTION idempotency.fingerprint_digest(pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.fingerprint_digest(pg_catalog.text) TO PUBLIC;

-- ------------------------------------------------------------------------
-- Counters (docs/observability.md).  Kept in shared memory when the library
-- is preloaded; cluster-wide, one row per database and role (and scope,
-- with idempotency.stats_track_scopes).
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.stats(
    OUT dbid pg_catalog.oid,
    OUT userid pg_catalog.oid,
    OUT scope pg_catalog.text,
    OUT claimed pg_catalog.int8,
    OUT replayed pg_catalog.int8,
    OUT in_progress pg_catalog.int8,
    OUT recovered pg_catalog.int8,
    OUT once_runs pg_catalog.int8,
    OUT once_replays pg_catalog.int8,
    OUT completes pg_catalog.int8,
    OUT releases pg_catalog.int8,
    OUT checkpoints pg_catalog.int8,
    OUT mismatches pg_catalog.int8,
    OUT leases_lost pg_catalog.int8,
    OUT commits_refused pg_catalog.int8,
    OUT waits pg_catalog.int8,
    OUT wait_time_us pg_catalog.int8,
    OUT lock_timeouts pg_catalog.int8,
    OUT response_bytes pg_catalog.int8,
    OUT expired_replaced pg_catalog.int8,
    OUT serialization_failures pg_catalog.int8)
RETURNS SETOF record
LANGUAGE c VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'idempotency_stats_1_1';

CREATE FUNCTION idempotency.stats_info(
    OUT counting pg_catalog.bool,
    OUT stats_reset pg_catalog.timestamptz,
    OUT entries pg_catalog.int8,
    OUT max_entries pg_catalog.int4,
    OUT track_scopes pg_catalog.bool,
    OUT folded pg_catalog.int8)
RETURNS record
LANGUAGE c VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'idempotency_stats_info_1_1';

COMMENT ON FUNCTION idempotency.stats_info() IS
    'Whether the counters are kept (the library is preloaded), their last reset, and how full their table is';

CREATE FUNCTION idempotency.stats_reset()
RETURNS void
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_stats_reset_1_1';

COMMENT ON FUNCTION idempotency.stats_reset() IS
    'Zeroes every counter of idempotency.stats, in every database';

CREATE VIEW idempotency.stats AS
SELECT d.datname AS database,
       r.rolname AS role,
       s.scope,
       s.claimed,
       s.replayed,
       s.in_progress,
       s.recovered,
       s.once_runs,
       s.once_replays,
       s.completes,
       s.releases,
       s.checkpoints,
       s.mismatches,
       s.leases_lost,
       s.commits_refused,
       s.waits,
       s.wait_time_us::pg_catalog.float8 OPERATOR(pg_catalog./) 1000::pg_catalog.float8
           AS wait_time_ms,
       s.lock_timeouts,
       s.response_bytes,
       s.expired_replaced,
       s.serialization_failures,
       i.stats_reset,
       s.dbid,
       s.userid
  FROM idempotency.stats() AS s
  LEFT JOIN pg_catalog.pg_database AS d ON d.oid OPERATOR(pg_catalog.=) s.dbid
  LEFT JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) s.userid
 CROSS JOIN idempotency.stats_info() AS i;

COMMENT ON VIEW idempotency.stats IS
    'Cumulative counters of the key API per database, role and (optionally) scope, since stats_reset; empty unless the library is preloaded (see stats_info)';

-- ------------------------------------------------------------------------
-- The key table, seen whole: cheap gauges for monitoring.  Lease claims
-- (the only in_progress keys that are committed) get a small partial index,
-- so that they are found without reading every key.
-- ------------------------------------------------------------------------
CREATE INDEX idempotency_keys_leases_idx
    ON idempotency.idempotency_keys (lease_expires_at)
    WHERE lease_expires_at IS NOT NULL;

CREATE FUNCTION idempotency.key_table_stats(
    backlog_limit pg_catalog.int8 DEFAULT 1000000,
    OUT keys_estimate pg_catalog.int8,
    OUT completed_estimate pg_catalog.int8,
    OUT in_progress pg_catalog.int8,
    OUT oldest_in_progress pg_catalog.timestamptz,
    OUT leases pg_catalog.int8,
    OUT live_leases pg_catalog.int8,
    OUT oldest_live_lease pg_catalog.timestamptz,
    OUT open_claims pg_catalog.int8,
    OUT oldest_open_claim pg_catalog.timestamptz,
    OUT expired_backlog pg_catalog.int8,
    OUT expired_backlog_capped pg_catalog.bool,
    OUT oldest_expired_at pg_catalog.timestamptz,
    OUT table_bytes pg_catalog.int8,
    OUT index_bytes pg_catalog.int8)
RETURNS record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_rel pg_catalog.oid := 'idempotency.idempotency_keys'::pg_catalog.regclass;
    v_oldest_lease pg_catalog.timestamptz;
BEGIN
    IF key_table_stats.backlog_limit IS NULL
       OR key_table_stats.backlog_limit OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'invalid backlog limit %', key_table_stats.backlog_limit
            USING ERRCODE = '22023',
                  DETAIL = 'The limit must be at least 1.';
    END IF;

    table_bytes := pg_catalog.pg_table_size(v_rel);
    index_bytes := pg_catalog.pg_indexes_size(v_rel);

    -- Committed in_progress keys are lease claims (a claim without a lease
    -- cannot commit unfinished): idempotency_keys_leases_idx finds them.
    SELECT pg_catalog.count(*),
           pg_catalog.count(*) FILTER (
               WHERE k.lease_expires_at OPERATOR(pg_catalog.>) pg_catalog.now()),
           pg_catalog.min(k.created_at) FILTER (
               WHERE k.lease_expires_at OPERATOR(pg_catalog.>) pg_catalog.now()),
           pg_catalog.min(k.created_at)
      INTO leases, live_leases, oldest_live_lease, v_oldest_lease
      FROM idempotency.idempotency_keys AS k
     WHERE k.lease_expires_at IS NOT NULL;

    -- Claims of transactions still open hold a key lock in this database
    -- (pg_locks.objsubid is the extension's lock class, 18756).
    SELECT pg_catalog.count(*), pg_catalog.min(a.xact_start)
      INTO open_claims, oldest_open_claim
      FROM pg_catalog.pg_locks AS l
      JOIN pg_catalog.pg_stat_activity AS a ON a.pid OPERATOR(pg_catalog.=) l.pid
     WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
       AND l.objsubid OPERATOR(pg_catalog.=) 18756
       AND l.granted
       AND l.database OPERATOR(pg_catalog.=)
           (SELECT d.oid FROM pg_catalog.pg_database AS d
             WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());

    in_progress := leases OPERATOR(pg_catalog.+) open_claims;
    oldest_in_progress := LEAST(v_oldest_lease, oldest_open_claim);

    -- The planner's estimate of the number of keys: no scan of the table.
    SELECT CASE WHEN c.reltuples OPERATOR(pg_catalog.<) 0 THEN NULL
                ELSE c.reltuples::pg_catalog.int8 END
      INTO keys_estimate
      FROM pg_catalog.pg_class AS c
     WHERE c.oid OPERATOR(pg_catalog.=) v_rel;
    IF keys_estimate IS NOT NULL THEN
        completed_estimate := GREATEST(keys_estimate OPERATOR(pg_catalog.-) leases, 0);
    END IF;

    -- Keys past their expiry that expiry has not deleted yet, through the
    -- expires_at index, counted up to backlog_limit.
    SELECT pg_catalog.count(*)
      INTO expired_backlog
      FROM (SELECT FROM idempotency.idempotency_keys AS k
             WHERE k.expires_at OPERATOR(pg_catalog.<) pg_catalog.now()
             LIMIT key_table_stats.backlog_limit) AS b;
    expired_backlog_capped := expired_backlog OPERATOR(pg_catalog.>=) key_table_stats.backlog_limit;
    SELECT pg_catalog.min(k.expires_at)
      INTO oldest_expired_at
      FROM idempotency.idempotency_keys AS k
     WHERE k.expires_at OPERATOR(pg_catalog.<) pg_catalog.now();
    RETURN;
END
$function$;

COMMENT ON FUNCTION idempotency.key_table_stats(pg_catalog.int8) IS
    'Gauges of this database''s key table: size, lease claims, open claims, expiry backlog; no key or response is shown';

CREATE VIEW idempotency.key_stats AS
SELECT pg_catalog.current_database() AS database, s.*
  FROM idempotency.key_table_stats() AS s;

COMMENT ON VIEW idempotency.key_stats IS
    'Gauges of this database''s key table (idempotency.key_table_stats with its default backlog limit)';

-- ------------------------------------------------------------------------
-- Privileges: monitoring roles read the counters and gauges; a superuser
-- resets them, or a role it grants stats_reset() to.
-- ------------------------------------------------------------------------
REVOKE ALL ON FUNCTION idempotency.stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.stats_info() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.stats_reset() FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.key_table_stats(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON TABLE idempotency.stats FROM PUBLIC;
REVOKE ALL ON TABLE idempotency.key_stats FROM PUBLIC;

GRANT EXECUTE ON FUNCTION idempotency.stats() TO pg_monitor;
GRANT EXECUTE ON FUNCTION idempotency.stats_info() TO pg_monitor;
GRANT EXECUTE ON FUNCTION idempotency.key_table_stats(pg_catalog.int8) TO pg_monitor;
GRANT SELECT ON TABLE idempotency.stats TO pg_monitor;
GRANT SELECT ON TABLE idempotency.key_stats TO pg_monitor;

-- ------------------------------------------------------------------------
-- Batch calls for message consumers (docs/consumers.md): claim, complete
-- and release many keys in one call.  Part of the key API, so PUBLIC may
-- run them, as claim() and complete().
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.claim_batch(
    keys pg_catalog.text[],
    scope pg_catalog.text DEFAULT '',
    fingerprints pg_catalog.text[] DEFAULT NULL,
    wait pg_catalog.interval DEFAULT NULL,
    ttl pg_catalog.interval DEFAULT NULL,
    OUT ordinality pg_catalog.int4,
    OUT key pg_catalog.text,
    OUT outcome pg_catalog.text,
    OUT response pg_catalog.jsonb,
    OUT response_code pg_catalog.int4)
RETURNS SETOF record
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 500
AS 'MODULE_PATHNAME', 'idempotency_claim_batch';

COMMENT ON FUNCTION idempotency.claim_batch(pg_catalog.text[], pg_catalog.text, pg_catalog.text[], pg_catalog.interval, pg_catalog.interval) IS
    'Claims many keys in one call, locking them in one canonical order; one row per element of keys, in their order';

CREATE FUNCTION idempotency.complete_batch(
    keys pg_catalog.text[],
    responses pg_catalog.jsonb[] DEFAULT NULL,
    response_codes pg_catalog.int4[] DEFAULT NULL,
    scope pg_catalog.text DEFAULT '')
RETURNS pg_catalog.int4
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_complete_batch';

COMMENT ON FUNCTION idempotency.complete_batch(pg_catalog.text[], pg_catalog.jsonb[], pg_catalog.int4[], pg_catalog.text) IS
    'Stores the results of many claims of this transaction; returns how many keys it completed';

CREATE FUNCTION idempotency.complete_batch(
    responses pg_catalog.jsonb,
    response_code pg_catalog.int4 DEFAULT NULL,
    scope pg_catalog.text DEFAULT '')
RETURNS pg_catalog.int4
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_complete_batch_object';

COMMENT ON FUNCTION idempotency.complete_batch(pg_catalog.jsonb, pg_catalog.int4, pg_catalog.text) IS
    'Stores the results of many claims of this transaction, given as a jsonb object keyed by key; returns how many keys it completed';

CREATE FUNCTION idempotency.release_batch(
    keys pg_catalog.text[],
    scope pg_catalog.text DEFAULT '')
RETURNS pg_catalog.int4
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_release_batch';

COMMENT ON FUNCTION idempotency.release_batch(pg_catalog.text[], pg_catalog.text) IS
    'Gives up many claims of this transaction; returns how many keys it released';

REVOKE ALL ON FUNCTION idempotency.claim_batch(pg_catalog.text[], pg_catalog.text, pg_catalog.text[], pg_catalog.interval, pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.complete_batch(pg_catalog.text[], pg_catalog.jsonb[], pg_catalog.int4[], pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.complete_batch(pg_catalog.jsonb, pg_catalog.int4, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION idempotency.release_batch(pg_catalog.text[], pg_catalog.text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION idempotency.claim_batch(pg_catalog.text[], pg_catalog.text, pg_catalog.text[], pg_catalog.interval, pg_catalog.interval) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.complete_batch(pg_catalog.text[], pg_catalog.jsonb[], pg_catalog.int4[], pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.complete_batch(pg_catalog.jsonb, pg_catalog.int4, pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.release_batch(pg_catalog.text[], pg_catalog.text) TO PUBLIC;
-- ---- end of batch calls ------------------------------------------------
