// bench/http's server: one handler that inserts a row, mounted twice on one
// Express app, without the middleware (POST /plain, an autocommit INSERT on
// the pool) and through it (POST /idem, the INSERT on req.db, in the key's
// transaction).  Each row carries the request's Idempotency-Key (NULL on
// /plain), so that the runner can count a round's rows and keys exactly.
// GET /bench-stats answers, per route, the requests begun and answered, and
// the answers that were 2xx, not 2xx, and replays (2xx with
// Idempotent-Replayed), counted when the answer is sent, whether or not the
// client is still there: the runner's check compares them with the rows and
// keys of a round.  PG* variables; prints "listening PORT".
'use strict';

const path = require('node:path');
const modules = path.join(__dirname, '../../clients/node/node_modules');
const express = require(path.join(modules, 'express'));
const { Pool } = require(path.join(modules, 'pg'));
const { idempotency } = require('../../clients/node');
const { answerCounter } = require('./answers');

const pool = new Pool({ max: Number(process.env.BENCH_POOL || 16) });
const INSERT = 'INSERT INTO bench_rows (key, payload) VALUES ($1, $2) RETURNING id';
const insert = (db) => async (req, res) => {
  const r = await db(req).query(INSERT, [req.get('idempotency-key') ?? null, req.body.payload]);
  res.status(201).json({ id: Number(r.rows[0].id) });
};
const idem = idempotency({ pool });

// counts each answer when res.end sends it (the middleware holds back and
// replaces res.end while the handler runs, and puts this one back); a
// replay is a 2xx answer with Idempotent-Replayed
const answers = answerCounter(['/plain', '/idem', '/once', '/bare'],
  (req, res) => res.getHeader('idempotent-replayed') !== undefined);

async function bare(req, res) {
  const client = await pool.connect();
  let broken;
  try {
    await client.query('BEGIN');
    const r = await client.query(INSERT, [null, req.body.payload]);
    await client.query('COMMIT');
    res.status(201).json({ id: Number(r.rows[0].id) });
  } catch (err) {
    await client.query('ROLLBACK').catch((e) => { broken = e; });
    throw err;
  } finally {
    client.release(broken);
  }
}

async function main() {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, key text, payload text)');
  const app = express();
  app.get('/bench-stats', answers.serve);
  app.use(answers.count);
  app.use(express.json());
  app.post('/plain', (req, res, next) => insert(() => pool)(req, res).catch(next));
  app.post('/idem', idem(insert((req) => req.db)));
  // the floor of a flow that keeps the key in the handler's transaction:
  // the INSERT between BEGIN and COMMIT, three round trips, no key
  app.post('/bare', (req, res, next) => bare(req, res).catch(next));
  // the same INSERT as a one-statement route: once_with() in one round trip
  app.post('/once', idem.once({
    text: INSERT,
    values: (req) => [req.get('idempotency-key') ?? null, req.body.payload],
    render: (rows, req, res) => { res.status(201).json({ id: Number(rows[0].id) }); },
  }));
  const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
}
main().catch((err) => { console.error(err); process.exit(1); });
