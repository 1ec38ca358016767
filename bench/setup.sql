-- Benchmark schema and data, loaded by bench/run into its throwaway
-- database after bench/brandur.sql (psql -v nkeys=N -v version=V: the
-- extension's version, whose key table layout the database then has).  Not
-- a pgbench script.
--
-- bench.posts is the application's table: a row keyed by a client-made
-- UUID, the seeds' "INSERT ... ON CONFLICT DO NOTHING RETURNING" target.
-- bench.replay_key(n) names the n-th pre-populated key (1..:nkeys), the same
-- text that claim(uuid)/once(uuid) store for that UUID; the pgbench scripts
-- spell the same expression out so that nothing but the measured call runs.

\set ON_ERROR_STOP on

-- With -v portable=1, the portable edition (portable/) instead, whose
-- once() takes parameters of one type: the keys are made with text
-- parameters and casts in the statement, as bench/r_once_portable.sql and
-- bench/s_once_replay_portable.sql call it.
\if :{?portable}
CREATE EXTENSION idempotency_portable;
\else
CREATE EXTENSION idempotency VERSION :'version';
\endif

CREATE SCHEMA bench;

CREATE TABLE bench.posts (
    id         uuid        PRIMARY KEY,
    user_id    integer     NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION bench.replay_key(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN '00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0');

-- Completed keys for the replay cases (e, f, h): each made by once() with
-- exactly the statement and parameters of bench/g_once.sql and
-- bench/h_once_replay.sql, so that h's replays match the stored fingerprint.
-- Each key's row is in bench.posts too.  Every claim holds its key's lock
-- until the end of its transaction, so the keys are made 500 per
-- transaction.
SELECT pg_catalog.set_config('bench.nkeys', :'nkeys', false);

\if :{?portable}
SELECT pg_catalog.set_config('bench.portable', 'on', false);
\else
SELECT pg_catalog.set_config('bench.portable', 'off', false);
\endif
DO $$
DECLARE
    nkeys bigint := current_setting('bench.nkeys')::bigint;
    portable bool := current_setting('bench.portable')::bool;
    first bigint := 1;
BEGIN
    WHILE first <= nkeys LOOP
        -- PL/pgSQL analyzes a statement when it first runs: the branch not
        -- taken is never resolved against the edition's once()
        IF portable THEN
            PERFORM idempotency.once(
                      k,
                      'INSERT INTO bench.posts (id, user_id, content) VALUES ($1::uuid, $2::integer, $3) ON CONFLICT DO NOTHING RETURNING id, created_at',
                      k::text, '1', 'hello')
               FROM (SELECT bench.replay_key(n)::uuid AS k
                       FROM generate_series(first, least(first + 499, nkeys)) AS n) AS keys;
        ELSE
            PERFORM idempotency.once(
                      k,
                      'INSERT INTO bench.posts (id, user_id, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id, created_at',
                      k, 1, 'hello'::text)
               FROM (SELECT bench.replay_key(n)::uuid AS k
                       FROM generate_series(first, least(first + 499, nkeys)) AS n) AS keys;
        END IF;
        COMMIT;
        first := first + 500;
    END LOOP;
END
$$;

-- The hand-written table gets as many finished keys, so that both key
-- tables (and their indexes) start the same size.
INSERT INTO brandur.idempotency_keys
       (user_id, idempotency_key, locked_at, recovery_point, response_code, response_body)
SELECT 1, bench.replay_key(n), NULL, 'finished', 201,
       jsonb_build_object('id', bench.replay_key(n)::uuid, 'status', 'created')
  FROM generate_series(1, current_setting('bench.nkeys')::bigint) AS n;

-- Case i's table: the key table's columns, primary key and expires_at
-- index, its fillfactor, no row-level security; as many rows.
CREATE TABLE bench.sql_keys
    (LIKE idempotency.idempotency_keys INCLUDING ALL) WITH (fillfactor = 90);
INSERT INTO bench.sql_keys SELECT * FROM idempotency.idempotency_keys;

-- The message consumer's cases (k, l, m): each message's effect, and the
-- hand-written inbox of seen message ids (l), as many ids as the key table
-- has keys.
CREATE TABLE bench.effects (
    message_id text        COLLATE "C" PRIMARY KEY,
    user_id    integer     NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE bench.inbox (message_id text COLLATE "C" PRIMARY KEY);
INSERT INTO bench.inbox
SELECT bench.replay_key(n) FROM generate_series(1, current_setting('bench.nkeys')::bigint) AS n;

VACUUM ANALYZE bench.posts;
VACUUM ANALYZE bench.inbox;
VACUUM ANALYZE bench.sql_keys;
VACUUM ANALYZE idempotency.idempotency_keys;
VACUUM ANALYZE brandur.idempotency_keys;
