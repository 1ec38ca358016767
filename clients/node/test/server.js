// The application the tests drive over HTTP: routes that insert a row in
// the request's transaction, with switches (request headers, which are not
// part of the fingerprint) for delays, failures, transient errors and
// sessions that end mid-handler.
//   PORT (0: any), IDEM_WAIT_MS, POOL_MAX (60), CRASH_AFTER_CHECKPOINT=1, PG* variables
// Prints "listening PORT" once it accepts requests.  The pool has no
// 'error' listener of its own: the middleware's keeps the process alive.

'use strict';

const express = require('express');
const { Pool } = require('pg');
const { idempotency } = require('..');

const pool = new Pool({ max: Number(process.env.POOL_MAX || 60) });
const wait = Number(process.env.IDEM_WAIT_MS || 5000);
const scope = (req) => req.get('x-account') || '';
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// clients checked out with an 'error' listener other than the pool's own:
// a listener left over from an earlier checkout (GET /debug/listeners)
let leftOver = 0;
pool.on('acquire', (client) => { if (client.listenerCount('error') !== 1) leftOver += 1; });

const idem = idempotency({ pool, wait, scope });
const short = idempotency({ pool, wait: 200, scope, retryAfter: 2 });
const no4xx = idempotency({ pool, wait, scope, storeClientErrors: false });
const byAmount = idempotency({
  pool, wait, scope, fingerprint: (req) => JSON.stringify({ amount: req.body.amount }),
});
const leased = idempotency({ pool, wait, scope, lease: 5000 });
const mw = idempotency({ pool, wait, scope, routes: ['/items'] });
const forgetful = idempotency({ pool, wait, scope, rememberCompleted: 0 });

async function orderHandler(req, res) {
  const { key, attempt } = req.idempotency;
  // counted outside the transaction: every run of the handler, even rolled back
  await pool.query('INSERT INTO handler_runs (idem_key) VALUES ($1)', [key]);
  if (attempt < Number(req.get('x-transient') || 0)) {
    await req.db.query("DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '40001'; END $$");
  }
  const r = await req.db.query('INSERT INTO orders (label) VALUES ($1) RETURNING id', [req.body.label]);
  const id = Number(r.rows[0].id);
  if (req.get('x-idle-timeout')) {	// the session ends if the handler idles longer in its transaction
    await req.db.query("SELECT set_config('idle_in_transaction_session_timeout', $1, true)",
      [`${req.get('x-idle-timeout')}ms`]);
  }
  if (req.get('x-db-sleep')) await req.db.query('SELECT pg_sleep($1)', [Number(req.get('x-db-sleep')) / 1000]);
  await sleep(Number(req.get('x-delay') || 0));
  switch (req.get('x-fail')) {
    case 'throw':
      throw new Error('handler failed');
    case 'sql':	// the handler's statement fails (22012)
      await req.db.query('SELECT 1 / 0');
      return;
    case 'complete':	// complete() fails: the response exceeds max_response_size (54000)
      await req.db.query("SELECT set_config('idempotency.max_response_size', '1024', true)");
      res.status(201).json({ id, pad: 'x'.repeat(2000) });
      return;
    case '500':
      res.status(500).json({ error: 'boom' });
      return;
    case '404':
      res.status(404).json({ error: 'no such thing', id });
      return;
    case 'commit':	// the COMMIT after complete() fails: a deferred unique violation (23505)
      await req.db.query('INSERT INTO deferred_unique (id) VALUES (1), (1)');
      // falls through: a 201, stored by complete() before the COMMIT fails
    default:
      res.status(201).location(`/orders/${id}`).set('X-Not-Stored', 'yes')
        .json({ id, label: req.body.label, amount: req.body.amount });
  }
}

// the guide's payment flow: a "provider" call outside any transaction,
// its result recorded with a checkpoint, the order written with complete()
async function payHandler(req, res) {
  const { key, recoveryPoint } = req.idempotency;
  let charge;
  if (recoveryPoint === null) {
    const call = await pool.query('INSERT INTO provider_calls (idem_key) VALUES ($1) RETURNING id', [key]);
    charge = `ch_${call.rows[0].id}`;
    await req.db.query('INSERT INTO payments (idem_key, charge) VALUES ($1, $2)', [key, charge]);
    await req.idempotency.checkpoint('charge_created');
    if (process.env.CRASH_AFTER_CHECKPOINT) await new Promise(() => {});	// killed here
  } else {
    const p = await req.db.query('SELECT charge FROM payments WHERE idem_key = $1', [key]);
    charge = p.rows[0].charge;
  }
  if (req.get('x-fail') === 'throw') throw new Error('handler failed after the charge');
  const o = await req.db.query('INSERT INTO orders (label) VALUES ($1) RETURNING id', [req.body.label]);
  res.status(201).json({ order: Number(o.rows[0].id), charge, resumedFrom: recoveryPoint });
}

async function main() {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, label text);
    CREATE TABLE IF NOT EXISTS handler_runs (idem_key text);
    CREATE TABLE IF NOT EXISTS provider_calls (id bigserial PRIMARY KEY, idem_key text);
    CREATE TABLE IF NOT EXISTS payments (idem_key text PRIMARY KEY, charge text);
    CREATE TABLE IF NOT EXISTS deferred_unique (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
  const app = express();
  app.use(express.json());
  app.post('/orders', idem(orderHandler));
  app.put('/orders', orderHandlerWithoutKey);
  app.post('/short', short(orderHandler));
  app.post('/no4xx', no4xx(orderHandler));
  app.post('/fp', byAmount(orderHandler));
  app.post('/pay', leased(payHandler));
  app.post('/forgetful', forgetful(orderHandler));
  // a handler that needs no connection besides the request's (POOL_MAX=1)
  app.post('/lean', idem(async (req, res) => {
    const r = await req.db.query('INSERT INTO orders (label) VALUES ($1) RETURNING id', [req.body.label]);
    res.status(201).json({ id: Number(r.rows[0].id) });
  }));
  // one-statement routes (idem.once): the statement sleeps x-db-sleep ms
  app.post('/once', idem.once({
    text: 'WITH d AS (SELECT pg_catalog.pg_sleep($2::float8 / 1000)) ' +
      'INSERT INTO orders (label) SELECT $1 FROM d RETURNING id, label',
    values: (req) => [req.body.label, Number(req.get('x-db-sleep') || 0)],
    render: (rows, req, res) => {
      res.status(201).location(`/orders/${rows[0].id}`).json({ id: rows[0].id, label: rows[0].label });
    },
  }));
  app.post('/once-wide', idem.once({	// the most parameters once_with() takes: 100
    text: "SELECT $1::int + $100::int AS sum, $2 AS text, $3 AS missing, $4::jsonb AS doc, $5::bytea AS raw",
    values: (req) => [1, 'a\'b"c\\{d}', null, { k: [1, 'x'] }, Buffer.from('hi'),
      ...Array.from({ length: 95 }, (_, i) => i + 6)],
    render: (rows, req, res) => { res.status(201).json(rows[0]); },
  }));
  app.post('/once-fail', idem.once({	// the statement fails (22012)
    text: 'INSERT INTO orders (label) VALUES ($1) RETURNING id / 0 AS id',
    values: (req) => [req.body.label],
    render: (rows, req, res) => { res.status(201).json(rows[0]); },
  }));
  app.use('/mw', mw);
  app.post('/mw/items', (req, res, next) => orderHandler(req, res).catch(next));
  app.post('/mw/other', orderHandlerWithoutKey);
  app.get('/debug/listeners', (req, res) => { res.json({ leftOver }); });
  // on every connection of the pool (POOL_MAX of them, checked out
  // together): what a pooler's reset does, or statements of the
  // middleware's names prepared before it prepares them
  const everyConnection = async (sql) => {
    const clients = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
    try {
      for (const c of clients) await c.query(sql);
    } finally {
      for (const c of clients) c.release();
    }
  };
  app.post('/debug/deallocate', (req, res, next) => everyConnection('DEALLOCATE ALL').then(() => res.json({})).catch(next));
  app.post('/debug/prepare', (req, res, next) => everyConnection(`
    PREPARE idempotency_claim_v1(text, text, text, float8, float8, float8) AS
      SELECT outcome, response, response_code, recovery_point, lease_token
        FROM idempotency.claim($1, $2, $3, make_interval(secs => $4), make_interval(secs => $5),
                               make_interval(secs => $6));
    PREPARE idempotency_complete_v1(text, jsonb, int4, text) AS
      SELECT FROM idempotency.complete($1, $2, $3, $4)`).then(() => res.json({})).catch(next));
  const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
}

async function orderHandlerWithoutKey(req, res) {
  const r = await pool.query('INSERT INTO orders (label) VALUES ($1) RETURNING id', [req.body.label]);
  res.status(201).json({ id: Number(r.rows[0].id), idempotency: req.idempotency === undefined ? null : 'set' });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
