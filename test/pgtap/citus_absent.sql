-- Citus support on plain PostgreSQL (docs/citus.md): distribute() refuses
-- with 55000 and changes nothing, a routed entry point made by hand fails
-- with 55000 instead of touching any table, and the plain functions keep
-- their direct path.
BEGIN;
CREATE EXTENSION idempotency;
CREATE TABLE payments (account_id bigint, request_key text, PRIMARY KEY (account_id, request_key));

SELECT plan(18);

SELECT has_function('idempotency', 'distribute', ARRAY['regclass', 'name', 'name'],
    'distribute(business_table, routing_column, api_schema) exists');
SELECT function_returns('idempotency', 'distribute', ARRAY['regclass', 'name', 'name'],
    'regclass', 'distribute() returns the key table');
SELECT ok(NOT has_function_privilege('public',
          'idempotency.distribute(regclass, name, name)', 'EXECUTE'),
    'PUBLIC may not run distribute()');

SELECT throws_ok($$SELECT idempotency.distribute('payments', 'account_id', 'payments_keys')$$,
    '55000', 'idempotency.distribute() needs Citus',
    'distribute() without Citus fails with 55000');
SELECT throws_ok($$SELECT idempotency.distribute(NULL, 'account_id', 'payments_keys')$$,
    '22004', 'distribute() arguments must not be null',
    'distribute() with a NULL argument fails with 22004');
SELECT hasnt_schema('payments_keys', 'the refused distribute() created no schema');
SELECT is((SELECT count(*)::int FROM pg_catalog.pg_class
            WHERE relnamespace = 'idempotency'::regnamespace AND relname LIKE 'keys\_%'),
    0, 'the refused distribute() created no key table');

-- a routed entry point created by hand, as distribute() would
CREATE SCHEMA hand;
CREATE FUNCTION hand.claim(routing bigint, key text, scope text DEFAULT '',
    fingerprint text DEFAULT NULL, wait interval DEFAULT NULL,
    lease interval DEFAULT NULL, ttl interval DEFAULT NULL)
RETURNS idempotency.claim_result LANGUAGE c
AS '$libdir/idempotency', 'idempotency_routed_claim';
CREATE FUNCTION hand.once(routing bigint, key text, statement text)
RETURNS jsonb LANGUAGE c
AS '$libdir/idempotency', 'idempotency_routed_once';

SELECT throws_ok($$SELECT * FROM hand.claim(1, 'k')$$,
    '55000', 'routed idempotency functions need Citus',
    'a routed claim() without Citus fails with 55000');
SELECT throws_ok($$SELECT hand.once(1, 'k', 'SELECT 1')$$,
    '55000', 'routed idempotency functions need Citus',
    'a routed once() without Citus fails with 55000');
SELECT throws_ok($$SELECT * FROM hand.claim(NULL, NULL)$$,
    '55000', 'routed idempotency functions need Citus',
    'without Citus, even NULL arguments get the same clear error');

CREATE FUNCTION hand.complete(routing bigint)
RETURNS idempotency.idempotency_keys LANGUAGE c
AS '$libdir/idempotency', 'idempotency_routed_complete';
SELECT throws_ok($$SELECT * FROM hand.complete(1)$$,
    '42P13', 'function hand.complete(bigint) does not have the arguments of a routed idempotency function',
    'a routed symbol behind other arguments fails with 42P13, without reading them');

-- the plain functions still use the key table directly
SELECT is((SELECT outcome FROM idempotency.claim('plain-1')), 'claimed',
    'the plain claim() works where Citus is absent');
SELECT is((SELECT state FROM idempotency.complete('plain-1', '{}')), 'completed',
    'and the plain complete() too');

-- expiry of routed keys needs Citus too; its argument checks come first
SELECT ok(NOT has_function_privilege('public',
          'idempotency.purge_routed(integer)', 'EXECUTE'),
    'PUBLIC may not run purge_routed()');
SELECT throws_ok($$SELECT idempotency.purge_routed()$$,
    '55000', 'idempotency.purge_routed() needs Citus',
    'purge_routed() without Citus fails with 55000');
SELECT throws_ok($$SELECT idempotency.purge_routed(NULL)$$,
    '22004', 'batch size must not be null',
    'purge_routed(NULL) fails with 22004');
SELECT throws_ok($$SELECT idempotency.purge_routed(0)$$,
    '22023', 'invalid batch size 0',
    'purge_routed(0) fails with 22023');
SET LOCAL transaction_read_only = on;  -- the last test: reads only from here
SELECT throws_ok($$SELECT idempotency.purge_routed()$$,
    '25006', 'cannot execute purge_routed() in a read-only transaction',
    'purge_routed() in a read-only transaction fails with 25006');

SELECT * FROM finish();
ROLLBACK;
