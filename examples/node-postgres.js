// The single-transaction pattern with node-postgres (the "pg" package).
//
// One request = one transaction: claim the key, do the business write, store
// the response with complete(), COMMIT.  A retried request replays the stored
// response instead of writing again.
//
//   npm install pg
//   PGHOST=/var/run/postgresql PGDATABASE=mydb node examples/node-postgres.js
//
// The database needs CREATE EXTENSION idempotency; the demo creates its own
// table example_orders.  Connection settings come from the usual PG*
// environment variables.
//
// Retry rule: 40001 (serialization failure) and 40P01 (deadlock) roll the
// transaction back; run the whole transaction again, and the retry replays.
// IK001 means the key was used for a different request: answer 422.
//
// PgBouncer in transaction pooling mode works: the extension keeps no session
// state, and node-postgres uses unnamed statements unless a query is given a
// name.

'use strict';

const crypto = require('crypto');
const { Pool } = require('pg');

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

// Hex SHA-256 of the request: the same key with another request is IK001.
function fingerprint(method, path, body) {
  return crypto.createHash('sha256').update(`${method} ${path}\n`).update(body).digest('hex');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Handles POST /orders; resolves to { status, body }.
async function createOrder(pool, idempotencyKey, tenant, rawBody) {
  const fp = fingerprint('POST', '/orders', rawBody);
  const order = JSON.parse(rawBody);
  const client = await pool.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query('BEGIN');
        const claim = await client.query(
          `SELECT outcome, response, response_code
             FROM idempotency.claim($1, scope => $2, fingerprint => $3)`,
          [idempotencyKey, tenant, fp]);
        const { outcome, response, response_code } = claim.rows[0];
        if (outcome === 'completed') {
          await client.query('COMMIT');
          return { status: response_code, body: response };   // replay
        }
        if (outcome === 'in_progress') {
          // only when a lease claim elsewhere holds the key
          await client.query('ROLLBACK');
          return { status: 409, body: { error: 'a request with this key is in progress' } };
        }

        // claimed: this transaction owns the key; do the work here
        const ins = await client.query(
          `INSERT INTO example_orders (customer_id, amount_cents)
           VALUES ($1, $2) RETURNING id, created_at`,
          [order.customer_id, order.amount_cents]);
        const result = { id: Number(ins.rows[0].id), created_at: ins.rows[0].created_at.toISOString() };
        await client.query(
          'SELECT FROM idempotency.complete($1, $2, 201, scope => $3)',
          [idempotencyKey, JSON.stringify(result), tenant]);
        await client.query('COMMIT');
        return { status: 201, body: result };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        if (RETRYABLE.has(err.code) && attempt + 1 < MAX_ATTEMPTS) {
          await sleep(Math.random() * 20 * 2 ** attempt);
          continue;
        }
        if (err.code === 'IK001') {
          return { status: 422, body: { error: 'Idempotency-Key was used for a different request' } };
        }
        if (RETRYABLE.has(err.code) || err.code === '55P03') {
          return { status: 409, body: { error: 'conflict, retry the request' } };
        }
        throw err;
      }
    }
  } finally {
    client.release();
  }
}

async function main() {
  const pool = new Pool({ max: 4 });
  await pool.query(`CREATE TABLE IF NOT EXISTS example_orders (
      id bigserial PRIMARY KEY, customer_id bigint NOT NULL,
      amount_cents integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  const before = Number((await pool.query('SELECT count(*) FROM example_orders')).rows[0].count);

  const key = crypto.randomUUID();
  const body = '{"customer_id": 7, "amount_cents": 1250}';

  // the same request sent by four clients at once, then once more
  const results = await Promise.all([1, 2, 3, 4].map(() => createOrder(pool, key, 'tenant-7', body)));
  for (const r of results) console.log('concurrent:', r.status, JSON.stringify(r.body));
  const retry = await createOrder(pool, key, 'tenant-7', body);
  console.log('retry:     ', retry.status, JSON.stringify(retry.body));
  const other = await createOrder(pool, key, 'tenant-7', '{"customer_id": 7, "amount_cents": 9999}');
  console.log('other body:', other.status, JSON.stringify(other.body));

  const after = Number((await pool.query('SELECT count(*) FROM example_orders')).rows[0].count);
  console.log('orders written:', after - before);
  await pool.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
