// The cases of docs/http.md, over real HTTP against test/server.js and a
// throwaway cluster started with the repository's test/cluster.sh.  The
// Python package's tests/test_http.py runs the same cases.

'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Pool } = require('pg');

const clusterScript = path.resolve(__dirname, '../../../test/cluster.sh');
let dir;
let env;
let db;
const servers = [];
let base;

function startServer(extra) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'server.js')],
      { env: { ...env, NODE_ENV: 'test', ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-node-'));
  const out = execFileSync('bash', [clusterScript, 'start', path.join(dir, 'pg')],
    { encoding: 'utf8', env: { ...process.env, TRACK_STATEMENTS: '1' } });
  env = { ...process.env };
  for (const line of out.trim().split('\n')) {
    const [k, v] = line.split('=');
    env[k] = v;
  }
  db = new Pool({ host: env.PGHOST, port: env.PGPORT, database: env.PGDATABASE, user: env.PGUSER, max: 2 });
  base = (await startServer({})).url;
});

after(async () => {
  for (const s of servers) s.kill('SIGKILL');
  if (db) await db.end();
  if (dir) execFileSync('bash', [clusterScript, 'stop', path.join(dir, 'pg')]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const newKey = () => crypto.randomUUID();
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function post(route, { key, body = { label: 'a' }, headers = {}, method = 'POST', url = base } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (key !== undefined) h['idempotency-key'] = key;
  const res = await fetch(url + route, { method, headers: h, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function count(sql, ...params) {
  return Number((await db.query(sql, params)).rows[0].count);
}
const orders = (label) => count('SELECT count(*) FROM orders WHERE label = $1', label);
const runs = (key) => count('SELECT count(*) FROM handler_runs WHERE idem_key = $1', key);
const label = () => `l-${crypto.randomUUID()}`;

function assertProblem(r, status, code) {
  assert.equal(r.status, status);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  const p = JSON.parse(r.text);
  assert.equal(p.status, status);
  assert.equal(p.code, code);
  assert.equal(typeof p.title, 'string');
}

test('first request runs the handler and answers 201', async () => {
  const key = newKey();
  const l = label();
  const r = await post('/orders', { key, body: { label: l } });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('idempotent-replayed'), null);
  assert.equal(JSON.parse(r.text).label, l);
  assert.equal(await orders(l), 1);
  const row = await db.query('SELECT state, response_code FROM idempotency.lookup($1)', [key]);
  assert.deepEqual(row.rows[0], { state: 'completed', response_code: 201 });
});

test('replay answers identical status, body and stored headers, marked as a replay', async () => {
  const key = newKey();
  const l = label();
  const first = await post('/orders', { key, body: { label: l } });
  const second = await post('/orders', { key, body: { label: l } });
  assert.equal(second.status, first.status);
  assert.equal(second.text, first.text);
  for (const h of ['content-type', 'location', 'etag', 'content-length']) {
    assert.equal(second.headers.get(h), first.headers.get(h), h);
  }
  assert.ok(first.headers.get('location').startsWith('/orders/'));
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(first.headers.get('x-not-stored'), 'yes');
  assert.equal(second.headers.get('x-not-stored'), null);
  assert.equal(await orders(l), 1);
  assert.equal(await runs(key), 1);
});

test('key as structured-field string and as bare token name the same key', async () => {
  const key = newKey();
  const l = label();
  const first = await post('/orders', { key: `"${key}"`, body: { label: l } });
  const second = await post('/orders', { key, body: { label: l } });
  assert.equal(first.status, 201);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(second.text, first.text);
  const escaped = await post('/orders', { key: '"a\\"b\\\\c"', body: { label: l } });
  assert.equal(escaped.status, 201);
  assert.equal((await db.query('SELECT count(*) FROM idempotency.lookup($1) WHERE key IS NOT NULL',
    ['a"b\\c'])).rows[0].count, '1');
  // a key with a backslash replays, also once seen completed (a literal, E'...')
  for (let i = 0; i < 2; i++) {
    const again = await post('/orders', { key: '"a\\"b\\\\c"', body: { label: l } });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  }
});

test('a key with $, quotes and placeholder-like text is stored and replayed as given', async () => {
  const key = `k$&$$$'$\`$2::text-${crypto.randomUUID()}`;
  const l = label();
  const first = await post('/orders', { key, body: { label: l } });
  assert.equal(first.status, 201);
  const row = await db.query('SELECT state FROM idempotency.lookup($1)', [key]);
  assert.deepEqual(row.rows, [{ state: 'completed' }]);
  for (let i = 0; i < 2; i++) {	// a replay in a transaction, then one of a key seen completed
    const again = await post('/orders', { key, body: { label: l } });
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  }
  assert.equal(await runs(key), 1);
  assert.equal(await orders(l), 1);
});

test('missing key: 400 problem+json', async () => {
  const l = label();
  const r = await post('/orders', { body: { label: l } });
  assertProblem(r, 400, 'key_missing');
  assert.equal(await orders(l), 0);
});

test('malformed or over-long key: 400 problem+json', async () => {
  const l = label();
  for (const bad of ['"unterminated', 'two words', '"a"b', '""', '"\\x"', 'a,b', 'x'.repeat(256),
    `"${'y'.repeat(256)}"`]) {
    assertProblem(await post('/orders', { key: bad, body: { label: l } }), 400, 'key_malformed');
  }
  assert.equal((await post('/orders', { key: 'k'.repeat(255), body: { label: l } })).status, 201);
  assert.equal(await orders(l), 1);
});

// One HTTP/1.1 exchange after another on a keep-alive connection, opened
// again after the server closes it, with the request's bytes as given (no
// client library in between): resolves to { status, headers, body }.
function rawClient(port) {
  let sock = null;
  let buf = Buffer.alloc(0);
  let closed = true;
  let wake = () => {};
  const more = () => new Promise((resolve) => { wake = resolve; });
  function open() {
    buf = Buffer.alloc(0);
    closed = false;
    const s = net.connect(port, '127.0.0.1');
    sock = s;
    // events of a connection closed earlier no longer count
    s.on('data', (d) => { if (sock === s) { buf = Buffer.concat([buf, d]); wake(); } });
    s.on('close', () => { if (sock === s) { closed = true; wake(); } });
    s.on('error', () => {});
  }
  return {
    async request(bytes) {
      if (closed) open();
      sock.write(bytes);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end >= 0) {
          const [line, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
          const headers = {};
          for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
          const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
          if (length !== null ? buf.length >= end + 4 + length : closed) {
            const stop = length !== null ? end + 4 + length : buf.length;
            const body = buf.subarray(end + 4, stop).toString();
            buf = buf.subarray(stop);
            if (headers.connection === 'close') {
              sock.destroy();
              closed = true;
            }
            return { status: Number(line.split(' ')[1]), headers, body };
          }
        }
        if (closed) return { status: 0, headers: {}, body: '' };	// closed before a whole answer
        await more();
      }
    },
    close() {
      if (sock) sock.destroy();
    },
  };
}

test('a byte outside the grammar before, inside or after a key: 400, and no key stored', async () => {
  // the grammar of docs/http.md: a token, or an sf-string of printable
  // ASCII with \" and \\ escapes, with optional SP/HTAB around it
  const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+$/;
  const sfString = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])+)"$/;
  const expected = (value) => {
    const v = value.replace(/^[ \t]+|[ \t]+$/g, '');
    if (token.test(v)) return v;
    const m = sfString.exec(v);
    return m ? m[1].replace(/\\(["\\])/g, '$1') : null;
  };
  const run = crypto.randomBytes(4).toString('hex');
  const l = label();
  const body = JSON.stringify({ label: l });
  const forms = {	// the key around the byte b, by the id of the case
    bb: (id, b) => [b, id], bi: (id, b) => [id, b, 'z'], ba: (id, b) => [id, b],
    qb: (id, b) => [b, `"${id}"`], qi: (id, b) => [`"${id}`, b, 'z"'], qa: (id, b) => [`"${id}"`, b],
  };
  const cases = [];
  for (const [form, parts] of Object.entries(forms)) {
    for (let b = 0; b < 256; b++) {
      const id = `kb${run}${form}${b.toString(16).padStart(2, '0')}`;
      const value = Buffer.concat(parts(id, String.fromCharCode(b)).map((p) => Buffer.from(p, 'latin1')));
      cases.push({ id, value, key: expected(value.toString('latin1')) });
    }
  }
  const port = Number(new URL(base).port);
  await Promise.all([0, 1, 2, 3].map(async (worker) => {	// four connections at a time
    const client = rawClient(port);
    try {
      for (const c of cases.filter((_, i) => i % 4 === worker)) {
        // the key first: a server that took a LF for a line's end would find no Host
        const r = await client.request(Buffer.concat([
          Buffer.from('POST /orders HTTP/1.1\r\nIdempotency-Key: '), c.value,
          Buffer.from(`\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${body.length}\r\n\r\n${body}`)]));
        const what = `${c.id}: ${JSON.stringify(c.value.toString('latin1'))}`;
        if (c.key !== null) {
          assert.equal(r.status, 201, what);
        } else {
          // the middleware's 400, or the server's own (NUL, CR, LF, ...)
          assert.equal(r.status, 400, what);
          if (r.headers['content-type'] === 'application/problem+json') {
            assert.equal(JSON.parse(r.body).code, 'key_malformed', what);
          }
        }
      }
    } finally {
      client.close();
    }
  }));
  const stored = new Map((await db.query(
    'SELECT key FROM idempotency.idempotency_keys WHERE strpos(key, $1) > 0', [`kb${run}`])).rows
    .map(({ key }) => [new RegExp(`kb${run}[a-z]{2}[0-9a-f]{2}`).exec(key)[0], key]));
  for (const c of cases) assert.equal(stored.get(c.id) ?? null, c.key, c.id);
  assert.equal(await orders(l), cases.filter((c) => c.key !== null).length);
});

test('methods and routes not configured pass through without a key', async () => {
  const l = label();
  const put = await post('/orders', { method: 'PUT', body: { label: l } });
  assert.equal(put.status, 201);
  const other = await post('/mw/other', { body: { label: l } });
  assert.equal(other.status, 201);
  assert.equal(JSON.parse(other.text).idempotency, null);
  assertProblem(await post('/mw/items', { body: { label: l } }), 400, 'key_missing');
  const key = newKey();
  const first = await post('/mw/items', { key, body: { label: l } });
  const second = await post('/mw/items', { key, body: { label: l } });
  assert.equal(first.status, 201);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(await orders(l), 3);
});

test('same key, different request: 422 problem+json', async () => {
  const key = newKey();
  const l = label();
  assert.equal((await post('/orders', { key, body: { label: l } })).status, 201);
  assertProblem(await post('/orders', { key, body: { label: `${l}-other` } }), 422, 'key_mismatch');
  assertProblem(await post('/short', { key, body: { label: l } }), 422, 'key_mismatch');
  assert.equal(await orders(`${l}-other`), 0);
});

test('custom fingerprint: only the chosen fields count', async () => {
  const key = newKey();
  const l = label();
  const first = await post('/fp', { key, body: { label: l, amount: 5 } });
  const same = await post('/fp', { key, body: { label: `${l}-note`, amount: 5 } });
  assert.equal(first.status, 201);
  assert.equal(same.headers.get('idempotent-replayed'), 'true');
  assert.equal(same.text, first.text);
  assertProblem(await post('/fp', { key, body: { label: l, amount: 6 } }), 422, 'key_mismatch');
  assert.equal(await orders(l), 1);
});

test('scope keeps accounts apart', async () => {
  const key = newKey();
  const l = label();
  const a = await post('/orders', { key, body: { label: l }, headers: { 'x-account': 'acct-1' } });
  const b = await post('/orders', { key, body: { label: l }, headers: { 'x-account': 'acct-2' } });
  const a2 = await post('/orders', { key, body: { label: l }, headers: { 'x-account': 'acct-1' } });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(JSON.parse(a.text).id, JSON.parse(b.text).id);
  assert.equal(a2.text, a.text);
  assert.equal(await orders(l), 2);
});

test('a duplicate waits for the first request and gets its response', async () => {
  const key = newKey();
  const l = label();
  const first = post('/orders', { key, body: { label: l }, headers: { 'x-delay': '700' } });
  await new Promise((r) => { setTimeout(r, 200); });
  const second = await post('/orders', { key, body: { label: l } });
  const f = await first;
  assert.equal(f.status, 201);
  assert.equal(second.status, 201);
  assert.equal(second.text, f.text);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(await runs(key), 1);
});

test('a duplicate answers 409 with Retry-After when the wait runs out', async () => {
  const key = newKey();
  const l = label();
  const first = post('/short', { key, body: { label: l }, headers: { 'x-delay': '1500' } });
  await new Promise((r) => { setTimeout(r, 300); });
  const second = await post('/short', { key, body: { label: l } });
  assertProblem(second, 409, 'in_progress');
  assert.equal(second.headers.get('retry-after'), '2');
  assert.equal((await first).status, 201);
  const third = await post('/short', { key, body: { label: l } });
  assert.equal(third.headers.get('idempotent-replayed'), 'true');
  assert.equal(await orders(l), 1);
});

test('handler error rolls back; the retry runs again', async () => {
  const key = newKey();
  const l = label();
  const failed = await post('/orders', { key, body: { label: l }, headers: { 'x-fail': 'throw' } });
  assert.equal(failed.status, 500);
  assert.equal(await orders(l), 0);
  assert.equal((await db.query('SELECT key FROM idempotency.lookup($1)', [key])).rows[0].key, null);
  const retry = await post('/orders', { key, body: { label: l } });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), null);
  assert.equal(await orders(l), 1);
  assert.equal(await runs(key), 2);
});

test('a 5xx answer is sent but not stored; the retry runs again', async () => {
  const key = newKey();
  const l = label();
  const failed = await post('/orders', { key, body: { label: l }, headers: { 'x-fail': '500' } });
  assert.equal(failed.status, 500);
  assert.deepEqual(JSON.parse(failed.text), { error: 'boom' });
  assert.equal(await orders(l), 0);
  const retry = await post('/orders', { key, body: { label: l } });
  assert.equal(retry.status, 201);
  assert.equal(await orders(l), 1);
});

test('a failure in the handler\'s statement, complete() or the COMMIT leaves the key free', async () => {
  // the claim shares a message with BEGIN, complete() one with COMMIT:
  // whichever statement fails, the transaction rolls back with the claim
  for (const [fail, status] of [['sql', 500], ['complete', 500], ['commit', 500]]) {
    const key = newKey();
    const l = label();
    const failed = await post('/orders', { key, body: { label: l }, headers: { 'x-fail': fail } });
    assert.equal(failed.status, status, fail);
    if (fail === 'complete') assertProblem(failed, 500, 'response_too_large');
    assert.equal(await orders(l), 0, fail);
    assert.equal((await db.query('SELECT key FROM idempotency.lookup($1)', [key])).rows[0].key, null, fail);
    const retry = await post('/orders', { key, body: { label: l } });
    assert.equal(retry.status, 201, fail);
    assert.equal(retry.headers.get('idempotent-replayed'), null, fail);
    assert.equal(await orders(l), 1, fail);
    assert.equal(await runs(key), 2, fail);
  }
});

test('a 4xx answer is stored and replayed, unless configured not to be', async () => {
  const key = newKey();
  const l = label();
  const first = await post('/orders', { key, body: { label: l }, headers: { 'x-fail': '404' } });
  const again = await post('/orders', { key, body: { label: l } });
  assert.equal(first.status, 404);
  assert.equal(again.status, 404);
  assert.equal(again.text, first.text);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  const key2 = newKey();
  const l2 = label();
  const notStored = await post('/no4xx', { key: key2, body: { label: l2 }, headers: { 'x-fail': '404' } });
  assert.equal(notStored.status, 404);
  const retry = await post('/no4xx', { key: key2, body: { label: l2 } });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), null);
  assert.equal(await orders(l2), 1);
});

test('transient 40001 is retried inside the middleware', async () => {
  const key = newKey();
  const l = label();
  const r = await post('/orders', { key, body: { label: l }, headers: { 'x-transient': '2' } });
  assert.equal(r.status, 201);
  assert.equal(await runs(key), 3);
  assert.equal(await orders(l), 1);
  const key2 = newKey();
  const exhausted = await post('/orders', { key: key2, body: { label: l }, headers: { 'x-transient': '9' } });
  assertProblem(exhausted, 409, 'conflict');
  assert.equal(exhausted.headers.get('retry-after'), '1');
  // the answer ends the request: no fifth run after it (a run right after
  // the answer would have counted within this wait)
  await sleep(500);
  assert.equal(await runs(key2), 4);
  assert.equal(await orders(l), 1);
});

test('50 simultaneous identical POSTs run the handler once', async () => {
  const key = newKey();
  const l = label();
  const all = await Promise.all(Array.from({ length: 50 },
    () => post('/orders', { key, body: { label: l }, headers: { 'x-delay': '100' } })));
  assert.equal(await runs(key), 1);
  assert.equal(await orders(l), 1);
  const firsts = all.filter((r) => r.headers.get('idempotent-replayed') === null);
  assert.equal(firsts.length, 1);
  for (const r of all) {
    assert.equal(r.status, 201);
    assert.equal(r.text, firsts[0].text);
  }
});

// 50 duplicates of a slow request (slow: its headers) on a server whose
// pool (10) is smaller than the burst, and five requests with other keys
// sent while they wait: waiting duplicates that held a connection each
// would keep those out until the slow request ends.  Checks that they were
// all answered before it, and that every duplicate replays its answer.
async function duplicatesBesideOthers(t, route, slow, dupHeaders) {
  const small = (await startServer({ POOL_MAX: '10' })).url;
  const unrelated = () => Promise.all(Array.from({ length: 5 }, async () => {
    const start = Date.now();
    const r = await post(route, { url: small, key: newKey(), body: { label: label() } });
    assert.equal(r.status, 201);
    return { ms: Date.now() - start, at: Date.now() };
  }));
  await unrelated();	// the pool's connections made
  const idle = await unrelated();
  const key = newKey();
  const l = label();
  const first = post(route, { url: small, key, body: { label: l }, headers: slow });
  let firstDone = Infinity;
  first.then(() => { firstDone = Date.now(); });
  await sleep(300);
  const dups = Array.from({ length: 50 }, () => post(route, { url: small, key, body: { label: l }, headers: dupHeaders }));
  await sleep(300);	// the duplicates wait for the first request now
  const busy = await unrelated();
  const f = await first;
  const all = await Promise.all(dups);
  const max = (xs) => Math.max(...xs.map((x) => x.ms));
  t.diagnostic(`unrelated requests: ${max(idle)} ms idle, ${max(busy)} ms with 50 waiting duplicates`);
  // all done while the first request still ran (it takes 2 s)
  for (const u of busy) assert.ok(u.at < firstDone, 'an unrelated request waited for the slow one');
  assert.equal(f.status, 201);
  for (const r of all) {
    assert.equal(r.status, 201);
    assert.equal(r.text, f.text);
    assert.equal(r.headers.get('idempotent-replayed'), 'true');
  }
  return { key, l };
}

test('duplicates waiting for a slow request hold no connection: unrelated requests go on', async (t) => {
  const { key, l } = await duplicatesBesideOthers(t, '/orders', { 'x-delay': '2000' }, {});
  assert.equal(await runs(key), 1);
  assert.equal(await orders(l), 1);
});

// statements run since the last reset whose text matches the LIKE pattern
// (a parameter, so that this query's own text does not match)
const statements = (pattern) =>
  count('SELECT coalesce(sum(calls), 0) AS count FROM pg_stat_statements WHERE query LIKE $1', pattern);

test('a retry of a key seen completed is answered in one round trip, without a COMMIT', async () => {
  const key = newKey();
  const l = label();
  const first = await post('/orders', { key, body: { label: l } });
  assert.equal(first.status, 201);
  await db.query('SELECT pg_stat_statements_reset()');
  const second = await post('/orders', { key, body: { label: l } });
  assert.equal(second.status, 201);
  assert.equal(second.text, first.text);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  // one round trip: BEGIN, the claim and ROLLBACK; no COMMIT
  assert.equal(await statements('%idempotency.claim(%'), 1);
  assert.equal(await statements('ROLLBACK%'), 1);
  assert.equal(await statements('COMMIT%'), 0);
  assert.equal(await runs(key), 1);
});

test('a one-statement route answers a new key and its replay in one round trip each', async () => {
  const key = newKey();
  const l = label();
  await db.query('SELECT pg_stat_statements_reset()');
  const first = await post('/once', { key, body: { label: l } });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const id = JSON.parse(first.text).id;
  assert.equal(first.headers.get('location'), `/orders/${id}`);
  const again = await post('/once', { key, body: { label: l } });
  assert.equal(again.status, 201);
  assert.equal(again.text, first.text);
  assert.equal(again.headers.get('location'), `/orders/${id}`);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(await orders(l), 1);
  assert.equal(await count("SELECT count(*) FROM idempotency.idempotency_keys WHERE key = $1 AND state = 'completed'",
    key), 1);
  // one statement per request, outside any transaction block
  assert.equal(await statements('%idempotency.once_with(%'), 2);
  assert.equal(await statements('BEGIN%'), 0);
  assert.equal(await statements('COMMIT%'), 0);
});

test('a one-statement route: 400 without a key, 422 for another request under a used key', async () => {
  assertProblem(await post('/once', { body: { label: label() } }), 400, 'key_missing');
  assertProblem(await post('/once', { key: 'bad key', body: { label: label() } }), 400, 'key_malformed');
  const key = newKey();
  const l = label();
  assert.equal((await post('/once', { key, body: { label: l } })).status, 201);
  assertProblem(await post('/once', { key, body: { label: label() } }), 422, 'key_mismatch');
  assert.equal(await orders(l), 1);
});

test('a one-statement route takes 100 parameters, each as text', async () => {
  const r = await post('/once-wide', { key: newKey() });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(JSON.parse(r.text),
    { sum: 101, text: 'a\'b"c\\{d}', missing: null, doc: { k: [1, 'x'] }, raw: '\\x6869' });
});

test('a one-statement route whose statement fails stores no key and writes nothing', async () => {
  const key = newKey();
  const l = label();
  for (let i = 0; i < 2; i++) {
    const r = await post('/once-fail', { key, body: { label: l } });
    assert.equal(r.status, 500);
  }
  assert.equal(await orders(l), 0);
  assert.equal(await count('SELECT count(*) FROM idempotency.idempotency_keys WHERE key = $1', key), 0);
});

test('a one-statement route: duplicates of a slow statement hold no connection and all replay it', async (t) => {
  const slow = { 'x-db-sleep': '2000' };
  const { l } = await duplicatesBesideOthers(t, '/once', slow, slow);
  assert.equal(await orders(l), 1);
});

test('the claim and complete() are prepared once per connection, and the text serves one that lost them', async () => {
  // one connection, the request's: the handler needs no other
  const one = (await startServer({ POOL_MAX: '1' })).url;
  const fresh = async (url) => {
    const key = newKey();
    const l = label();
    const r = await post('/lean', { url, key, body: { label: l } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('idempotent-replayed'), null);
    const again = await post('/lean', { url, key, body: { label: l } });
    assert.equal(again.status, 201);
    assert.equal(again.text, r.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await orders(l), 1);
  };
  await db.query('SELECT pg_stat_statements_reset()');
  await fresh(one);
  await fresh(one);
  // prepared once, executed for every claim and complete()
  assert.equal(await statements('PREPARE idempotency_claim_v1%'), 4);
  assert.equal(await statements('PREPARE idempotency_complete_v1%'), 2);
  assert.equal(await statements('SELECT%FROM idempotency.claim(%'), 0);
  // a pooler's reset: the next claim fails with 26000, nothing is claimed,
  // and that connection gets the statements' text from then on
  assert.equal((await fetch(`${one}/debug/deallocate`, { method: 'POST' })).status, 200);
  await db.query('SELECT pg_stat_statements_reset()');
  await fresh(one);
  await fresh(one);
  assert.equal(await statements('PREPARE idempotency_claim_v1%'), 0);
  assert.equal(await statements('SELECT%FROM idempotency.claim(%'), 4);
  assert.equal(await statements('SELECT FROM idempotency.complete(%'), 2);
  // a connection that has statements of those names already uses them
  const other = (await startServer({ POOL_MAX: '1' })).url;
  assert.equal((await fetch(`${other}/debug/prepare`, { method: 'POST' })).status, 200);
  await fresh(other);
  await fresh(other);
});

test('rememberCompleted: 0 replays in a transaction that commits', async () => {
  const key = newKey();
  const l = label();
  const first = await post('/forgetful', { key, body: { label: l } });
  await db.query('SELECT pg_stat_statements_reset()');
  const second = await post('/forgetful', { key, body: { label: l } });
  assert.equal(second.text, first.text);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  // a replay in a transaction answers first and commits after (index.js):
  // wait for that COMMIT to be counted
  for (let i = 0; i < 100 && await statements('COMMIT%') === 0; i++) await sleep(50);
  assert.equal(await statements('COMMIT%'), 1);
  assert.equal(await statements('ROLLBACK%'), 0);
  assert.equal(await runs(key), 1);
});

test('a key seen completed that expiry has since deleted runs again', async () => {
  const key = newKey();
  const l = label();
  assert.equal((await post('/orders', { key, body: { label: l } })).status, 201);
  await db.query('DELETE FROM idempotency.idempotency_keys WHERE key = $1', [key]);
  const again = await post('/orders', { key, body: { label: l } });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), null);
  assert.equal(await runs(key), 2);
  assert.equal(await orders(l), 2);
  const replay = await post('/orders', { key, body: { label: l } });
  assert.equal(replay.text, again.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(await runs(key), 2);
});

test('a key seen completed, sent with another request: 422', async () => {
  const key = newKey();
  assert.equal((await post('/orders', { key, body: { label: label() } })).status, 201);
  assertProblem(await post('/orders', { key, body: { label: label() } }), 422, 'key_mismatch');
  assert.equal(await runs(key), 1);
});

test('a client that disconnects mid-request leaves no stuck key', async () => {
  const key = newKey();
  const l = label();
  const body = JSON.stringify({ label: l });
  const { port } = new URL(base);
  const sock = net.connect(Number(port), '127.0.0.1');
  await new Promise((r) => { sock.on('connect', r); });
  sock.write(`POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Idempotency-Key: ${key}\r\nX-Delay: 600\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  for (let i = 0; i < 100 && (await runs(key)) === 0; i++) {
    await new Promise((r) => { setTimeout(r, 20); });
  }
  sock.destroy();
  const retry = await post('/orders', { key, body: { label: l } });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(await runs(key), 1);
  assert.equal(await orders(l), 1);
  // disconnected before the handler could finish, then the handler failed: the retry runs it
  const key2 = newKey();
  const sock2 = net.connect(Number(port), '127.0.0.1');
  await new Promise((r) => { sock2.on('connect', r); });
  sock2.write(`POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Idempotency-Key: ${key2}\r\nX-Delay: 300\r\nX-Fail: throw\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  for (let i = 0; i < 100 && (await runs(key2)) === 0; i++) {
    await new Promise((r) => { setTimeout(r, 20); });
  }
  sock2.destroy();
  const retry2 = await post('/orders', { key: key2, body: { label: l } });
  assert.equal(retry2.status, 201);
  assert.equal(retry2.headers.get('idempotent-replayed'), null);
  assert.equal(await orders(l), 2);
});

test('lease: a retry after the server process is killed resumes from the checkpoint', async () => {
  const key = newKey();
  const l = label();
  const crashing = await startServer({ CRASH_AFTER_CHECKPOINT: '1' });
  const lost = post('/pay', { key, body: { label: l }, url: crashing.url }).catch((err) => err);
  for (let i = 0; i < 200; i++) {
    const row = await db.query('SELECT recovery_point FROM idempotency.lookup($1)', [key]);
    if (row.rows[0].recovery_point === 'charge_created') break;
    await new Promise((r) => { setTimeout(r, 20); });
  }
  crashing.child.kill('SIGKILL');
  assert.ok((await lost) instanceof Error);
  const retry = await post('/pay', { key, body: { label: l } });
  assert.equal(retry.status, 201);
  const body = JSON.parse(retry.text);
  assert.equal(body.resumedFrom, 'charge_created');
  assert.equal(await count('SELECT count(*) FROM provider_calls WHERE idem_key = $1', key), 1);
  assert.equal(body.charge, (await db.query('SELECT charge FROM payments WHERE idem_key = $1', [key])).rows[0].charge);
  assert.equal(await orders(l), 1);
  const replay = await post('/pay', { key, body: { label: l } });
  assert.equal(replay.text, retry.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
});

test('lease: a handler error after a checkpoint lets the retry resume from it', async () => {
  const key = newKey();
  const l = label();
  const failed = await post('/pay', { key, body: { label: l }, headers: { 'x-fail': 'throw' } });
  assert.equal(failed.status, 500);
  const retry = await post('/pay', { key, body: { label: l } });
  assert.equal(retry.status, 201);
  assert.equal(JSON.parse(retry.text).resumedFrom, 'charge_created');
  assert.equal(await count('SELECT count(*) FROM provider_calls WHERE idem_key = $1', key), 1);
  assert.equal(await orders(l), 1);
});
