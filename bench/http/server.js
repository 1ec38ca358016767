// bench/http's server: one handler that inserts a row, mounted twice on one
// Express app, without the middleware (POST /plain, an autocommit INSERT on
// the pool) and through it (POST /idem, the INSERT on req.db, in the key's
// transaction).  PG* variables; prints "listening PORT".
'use strict';

const path = require('node:path');
const modules = path.join(__dirname, '../../clients/node/node_modules');
const express = require(path.join(modules, 'express'));
const { Pool } = require(path.join(modules, 'pg'));
const { idempotency } = require('../../clients/node');

const pool = new Pool({ max: Number(process.env.BENCH_POOL || 16) });
const insert = (db) => async (req, res) => {
  const r = await db(req).query('INSERT INTO bench_rows (payload) VALUES ($1) RETURNING id', [req.body.payload]);
  res.status(201).json({ id: Number(r.rows[0].id) });
};
const idem = idempotency({ pool });

async function main() {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, payload text)');
  const app = express();
  app.use(express.json());
  app.post('/plain', (req, res, next) => insert(() => pool)(req, res).catch(next));
  app.post('/idem', idem(insert((req) => req.db)));
  const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
}
main().catch((err) => { console.error(err); process.exit(1); });
