-- idempotency 1.0 -> 1.1: upgrade script.  A fresh CREATE EXTENSION runs
-- idempotency--1.0.sql and then this file, so this is also how 1.1 is
-- installed.  The install-script rules apply (docs/releases.md): every name
-- schema-qualified, search_path pinned, privileges revoked from PUBLIC and
-- granted deliberately.

\echo Use "ALTER EXTENSION idempotency UPDATE TO '1.1'" to load this file. \quit

-- ------------------------------------------------------------------------
-- Lean keys (docs/releases.md): the key table stores a fingerprint as a
-- 16-character digest, not as the text given (64 hex digits for once()).
-- The column stays text, as everything a client reads keeps its type
-- (CONTRIBUTING.md): sessions that prepared statements before the update
-- go on using them.  The conversion rewrites the table (see
-- docs/releases.md for what it locks); the constraint it adds tells the
-- library that the column holds digests.  A fingerprint given later is
-- compared by its digest, so every stored fingerprint still matches the
-- same requests.
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.fingerprint_digest(fingerprint pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'idempotency_fingerprint_digest';

COMMENT ON FUNCTION idempotency.fingerprint_digest(pg_catalog.text) IS
    'The 16-character digest that the key table stores for a fingerprint';

ALTER TABLE idempotency.idempotency_keys
    ALTER COLUMN fingerprint TYPE pg_catalog.text
        USING idempotency.fingerprint_digest(fingerprint),
    ADD CONSTRAINT idempotency_keys_fingerprint_check
        CHECK (pg_catalog.octet_length(fingerprint) OPERATOR(pg_catalog.=) 16);

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

-- Citus (docs/citus.md): distribute() makes a key table colocated with a
-- business table and routed entry points that Citus delegates to the worker
-- holding the routing value's shard.  The key table and the entry points it
-- creates belong to the caller, not to the extension: pg_dump keeps them
-- with the business tables.  On plain PostgreSQL distribute() fails with
-- 55000 and nothing else changes.
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.distribute(
    business_table pg_catalog.regclass,
    routing_column pg_catalog.name,
    api_schema pg_catalog.name)
RETURNS pg_catalog.regclass
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    v_colocationid pg_catalog.int4;
    v_type pg_catalog.text;
    v_table pg_catalog.text;
    v_keys pg_catalog.regclass;
    v_sig pg_catalog.text;
    v_sigs pg_catalog.text[];
BEGIN
    IF business_table IS NULL OR routing_column IS NULL OR api_schema IS NULL THEN
        RAISE EXCEPTION 'distribute() arguments must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RAISE EXCEPTION 'idempotency.distribute() needs Citus'
            USING ERRCODE = '55000',
                  DETAIL = 'The citus extension is not installed in this database.',
                  HINT = 'On plain PostgreSQL use the functions of schema idempotency; they need no distribution.';
    END IF;

    -- DDL on distributed objects in one transaction: one connection per node
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);

    -- the business table must be hash-distributed by routing_column
    EXECUTE $q$
        SELECT p.colocationid, pg_catalog.format_type(a.atttypid, a.atttypmod)
          FROM pg_catalog.pg_dist_partition p
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid OPERATOR(pg_catalog.=) p.logicalrelid
           AND a.attname OPERATOR(pg_catalog.=) $2
           AND NOT a.attisdropped
         WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1
           AND p.partmethod OPERATOR(pg_catalog.=) 'h'
           AND pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)
               OPERATOR(pg_catalog.=) $2::pg_catalog.text
    $q$ INTO v_colocationid, v_type USING business_table, routing_column;
    IF v_colocationid IS NULL THEN
        RAISE EXCEPTION '% is not hash-distributed by column %', business_table, routing_column
            USING ERRCODE = '22023',
                  HINT = 'Distribute it first: SELECT create_distributed_table(table, column).';
    END IF;

    -- one key table per colocation group, distributed by its routing column
    v_table := pg_catalog.format('keys_%s', v_colocationid);
    v_keys := pg_catalog.to_regclass(pg_catalog.format('idempotency.%I', v_table));
    IF v_keys IS NULL THEN
        EXECUTE pg_catalog.format($ddl$
            CREATE TABLE idempotency.%I (
                routing          %s NOT NULL,
                owner            pg_catalog.name        NOT NULL,
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
                PRIMARY KEY (routing, key, scope, owner),
                CHECK (state OPERATOR(pg_catalog.=) 'in_progress'::pg_catalog.text
                       OR state OPERATOR(pg_catalog.=) 'completed'::pg_catalog.text)
            ) WITH (fillfactor = 90)$ddl$, v_table, v_type);
        v_keys := pg_catalog.format('idempotency.%I', v_table)::pg_catalog.regclass;
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (expires_at)', v_keys);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', v_keys,
            pg_catalog.format('Idempotency keys colocated with %s by %I (idempotency.distribute())',
                              business_table, routing_column));
        -- written only through the routed functions; each role reads its own keys
        EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %s FROM PUBLIC', v_keys);
        EXECUTE pg_catalog.format('GRANT SELECT ON TABLE %s TO PUBLIC', v_keys);
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', v_keys);
        EXECUTE pg_catalog.format(
            'CREATE POLICY own_keys ON %s FOR SELECT TO PUBLIC'
            ' USING (owner OPERATOR(pg_catalog.=) CURRENT_USER)', v_keys);
        EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
            USING v_keys, 'routing'::pg_catalog.text, business_table::pg_catalog.text;
    END IF;

    -- the routed entry points: the plain API's arguments after a routing value
    EXECUTE pg_catalog.format('CREATE SCHEMA IF NOT EXISTS %I', api_schema);
    EXECUTE pg_catalog.format($ddl$
        CREATE FUNCTION %1$I.claim(
            routing %2$s,
            key pg_catalog.text,
            scope pg_catalog.text DEFAULT '',
            fingerprint pg_catalog.text DEFAULT NULL,
            wait pg_catalog.interval DEFAULT NULL,
            lease pg_catalog.interval DEFAULT NULL,
            ttl pg_catalog.interval DEFAULT NULL)
        RETURNS idempotency.claim_result
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_claim';
        CREATE FUNCTION %1$I.complete(
            routing %2$s,
            key pg_catalog.text,
            response pg_catalog.jsonb,
            response_code pg_catalog.int4 DEFAULT NULL,
            scope pg_catalog.text DEFAULT '',
            token pg_catalog.uuid DEFAULT NULL)
        RETURNS idempotency.idempotency_keys
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_complete';
        CREATE FUNCTION %1$I.release(
            routing %2$s,
            key pg_catalog.text,
            scope pg_catalog.text DEFAULT '',
            token pg_catalog.uuid DEFAULT NULL)
        RETURNS void
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_release';
        CREATE FUNCTION %1$I.checkpoint(
            routing %2$s,
            key pg_catalog.text,
            recovery_point pg_catalog.text,
            scope pg_catalog.text DEFAULT '',
            token pg_catalog.uuid DEFAULT NULL,
            lease pg_catalog.interval DEFAULT NULL)
        RETURNS idempotency.idempotency_keys
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_checkpoint';
        CREATE FUNCTION %1$I.lookup(
            routing %2$s,
            key pg_catalog.text,
            scope pg_catalog.text DEFAULT '')
        RETURNS idempotency.idempotency_keys
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_lookup';
        CREATE FUNCTION %1$I.once(routing %2$s, key pg_catalog.text, statement pg_catalog.text)
        RETURNS pg_catalog.jsonb
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_once';
        CREATE FUNCTION %1$I.once(routing %2$s, key pg_catalog.text, statement pg_catalog.text,
                                  VARIADIC params "any")
        RETURNS pg_catalog.jsonb
        LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
        AS 'MODULE_PATHNAME', 'idempotency_routed_once';
    $ddl$, api_schema, v_type);

    v_sigs := ARRAY[
        'claim(%s, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.interval, pg_catalog.interval, pg_catalog.interval)',
        'complete(%s, pg_catalog.text, pg_catalog.jsonb, pg_catalog.int4, pg_catalog.text, pg_catalog.uuid)',
        'release(%s, pg_catalog.text, pg_catalog.text, pg_catalog.uuid)',
        'checkpoint(%s, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.uuid, pg_catalog.interval)',
        'lookup(%s, pg_catalog.text, pg_catalog.text)',
        'once(%s, pg_catalog.text, pg_catalog.text)',
        'once(%s, pg_catalog.text, pg_catalog.text, "any")'];
    FOREACH v_sig IN ARRAY v_sigs LOOP
        v_sig := pg_catalog.format('%I.', api_schema) OPERATOR(pg_catalog.||)
                 pg_catalog.format(v_sig, v_type);
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_sig);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', v_sig);
        EXECUTE 'SELECT pg_catalog.create_distributed_function($1, $2, colocate_with => $3, force_delegation => true)'
            USING v_sig::pg_catalog.regprocedure, 'routing'::pg_catalog.text,
                  business_table::pg_catalog.text;
    END LOOP;
    RETURN v_keys;
END
$body$;

COMMENT ON FUNCTION idempotency.distribute(pg_catalog.regclass, pg_catalog.name, pg_catalog.name) IS
    'On Citus: a key table colocated with a hash-distributed business table, and routed entry points in api_schema';

REVOKE ALL ON FUNCTION idempotency.distribute(pg_catalog.regclass, pg_catalog.name, pg_catalog.name) FROM PUBLIC;

-- ------------------------------------------------------------------------
-- Expiry of routed keys on Citus (docs/citus.md): deletes at most
-- batch_size expired keys from each shard of every key table that
-- distribute() made, with purge()'s rule and SKIP LOCKED: one statement
-- for up to 8 shards of a worker, the statements one after the other,
-- each on a connection and in a transaction of its own there.
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.purge_routed(batch_size pg_catalog.int4 DEFAULT 10000)
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_nodes pg_catalog.text[];
    v_ports pg_catalog.int4[];
    v_commands pg_catalog.text[];
    v_node pg_catalog.text;
    v_port pg_catalog.int4;
    v_ok pg_catalog.bool;
    v_result pg_catalog.text;
    v_deleted pg_catalog.int8 := 0;
    v_failed pg_catalog.int4 := 0;
    v_first_failure pg_catalog.text;
BEGIN
    IF purge_routed.batch_size IS NULL THEN
        RAISE EXCEPTION 'batch size must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF purge_routed.batch_size OPERATOR(pg_catalog.<) 1
       OR purge_routed.batch_size OPERATOR(pg_catalog.>) 1000000 THEN
        RAISE EXCEPTION 'invalid batch size %', purge_routed.batch_size
            USING ERRCODE = '22023',
                  DETAIL = 'The batch size must be between 1 and 1000000.';
    END IF;
    -- the deletes run on connections of their own, which the caller's
    -- read-only transaction (or a standby's) would not stop
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        RAISE EXCEPTION 'cannot execute purge_routed() in a read-only transaction'
            USING ERRCODE = '25006';
    END IF;
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RAISE EXCEPTION 'idempotency.purge_routed() needs Citus'
            USING ERRCODE = '55000',
                  DETAIL = 'The citus extension is not installed in this database.',
                  HINT = 'On plain PostgreSQL, idempotency.purge() deletes expired keys.';
    END IF;

    -- For up to 8 shards of a worker, one statement: a DELETE of each
    -- shard (purge()'s, on the shard) in a data-modifying WITH, and the sum
    -- of their counts (8 bounds the locks and the rows one transaction
    -- holds).  The primary placements as Citus has them now; a shard moved
    -- away since fails its statement, and the next run finds it.
    EXECUTE $q$
        SELECT pg_catalog.array_agg(w.nodename ORDER BY w.nodename, w.nodeport, w.chunk),
               pg_catalog.array_agg(w.nodeport ORDER BY w.nodename, w.nodeport, w.chunk),
               pg_catalog.array_agg(w.command ORDER BY w.nodename, w.nodeport, w.chunk)
          FROM (SELECT s.nodename, s.nodeport, s.chunk,
                       'WITH ' OPERATOR(pg_catalog.||) pg_catalog.string_agg(pg_catalog.format(
                           'd%1$s AS (DELETE FROM %2$s AS k WHERE k.ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
                           'SELECT e.ctid FROM %2$s AS e'
                           ' WHERE e.expires_at OPERATOR(pg_catalog.<) pg_catalog.now()'
                           ' AND (e.state OPERATOR(pg_catalog.=) ''completed''::pg_catalog.text'
                           ' OR e.lease_expires_at IS NULL'
                           ' OR e.lease_expires_at OPERATOR(pg_catalog.<) pg_catalog.now())'
                           ' ORDER BY e.expires_at LIMIT %3$s FOR UPDATE SKIP LOCKED)) RETURNING 1)',
                           s.shardid, pg_catalog.shard_name(s.logicalrelid, s.shardid), $1),
                           ', ' ORDER BY s.shardid)
                       OPERATOR(pg_catalog.||) ' SELECT 0::pg_catalog.int8'
                       OPERATOR(pg_catalog.||) pg_catalog.string_agg(pg_catalog.format(
                           ' OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM d%s)', s.shardid),
                           '' ORDER BY s.shardid) AS command
                  FROM (SELECT d.shardid, d.logicalrelid, n.nodename, n.nodeport,
                               (pg_catalog.row_number() OVER (PARTITION BY n.nodename, n.nodeport
                                                              ORDER BY d.shardid)
                                OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 8 AS chunk
                          FROM pg_catalog.pg_dist_shard AS d
                          JOIN pg_catalog.pg_dist_placement AS p ON p.shardid OPERATOR(pg_catalog.=) d.shardid
                          JOIN pg_catalog.pg_dist_node AS n ON n.groupid OPERATOR(pg_catalog.=) p.groupid
                          JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) d.logicalrelid
                          JOIN pg_catalog.pg_namespace AS ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace
                         WHERE ns.nspname OPERATOR(pg_catalog.=) 'idempotency'
                           AND c.relname OPERATOR(pg_catalog.~) '^keys_[0-9]+$'
                           AND p.shardstate OPERATOR(pg_catalog.=) 1
                           AND n.isactive
                           AND n.noderole OPERATOR(pg_catalog.=) 'primary') AS s
                 GROUP BY s.nodename, s.nodeport, s.chunk) AS w
    $q$ INTO v_nodes, v_ports, v_commands USING purge_routed.batch_size;
    IF v_nodes IS NULL THEN
        RETURN 0;               -- no routed key table
    END IF;

    FOR v_node, v_port, v_ok, v_result IN EXECUTE
        'SELECT r.node_name, r.node_port, r.success, r.result'
        ' FROM pg_catalog.master_run_on_worker($1, $2, $3, false) AS r'
        USING v_nodes, v_ports, v_commands
    LOOP
        IF v_ok AND v_result OPERATOR(pg_catalog.~) '^[0-9]+$' THEN
            v_deleted := v_deleted OPERATOR(pg_catalog.+) v_result::pg_catalog.int8;
        ELSE
            v_failed := v_failed OPERATOR(pg_catalog.+) 1;
            IF v_first_failure IS NULL THEN
                v_first_failure := pg_catalog.format('Worker %s:%s: %s', v_node, v_port, v_result);
            END IF;
        END IF;
    END LOOP;
    IF v_failed OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'could not purge routed keys on a worker (% statement(s) failed)', v_failed
            USING ERRCODE = '58000',
                  DETAIL = pg_catalog.format('The other workers deleted %s keys, committed. %s',
                                             v_deleted, v_first_failure),
                  HINT = 'The next purge tries those workers again.';
    END IF;
    RETURN v_deleted;
END
$function$;

COMMENT ON FUNCTION idempotency.purge_routed(pg_catalog.int4) IS
    'On Citus: deletes at most batch_size expired keys from each shard of the routed key tables, skipping keys a claimer holds; returns the number deleted';

REVOKE ALL ON FUNCTION idempotency.purge_routed(pg_catalog.int4) FROM PUBLIC;
