// idempotency-express: an Express 5 middleware that honours the
// Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header)
// with the PostgreSQL extension "idempotency", keeping the key in the same
// transaction as the handler's writes.  The behaviour is specified in
// docs/http.md of the extension's repository; this file and the Python
// package implement the same specification.
//
// No global state: everything lives in the closure that idempotency()
// returns.  The pool (a pg.Pool or anything with connect()) is the caller's.

'use strict';

const crypto = require('node:crypto');

const TRANSIENT = new Set(['40001', '40P01']);
// SQLSTATEs (besides class 08, connection exception) of a session that the
// server ended or would not start: administrator or crash shutdown, a
// server starting or stopping, the idle-in-transaction and transaction
// timeouts.  The connection is gone; its transaction did not commit.
const SESSION_ENDED = new Set(['57P01', '57P02', '57P03', '25P03', '25P04']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+$/;
const DEFAULT_HEADERS = ['content-type', 'content-language', 'content-location', 'location',
  'etag', 'last-modified', 'link'];
const STOP = Symbol('idempotency.next');

const CLAIM_SQL = `SELECT outcome, response, response_code, recovery_point, lease_token
  FROM idempotency.claim($1::text, $2::text, $3::text,
                         make_interval(secs => $4::float8),
                         make_interval(secs => $5::float8),
                         make_interval(secs => $6::float8))`;
// The claim and complete() of the transaction flow as statements prepared
// on the server, once per connection: a statement sent as text is parsed
// and planned again each time, which costs the server more than the claim
// itself (bench/http/README.md).  EXECUTE with literals shares a round trip
// with BEGIN, COMMIT or ROLLBACK in one simple-protocol message.  The names
// carry a version: another copy of this package prepares the same text.
// A connection that lost them (DEALLOCATE ALL, DISCARD ALL, a pooler that
// hands each transaction another server connection) answers 26000; the
// middleware then sends the statements' text on that connection from then
// on.  A connection that already has them (42P05) uses them.
const CLAIM_NAME = 'idempotency_claim_v1';
const COMPLETE_NAME = 'idempotency_complete_v1';
const PREPARE_SQL = `PREPARE ${CLAIM_NAME}(text, text, text, float8, float8, float8) AS ${CLAIM_SQL}; ` +
  `PREPARE ${COMPLETE_NAME}(text, jsonb, int4, text) AS ` +
  'SELECT FROM idempotency.complete($1::text, $2::jsonb, $3::int4, $4::text)';
// on the pg.Client: undefined (not prepared yet), PENDING (the PREPAREs
// sent, their answer not yet read), true, or false (text)
const PREPARED = Symbol.for('idempotency.prepared.v1');
const PENDING = 'pending';

/**
 * After a failed statement: true when it failed because the connection
 * lacked the prepared statements or already had them, after which the
 * next attempt sends what the connection needs.
 */
function preparedFailed(client, err) {
  const code = err && err.code;
  if (code === '26000' && client[PREPARED] !== false) {
    client[PREPARED] = false;
    return true;
  }
  if (code === '42P05' && client[PREPARED] === PENDING) {
    client[PREPARED] = true;
    return true;
  }
  if (client[PREPARED] === PENDING) client[PREPARED] = undefined;
  return false;
}

/** After the claim's message succeeded: its PREPAREs, if any, did too. */
function preparedSent(client) {
  if (client[PREPARED] === PENDING) client[PREPARED] = true;
}

// How long a duplicate whose key is held waits before it claims again
// (no connection held meanwhile), doubling from the first to the last,
// less a random part of up to half (duplicates of one burst spread out);
// the end of the holder's request in this process wakes it at once.
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 100;
const BUSY = Symbol('idempotency.busy');

/**
 * Parses an Idempotency-Key field value: a structured-field string
 * ("...", with \" and \\ escapes) or a bare token, with optional SP and
 * HTAB around it and nothing else: Node hands header bytes over as Latin-1,
 * and String.prototype.trim() would also drop U+00A0 and other Unicode
 * spaces.  Returns the key, or null when the value is malformed or longer
 * than maxBytes.
 * @param {string} value
 * @param {number} maxBytes
 * @returns {string|null}
 */
function parseKey(value, maxBytes) {
  const v = value.replace(/^[ \t]+|[ \t]+$/g, '');
  let key;
  if (v.startsWith('"')) {
    key = '';
    let i = 1;
    for (; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const n = v[i + 1];
        if (n !== '"' && n !== '\\') return null;
        key += n;
        i++;
        continue;
      }
      if (c < 0x20 || c > 0x7e) return null;
      key += v[i];
    }
    if (i !== v.length - 1) return null;	// unterminated, or text after the string
  } else if (TOKEN.test(v)) {
    key = v;
  } else {
    return null;
  }
  const len = Buffer.byteLength(key);
  return len >= 1 && len <= maxBytes ? key : null;
}

/** True when err says that the session is gone (class 08 or SESSION_ENDED). */
function sessionEnded(err) {
  const code = err && err.code;
  return typeof code === 'string' && (code.startsWith('08') || SESSION_ENDED.has(code));
}

/**
 * The listener on the caller's pool for errors of its idle clients: pg.Pool
 * has already discarded such a client (its session ended: a terminated
 * backend, a server restart) and re-emits the error on the pool, where
 * Node ends the process when no one listens.  One function, added once per
 * pool whatever the number of middlewares; the application's own listeners
 * still run.
 */
function ignoreIdleClientError() {}

/** SHA-256 (hex) of the given material. */
function sha256(...parts) {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * A SQL literal of a string, quoted by the driver, or NULL: for statements
 * sent with others in one message (the simple protocol takes no parameters).
 */
function literal(client, v) {
  return v === null ? 'NULL' : client.escapeLiteral(v);
}

/** The request's body bytes as far as they are known, for the default fingerprint. */
function bodyBytes(req) {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.body !== undefined && req.body !== null) return Buffer.from(JSON.stringify(req.body));
  return Buffer.alloc(0);
}

/** Reads a body that no parser consumed into req.rawBody; false when over limit. */
async function readRawBody(req, limit) {
  if (req.body !== undefined || req.rawBody !== undefined || req.readableEnded) return true;
  const hasBody = req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] || 0) > 0;
  if (!hasBody) return true;
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) return false;
    chunks.push(chunk);
  }
  req.rawBody = Buffer.concat(chunks);
  return true;
}

function problem(res, status, code, title, detail, extraHeaders) {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, code });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  for (const [k, v] of Object.entries(extraHeaders || {})) res.setHeader(k, v);
  res.end(body);
}

/**
 * Holds back what the handler writes to res (status, headers, body) until
 * release() is called.  The headers stay set on res.
 */
function capture(res) {
  const saved = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  const before = res.getHeaders();
  const chunks = [];
  let ended;
  const finished = new Promise((resolve) => { ended = resolve; });
  const toBuffer = (chunk, encoding) =>
    Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8');
  res.writeHead = function writeHead(status, reason, headers) {
    if (typeof reason === 'string') res.statusMessage = reason;
    else headers = reason;
    res.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);
    } else if (headers) {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    }
    return res;
  };
  res.write = function write(chunk, encoding, cb) {
    if (typeof encoding === 'function') cb = encoding;
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, encoding));
    if (typeof cb === 'function') process.nextTick(cb);
    return true;
  };
  res.end = function end(chunk, encoding, cb) {
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
    }
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, encoding));
    if (typeof cb === 'function') res.once('finish', cb);
    ended();
    return res;
  };
  res.flushHeaders = function flushHeaders() {};
  return {
    finished,
    body: () => Buffer.concat(chunks),
    /** Puts res back as it was before the handler ran (for a retry). */
    reset() {
      chunks.length = 0;
      for (const name of res.getHeaderNames()) if (!(name in before)) res.removeHeader(name);
      for (const [k, v] of Object.entries(before)) res.setHeader(k, v);
      res.statusCode = 200;
    },
    release() {
      Object.assign(res, saved);
    },
  };
}

/** The stored form of a response: {status, headers, body | body_base64}. */
function storedResponse(res, body, headerNames) {
  const headers = {};
  for (const name of headerNames) {
    const v = res.getHeader(name);
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.map(String) : String(v);
  }
  const out = { status: res.statusCode, headers };
  let text = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    text = null;
  }
  if (text !== null && !text.includes('\u0000')) out.body = text;
  else out.body_base64 = body.toString('base64');
  return out;
}

function sendStored(res, stored, status, replayHeader) {
  const body = stored.body !== undefined
    ? Buffer.from(stored.body) : Buffer.from(stored.body_base64 || '', 'base64');
  res.statusCode = status;
  for (const [k, v] of Object.entries(stored.headers || {})) res.setHeader(k, v);
  res.setHeader(replayHeader, 'true');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** ROLLBACK; a failure (a lost connection) marks the client broken. */
async function rollback(client, ctx) {
  await client.query('ROLLBACK').catch((err) => { ctx.broken = err; });
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
/** The short random wait before retry number attempt + 1 of a 40001/40P01. */
const backoff = (attempt) => sleep((5 + Math.random() * 20) * 2 ** attempt);

/**
 * @param {import('./index').Options} options
 * @returns {import('./index').Idempotency}
 */
function idempotency(options) {
  if (!options || !options.pool || typeof options.pool.connect !== 'function') {
    throw new TypeError('idempotency: options.pool (a pg.Pool) is required');
  }
  const { pool } = options;
  if (typeof pool.on === 'function' && typeof pool.listeners === 'function' &&
      !pool.listeners('error').includes(ignoreIdleClientError)) {
    pool.on('error', ignoreIdleClientError);
  }
  const o = {
    methods: ['POST', 'PATCH'],
    routes: null,
    required: true,
    header: 'idempotency-key',
    maxKeyLength: 255,
    scope: () => '',
    fingerprint: null,
    wait: 10000,
    retryAfter: 1,
    lease: null,
    ttl: null,
    storeClientErrors: true,
    storeHeaders: DEFAULT_HEADERS,
    replayHeader: 'Idempotent-Replayed',
    retries: 3,
    bodyLimit: 1024 * 1024,
    rememberCompleted: 10000,
    ...options,
  };
  const methods = new Set(o.methods.map((m) => m.toUpperCase()));
  const storeHeaders = o.storeHeaders.map((h) => h.toLowerCase());
  const secs = (ms) => (ms === null || ms === undefined ? null : ms / 1000);

  // Keys this middleware saw completed (stored or replayed), oldest first,
  // at most o.rememberCompleted: a retry of one of them is most likely a
  // replay, which one claim() outside a transaction answers.
  const completed = new Map();
  const known = (scope, key) => completed.has(`${scope}\u0000${key}`);
  function remember(scope, key) {
    if (!(o.rememberCompleted > 0)) return;
    const k = `${scope}\u0000${key}`;
    if (completed.has(k)) return;
    completed.set(k, true);
    if (completed.size > o.rememberCompleted) completed.delete(completed.keys().next().value);
  }
  const forget = (scope, key) => completed.delete(`${scope}\u0000${key}`);

  function applies(req) {
    if (!methods.has(req.method)) return false;
    if (!o.routes) return true;
    return o.routes.some((r) => (typeof r === 'string' ? r === req.path
      : r instanceof RegExp ? r.test(req.path) : r(req)));
  }

  function shouldStore(status) {
    if (status >= 500) return false;
    if (status >= 400) return o.storeClientErrors;
    return true;
  }

  function busy(res, detail) {
    problem(res, 409, 'in_progress', 'A request with this key is in progress', detail,
      { 'Retry-After': String(o.retryAfter) });
  }

  // answers a database error the middleware knows; false for any other
  function answerError(res, err) {
    switch (err && err.code) {
      case 'IK001':
        problem(res, 422, 'key_mismatch', 'Idempotency-Key reused for a different request',
          'This key was first used with another request (method, path or body differ).');
        return true;
      case '55P03':
        busy(res, 'The request that holds this key is still running.');
        return true;
      case 'IK002':
        problem(res, 409, 'lease_lost', 'Idempotency-Key taken over',
          'The lease on this key ran out and another request took it over.',
          { 'Retry-After': String(o.retryAfter) });
        return true;
      case '40001':
      case '40P01':
        problem(res, 409, 'conflict', 'Conflicting concurrent requests',
          'The transaction kept conflicting with others; retry the request.',
          { 'Retry-After': String(o.retryAfter) });
        return true;
      case '25006':
        problem(res, 503, 'read_only', 'Database is read-only',
          'The request reached a read-only database server.', { 'Retry-After': String(o.retryAfter) });
        return true;
      case '54000':
        problem(res, 500, 'response_too_large', 'Response too large to store',
          'The response exceeds idempotency.max_response_size; nothing was committed.');
        return true;
      default:
        return false;
    }
  }

  function unavailable(res) {
    problem(res, 503, 'database_unavailable', 'Database unavailable',
      'The connection to the database was lost or could not be made. Retry with the same key: ' +
      'the retry gets the stored response if the work committed, and runs it otherwise.',
      { 'Retry-After': String(o.retryAfter) });
  }

  // Answers a request that failed: 503 when its connection is gone (the
  // client then counts as broken, to be discarded), a database error the
  // middleware knows, else the application's error handling.  Nothing when
  // a replay was already sent and only the end of its transaction failed.
  function answerFailure(res, next, err, ctx) {
    if (res.headersSent) return;
    if (ctx.broken || sessionEnded(err)) {
      ctx.broken = ctx.broken || err;
      unavailable(res);
      return;
    }
    if (!answerError(res, err)) next(err);
  }

  // Runs the handler (wrapper) or the rest of the chain (middleware) with
  // res captured; resolves when the response ends, rejects when the handler
  // throws (or calls next(err); next() rejects with STOP).
  async function runHandler(req, res, next, handler, cap) {
    if (!handler) {
      next();
      await cap.finished;
      return;
    }
    let fail;
    const failed = new Promise((_, reject) => { fail = reject; });
    const inner = (err) => fail(err === undefined || err === 'route' || err === 'router' ? STOP : err);
    const ran = Promise.resolve().then(() => handler(req, res, inner));
    await Promise.race([Promise.all([ran, cap.finished]), failed]);
  }

  // After a failed attempt: rolls back and puts res back; true (after a
  // short random backoff) when the attempt should run again: 40001/40P01
  // with retries left, and the handler can run twice (the rest of a
  // middleware chain cannot, once it ran).
  async function retryAfterFailure(client, ctx, cap, err, attempt, handler) {
    await rollback(client, ctx);
    if (cap) {
      cap.reset();
      cap.release();
    }
    if (!TRANSIENT.has(err && err.code) || attempt >= o.retries || ctx.broken || (!handler && cap)) return false;
    await backoff(attempt);
    return true;
  }

  // The claim with literals, to share a round trip with BEGIN: EXECUTE of
  // the prepared claim (preceded by the PREPAREs on a connection's first
  // use), or the statement's text on a connection that cannot keep them.
  // One pass over the text's parameters, each replaced by a function: a
  // literal is never searched again, and "$&" or "$'" in a key stays text.
  function claimText(client, key, scope, fp, waitMs, leaseMs) {
    const lit = (v) => literal(client, v);
    const num = (v) => (v === null ? 'NULL' : String(Number(v)));
    const values = [lit(key), lit(scope), lit(fp), num(secs(waitMs)), num(secs(leaseMs)), num(secs(o.ttl))];
    if (client[PREPARED] === false) {
      return CLAIM_SQL.replace(/\$([1-6])(?=::)/g, (_, n) => values[Number(n) - 1]);
    }
    const execute = `EXECUTE ${CLAIM_NAME}(${values.join(', ')})`;
    if (client[PREPARED] === true) return execute;
    client[PREPARED] = PENDING;	// preparedSent() or preparedFailed() tells
    return `${PREPARE_SQL}; ${execute}`;
  }

  // complete() and COMMIT, in one round trip, on the claim's connection.
  function completeText(client, key, stored, status, scope) {
    const lit = (v) => literal(client, v);
    const args = `${lit(key)}, ${lit(stored)}::jsonb, ${Number(status)}, ${lit(scope)}`;
    return client[PREPARED] === true ?
      `EXECUTE ${COMPLETE_NAME}(${args}); COMMIT` :
      `SELECT FROM idempotency.complete(${args}); COMMIT`;
  }

  // Duplicates of this process waiting for a key's holder, by key: the
  // end of the holder's request (committed or rolled back) wakes them.
  const waiting = new Map();
  function pause(scope, key, ms) {
    const k = `${scope}\u0000${key}`;
    return new Promise((resolve) => {
      let set = waiting.get(k);
      if (!set) waiting.set(k, set = new Set());
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && waiting.get(k) === set) waiting.delete(k);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
  function wake(scope, key) {
    const set = waiting.get(`${scope}\u0000${key}`);
    if (set) for (const done of [...set]) done();
  }
  // The one request of this process that claims a held key again on a
  // timer, by key; its other duplicates here wait to be woken (by the
  // holder's end, or by the poller's when it answers or gives up), so that
  // a burst of duplicates takes one connection at a time, not one each.
  const pollers = new Map();

  async function claim(client, key, scope, fp, waitMs, leaseMs) {
    const r = await client.query(CLAIM_SQL, [key, scope, fp, secs(waitMs), secs(leaseMs), secs(o.ttl)]);
    return r.rows[0];
  }

  // A key seen completed, or one whose holder this request waited for:
  // BEGIN, the claim (that never waits) and ROLLBACK in one round trip.
  // A completed key replays (a replay writes nothing); a key that is no
  // longer completed (expiry deleted it, or its holder rolled back) is
  // claimed, and the ROLLBACK gives it back at once.  True when the
  // request was answered, BUSY when the key is held, false to go on with
  // the transaction as for any key.
  async function replayKnown(res, client, ctx, key, scope, fp) {
    let row;
    try {
      const r = await client.query(`BEGIN; ${claimText(client, key, scope, fp, 0, null)}; ROLLBACK`);
      preparedSent(client);
      row = r[r.length - 2].rows[0];
    } catch (err) {
      forget(scope, key);
      await rollback(client, ctx);
      // the transaction sends what this connection needs
      if (!ctx.broken && preparedFailed(client, err)) return false;
      // a mismatch and the like are answered here; anything else, the
      // transaction meets again and handles as for any key
      return !ctx.broken && !TRANSIENT.has(err && err.code) && answerError(res, err);
    }
    if (row.outcome === 'completed') {
      sendStored(res, row.response, row.response_code, o.replayHeader);
      return true;
    }
    if (row.outcome === 'in_progress') return BUSY;
    forget(scope, key);
    return false;
  }

  // The transaction: BEGIN and the claim in one round trip, the handler,
  // then complete() and COMMIT in one round trip (the simple protocol, so
  // with literals).  The claim never waits: BUSY when another request
  // holds the key (run() waits without the connection and comes back with
  // probe set).
  async function transactionFlow(req, res, next, handler, client, ctx, key, scope, fp, probe) {
    if (probe || known(scope, key)) {
      const answered = await replayKnown(res, client, ctx, key, scope, fp);
      if (answered) return answered;
    }
    for (let attempt = 0; ; attempt++) {
      let cap = null;
      try {
        const started = await client.query(`BEGIN; ${claimText(client, key, scope, fp, 0, null)}`);
        preparedSent(client);
        const row = started[started.length - 1].rows[0];
        if (row.outcome === 'completed') {
          // the replay wrote nothing: answer first, end the transaction after
          sendStored(res, row.response, row.response_code, o.replayHeader);
          remember(scope, key);
          await client.query('COMMIT');
          return;
        }
        if (row.outcome === 'in_progress') {
          await client.query('ROLLBACK');
          return BUSY;
        }
        req.db = client;
        req.idempotency = { key, scope, outcome: row.outcome, recoveryPoint: row.recovery_point, attempt };
        cap = capture(res);
        await runHandler(req, res, next, handler, cap);
        const status = res.statusCode;
        const body = cap.body();
        if (shouldStore(status)) {
          const stored = JSON.stringify(storedResponse(res, body, storeHeaders));
          await client.query(completeText(client, key, stored, status, scope));
          remember(scope, key);
        } else {
          await client.query('ROLLBACK');
        }
        cap.release();
        res.end(body);
        return;
      } catch (err) {
        // a connection without the prepared statements, or with them
        // already: once more, with what it needs (not a retry of the
        // request's own: the handler runs again only where it may)
        if (preparedFailed(client, err) && (handler || !cap)) {
          await rollback(client, ctx);
          if (cap) {
            cap.reset();
            cap.release();
          }
          if (!ctx.broken) {
            attempt--;
            continue;
          }
        }
        if (await retryAfterFailure(client, ctx, cap, err, attempt, handler)) continue;
        if (err === STOP) return next();
        answerFailure(res, next, err, ctx);
        return;
      }
    }
  }

  // lease mode: the claim commits on its own; req.db is in a transaction
  // that each checkpoint commits (with the recovery point) and that
  // complete() ends
  async function leaseFlow(req, res, next, handler, client, ctx, key, scope, fp) {
    let row;
    for (let transient = 0; ;) {
      try {
        row = await claim(client, key, scope, fp, 0, o.lease);
      } catch (err) {
        if (TRANSIENT.has(err && err.code) && transient++ < o.retries) continue;
        answerFailure(res, next, err, ctx);
        return;
      }
      if (row.outcome === 'completed') {
        sendStored(res, row.response, row.response_code, o.replayHeader);
        return;
      }
      if (row.outcome === 'in_progress') return BUSY;
      break;
    }
    const token = row.lease_token;
    let point = row.recovery_point;
    let outcome = row.outcome;
    for (let attempt = 0; ; attempt++) {
      let cap = null;
      try {
        await client.query('BEGIN');
        req.db = client;
        req.idempotency = {
          key, scope, outcome, recoveryPoint: point, token, attempt,
          async checkpoint(recoveryPoint) {
            await client.query('SELECT FROM idempotency.checkpoint($1::text, $2::text, $3::text, $4::uuid)',
              [key, recoveryPoint, scope, token]);
            await client.query('COMMIT');
            point = recoveryPoint;
            await client.query('BEGIN');
          },
        };
        cap = capture(res);
        await runHandler(req, res, next, handler, cap);
        const status = res.statusCode;
        const body = cap.body();
        if (shouldStore(status)) {
          await client.query(
            'SELECT FROM idempotency.complete($1::text, $2::jsonb, $3::int4, $4::text, $5::uuid)',
            [key, JSON.stringify(storedResponse(res, body, storeHeaders)), status, scope, token]);
          await client.query('COMMIT');
        } else {
          await client.query('ROLLBACK');
          await giveUp(client, key, scope, token, point);
        }
        cap.release();
        res.end(body);
        return;
      } catch (err) {
        if (await retryAfterFailure(client, ctx, cap, err, attempt, handler)) {
          outcome = 'recovered';
          continue;
        }
        if (err && err.code !== 'IK002' && !ctx.broken) {
          // the original error matters more; a ROLLBACK that fails marks the connection lost
          await giveUp(client, key, scope, token, point).catch(() => rollback(client, ctx));
        }
        if (err === STOP) return next();
        answerFailure(res, next, err, ctx);
        return;
      }
    }
  }

  // ends a lease claim that will not complete: released when it made no
  // progress, else its lease is ended so that the next claim recovers it
  // at once, from its last recovery point
  async function giveUp(client, key, scope, token, point) {
    if (point === null || point === undefined) {
      await client.query('SELECT idempotency.release($1::text, $2::text, $3::uuid)', [key, scope, token]);
    } else {
      await client.query(`SELECT FROM idempotency.checkpoint($1::text, $2::text, $3::text, $4::uuid,
                                                     '1 microsecond'::interval)`,
      [key, point, scope, token]);
    }
  }

  // The request's key (from the header's value), scope and fingerprint,
  // the body read if no parser did; null once a 400 or 413 is answered.
  async function identify(req, res, value) {
    const key = parseKey(Array.isArray(value) ? value.join(', ') : value, o.maxKeyLength);
    if (key === null) {
      problem(res, 400, 'key_malformed', 'Idempotency-Key is malformed',
        `The key must be a string ("...") or a token of 1 to ${o.maxKeyLength} bytes.`);
      return null;
    }
    if (!(await readRawBody(req, o.bodyLimit))) {
      problem(res, 413, 'body_too_large', 'Request body too large', `The body exceeds ${o.bodyLimit} bytes.`);
      return null;
    }
    const scope = String((await o.scope(req)) ?? '');
    let fp;
    if (o.fingerprint) {
      const material = await o.fingerprint(req);
      fp = material === null || material === undefined ? null : sha256(material);
    } else {
      fp = sha256(`${req.method} ${req.originalUrl}\n`, bodyBytes(req));
    }
    return { key, scope, fp };
  }

  async function run(req, res, next, handler) {
    if (!applies(req)) {
      if (handler) return handler(req, res, next);
      return next();
    }
    const value = req.headers[o.header.toLowerCase()];
    if (value === undefined) {
      if (!o.required) return handler ? handler(req, res, next) : next();
      return problem(res, 400, 'key_missing', 'Idempotency-Key is missing',
        `This endpoint requires an Idempotency-Key header on ${req.method} requests.`);
    }
    const id = await identify(req, res, value);
    if (id === null) return undefined;
    const { key, scope, fp } = id;
    // A duplicate of a running request gets BUSY from the flow, which gave
    // its connection back: it waits without one (woken early when the
    // holder is in this process) and claims again, until o.wait runs out.
    const deadline = Date.now() + o.wait;
    const k = `${scope}\u0000${key}`;
    const me = {};
    try {
      for (let round = 0; ; round++) {
        let outcome;
        try {
          outcome = await onePass(req, res, next, handler, key, scope, fp, round > 0);
        } finally {
          if (outcome !== BUSY) wake(scope, key);	// its duplicates here need not wait for their next claim
        }
        if (outcome !== BUSY) return;
        const left = deadline - Date.now();
        if (left <= 0) {
          busy(res, 'The request that holds this key did not finish in time.');
          return;
        }
        if (!pollers.has(k)) pollers.set(k, me);
        const poll = Math.min(POLL_MAX_MS, POLL_FIRST_MS * 2 ** round) * (0.5 + Math.random() / 2);
        await pause(scope, key, pollers.get(k) === me ? Math.min(left, poll) : left);
      }
    } finally {
      if (pollers.get(k) === me) {
        pollers.delete(k);
        wake(scope, key);	// another duplicate here polls in its place
      }
    }
  }

  // One pass of a flow on a connection of the pool, given back before it
  // returns (with BUSY when another request holds the key).
  async function onePass(req, res, next, handler, key, scope, fp, probe) {
    let client;
    try {
      client = await pool.connect();
    } catch {
      unavailable(res);	// no connection (the server is down, starting, or refuses): nothing ran
      return undefined;
    }
    // ctx.broken: the connection is gone (its ROLLBACK failed, or the
    // session ended) and is not given back to the pool.  The client's own
    // errors come here while the request holds it (pg.Pool listens only to
    // idle clients): a session that ends while the handler runs emits one,
    // which would otherwise end the process.
    const ctx = { broken: undefined };
    const lost = (err) => { if (!ctx.broken) ctx.broken = err; };
    client.on('error', lost);
    try {
      return o.lease ? await leaseFlow(req, res, next, handler, client, ctx, key, scope, fp)
        : await transactionFlow(req, res, next, handler, client, ctx, key, scope, fp, probe);
    } catch (err) {
      ctx.broken = err;
      throw err;
    } finally {
      client.removeListener('error', lost);	// the pool's listener is back as release() returns
      client.release(ctx.broken);
    }
  }

  // ---- the one-statement route: idem.once({ text, values, render }) ----
  // The route's work is one SQL statement, which once_with() runs under the
  // key: a new key runs it and stores its rows, a completed key returns the
  // stored rows, in one round trip outside any transaction.  render() makes
  // the HTTP answer from the rows, on the first request and on every replay.
  // Whether the statement ran is read in the same statement: a new key's
  // once_with() writes (its key row), so the transaction has an ID after it;
  // a replay writes nothing.
  // The parameters go as one text array (VARIADIC): once_with() takes up
  // to 100 of them so, where 100 arguments in all would leave it 95.
  const ONCE_SQL = 'SELECT s.r AS rows, pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL AS ran ' +
    'FROM (SELECT idempotency.once_with($1::text, $2::text, make_interval(secs => $3::float8), $4::text, ' +
    '$5::text, VARIADIC $6::text[]) AS r OFFSET 0) AS s';
  const ONCE_NAME = 'idempotency_once_v1';
  // on the pg.Client: true once a named statement failed with 26000 or
  // 42P05 (a pooler, DISCARD ALL): from then on the text is sent unnamed
  const ONCE_UNNAMED = Symbol.for('idempotency.once.unnamed.v1');
  // requests of this process running a once route's statement, by key: a
  // duplicate waits for the first one's answer without a connection
  const onceRunning = new Map();

  /** The statement's parameters as text (once_with() takes them so; casts go in the statement). */
  function onceValues(values) {
    if (!Array.isArray(values)) throw new TypeError('idempotency: once().values must return an array');
    if (values.length > 100) throw new RangeError('idempotency: once() takes at most 100 statement parameters');
    return values.map((v) => {
      if (v === null || v === undefined) return null;
      if (ArrayBuffer.isView(v)) return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
      if (v instanceof Date) return v.toISOString();
      if (typeof v === 'object') return JSON.stringify(v);
      return String(v);
    });
  }

  // one run of the statement on a connection of the pool: { rows, ran };
  // 40001/40P01 retried as in the transaction flow
  async function onceQuery(key, scope, fp, text, values, ctx) {
    const args = [key, scope, secs(o.ttl), fp, text, values];
    for (let attempt = 0; ; attempt++) {
      let client;
      try {
        client = await pool.connect();
      } catch (err) {
        ctx.broken = err;	// no connection: nothing ran, answered 503
        throw err;
      }
      const lost = (err) => { if (!ctx.broken) ctx.broken = err; };
      client.on('error', lost);
      try {
        let r;
        try {
          r = client[ONCE_UNNAMED] ? await client.query(ONCE_SQL, args)
            : await client.query({ name: ONCE_NAME, text: ONCE_SQL, values: args });
        } catch (err) {
          if ((err.code === '26000' || err.code === '42P05') && !client[ONCE_UNNAMED] && !ctx.broken) {
            client[ONCE_UNNAMED] = true;	// nothing ran: the statement was never bound
            r = await client.query(ONCE_SQL, args);
          } else {
            throw err;
          }
        }
        const { rows, ran } = r.rows[0];
        if (!Array.isArray(rows)) {
          // a key completed by the transaction flow (a fingerprint option
          // that ignores the route), or with a NULL response
          throw new Error(`idempotency: key "${key}" holds a response that is not a one-statement route's rows`);
        }
        return { rows, ran };
      } catch (err) {
        if (ctx.broken || sessionEnded(err)) {
          ctx.broken = ctx.broken || err;
          throw err;
        }
        if (!TRANSIENT.has(err && err.code) || attempt >= o.retries) throw err;
      } finally {
        client.removeListener('error', lost);
        client.release(ctx.broken);
      }
      await backoff(attempt);
    }
  }

  function onceRoute(spec) {
    if (!spec || typeof spec.text !== 'string' || typeof spec.render !== 'function') {
      throw new TypeError('idempotency: once() needs { text: string, values?: (req) => array, render: function }');
    }
    const valuesOf = spec.values || (() => []);
    return async function idempotentStatement(req, res, next) {
      const ctx = { broken: undefined };
      try {
        // the statement runs only through once_with(): a key is required
        // whatever the methods, routes and required options say
        const value = req.headers[o.header.toLowerCase()];
        if (value === undefined) {
          problem(res, 400, 'key_missing', 'Idempotency-Key is missing',
            `This endpoint requires an Idempotency-Key header on ${req.method} requests.`);
          return;
        }
        const id = await identify(req, res, value);
        if (id === null) return;
        const { key, scope, fp } = id;
        const values = onceValues(await valuesOf(req));
        // a duplicate of a request of this process that runs the statement
        // waits for its end without a connection (at most o.wait); when
        // that request got its rows, the key is completed and every waiting
        // duplicate replays at once; when it failed, one of them runs the
        // statement in its place.  Duplicates from elsewhere wait in
        // once_with() itself.
        const k = `${scope}\u0000${key}`;
        const deadline = Date.now() + o.wait;
        let completed = false;
        for (let prior; !completed && (prior = onceRunning.get(k));) {
          const left = deadline - Date.now();
          if (left <= 0) {
            busy(res, 'The request that holds this key did not finish in time.');
            return;
          }
          let timer;
          completed = await Promise.race([prior, new Promise((resolve) => {
            timer = setTimeout(() => resolve(false), left);
          })]);
          clearTimeout(timer);
        }
        let done = null;
        if (!completed) onceRunning.set(k, new Promise((resolve) => { done = resolve; }));
        let result;
        try {
          result = await onceQuery(key, scope, fp, spec.text, values, ctx);
        } finally {
          if (done) {
            onceRunning.delete(k);
            done(result !== undefined);
          }
        }
        if (!result.ran) res.setHeader(o.replayHeader, 'true');
        await spec.render(result.rows, req, res, { key, scope, replayed: !result.ran });
      } catch (err) {
        if (res.headersSent) {
          next(err);	// render() failed mid-answer: Express ends the connection
          return;
        }
        res.removeHeader(o.replayHeader);
        answerFailure(res, next, err, ctx);
      }
    };
  }

  /** @type {any} */
  const idem = function idem(req, res, next) {
    if (typeof req === 'function' && res === undefined) {
      const handler = req;
      return function idempotentHandler(rq, rs, nx) {
        return run(rq, rs, nx, handler).catch(nx);
      };
    }
    return run(req, res, next, null).catch(next);
  };
  idem.once = onceRoute;
  return idem;
}

module.exports = { idempotency, parseKey };
