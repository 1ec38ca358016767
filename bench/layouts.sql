-- bench/layouts.sql: what a completed once() key of bench/g_once.sql costs
-- in bytes and WAL under the key table's layout and under leaner layouts,
-- side by side, in plain SQL (no extension needed).  Run by bench/layouts.
--
-- Every layout gets the same :nkeys rows, shaped as once() stores them
-- for g: a fresh UUID's text as the key, a 16-character fingerprint digest, the
-- statement's RETURNING row as a one-element jsonb array, three
-- timestamps, each row's own (clock_timestamp(): the rows of one key table
-- are written by separate transactions, whose expires_at differ); in random
-- key order, as a service's keys arrive.  Then:
--   bytes per key   heap, TOAST and every index after VACUUM, over the rows;
--   WAL per key     the records of a further :walkeys rows inserted one per
--                   row (pg_walinspect), without full-page images and
--                   without the commit record.
-- Layouts:
--   keys_1_1     the key table of 1.1: 15 columns, primary key (key, scope,
--                owner), expires_at index, lease partial index, fillfactor 90
--   no_expiry    keys_1_1 without the expires_at index
--   ff100        keys_1_1 at fillfactor 100
--   narrow       no lease columns, state as "char", fillfactor 100
--   narrow_hash  narrow with a hash index on key instead of the primary key
--   floor        the key and the stored rows only, no index
--   posts        bench.posts, the bare insert's row (context)

\set ON_ERROR_STOP on
\pset footer off

CREATE EXTENSION IF NOT EXISTS pg_walinspect;
CREATE SCHEMA layouts;

CREATE TABLE layouts.keys_1_1 (
    owner            regrole     NOT NULL,
    scope            text        COLLATE "C" NOT NULL,
    key              text        COLLATE "C" NOT NULL,
    state            text        NOT NULL,
    fingerprint      text,
    response         jsonb,
    response_code    int4,
    recovery_point   text,
    lease_token      uuid,
    lease_holder_pid int4,
    lease_interval   interval,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (key, scope, owner)
) WITH (fillfactor = 90);
CREATE INDEX ON layouts.keys_1_1 (expires_at);
CREATE INDEX ON layouts.keys_1_1 (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

CREATE TABLE layouts.no_expiry (LIKE layouts.keys_1_1 INCLUDING ALL) WITH (fillfactor = 90);
DROP INDEX layouts.no_expiry_expires_at_idx;

CREATE TABLE layouts.ff100 (LIKE layouts.keys_1_1 INCLUDING ALL) WITH (fillfactor = 100);

CREATE TABLE layouts.narrow (
    owner            regrole     NOT NULL,
    scope            text        COLLATE "C" NOT NULL,
    key              text        COLLATE "C" NOT NULL,
    state            "char"      NOT NULL,
    fingerprint      text,
    response         jsonb,
    response_code    int4,
    created_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (key, scope, owner)
) WITH (fillfactor = 100);
CREATE INDEX ON layouts.narrow (expires_at);

CREATE TABLE layouts.narrow_hash (LIKE layouts.narrow INCLUDING DEFAULTS) WITH (fillfactor = 100);
CREATE INDEX ON layouts.narrow_hash USING hash (key);
CREATE INDEX ON layouts.narrow_hash (expires_at);

CREATE TABLE layouts.floor (key text COLLATE "C" NOT NULL, response jsonb) WITH (fillfactor = 100);

CREATE TABLE layouts.posts (
    id         uuid        PRIMARY KEY,
    user_id    integer     NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One g-shaped row per call of layouts.fill(table, n).
CREATE FUNCTION layouts.fill(tab text, n bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF tab = 'posts' THEN
        EXECUTE 'INSERT INTO layouts.posts (id, user_id, content)
                 SELECT gen_random_uuid(), 1, ''hello'' FROM generate_series(1, $1)' USING n;
    ELSIF tab = 'floor' THEN
        EXECUTE 'INSERT INTO layouts.floor
                 SELECT u::text, jsonb_build_array(jsonb_build_object(''id'', u, ''created_at'', clock_timestamp()))
                   FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, $1)) AS g' USING n;
    ELSE
        EXECUTE format(
            'INSERT INTO layouts.%I (owner, scope, key, state, fingerprint, response, created_at, completed_at, expires_at)
             SELECT current_user::regrole, '''', u::text, %L, translate(encode(substr(sha256(u::text::bytea), 1, 12), ''base64''), ''+/'', ''-_''),
                    jsonb_build_array(jsonb_build_object(''id'', u, ''created_at'', clock_timestamp())),
                    clock_timestamp(), clock_timestamp(), clock_timestamp() + interval ''1 day''
               FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, $1)) AS g',
            tab, CASE WHEN tab LIKE 'narrow%' THEN 'c' ELSE 'completed' END) USING n;
    END IF;
END
$$;

CREATE TABLE layouts.result (layout text, keys bigint, bytes_per_key numeric,
                             table_bytes numeric, index_bytes numeric, wal_per_key numeric);

SELECT set_config('layouts.nkeys', :'nkeys', false) AS nkeys_set,
       set_config('layouts.walkeys', :'walkeys', false) AS walkeys_set \gset

DO $$
DECLARE
    tab text;
    n bigint := current_setting('layouts.nkeys')::bigint;
    done bigint;
BEGIN
    FOREACH tab IN ARRAY ARRAY['keys_1_1', 'no_expiry', 'ff100', 'narrow', 'narrow_hash', 'floor', 'posts'] LOOP
        done := 0;
        WHILE done < n LOOP
            PERFORM layouts.fill(tab, least(100000, n - done));
            done := done + least(100000, n - done);
            COMMIT;
        END LOOP;
    END LOOP;
END
$$;

-- sizes after VACUUM
VACUUM layouts.keys_1_1, layouts.no_expiry, layouts.ff100, layouts.narrow, layouts.narrow_hash,
       layouts.floor, layouts.posts;
INSERT INTO layouts.result (layout, keys, table_bytes, index_bytes)
SELECT t, :nkeys, pg_table_size(('layouts.' || t)::regclass), pg_indexes_size(('layouts.' || t)::regclass)
  FROM unnest(ARRAY['keys_1_1', 'no_expiry', 'ff100', 'narrow', 'narrow_hash', 'floor', 'posts']) AS t;

-- WAL: :walkeys more rows, one INSERT per row, between two LSNs
CREATE TABLE layouts.lsn (layout text, lsn_from pg_lsn, lsn_to pg_lsn);
DO $$
DECLARE
    tab text;
    w bigint := current_setting('layouts.walkeys')::bigint;
    i bigint;
    l0 pg_lsn;
BEGIN
    FOREACH tab IN ARRAY ARRAY['keys_1_1', 'no_expiry', 'ff100', 'narrow', 'narrow_hash', 'floor', 'posts'] LOOP
        l0 := pg_current_wal_insert_lsn();
        FOR i IN 1 .. w LOOP
            PERFORM layouts.fill(tab, 1);
        END LOOP;
        INSERT INTO layouts.lsn VALUES (tab, l0, pg_current_wal_insert_lsn());
        COMMIT;
    END LOOP;
END
$$;
UPDATE layouts.result AS r
   SET wal_per_key = (SELECT sum(s.combined_size - s.fpi_size)
                        FROM layouts.lsn AS l,
                             pg_get_wal_stats(l.lsn_from, l.lsn_to, true) AS s
                       WHERE l.layout = r.layout
                         AND s."resource_manager/record_type" NOT LIKE 'Transaction/%'
                         AND s."resource_manager/record_type" NOT LIKE 'Standby/%')
                     / :walkeys;

SELECT layout,
       round((table_bytes + index_bytes) / keys, 1) AS bytes_per_key,
       round(table_bytes / keys, 1) AS "table",
       round(index_bytes / keys, 1) AS indexes,
       round(wal_per_key, 1) AS wal_per_key,
       round((table_bytes + index_bytes) / (SELECT table_bytes + index_bytes FROM layouts.result WHERE layout = 'keys_1_1'), 2) AS "bytes vs 1.1",
       round(wal_per_key / (SELECT wal_per_key FROM layouts.result WHERE layout = 'keys_1_1'), 2) AS "wal vs 1.1"
  FROM layouts.result
 ORDER BY bytes_per_key DESC;
