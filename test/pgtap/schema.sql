-- The installed schema: the key table, its primary key, the result type,
-- and every API function with both its text and its uuid key.
BEGIN;
CREATE EXTENSION idempotency;

SELECT plan(34);

SELECT has_schema('idempotency');
SELECT has_table('idempotency', 'idempotency_keys', 'the key table exists');
SELECT columns_are('idempotency', 'idempotency_keys', ARRAY[
    'owner', 'scope', 'key', 'state', 'fingerprint', 'response',
    'response_code', 'recovery_point', 'lease_token', 'lease_holder_pid',
    'lease_interval', 'lease_expires_at', 'created_at', 'completed_at',
    'expires_at'], 'the key table has exactly the documented columns');
SELECT col_type_is('idempotency', 'idempotency_keys', 'owner', 'regrole', 'owner is a role');
SELECT col_type_is('idempotency', 'idempotency_keys', 'response', 'jsonb', 'response is jsonb');
SELECT col_type_is('idempotency', 'idempotency_keys', 'response_code', 'integer', 'response_code is integer');
SELECT col_type_is('idempotency', 'idempotency_keys', 'lease_token', 'uuid', 'lease_token is uuid');
SELECT col_not_null('idempotency', 'idempotency_keys', 'state', 'state is never NULL');
SELECT col_not_null('idempotency', 'idempotency_keys', 'expires_at', 'expires_at is never NULL');
SELECT has_pk('idempotency', 'idempotency_keys', 'the key table has a primary key');
SELECT col_is_pk('idempotency', 'idempotency_keys', ARRAY['key', 'scope', 'owner'],
                 'the primary key is (key, scope, owner)');

SELECT has_type('idempotency', 'claim_result', 'type claim_result exists');
SELECT is((SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = 'idempotency.claim_result'::regclass AND a.attnum = 1),
          'outcome', 'claim_result starts with outcome');

SELECT has_function('idempotency', 'claim',
    ARRAY['text', 'text', 'text', 'interval', 'interval', 'interval'], 'claim(text key, ...)');
SELECT has_function('idempotency', 'claim',
    ARRAY['uuid', 'text', 'text', 'interval', 'interval', 'interval'], 'claim(uuid key, ...)');
SELECT function_returns('idempotency', 'claim',
    ARRAY['text', 'text', 'text', 'interval', 'interval', 'interval'],
    'idempotency.claim_result', 'claim returns claim_result');
SELECT has_function('idempotency', 'complete',
    ARRAY['text', 'jsonb', 'integer', 'text', 'uuid'], 'complete(text key, ...)');
SELECT has_function('idempotency', 'complete',
    ARRAY['uuid', 'jsonb', 'integer', 'text', 'uuid'], 'complete(uuid key, ...)');
SELECT has_function('idempotency', 'release',
    ARRAY['text', 'text', 'uuid'], 'release(text key, ...)');
SELECT has_function('idempotency', 'release',
    ARRAY['uuid', 'text', 'uuid'], 'release(uuid key, ...)');
SELECT function_returns('idempotency', 'release', ARRAY['text', 'text', 'uuid'],
    'void', 'release returns void');
SELECT has_function('idempotency', 'checkpoint',
    ARRAY['text', 'text', 'text', 'uuid', 'interval'], 'checkpoint(text key, ...)');
SELECT has_function('idempotency', 'checkpoint',
    ARRAY['uuid', 'text', 'text', 'uuid', 'interval'], 'checkpoint(uuid key, ...)');
SELECT has_function('idempotency', 'lookup', ARRAY['text', 'text'], 'lookup(text key, scope)');
SELECT has_function('idempotency', 'lookup', ARRAY['uuid', 'text'], 'lookup(uuid key, scope)');

-- the batch calls for message consumers (1.1): text[] keys only
SELECT has_function('idempotency', 'claim_batch',
    ARRAY['text[]', 'text', 'text[]', 'interval', 'interval'], 'claim_batch(text[] keys, ...)');
SELECT function_returns('idempotency', 'claim_batch',
    ARRAY['text[]', 'text', 'text[]', 'interval', 'interval'],
    'setof record', 'claim_batch returns a set of rows');
SELECT has_function('idempotency', 'complete_batch',
    ARRAY['text[]', 'jsonb[]', 'integer[]', 'text'], 'complete_batch(text[] keys, jsonb[] responses, ...)');
SELECT has_function('idempotency', 'complete_batch',
    ARRAY['jsonb', 'integer', 'text'], 'complete_batch(jsonb responses, ...)');
SELECT has_function('idempotency', 'release_batch',
    ARRAY['text[]', 'text'], 'release_batch(text[] keys, scope)');

-- the functions live in the extension, not merely in its schema
SELECT is((SELECT count(*)::int FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
            WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
              AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'idempotency')
              AND p.proname IN ('claim', 'complete', 'release', 'checkpoint', 'lookup')),
          10, 'the ten API functions belong to the extension');

-- the extension is not relocatable and lives in its own schema
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'idempotency'),
          false, 'the extension is not relocatable');
SELECT is((SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'idempotency'),
          'idempotency', 'the extension lives in schema idempotency');

-- a uuid key is stored in its canonical text form
SELECT is((SELECT key FROM idempotency.claim('6F9619FF-8B86-D011-B42D-00C04FC964FF'::uuid)),
          '6f9619ff-8b86-d011-b42d-00c04fc964ff', 'a uuid key is stored as canonical text');

SELECT * FROM finish();
ROLLBACK;
