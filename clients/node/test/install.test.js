// The install and the quick start of docs/http.md, as a new user runs them:
// the blocks tagged "<!-- test: NAME -->" there are read from the docs and
// run, so that the docs cannot drift from what works.
//
// node-install: npm pack of clients/node and npm install of the tarball in
//   a new application directory, offline: its "npm install express pg"
//   line (the registry) is played by a copy of clients/node/node_modules,
//   which the suite's npm ci filled, and npm runs with --offline and
//   --legacy-peer-deps (npm resolves peer dependencies with registry
//   metadata that no cache is sure to hold); the peer ranges are checked
//   against the installed express and pg here instead.
// node-quick-start: that application, run against a throwaway cluster
//   (test/cluster.sh) with the database of quick-start-sql; the pool size
//   in its code is the number of requests of a burst that hold a
//   connection, as the docs' "Pool size" says.

'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');

const nodeDir = path.resolve(__dirname, '..');
const root = path.resolve(nodeDir, '../..');
const clusterScript = path.join(root, 'test', 'cluster.sh');
const docs = fs.readFileSync(path.join(root, 'docs', 'http.md'), 'utf8');
const readme = fs.readFileSync(path.join(nodeDir, 'README.md'), 'utf8');
const BURST = 50;	// the burst of the docs' "Pool size"

const cleanups = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

/** The body of the fenced block that follows "<!-- test: NAME -->". */
function block(text, name, where = 'docs/http.md') {
  const m = new RegExp(`<!-- test: ${name} -->\\n\`\`\`[\\w-]*\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(text);
  assert.ok(m, `${where} has no block tagged "<!-- test: ${name} -->"`);
  return m[1];
}

/** The commands of a shell block: comments and blank lines dropped. */
function commands(text) {
  return text.split('\n').map((l) => l.replace(/(^|\s+)#.*$/, '').trim()).filter((l) => l !== '');
}

/** major.minor.patch >= that of ^X.Y.Z, same major (X > 0). */
function satisfiesCaret(version, range) {
  const r = /^\^([1-9]\d*)\.(\d+)\.(\d+)$/.exec(range);
  assert.ok(r, `peer range ${range}: this test checks ^X.Y.Z ranges only`);
  const v = version.split(/[.+-]/).slice(0, 3).map(Number);
  const w = r.slice(1).map(Number);
  return v[0] === w[0] && (v[1] > w[1] || (v[1] === w[1] && v[2] >= w[2]));
}

// IDEMPOTENCY_EDITION=portable (scripts/test's node-portable suite): the
// documented SQL creates the portable edition instead, as test/cluster.sh does
function forEdition(sql) {
  if (process.env.IDEMPOTENCY_EDITION !== 'portable') return sql;
  const portable = sql.replace(/\b(CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?)idempotency\b/gi,
    '$1idempotency_portable');
  assert.notEqual(portable, sql, 'the documented SQL creates the extension');
  return portable;
}

const tmpdir = (prefix) => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// "npm install express pg", without the registry: express and pg (and what
// they need) from clients/node/node_modules, as dependencies of the app
function provideExpressAndPg(app) {
  const from = path.join(nodeDir, 'node_modules');
  const versions = {};
  for (const name of ['express', 'pg']) {
    const file = path.join(from, name, 'package.json');
    assert.ok(fs.existsSync(file), `${file} is missing: run npm ci in clients/node first`);
    versions[name] = readJson(file).version;
  }
  fs.cpSync(from, path.join(app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  const file = path.join(app, 'package.json');
  const pkg = fs.existsSync(file) ? readJson(file) : { name: 'app', private: true };
  pkg.dependencies = { ...pkg.dependencies, express: `^${versions.express}`, pg: `^${versions.pg}` };
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
}

// the documented install, once, in a new application directory
let installing;
function install() {
  installing ??= (async () => {
    const app = tmpdir('idem-node-app-');
    cleanups.push(() => fs.rmSync(app, { recursive: true, force: true }));
    const env = {
      ...process.env,
      npm_config_offline: 'true',
      npm_config_legacy_peer_deps: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    const lines = commands(block(docs, 'node-install'));
    for (const line of lines) {
      if (line === 'npm install express pg') {
        provideExpressAndPg(app);
        continue;
      }
      assert.ok(line.startsWith('npm '), `node-install: only npm commands expected, not: ${line}`);
      const cmd = line.replaceAll('/path/to/idempotency', root);
      try {
        execFileSync('bash', ['-c', cmd], { cwd: app, env, encoding: 'utf8', stdio: 'pipe' });
      } catch (err) {
        assert.fail(`${cmd} failed (${err.status}):\n${err.stdout}\n${err.stderr}`);
      }
    }
    return { app, lines };
  })();
  return installing;
}

test('the documented install: npm pack of clients/node, npm install of the tarball in a new app', async () => {
  const { app, lines } = await install();
  const version = readJson(path.join(nodeDir, 'package.json')).version;
  const tarball = `idempotency-express-${version}.tgz`;

  // the package README repeats the docs' blocks
  const tags = [...readme.matchAll(/<!-- test: ([\w-]+) -->/g)].map((m) => m[1]);
  assert.deepEqual(tags, ['node-install', 'node-quick-start']);
  for (const tag of tags) assert.equal(block(readme, tag, 'clients/node/README.md'), block(docs, tag), tag);
  assert.ok(lines.includes('npm install express pg'), 'node-install installs express and pg');
  assert.ok(lines.includes(`npm install ./${tarball}`), `node-install installs ./${tarball}`);

  // the tarball: the package's files, its README, nothing of the repository
  const listing = execFileSync('tar', ['-tzf', path.join(app, tarball)], { encoding: 'utf8' })
    .trim().split('\n').sort();
  for (const f of ['package/README.md', 'package/index.d.ts', 'package/index.js', 'package/package.json']) {
    assert.ok(listing.includes(f), `${tarball} lacks ${f}: ${listing.join(' ')}`);
  }
  assert.deepEqual(listing.filter((f) => /^package\/(test|node_modules)\//.test(f)), []);

  // the application depends on the tarball, and has the package from it
  const pkg = readJson(path.join(app, 'package.json'));
  assert.equal(pkg.dependencies['idempotency-express'], `file:${tarball}`);
  const installed = path.join(app, 'node_modules', 'idempotency-express');
  assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'installed as a copy, not a link to the repository');
  const meta = readJson(path.join(installed, 'package.json'));
  assert.equal(meta.version, version);
  assert.ok(fs.existsSync(path.join(installed, meta.types)), `types file ${meta.types} is installed`);
  assert.ok(fs.existsSync(path.join(installed, 'README.md')));

  // npm resolved no peers (--legacy-peer-deps): the installed express and pg satisfy them
  for (const [name, range] of Object.entries(meta.peerDependencies)) {
    const have = readJson(path.join(app, 'node_modules', name, 'package.json')).version;
    assert.ok(satisfiesCaret(have, range), `peer ${name}@${range} not satisfied by ${have}`);
  }

  // require() from the application finds the installed copy
  const out = execFileSync(process.execPath, ['-e', `
    const m = require('idempotency-express');
    console.log(JSON.stringify({ file: require.resolve('idempotency-express'),
      idempotency: typeof m.idempotency, parseKey: typeof m.parseKey, key: m.parseKey('"a\\\\"b"', 255) }));`],
  { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
  assert.deepEqual(JSON.parse(out), {
    file: path.join(installed, 'index.js'), idempotency: 'function', parseKey: 'function', key: 'a"b',
  });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, child) {
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  for (let i = 0; i < 300; i++) {
    if (exited !== null) throw new Error(`the quick-start app exited with ${exited}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error('the quick-start app did not answer');
}

test('the quick start, as documented: a burst holds one connection while its first runs; one answer', async () => {
  const { app } = await install();
  const code = block(docs, 'node-quick-start');
  const size = /new Pool\(\{[^}]*\bmax: (\d+)/.exec(code);
  assert.ok(size, 'the Express quick start sets its pool size (max)');
  const max = Number(size[1]);
  assert.ok(docs.includes(`\`max: ${max}\``), `docs/http.md's pool sizing speaks of \`max: ${max}\``);
  assert.ok(max < BURST, `a burst of ${BURST} exceeds the pool of ${max}`);

  // the cluster, the database of quick-start-sql
  const dir = tmpdir('idem-node-qs-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = execFileSync('bash', [clusterScript, 'start', path.join(dir, 'pg')], { encoding: 'utf8' });
  cleanups.push(() => execFileSync('bash', [clusterScript, 'stop', path.join(dir, 'pg')]));
  const env = { ...process.env };
  for (const line of out.trim().split('\n')) {
    const i = line.indexOf('=');
    env[line.slice(0, i)] = line.slice(i + 1);
  }
  const connect = async (database) => {
    const c = new Client({ host: env.PGHOST, port: env.PGPORT, user: env.PGUSER, database });
    await c.connect();
    cleanups.push(() => c.end().catch(() => {}));
    return c;
  };
  const admin = await connect('postgres');
  await admin.query('CREATE DATABASE shop');
  const shop = await connect('shop');
  await shop.query(forEdition(block(docs, 'quick-start-sql')));
  const monitor = await connect('shop');

  // the app, as documented (node app.js in the application's directory)
  fs.writeFileSync(path.join(app, 'app.js'), `${code}\n`);
  const port = await freePort();
  const child = spawn(process.execPath, ['app.js'], {
    cwd: app, env: { ...env, PORT: String(port), NODE_PATH: '' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  cleanups.push(() => { child.kill('SIGKILL'); });
  const url = `http://127.0.0.1:${port}`;
  await waitForServer(url, child);

  // the first request's INSERT waits on this lock, so the rest of the burst
  // waits for its key, without a connection: each takes one for a moment
  // when it claims the key again
  await shop.query('BEGIN');
  await shop.query('LOCK TABLE orders IN SHARE MODE');
  const key = crypto.randomUUID();
  const item = `book-${key}`;
  const responses = Array.from({ length: BURST }, () => fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ item }),
  }).then(async (r) => ({ status: r.status, replayed: r.headers.get('idempotent-replayed'), body: await r.text() })));

  const inDatabase = async () => Number((await monitor.query(`SELECT count(*) FROM pg_stat_activity
    WHERE datname = 'shop' AND state = 'active' AND pid <> pg_backend_pid()`)).rows[0].count);
  try {
    let n = 0;
    for (let i = 0; i < 80 && n < 1; i++) {
      await sleep(100);
      n = await inDatabase();
    }
    assert.equal(n >= 1, true, 'the first request reached the database');
    await sleep(300);	// the burst has arrived
    const seen = [];
    for (let i = 0; i < 10; i++) {
      seen.push(await inDatabase());
      await sleep(100);
    }
    // the first request, and at times a duplicate claiming again: never the pool's size
    assert.ok(Math.min(...seen) <= 2 && Math.max(...seen) < max,
      `requests in the database: ${seen.join(', ')}, with a pool of ${max}`);
  } finally {
    await shop.query('COMMIT');
  }

  const answers = await Promise.all(responses);
  assert.deepEqual(answers.map((a) => a.status), Array(BURST).fill(201));
  assert.equal(answers.filter((a) => a.replayed === 'true').length, BURST - 1);
  assert.equal(new Set(answers.map((a) => a.body)).size, 1);
  const { rows } = await monitor.query('SELECT count(*) FROM orders WHERE item = $1', [item]);
  assert.equal(Number(rows[0].count), 1);
});
