// bench/http's peers server: the handler of ../server.js (the same table,
// INSERT and 201 answer) behind the two npm idempotency middlewares in use
// today, each keeping its keys in Redis:
//
//   POST /plain    the handler alone (an autocommit INSERT on the pool)
//   POST /peer-a   express-idempotency, with a Redis data adapter (below)
//   POST /peer-b   @node-idempotency/core with its Redis storage adapter
//
// GET /bench-stats answers as ../server.js's does (per route: begun,
// answered, 2xx, not 2xx, replays), a replay being an answer the
// middleware took from Redis instead of running the handler.  Redis keys:
// "peer-a:KEY" and "peer-b:POST:/peer-b:KEY", so that the runner can count a
// run's keys by its prefix.  PG* variables, REDIS_SOCKET (a unix socket),
// BENCH_POOL; prints "listening PORT".
'use strict';

const express = require('express');
const { Pool } = require('pg');
const { createClient } = require('redis');
const { idempotency: expressIdempotency, getSharedIdempotencyService } = require('express-idempotency');
const { Idempotency, IdempotencyError, IdempotencyErrorCodes } = require('@node-idempotency/core');
const { RedisStorageAdapter } = require('@node-idempotency/storage-adapter-redis');
const { answerCounter } = require('../answers');

const pool = new Pool({ max: Number(process.env.BENCH_POOL || 16) });
const redisSocket = { socket: { path: process.env.REDIS_SOCKET } };
const INSERT = 'INSERT INTO bench_rows (key, payload) VALUES ($1, $2) RETURNING id';
async function insert(req, res) {
  const r = await pool.query(INSERT, [req.get('idempotency-key') ?? null, req.body.payload]);
  res.status(201).json({ id: Number(r.rows[0].id) });
}

// express-idempotency 1.0.6 ships an in-memory store only ("not recommended
// for production") and names a Mongo adapter; its README tells users to
// implement IIdempotencyDataAdapter for any other store.  This is that
// interface on Redis: the resource as JSON under "peer-a:KEY", created with
// SET NX (a second create of a key throws, as the package's in-memory
// adapter does), kept 24 hours like @node-idempotency's default.
const DAY = 24 * 60 * 60;
class RedisDataAdapter {
  constructor(client) { this.client = client; }
  async findByIdempotencyKey(key) {
    const v = await this.client.get(`peer-a:${key}`);
    return v === null ? null : JSON.parse(v);
  }
  async create(resource) {
    const ok = await this.client.set(`peer-a:${resource.idempotencyKey}`, JSON.stringify(resource), { NX: true, EX: DAY });
    if (ok === null) throw new Error('Duplicate');
  }
  async update(resource) {
    await this.client.set(`peer-a:${resource.idempotencyKey}`, JSON.stringify(resource), { EX: DAY });
  }
  async delete(key) { await this.client.del(`peer-a:${key}`); }
}

// @node-idempotency's Express package is not on the npm registry this
// benchmark installs from, so this is the flow its core's README gives:
// onRequest() before the handler (a stored response is sent back as is),
// onResponse() with the handler's answer.  The answer is stored before it is
// sent, so that every answer a client saw can be replayed.
function nodeIdempotency(core) {
  const params = (req) => ({ method: req.method, headers: req.headers, body: req.body, path: req.path });
  return async (req, res, next) => {
    let stored;
    try {
      stored = await core.onRequest(params(req));
    } catch (err) {
      if (!(err instanceof IdempotencyError)) throw err;
      const status = err.code === IdempotencyErrorCodes.REQUEST_IN_PROGRESS ? 409
        : err.code === IdempotencyErrorCodes.IDEMPOTENCY_FINGERPRINT_MISSMATCH ? 422 : 400;
      res.status(status).json({ error: err.message });
      return;
    }
    if (stored) {
      res.locals.replayed = true;
      res.status(stored.additional.status).json(stored.body);
      return;
    }
    const json = res.json.bind(res);
    res.json = (body) => {
      core.onResponse(params(req), { body, additional: { status: res.statusCode } })
        .then(() => json(body), next);
      return res;
    };
    next();
  };
}

// counts each answer as ../server.js does; a replay is an answer the
// middleware took from Redis: express-idempotency marks the request it
// answers from its store (isHit, set before it sends), nodeIdempotency()
// sets res.locals.replayed
const answers = answerCounter(['/plain', '/peer-a', '/peer-b'],
  (req, res) => Boolean(res.locals.replayed
    || (req.path === '/peer-a' && getSharedIdempotencyService().isHit(req))));

async function main() {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, key text, payload text)');
  const redis = createClient(redisSocket);
  redis.on('error', (err) => console.error('redis', err));
  await redis.connect();
  const peerA = expressIdempotency({ dataAdapter: new RedisDataAdapter(redis) });
  const storage = new RedisStorageAdapter(redisSocket);
  await storage.connect();
  const peerB = nodeIdempotency(new Idempotency(storage, { cacheKeyPrefix: 'peer-b' }));

  const app = express();
  app.get('/bench-stats', answers.serve);
  app.use(answers.count);
  app.use(express.json());
  app.post('/plain', insert);
  // express-idempotency answers a known key and still calls next(): the
  // handler must return on isHit(req), as its README shows
  app.post('/peer-a', peerA, (req, res) => {
    if (getSharedIdempotencyService().isHit(req)) return undefined;
    return insert(req, res);
  });
  app.post('/peer-b', peerB, insert);
  const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
}
main().catch((err) => { console.error(err); process.exit(1); });
