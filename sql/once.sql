-- once(): each statement kind, replay, the fingerprint, every refusal.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE OR REPLACE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE posts (
    id uuid PRIMARY KEY,
    user_id int NOT NULL,
    content text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00'
);

-- INSERT ... RETURNING runs once; the retry replays the same rows.
SELECT idempotency.once('8f0c1a4e-0000-4000-8000-000000000001'::uuid,
  'INSERT INTO posts (id, user_id, content) VALUES ($1, $2, $3) RETURNING id, created_at',
  '8f0c1a4e-0000-4000-8000-000000000001'::uuid, 42, 'hello');
SELECT idempotency.once('8f0c1a4e-0000-4000-8000-000000000001'::uuid,
  'INSERT INTO posts (id, user_id, content) VALUES ($1, $2, $3) RETURNING id, created_at',
  '8f0c1a4e-0000-4000-8000-000000000001'::uuid, 42, 'hello');
SELECT count(*) FROM posts;
-- typed values back
SELECT * FROM jsonb_to_recordset(idempotency.once('8f0c1a4e-0000-4000-8000-000000000001'::uuid,
  'INSERT INTO posts (id, user_id, content) VALUES ($1, $2, $3) RETURNING id, created_at',
  '8f0c1a4e-0000-4000-8000-000000000001'::uuid, 42, 'hello')) AS t(id uuid, created_at timestamptz);

-- The same key with another statement or other values is a mismatch (IK001).
SELECT try($$SELECT idempotency.once('8f0c1a4e-0000-4000-8000-000000000001'::uuid,
  'INSERT INTO posts (id, user_id, content) VALUES ($1, $2, $3) RETURNING id, created_at',
  '8f0c1a4e-0000-4000-8000-000000000001'::uuid, 43, 'hello')$$);
SELECT try($$SELECT idempotency.once('8f0c1a4e-0000-4000-8000-000000000001'::uuid,
  'SELECT 1')$$);
-- ... and the type of a parameter counts too
SELECT idempotency.once('types-1', 'SELECT $1 AS v', 1);
SELECT try($$SELECT idempotency.once('types-1', 'SELECT $1 AS v', 1::bigint)$$);
SELECT try($$SELECT idempotency.once('types-1', 'SELECT $1 AS v', NULL::int)$$);

-- The fingerprint hashes values in binary form: session settings such as
-- TimeZone do not change it.
SET TimeZone = 'UTC';
SELECT idempotency.once('tz-1', 'SELECT $1 AS t', '2026-01-01 00:00:00+00'::timestamptz);
SET TimeZone = 'Asia/Tokyo';
SELECT idempotency.once('tz-1', 'SELECT $1 AS t', '2026-01-01 00:00:00+00'::timestamptz);
SELECT try($$SELECT idempotency.once('tz-1', 'SELECT $1 AS t', '2026-01-01 00:00:01+00'::timestamptz)$$);
RESET TimeZone;
SET bytea_output = 'escape';
SET DateStyle = 'SQL, DMY';
SELECT idempotency.once('tz-1', 'SELECT $1 AS t', '2026-01-01 00:00:00+00'::timestamptz);
RESET bytea_output;
RESET DateStyle;
SELECT octet_length(fingerprint) AS digest_bytes FROM idempotency.lookup('tz-1');

-- An explicit fingerprint overrides the derived one.
SELECT idempotency.once_with('fp-1', '', NULL, 'request-42', 'SELECT $1::int AS n', 1);
SELECT idempotency.once_with('fp-1', '', NULL, 'request-42', 'SELECT $1::int AS n', 2);
SELECT try($$SELECT idempotency.once_with('fp-1', '', NULL, 'request-43', 'SELECT 1')$$);
SELECT fingerprint = idempotency.fingerprint_digest('request-42') AS the_given_one
  FROM idempotency.lookup('fp-1');

-- UPDATE and DELETE ... RETURNING, a plain SELECT, a data-modifying CTE.
SELECT idempotency.once('upd-1', 'UPDATE posts SET content = $1 WHERE user_id = $2 RETURNING content', 'edited', 42);
SELECT idempotency.once('upd-1', 'UPDATE posts SET content = $1 WHERE user_id = $2 RETURNING content', 'edited', 42);
SELECT idempotency.once('sel-1', 'SELECT user_id, content FROM posts ORDER BY id');
SELECT idempotency.once('cte-1',
  'WITH ins AS (INSERT INTO posts (id, user_id, content) VALUES ($1, 7, $2) RETURNING user_id)
   SELECT count(*) AS inserted, min(user_id) AS user_id FROM ins',
  '8f0c1a4e-0000-4000-8000-000000000002'::uuid, 'from a cte');
SELECT idempotency.once('cte-1',
  'WITH ins AS (INSERT INTO posts (id, user_id, content) VALUES ($1, 7, $2) RETURNING user_id)
   SELECT count(*) AS inserted, min(user_id) AS user_id FROM ins',
  '8f0c1a4e-0000-4000-8000-000000000002'::uuid, 'from a cte');
SELECT idempotency.once('del-1', 'DELETE FROM posts WHERE user_id = $1 RETURNING content', 7);
SELECT idempotency.once('del-1', 'DELETE FROM posts WHERE user_id = $1 RETURNING content', 7);
SELECT count(*) FROM posts;
-- MERGE (no RETURNING in this release): runs once, stores an empty array
SELECT idempotency.once('merge-1',
  'MERGE INTO posts p USING (SELECT $1::uuid AS id) s ON p.id = s.id
   WHEN NOT MATCHED THEN INSERT (id, user_id, content) VALUES (s.id, 9, ''merged'')',
  '8f0c1a4e-0000-4000-8000-000000000003'::uuid);
SELECT count(*) FROM posts WHERE user_id = 9;

-- No rows: an empty array, stored and replayed.
SELECT idempotency.once('none-1', 'INSERT INTO posts (id, user_id, content) VALUES ($1, 1, $2) ON CONFLICT DO NOTHING',
  '8f0c1a4e-0000-4000-8000-000000000001'::uuid, 'dup');
SELECT response FROM idempotency.lookup('none-1');

-- Parameter forms: none, untyped literals (text), NULLs, VARIADIC arrays.
SELECT idempotency.once('p-0', 'SELECT 1 AS one');
SELECT idempotency.once('p-1', 'SELECT $1 AS t, pg_typeof($1)::text AS type', 'literal');
SELECT idempotency.once('p-2', 'SELECT $1::int IS NULL AS is_null', NULL::int);
SELECT idempotency.once('p-3', 'SELECT $1 + $2 AS sum', VARIADIC ARRAY[2, 3]);
SELECT idempotency.once('p-4', 'SELECT $1::jsonb -> ''a'' AS a, $2::bool AS b, $3::numeric AS n',
  '{"a": [1, 2]}'::jsonb, true, 1.5);

-- once_with: scope and ttl.
SELECT idempotency.once_with('w-1', 'jobs', '1 hour', NULL, 'SELECT $1::text AS job', 'nightly');
SELECT scope, expires_at - created_at AS ttl FROM idempotency.lookup('w-1', 'jobs');
SELECT idempotency.lookup('w-1') IS NULL AS other_scope_absent;

-- once() without ttl: idempotency.default_ttl, one day unless set.
SELECT idempotency.once('t-1', 'SELECT 1 AS one');
SELECT expires_at - created_at AS ttl FROM idempotency.lookup('t-1');
SET idempotency.default_ttl = '2h';
SELECT idempotency.once('t-2', 'SELECT 2 AS two');
SELECT expires_at - created_at AS ttl FROM idempotency.lookup('t-2');
RESET idempotency.default_ttl;

-- A rollback or an error inside the statement stores nothing: the retry runs it.
BEGIN;
SELECT idempotency.once('rb-1', 'INSERT INTO posts (id, user_id, content) VALUES ($1, 5, $2) RETURNING content',
  '8f0c1a4e-0000-4000-8000-000000000005'::uuid, 'rolled back');
ROLLBACK;
SELECT idempotency.lookup('rb-1') IS NULL AS absent;
SELECT try($$SELECT idempotency.once('err-1', 'INSERT INTO posts (id, user_id, content) VALUES ($1, NULL, $2)',
  '8f0c1a4e-0000-4000-8000-000000000006'::uuid, 'x')$$);
SELECT idempotency.lookup('err-1') IS NULL AS absent;
SELECT idempotency.once('rb-1', 'INSERT INTO posts (id, user_id, content) VALUES ($1, 5, $2) RETURNING content',
  '8f0c1a4e-0000-4000-8000-000000000005'::uuid, 'rolled back');

-- Refusals: several statements, transaction control, utility statements,
-- SELECT INTO, results over the size limit (nothing stored), NULLs.
SELECT try($$SELECT idempotency.once('r-1', 'SELECT 1; SELECT 2')$$);
SELECT try($$SELECT idempotency.once('r-2', 'COMMIT')$$);
SELECT try($$SELECT idempotency.once('r-3', 'CREATE TABLE t (a int)')$$);
SELECT try($$SELECT idempotency.once('r-4', 'SELECT 1 INTO TEMP t2')$$);
SELECT try($$SELECT idempotency.once('r-5', 'SELEKT 1')$$);
SELECT try($$SELECT idempotency.once('r-6', NULL)$$);
SELECT try($$SELECT idempotency.once(NULL::text, 'SELECT 1')$$);
SELECT try($$SELECT idempotency.once('r-7', 'SELECT $2')$$);
SET idempotency.max_response_size = '1kB';
SELECT try($$SELECT idempotency.once('r-8', 'SELECT repeat(''x'', 2000) AS big')$$);
RESET idempotency.max_response_size;
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'r-%';

-- Each row is stored exactly as to_jsonb(row) makes it, for every column
-- type, NULLs, extreme values and TOASTed text included; replays are the
-- same whatever the session's time zone.
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE kinds (
    b bool, i2 int2, i4 int4, i8 int8, n numeric, t text, vc varchar(20),
    u uuid, d date, ts timestamp, tz timestamptz,
    f4 real, f8 float8, j jsonb, a int[], bp char(4), dom posint, rec posts);
INSERT INTO kinds VALUES
    (true, -32768, -2147483648, -9223372036854775808, '-0.000100', E'\u00e9"\\\n\tx', 'v',
     '8f0c1a4e-0000-4000-8000-0000000000aa', 'infinity', '-infinity',
     '2026-01-02 03:04:05.678+00', 'NaN', '-Infinity', '{"k": [1, null]}', '{1,NULL}', 'ab',
     3, ROW('8f0c1a4e-0000-4000-8000-0000000000bb', 1, 'c', '2026-01-01 00:00:00+00')),
    (false, 32767, 2147483647, 9223372036854775807, 'NaN', '', NULL,
     NULL, '2026-02-28', '2026-02-28 23:59:59.999999', '-infinity',
     1.5, 1e300, 'null', '{}', NULL, NULL, NULL),
    (NULL, 0, 0, 0, '12345678901234567890.123456789000',
     (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 3000) g), 'w',
     '00000000-0000-0000-0000-000000000000', '0001-01-01 BC', '294276-12-31 23:59:59',
     '1970-01-01 00:00:00+00', 0, -0.0, '[]', NULL, '', 1, NULL);
SELECT pg_relation_size(reltoastrelid) > 0 AS text_is_toasted FROM pg_class WHERE relname = 'kinds';
SET TimeZone = 'America/New_York';
SELECT idempotency.once('kinds-1', 'SELECT * FROM kinds') =
       (SELECT jsonb_agg(to_jsonb(k)) FROM kinds k) AS all_columns_as_to_jsonb;
SELECT idempotency.once('kinds-2',
         'SELECT b, i2, i4, i8, n, t, vc, u, d, ts, tz, i4 AS i4, t AS "T" FROM kinds') =
       (SELECT jsonb_agg(to_jsonb(k))
          FROM (SELECT b, i2, i4, i8, n, t, vc, u, d, ts, tz, i4 AS i4, t AS "T" FROM kinds) k)
       AS common_columns_as_to_jsonb;
SELECT idempotency.once('kinds-3',
         'SELECT b, i4, n, vc, u, d, ts, tz, i8 AS i4 FROM kinds WHERE i2 = 32767');
SET TimeZone = 'Asia/Tokyo';
SELECT idempotency.once('kinds-3',
         'SELECT b, i4, n, vc, u, d, ts, tz, i8 AS i4 FROM kinds WHERE i2 = 32767');
RESET TimeZone;
DROP TABLE kinds;
DROP DOMAIN posint;

-- Plans are kept per backend and follow DDL: a new column shows in the next run.
SELECT idempotency.once('ddl-1', 'SELECT * FROM posts WHERE user_id = $1', 5);
ALTER TABLE posts ADD COLUMN extra int NOT NULL DEFAULT 0;
SELECT idempotency.once('ddl-2', 'SELECT * FROM posts WHERE user_id = $1', 5);
ALTER TABLE posts DROP COLUMN extra;
SELECT try($$SELECT idempotency.once('many', 'SELECT 1', VARIADIC array_fill(1, ARRAY[101]))$$);

-- A once() inside another's statement, while the backend's plan cache
-- fills up and empties many times: every inner call is a new statement, so
-- some find the cache full while the outer statement's plan is running, and
-- the outer plan must stay valid.  (The extra statement halfway flips which
-- call finds it full.)
CREATE FUNCTION inner_once(i int) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  RETURN idempotency.once('inner-' || i, 'SELECT $1::int AS y, ' || i || ' AS i', i);
END $$;
DO $$
DECLARE
  r jsonb;
  ok int := 0;
BEGIN
  FOR i IN 1..600 LOOP
    IF i = 300 THEN
      PERFORM idempotency.once('flip', 'SELECT ''flip'' AS f');
    END IF;
    r := idempotency.once('outer-' || i, 'SELECT inner_once(' || i || ') AS r, ' || i || ' AS s');
    IF r = jsonb_build_array(jsonb_build_object('r', jsonb_build_array(jsonb_build_object('y', i, 'i', i)), 's', i)) THEN
      ok := ok + 1;
    END IF;
  END LOOP;
  RAISE NOTICE 'nested once() results correct: %', ok;
END $$;
SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE 'inner-%' OR key LIKE 'outer-%';
DROP FUNCTION inner_once(int);
DELETE FROM idempotency.idempotency_keys WHERE key LIKE 'inner-%' OR key LIKE 'outer-%';

-- A replay never parses the statement: it compares fingerprints only, so
-- it works in a new session even after the statement's table is gone.
CREATE TABLE renamed (a int);
SELECT idempotency.once('ren-1', 'INSERT INTO renamed VALUES ($1) RETURNING a', 1);
ALTER TABLE renamed RENAME TO renamed_old;
\c -
\set SHOW_CONTEXT never
SELECT idempotency.once('ren-1', 'INSERT INTO renamed VALUES ($1) RETURNING a', 1);
SELECT try($$SELECT idempotency.once('ren-2', 'INSERT INTO renamed VALUES ($1) RETURNING a', 1)$$);
DROP TABLE renamed_old;
-- A statement first seen by a replay is prepared when a new key runs it.
\c -
SELECT idempotency.once('8f0c1a4e-0000-4000-8000-000000000001'::uuid,
  'INSERT INTO posts (id, user_id, content) VALUES ($1, $2, $3) RETURNING id, created_at',
  '8f0c1a4e-0000-4000-8000-000000000001'::uuid, 42, 'hello') AS replayed_first;
SELECT idempotency.once('8f0c1a4e-0000-4000-8000-000000000002'::uuid,
  'INSERT INTO posts (id, user_id, content) VALUES ($1, $2, $3) RETURNING id, created_at',
  '8f0c1a4e-0000-4000-8000-000000000002'::uuid, 42, 'hello') AS then_run;
SELECT count(*) FROM posts WHERE id = '8f0c1a4e-0000-4000-8000-000000000002';

-- Row-level security: the statement runs with the caller's privileges.
CREATE ROLE regress_once_alice;
CREATE TABLE notes (owner name NOT NULL DEFAULT current_user, body text);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON notes USING (owner = current_user);
GRANT SELECT, INSERT ON notes TO regress_once_alice;
INSERT INTO notes (owner, body) VALUES ('someone_else', 'hidden');
SET ROLE regress_once_alice;
SELECT idempotency.once('rls-1', 'INSERT INTO notes (body) VALUES ($1) RETURNING owner, body', 'mine');
SELECT idempotency.once('rls-2', 'SELECT owner, body FROM notes ORDER BY body');
SELECT try($$SELECT idempotency.once('rls-3', 'UPDATE posts SET content = ''x''')$$);
RESET ROLE;
SELECT owner::text, key FROM idempotency.idempotency_keys WHERE key LIKE 'rls-%' ORDER BY key;
DROP TABLE notes;
DELETE FROM idempotency.idempotency_keys WHERE owner = 'regress_once_alice'::regrole;
DROP ROLE regress_once_alice;

-- SELECT INTO is refused wherever the parser takes it from: on the leftmost
-- branch of a set operation too (which PostgreSQL turns into CREATE TABLE AS).
SELECT try($$SELECT idempotency.once('into-1', 'SELECT 1 AS a INTO TEMP t_into UNION ALL SELECT 2')$$);
SELECT try($$SELECT idempotency.once('into-2',
  '(SELECT 1 AS a INTO TEMP t_into2 UNION SELECT 2) EXCEPT SELECT 3')$$);
SELECT count(*) AS into_tables FROM pg_class WHERE relname IN ('t_into', 't_into2');
SELECT count(*) AS into_keys FROM idempotency.idempotency_keys WHERE key LIKE 'into-%';

-- Values of records and composite types are fingerprinted independently of the
-- session's settings, and types created after initdb by name, not by OID (a
-- dump and restore renumbers them): the same request replays.
CREATE TYPE fp_mood AS ENUM ('ok', 'sad');
CREATE TYPE fp_pair AS (at timestamptz, f float8, m fp_mood);
SET TimeZone = 'UTC';
SELECT idempotency.once('fp-rec-1', 'SELECT 1 AS one', ROW('2026-01-01 00:00+00'::timestamptz, 0.1::float8));
SELECT idempotency.once('fp-rec-2', 'SELECT 1 AS one',
  ROW('2026-01-01 00:00+00', 0.1, 'ok')::fp_pair, ARRAY[ROW('2026-01-01 00:00+00', 0.1, 'sad')::fp_pair]);
SELECT idempotency.once('fp-rec-3', 'SELECT 1 AS one', ROW('12.5'::money, '1 day'::interval, '\x00ff'::bytea));
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'German, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = 0;
SET bytea_output = 'escape';
SET quote_all_identifiers = on;
SET search_path = pg_catalog;
SELECT idempotency.once('fp-rec-1', 'SELECT 1 AS one', ROW('2026-01-01 09:00+09'::timestamptz, 0.1::float8)) AS replayed;
SELECT idempotency.once('fp-rec-2', 'SELECT 1 AS one',
  ROW('2026-01-01 00:00+00', 0.1, 'ok')::public.fp_pair, ARRAY[ROW('2026-01-01 00:00+00', 0.1, 'sad')::public.fp_pair]) AS replayed;
SELECT idempotency.once('fp-rec-3', 'SELECT 1 AS one', ROW('12.5'::money, '1 day'::interval, '\x00ff'::bytea)) AS replayed;
RESET TimeZone; RESET DateStyle; RESET IntervalStyle; RESET extra_float_digits; RESET bytea_output;
RESET quote_all_identifiers; RESET search_path;
-- ... while another value still differs
SELECT try($$SELECT idempotency.once('fp-rec-2', 'SELECT 1 AS one',
  ROW('2026-01-01 00:00+00', 0.1, 'sad')::fp_pair, ARRAY[ROW('2026-01-01 00:00+00', 0.1, 'sad')::fp_pair])$$);
-- Recreated types (new OIDs, as after a dump and restore) keep the fingerprint.
SELECT idempotency.once('fp-enum-1', 'SELECT $1::text AS m', 'ok'::fp_mood);
DROP TYPE fp_pair;
DROP TYPE fp_mood;
CREATE TYPE fp_mood AS ENUM ('ok', 'sad');
CREATE TYPE fp_pair AS (at timestamptz, f float8, m fp_mood);
SELECT idempotency.once('fp-enum-1', 'SELECT $1::text AS m', 'ok'::fp_mood) AS replayed;
SELECT idempotency.once('fp-rec-2', 'SELECT 1 AS one',
  ROW('2026-01-01 00:00+00', 0.1, 'ok')::fp_pair, ARRAY[ROW('2026-01-01 00:00+00', 0.1, 'sad')::fp_pair]) AS replayed;
-- ... but a type of another name is another request.
CREATE TYPE fp_mood2 AS ENUM ('ok');
SELECT try($$SELECT idempotency.once('fp-enum-1', 'SELECT $1::text AS m', 'ok'::fp_mood2)$$);
DROP TYPE fp_pair; DROP TYPE fp_mood; DROP TYPE fp_mood2;

-- An OID alias counts by the object's name: the same table recreated (a new
-- OID), named through another search_path, is the same request.
CREATE TABLE fp_rt (x int);
SELECT idempotency.once('fp-reg-1', 'SELECT 1 AS one', 'fp_rt'::regclass, ROW('fp_rt'::regclass, 1));
DROP TABLE fp_rt;
CREATE TABLE fp_rt (x int);
SET search_path = pg_catalog;
SELECT idempotency.once('fp-reg-1', 'SELECT 1 AS one', 'public.fp_rt'::regclass, ROW('public.fp_rt'::regclass, 1)) AS replayed;
RESET search_path;
DROP TABLE fp_rt;

-- A value is fingerprinted the same however it was produced: an oid above
-- 2^31 from a literal and from a table column.
CREATE TABLE fp_oids (x oid);
INSERT INTO fp_oids VALUES (3000000000);
SELECT idempotency.once('fp-oid-1', 'SELECT $1 AS x', 3000000000::oid);
SELECT idempotency.once('fp-oid-1', 'SELECT $1 AS x', x) AS replayed FROM fp_oids;
DROP TABLE fp_oids;

-- once() inside a once() statement (or a trigger it fires) on the key the
-- outer call holds is refused with 55006, and nothing is stored.
SELECT try($$SELECT idempotency.once('nest-same-1',
  'SELECT idempotency.once(''nest-same-1'', ''SELECT 1 AS one'') AS r')$$);
SELECT try($$SELECT idempotency.once('nest-same-2',
  'SELECT outcome FROM idempotency.claim(''nest-same-2'')')$$);
SELECT try($$SELECT idempotency.once('nest-same-3',
  'SELECT (idempotency.complete(''nest-same-3'', ''{}''::jsonb)).state')$$);
SELECT try($$SELECT idempotency.once('nest-same-4',
  'SELECT idempotency.release(''nest-same-4'')')$$);
CREATE TABLE nest_orders (k text PRIMARY KEY, n int);
CREATE FUNCTION nest_orders_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM idempotency.once(NEW.k, 'SELECT 1 AS audited');
    RETURN NEW;
END $$;
CREATE TRIGGER nest_orders_audit BEFORE INSERT ON nest_orders
    FOR EACH ROW EXECUTE FUNCTION nest_orders_audit();
SELECT try($$SELECT idempotency.once('nest-same-5',
  'INSERT INTO nest_orders VALUES ($1, 1) RETURNING n', 'nest-same-5'::text)$$);
-- ... while the trigger's once() under a key of its own runs and is stored
SELECT idempotency.once('nest-other-1',
  'INSERT INTO nest_orders VALUES ($1, 2) RETURNING n', 'nest-other-2'::text);
SELECT key, response FROM idempotency.idempotency_keys WHERE key LIKE 'nest-other-%' ORDER BY key;
SELECT count(*) AS nest_keys FROM idempotency.idempotency_keys WHERE key LIKE 'nest-same-%';
SELECT k FROM nest_orders;
DROP TABLE nest_orders;
DROP FUNCTION nest_orders_audit();

-- once() after claim() of the same key in the transaction stores its fingerprint.
BEGIN;
SELECT outcome FROM idempotency.claim('mix-1');
SELECT idempotency.once('mix-1', 'SELECT 1 AS a');
COMMIT;
SELECT fingerprint IS NOT NULL AS has_fingerprint FROM idempotency.lookup('mix-1');
SELECT try($$SELECT idempotency.once('mix-1', 'SELECT 2 AS b')$$);
SELECT idempotency.once('mix-1', 'SELECT 1 AS a') AS replayed;
-- ... and a claim() fingerprint it does not match is a mismatch.
BEGIN;
SELECT outcome FROM idempotency.claim('mix-2', fingerprint => 'v1');
SELECT try($$SELECT idempotency.once('mix-2', 'SELECT 1 AS a')$$);
ROLLBACK;

-- A lease this session holds is reported as this session's.
SELECT outcome FROM idempotency.claim('lease-own-1', lease => '1 minute');
SELECT try($$SELECT idempotency.once('lease-own-1', 'SELECT 1 AS a')$$);
SELECT idempotency.release('lease-own-1', token => lease_token) FROM idempotency.lookup('lease-own-1');
SELECT count(*) AS lease_own_rows FROM idempotency.idempotency_keys WHERE key = 'lease-own-1';
