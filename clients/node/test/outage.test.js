// Database outages (docs/http.md, "When the database goes away"): sessions
// that end while a request holds them or while they sit idle in the pool,
// and a server restarted under load.  A cluster and a server of their own,
// since they kill sessions and restart the server.  The Python package's
// tests/test_outage.py runs the same cases.

'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFile, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { Pool } = require('pg');

const clusterScript = path.resolve(__dirname, '../../../test/cluster.sh');
const APP = 'idem-outage-server';	// application_name of the server's sessions
let dir;
let env;
let db;
let server;
let base;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-node-outage-'));
  const out = execFileSync('bash', [clusterScript, 'start', path.join(dir, 'pg')], { encoding: 'utf8' });
  env = { ...process.env };
  for (const line of out.trim().split('\n')) {
    const [k, v] = line.split('=');
    env[k] = v;
  }
  db = new Pool({ host: env.PGHOST, port: env.PGPORT, database: env.PGDATABASE, user: env.PGUSER, max: 2 });
  db.on('error', () => {});	// the restart ends this pool's idle sessions too
  server = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'server.js')],
      { env: { ...env, NODE_ENV: 'test', PGAPPNAME: APP }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out2 = '';
    child.stdout.on('data', (d) => {
      out2 += d;
      const m = /listening (\d+)/.exec(out2);
      if (m && !base) {
        base = `http://127.0.0.1:${m[1]}`;
        resolve(child);
      }
    });
    child.on('exit', (code, signal) => {
      child.exited = { code, signal };
      reject(new Error(`server exited with ${code}`));
    });
  });
});

after(async () => {
  if (server) server.kill('SIGKILL');
  if (db) await db.end();
  if (dir) execFileSync('bash', [clusterScript, 'stop', path.join(dir, 'pg')]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const newKey = () => crypto.randomUUID();
const label = () => `l-${crypto.randomUUID()}`;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function post(route, { key, body = { label: 'a' }, headers = {} } = {}) {
  const h = { 'content-type': 'application/json', 'idempotency-key': key, ...headers };
  let res;
  try {
    res = await fetch(base + route, { method: 'POST', headers: h, body: JSON.stringify(body) });
  } catch (err) {
    await sleep(100);
    assertAlive();	// the usual reason
    throw err;
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function count(sql, ...params) {
  return Number((await db.query(sql, params)).rows[0].count);
}
const orders = (l) => count('SELECT count(*) FROM orders WHERE label = $1', l);
const runs = (key) => count('SELECT count(*) FROM handler_runs WHERE idem_key = $1', key);

async function until(what, pred) {
  for (let i = 0; i < 300; i++) {
    if (await pred()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The server process is alive; a server that died fails the test here. */
function assertAlive() {
  assert.equal(server.exited, undefined, `the server process exited: ${JSON.stringify(server.exited)}`);
}

function assertUnavailable(r) {
  assert.equal(r.status, 503, r.text);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  assert.equal(JSON.parse(r.text).code, 'database_unavailable');
  assert.equal(r.headers.get('retry-after'), '1');
}

// a client that retries after 503 (sooner than Retry-After, to keep the
// test short): the answer that is not 503
async function retried(key, l) {
  for (let i = 0; ; i++) {
    const r = await post('/orders', { key, body: { label: l } });
    if (r.status !== 503 || i === 50) return r;
    assertUnavailable(r);
    await sleep(100);
  }
}

// pid of the server's session in the state given, running or last run the
// statement that starts with the text given
async function sessionOf(state, query) {
  const r = await db.query(`SELECT pid FROM pg_stat_activity
    WHERE application_name = $1 AND state = $2 AND query LIKE $3`, [APP, state, `${query}%`]);
  return r.rows.length === 1 ? r.rows[0].pid : null;
}

test('a session terminated mid-handler: 503 with Retry-After, the server keeps serving, the retry runs afresh',
  async () => {
    // the handler idles in its transaction, then in a statement
    for (const [headers, state, query] of [
      [{ 'x-delay': '1000' }, 'idle in transaction', 'INSERT INTO orders'],
      [{ 'x-db-sleep': '5000' }, 'active', 'SELECT pg_sleep']]) {
      const key = newKey();
      const l = label();
      const pending = post('/orders', { key, body: { label: l }, headers });
      let pid = null;
      await until('the handler', async () => { pid = await sessionOf(state, query); return pid !== null; });
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      assertUnavailable(await pending);
      assertAlive();
      assert.equal(await orders(l), 0);
      assert.equal((await db.query('SELECT key FROM idempotency.lookup($1)', [key])).rows[0].key, null);
      const retry = await post('/orders', { key, body: { label: l } });
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), null);
      assert.equal(await runs(key), 2);
      assert.equal(await orders(l), 1);
    }
  });

test('an idle-in-transaction timeout mid-handler: 503 with Retry-After, the retry runs afresh', async () => {
  const key = newKey();
  const l = label();
  const r = await post('/orders', { key, body: { label: l }, headers: { 'x-idle-timeout': '100', 'x-delay': '600' } });
  assertUnavailable(r);
  assertAlive();
  assert.equal(await orders(l), 0);
  const retry = await post('/orders', { key, body: { label: l } });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), null);
  assert.equal(await runs(key), 2);
  assert.equal(await orders(l), 1);
});

test('sessions that end while idle in the pool do not stop the server', async () => {
  const warm = await Promise.all(Array.from({ length: 5 }, () => post('/orders', { key: newKey() })));
  for (const r of warm) assert.equal(r.status, 201);
  await until('idle sessions', async () => (await count(`SELECT count(*) FROM pg_stat_activity
    WHERE application_name = $1 AND state = 'idle'`, APP)) > 0);
  await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = $1 AND state = 'idle'`, [APP]);
  await sleep(200);
  assertAlive();
  for (let i = 0; i < 5; i++) {
    const key = newKey();
    const l = label();
    const r = await retried(key, l);
    assert.equal(r.status, 201);
    assert.equal(await orders(l), 1);
  }
  assertAlive();
});

test('the server restarted under load: 201 or 503 with Retry-After, and every key takes effect once', async () => {
  const cases = (n) => Array.from({ length: n }, () => ({ key: newKey(), l: label() }));
  const done = cases(5);	// completed before the restart: their retries replay
  const running = cases(15);	// in their handlers when it comes
  const arriving = cases(5);	// arrive while it goes on
  for (const c of done) assert.equal((await post('/orders', { key: c.key, body: { label: c.l } })).status, 201);
  const slow = running.map((c) => post('/orders',
    { key: c.key, body: { label: c.l }, headers: { 'x-delay': '1500' } }));
  await until('the handlers', async () => (await count('SELECT count(*) FROM handler_runs WHERE idem_key = ANY($1)',
    running.map((c) => c.key))) === running.length);
  const restart = promisify(execFile)('bash', [clusterScript, 'restart', path.join(dir, 'pg')]);
  await sleep(50);
  const late = arriving.map((c) => post('/orders', { key: c.key, body: { label: c.l } }));
  await restart;
  const answers = await Promise.all([...slow, ...late]);
  for (const r of answers) {
    if (r.status !== 201) assertUnavailable(r);
  }
  assert.ok(answers.slice(0, running.length).every((r) => r.status === 503));
  assertAlive();
  for (const c of [...done, ...running, ...arriving]) {
    const r = await retried(c.key, c.l);
    assert.equal(r.status, 201);
    assert.equal(await orders(c.l), 1);
  }
  for (const c of done) {
    assert.equal((await post('/orders', { key: c.key, body: { label: c.l } })).headers.get('idempotent-replayed'),
      'true');
  }
  assertAlive();
  // no 'error' listener of the middleware's outlives its checkout
  assert.deepEqual(await (await fetch(`${base}/debug/listeners`)).json(), { leftOver: 0 });
});
