"""idempotency_asgi: an ASGI middleware (Starlette, FastAPI) that honours the
Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header)
with the PostgreSQL extension "idempotency", keeping the key in the same
transaction as the handler's writes.

The behaviour is specified in docs/http.md of the extension's repository;
this module and the Express package implement the same specification.  No
global state; the pool (psycopg_pool.AsyncConnectionPool, or anything with
an async ``connection()`` context manager yielding a psycopg 3
AsyncConnection) is the caller's.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import inspect
import json
import random
import re
import time
import weakref

from psycopg.pq import Escaping, TransactionStatus
from dataclasses import dataclass, field
from typing import (Any, Awaitable, Callable, Dict, Iterable, List, MutableMapping, Optional, Pattern, Sequence,
                    Set, Tuple, Union)

__all__ = ["IdempotencyMiddleware", "IdempotentStatement", "IdempotencyContext", "parse_key"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Route = Union[str, Pattern[str], Callable[[Scope], bool]]
MaybeAwaitable = Union[Any, Awaitable[Any]]

TRANSIENT = {"40001", "40P01"}
# SQLSTATEs (besides class 08, connection exception) of a session that the
# server ended or would not start: administrator or crash shutdown, a server
# starting or stopping, the idle-in-transaction and transaction timeouts.
# The connection is gone; its transaction did not commit.
SESSION_ENDED = {"57P01", "57P02", "57P03", "25P03", "25P04"}
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+")
DEFAULT_HEADERS = ("content-type", "content-language", "content-location", "location", "etag",
                   "last-modified", "link")

CLAIM_SQL = """SELECT outcome, response, response_code, recovery_point, lease_token
  FROM idempotency.claim(%s::text, %s::text, %s::text,
                         make_interval(secs => %s::float8),
                         make_interval(secs => %s::float8),
                         make_interval(secs => %s::float8))"""

# Messages of several statements, one round trip each (the simple protocol,
# so with literals, made by _literal): BEGIN and the claim; complete() and
# COMMIT; and BEGIN, the claim and ROLLBACK, the replay of a key seen
# completed or the claim again of a duplicate that waited.  The claim and
# complete() are statements prepared on the server once per connection
# (EXECUTE with literals): sent as text, each would be parsed and planned
# again every time, which costs the server more than the claim itself
# (bench/http/README.md).  The names carry a version.  A connection that
# lost them (DEALLOCATE ALL, DISCARD ALL, a pooler that hands each
# transaction another server connection) answers 26000, and gets the
# statements' text from then on; one that already has them (42P05) uses
# them.
CLAIM_NAME = "idempotency_claim_v1"
COMPLETE_NAME = "idempotency_complete_v1"
PREPARE_SQL = (f"PREPARE {CLAIM_NAME}(text, text, text, float8, float8, float8) AS "
               + CLAIM_SQL.replace("%s", "$%d") % (1, 2, 3, 4, 5, 6)
               + f"; PREPARE {COMPLETE_NAME}(text, jsonb, int4, text) AS "
               "SELECT FROM idempotency.complete($1::text, $2::jsonb, $3::int4, $4::text); ").encode()
CLAIM_TEXT_SQL = CLAIM_SQL.replace("%s", "%b").encode()
CLAIM_EXECUTE_SQL = f"EXECUTE {CLAIM_NAME}(%b, %b, %b, %b, %b, %b)".encode()
COMPLETE_TEXT_SQL = b"SELECT FROM idempotency.complete(%b::text, %b::jsonb, %b::int4, %b::text); COMMIT"
COMPLETE_EXECUTE_SQL = f"EXECUTE {COMPLETE_NAME}(%b, %b::jsonb, %b, %b); COMMIT".encode()
# by connection: absent (not prepared yet), _PENDING (the PREPAREs sent,
# their answer not read yet), True, or False (the text)
_prepared: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
_PENDING = object()


def _claim_sql(conn: Any, values: Sequence[bytes]) -> bytes:
    """The claim with literals: EXECUTE of the prepared claim (after the
    PREPAREs on a connection's first use), or its text on a connection that
    cannot keep them."""
    state = _prepared.get(conn)
    if state is False:
        return CLAIM_TEXT_SQL % tuple(values)
    execute = CLAIM_EXECUTE_SQL % tuple(values)
    if state is True:
        return execute
    _prepared[conn] = _PENDING  # _prepared_sent() or _prepared_failed() tells
    return PREPARE_SQL + execute


def _complete_sql(conn: Any, values: Sequence[bytes]) -> bytes:
    return (COMPLETE_EXECUTE_SQL if _prepared.get(conn) is True else COMPLETE_TEXT_SQL) % tuple(values)


def _prepared_sent(conn: Any) -> None:
    if _prepared.get(conn) is _PENDING:
        _prepared[conn] = True


def _prepared_failed(conn: Any, err: BaseException) -> bool:
    """After a failed statement: True when it failed because the connection
    lacked the prepared statements or already had them, after which the next
    attempt sends what the connection needs."""
    code = getattr(err, "sqlstate", None)
    state = _prepared.get(conn)
    if code == "26000" and state is not False:
        _prepared[conn] = False
        return True
    if code == "42P05" and state is _PENDING:
        _prepared[conn] = True
        return True
    if state is _PENDING:
        del _prepared[conn]
    return False


async def _claim_row(cur: Any) -> Dict[str, Any]:
    """The claim's row among the results of its message (the only result
    with columns: PREPARE, BEGIN and ROLLBACK have none)."""
    row: Optional[Dict[str, Any]] = None
    while True:
        if cur.description is not None:
            row = dict(zip([d.name for d in cur.description], await cur.fetchone()))
        if not cur.nextset():
            break
    assert row is not None
    return row

# How long a duplicate whose key is held waits before it claims again (no
# connection held meanwhile), doubling from the first to the last, less a
# random part of up to half (duplicates of one burst spread out); the end
# of the holder's request in this middleware wakes it at once.
POLL_FIRST = 0.01
POLL_MAX = 0.1
_BUSY = object()  # a flow's answer: another request holds the key


def _literal(esc: Escaping, encoding: str, value: Any) -> bytes:
    """A SQL literal of a str (quoted by libpq for this connection's
    settings), a float or None."""
    if value is None:
        return b"NULL"
    if isinstance(value, float):
        return b"'" + repr(value).encode() + b"'::float8"
    return esc.escape_literal(value.encode(encoding))


def parse_key(value: str, max_bytes: int = 255) -> Optional[str]:
    """Parses an Idempotency-Key field value: a structured-field string
    ("...", with \\" and \\\\ escapes) or a bare token, with optional SP and
    HTAB around it and nothing else (the header's bytes decoded as Latin-1).
    Returns the key, or None when the value is malformed or longer than
    max_bytes."""
    v = value.strip(" \t")
    if v.startswith('"'):
        out = []
        i = 1
        while i < len(v):
            c = v[i]
            if c == '"':
                break
            if c == "\\":
                if i + 1 >= len(v) or v[i + 1] not in '"\\':
                    return None
                out.append(v[i + 1])
                i += 2
                continue
            if not " " <= c <= "~":
                return None
            out.append(c)
            i += 1
        if i != len(v) - 1:  # unterminated, or text after the string
            return None
        key = "".join(out)
    elif TOKEN.fullmatch(v):
        key = v
    else:
        return None
    return key if 1 <= len(key.encode()) <= max_bytes else None


@dataclass
class IdempotencyContext:
    """What the application finds in scope["idempotency"] (and
    request.state.idempotency); ``db`` is also request.state.db."""

    db: Any
    key: str
    scope: str
    outcome: str  # 'claimed', or 'recovered' when an earlier attempt's lease was taken over
    recovery_point: Optional[str]
    attempt: int = 0
    token: Optional[str] = None
    _checkpoint: Optional[Callable[[str], Awaitable[None]]] = field(default=None, repr=False)

    async def checkpoint(self, recovery_point: str) -> None:
        """Lease mode: commits db's transaction with this recovery point and
        renews the lease."""
        if self._checkpoint is None:
            raise RuntimeError("checkpoint() needs the middleware's lease mode")
        await self._checkpoint(recovery_point)


class _Captured:
    """Holds back what the application sends until the key is stored."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: List[Tuple[bytes, bytes]] = []
        self.chunks: List[bytes] = []
        self.started = False
        self.done = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self.done = True

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


async def _maybe(value: MaybeAwaitable) -> Any:
    return await value if inspect.isawaitable(value) else value


def _sha256(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()


async def _backoff(attempt: int) -> None:
    """The short random wait before retry number attempt + 1 of a 40001/40P01."""
    await asyncio.sleep((0.005 + random.random() * 0.02) * 2 ** attempt)


def _session_lost(conn: Any, err: BaseException) -> bool:
    """True when the connection is gone, or the error says that its session
    ended (class 08 or SESSION_ENDED)."""
    code = getattr(err, "sqlstate", None) or ""
    return bool(conn.closed or code.startswith("08") or code in SESSION_ENDED)


def _secs(value: Optional[float]) -> Optional[float]:
    return None if value is None else float(value)


class IdempotencyMiddleware:
    """The middleware.  ``app.add_middleware(IdempotencyMiddleware, pool=pool)``
    in Starlette or FastAPI, or ``IdempotencyMiddleware(app, pool=pool)``.

    Times are in seconds.  See docs/http.md for every option."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        pool: Any,
        methods: Iterable[str] = ("POST", "PATCH"),
        routes: Optional[Sequence[Route]] = None,
        required: bool = True,
        header: str = "idempotency-key",
        max_key_length: int = 255,
        scope: Optional[Callable[[Scope], MaybeAwaitable]] = None,
        fingerprint: Optional[Callable[[Scope, bytes], MaybeAwaitable]] = None,
        wait: float = 10.0,
        retry_after: int = 1,
        lease: Optional[float] = None,
        ttl: Optional[float] = None,
        store_client_errors: bool = True,
        store_headers: Iterable[str] = DEFAULT_HEADERS,
        replay_header: str = "idempotent-replayed",
        retries: int = 3,
        body_limit: int = 1024 * 1024,
        remember_completed: int = 10000,
    ) -> None:
        if pool is None or not hasattr(pool, "connection"):
            raise TypeError("IdempotencyMiddleware: pool (a psycopg_pool.AsyncConnectionPool) is required")
        self.app = app
        self.pool = pool
        self.methods = {m.upper() for m in methods}
        self.routes = list(routes) if routes is not None else None
        self.required = required
        self.header = header.lower().encode("latin-1")
        self.max_key_length = max_key_length
        self.scope = scope or (lambda _scope: "")
        self.fingerprint = fingerprint
        self.wait = wait
        self.retry_after = retry_after
        self.lease = lease
        self.ttl = ttl
        self.store_client_errors = store_client_errors
        self.store_headers = {h.lower() for h in store_headers}
        self.replay_header = replay_header.lower().encode("latin-1")
        self.retries = retries
        self.body_limit = body_limit
        self.remember_completed = remember_completed
        # keys this middleware saw completed (stored or replayed), oldest
        # first: a retry of one of them is most likely a replay, which one
        # claim() outside a transaction answers
        self._completed: Dict[Tuple[str, str], bool] = {}
        # duplicates waiting for a key's holder, by key: the end of the
        # holder's request (committed or rolled back) wakes them
        self._waiting: Dict[Tuple[str, str], Set[asyncio.Event]] = {}
        # the one request of this middleware that claims a held key again on
        # a timer, by key; its other duplicates here wait to be woken (by the
        # holder's end, or by the poller's when it answers or gives up), so
        # that a burst of duplicates takes one connection at a time
        self._pollers: Dict[Tuple[str, str], object] = {}

    # -- request side ------------------------------------------------------

    def _applies(self, scope: Scope) -> bool:
        if scope["method"].upper() not in self.methods:
            return False
        if self.routes is None:
            return True
        path = scope["path"]
        for r in self.routes:
            if isinstance(r, str):
                if r == path:
                    return True
            elif hasattr(r, "search"):
                if r.search(path):  # type: ignore[union-attr]
                    return True
            elif r(scope):  # type: ignore[operator]
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope):
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope["headers"] if k.lower() == self.header]
        if not values:
            if not self.required:
                await self.app(scope, receive, send)
                return
            await self._problem(send, 400, "key_missing", "Idempotency-Key is missing",
                                f"This endpoint requires an Idempotency-Key header on {scope['method']} requests.")
            return
        found = await self._identify(scope, receive, send, values)
        if found is None:
            return
        key, body, key_scope, fp = found
        # A duplicate of a running request gets _BUSY from the flow, which
        # gave its connection back: it waits without one (woken early when
        # the holder is in this middleware) and claims again, until wait
        # runs out.
        deadline = time.monotonic() + self.wait
        rounds = 0
        me = object()
        try:
            while True:
                outcome: Any = None
                try:
                    outcome = await self._one_pass(scope, receive, send, key, key_scope, fp, body, rounds > 0)
                finally:
                    if outcome is not _BUSY:
                        self._wake(key_scope, key)
                if outcome is not _BUSY:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    await self._busy(send, "The request that holds this key did not finish in time.")
                    return
                poller = self._pollers.setdefault((key_scope, key), me)
                poll = min(POLL_MAX, POLL_FIRST * 2 ** rounds) * (0.5 + random.random() / 2)
                await self._pause(key_scope, key, min(left, poll) if poller is me else left)
                rounds += 1
        finally:
            if self._pollers.get((key_scope, key)) is me:
                del self._pollers[(key_scope, key)]
                self._wake(key_scope, key)  # another duplicate here polls in its place

    async def _identify(self, scope: Scope, receive: Receive, send: Send,
                        values: List[bytes]) -> Optional[Tuple[str, bytes, str, Optional[str]]]:
        """The request's key (from the header's values), body, scope and
        fingerprint; None once a 400 or 413 is answered, or when the client
        went away before its request arrived."""
        key = parse_key(b", ".join(values).decode("latin-1"), self.max_key_length)
        if key is None:
            await self._problem(send, 400, "key_malformed", "Idempotency-Key is malformed",
                                f'The key must be a string ("...") or a token of 1 to {self.max_key_length} bytes.')
            return None
        body = await self._read_body(receive)
        if body is None:
            await self._problem(send, 413, "body_too_large", "Request body too large",
                                f"The body exceeds {self.body_limit} bytes.")
            return None
        if body is False:
            return None
        key_scope = str(await _maybe(self.scope(scope)) or "")
        return key, body, key_scope, await self._fingerprint(scope, body)

    async def _fingerprint(self, scope: Scope, body: bytes) -> Optional[str]:
        """The request's fingerprint: the option's material hashed, or the
        method, target and body's."""
        if self.fingerprint is not None:
            material = await _maybe(self.fingerprint(scope, body))
            return None if material is None else _sha256(
                material if isinstance(material, bytes) else str(material).encode())
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        return _sha256(scope["method"].encode() + b" " + target + b"\n", body)

    async def _one_pass(self, scope: Scope, receive: Receive, send: Send, key: str, key_scope: str,
                        fp: Optional[str], body: bytes, probe: bool) -> Any:
        """One pass of a flow on a connection of the pool, given back before
        it returns (_BUSY when another request holds the key)."""
        async with contextlib.AsyncExitStack() as stack:
            try:
                conn = await stack.enter_async_context(self.pool.connection())
            except Exception:  # noqa: BLE001 - no connection (the server is down, starting, or refuses)
                await self._unavailable(send)  # nothing ran: the retry is safe
                return None
            autocommit = conn.autocommit
            if self.lease is not None:
                # the lease flow commits with psycopg's transactions
                if autocommit:
                    await conn.set_autocommit(False)
                try:
                    return await self._lease_flow(scope, receive, send, conn, key, key_scope, fp, body)
                finally:
                    if autocommit and not conn.closed:
                        await self._restore_mode(conn, True)
            # the transaction flow sends BEGIN and COMMIT itself, each with
            # another statement: autocommit, so that psycopg sends no BEGIN
            if not autocommit:
                await conn.set_autocommit(True)
            try:
                return await self._transaction_flow(scope, receive, send, conn, key, key_scope, fp, body, probe)
            finally:
                if not conn.closed:
                    await self._restore_mode(conn, autocommit)

    async def _pause(self, key_scope: str, key: str, seconds: float) -> None:
        """Waits up to seconds, less when _wake() is called for the key."""
        event = asyncio.Event()
        waiters = self._waiting.setdefault((key_scope, key), set())
        waiters.add(event)
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            waiters.discard(event)
            if not waiters and self._waiting.get((key_scope, key)) is waiters:
                del self._waiting[(key_scope, key)]

    def _wake(self, key_scope: str, key: str) -> None:
        for event in self._waiting.get((key_scope, key), ()):
            event.set()

    async def _read_body(self, receive: Receive) -> Union[bytes, None, bool]:
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.body_limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    # -- the two flows -------------------------------------------------------

    async def _claim(self, conn: Any, key: str, key_scope: str, fp: Optional[str],
                     wait: float, lease: Optional[float]) -> Dict[str, Any]:
        cur = await conn.execute(CLAIM_SQL, (key, key_scope, fp, _secs(wait), _secs(lease), _secs(self.ttl)))
        row = await cur.fetchone()
        names = [d.name for d in cur.description]
        return dict(zip(names, row))

    async def _restore_mode(self, conn: Any, autocommit: bool) -> None:
        """Gives a connection that a flow used back to the pool outside any
        transaction, in its own mode (autocommit or not).  A request
        cancelled while its statement ran leaves the connection busy: it is
        closed, and the pool replaces it; one cancelled inside its
        transaction is rolled back first."""
        status = conn.info.transaction_status
        if status == TransactionStatus.ACTIVE:
            await conn.close()
            return
        if status != TransactionStatus.IDLE:
            await self._rollback(conn)
        if not conn.closed and conn.autocommit != autocommit:
            await conn.set_autocommit(autocommit)

    def _remember(self, key_scope: str, key: str) -> None:
        if self.remember_completed <= 0 or (key_scope, key) in self._completed:
            return
        self._completed[(key_scope, key)] = True
        if len(self._completed) > self.remember_completed:
            del self._completed[next(iter(self._completed))]

    async def _replay_known(self, send: Send, conn: Any, key: str, key_scope: str,
                            fp: Optional[str]) -> Any:
        """A key seen completed, or one whose holder this request waited
        for: BEGIN, the claim (that never waits) and ROLLBACK in one round
        trip, on a connection in autocommit mode.  A completed key replays
        (a replay writes nothing); a key that is no longer completed (expiry
        deleted it, or its holder rolled back) is claimed, and the ROLLBACK
        gives it back at once.  True when the request was answered, _BUSY
        when the key is held, False to go on with the transaction as for
        any key."""
        try:
            esc, encoding = Escaping(conn.pgconn), conn.info.encoding
            values = [_literal(esc, encoding, v) for v in (key, key_scope, fp, 0.0, None, _secs(self.ttl))]
            cur = await conn.execute(b"BEGIN; " + _claim_sql(conn, values) + b"; ROLLBACK")
            _prepared_sent(conn)
            row = await _claim_row(cur)
        except Exception as err:  # noqa: BLE001 - the transaction decides, or answered
            self._completed.pop((key_scope, key), None)
            await self._rollback(conn)
            if conn.closed or _prepared_failed(conn, err) or getattr(err, "sqlstate", None) in TRANSIENT:
                return False
            if not await self._answer_error(send, err):
                raise
            return True
        if row["outcome"] == "completed":
            await self._send_stored(send, row["response"], row["response_code"])
            return True
        if row["outcome"] == "in_progress":
            return _BUSY
        self._completed.pop((key_scope, key), None)
        return False

    def _app_scope(self, scope: Scope, ctx: IdempotencyContext) -> Scope:
        state = dict(scope.get("state") or {})
        state["db"] = ctx.db
        state["idempotency"] = ctx
        return {**scope, "state": state, "idempotency": ctx}

    async def _run_app(self, scope: Scope, receive: Receive, body: bytes) -> _Captured:
        given = False

        async def replay_receive() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # only a disconnect is left to come

        cap = _Captured()
        await self.app(scope, replay_receive, cap.send)
        if not cap.done:
            raise RuntimeError("the application returned without completing its response")
        return cap

    def _should_store(self, status: int) -> bool:
        if status >= 500:
            return False
        if status >= 400:
            return self.store_client_errors
        return True

    async def _transaction_flow(self, scope: Scope, receive: Receive, send: Send, conn: Any, key: str,
                                key_scope: str, fp: Optional[str], body: bytes, probe: bool) -> Any:
        """The transaction, on a connection in autocommit mode: BEGIN and the
        claim in one round trip, the application, then complete() and COMMIT
        in one round trip.  The claim never waits: _BUSY when another request
        holds the key."""
        if probe or (key_scope, key) in self._completed:
            answered = await self._replay_known(send, conn, key, key_scope, fp)
            if answered:
                return answered
        esc, encoding = Escaping(conn.pgconn), conn.info.encoding

        def lit(value: Any) -> bytes:
            return _literal(esc, encoding, value)

        attempt = 0
        while True:
            try:
                values = [lit(v) for v in (key, key_scope, fp, 0.0, None, _secs(self.ttl))]
                cur = await conn.execute(b"BEGIN; " + _claim_sql(conn, values))
                _prepared_sent(conn)
                row = await _claim_row(cur)
                if row["outcome"] == "completed":
                    await conn.execute(b"COMMIT")
                    self._remember(key_scope, key)
                    await self._send_stored(send, row["response"], row["response_code"])
                    return True
                if row["outcome"] == "in_progress":
                    await conn.execute(b"ROLLBACK")
                    return _BUSY
                ctx = IdempotencyContext(conn, key, key_scope, row["outcome"], row["recovery_point"], attempt)
                cap = await self._run_app(self._app_scope(scope, ctx), receive, body)
                if self._should_store(cap.status):
                    stored = json.dumps(self._stored(cap))
                    await conn.execute(_complete_sql(conn, (lit(key), lit(stored), str(cap.status).encode(),
                                                            lit(key_scope))))
                    self._remember(key_scope, key)
                else:
                    await conn.execute(b"ROLLBACK")
                await self._send_captured(send, cap)
                return True
            except Exception as err:  # noqa: BLE001 - rolled back, then answered or re-raised
                await self._rollback(conn)
                # a connection without the prepared statements, or with them
                # already: once more, with what it needs
                if _prepared_failed(conn, err) and not conn.closed:
                    continue
                if getattr(err, "sqlstate", None) in TRANSIENT and attempt < self.retries and not conn.closed:
                    await _backoff(attempt)
                    attempt += 1
                    continue
                if not await self._answer_lost(send, conn, err) and not await self._answer_error(send, err):
                    raise
                return

    async def _lease_flow(self, scope: Scope, receive: Receive, send: Send, conn: Any, key: str,
                          key_scope: str, fp: Optional[str], body: bytes) -> Any:
        transient = 0
        while True:
            try:
                row = await self._claim(conn, key, key_scope, fp, 0.0, self.lease)
                await conn.commit()
            except Exception as err:  # noqa: BLE001
                await self._rollback(conn)
                if getattr(err, "sqlstate", None) in TRANSIENT and transient < self.retries:
                    transient += 1
                    continue
                if not await self._answer_lost(send, conn, err) and not await self._answer_error(send, err):
                    raise
                return
            if row["outcome"] == "completed":
                await self._send_stored(send, row["response"], row["response_code"])
                return True
            if row["outcome"] == "in_progress":
                return _BUSY
            break

        token = str(row["lease_token"])
        point: Optional[str] = row["recovery_point"]
        outcome = row["outcome"]

        async def checkpoint(recovery_point: str) -> None:
            nonlocal point
            await conn.execute(
                "SELECT FROM idempotency.checkpoint(%s::text, %s::text, %s::text, %s::uuid)",
                (key, recovery_point, key_scope, token))
            await conn.commit()
            point = recovery_point

        attempt = 0
        while True:
            try:
                ctx = IdempotencyContext(conn, key, key_scope, outcome, point, attempt, token, checkpoint)
                cap = await self._run_app(self._app_scope(scope, ctx), receive, body)
                if self._should_store(cap.status):
                    await conn.execute(
                        "SELECT FROM idempotency.complete(%s::text, %s::jsonb, %s::int4, %s::text, %s::uuid)",
                        (key, json.dumps(self._stored(cap)), cap.status, key_scope, token))
                    await conn.commit()
                else:
                    await conn.rollback()
                    await self._give_up(conn, key, key_scope, token, point)
                await self._send_captured(send, cap)
                return
            except Exception as err:  # noqa: BLE001
                await self._rollback(conn)
                if getattr(err, "sqlstate", None) in TRANSIENT and attempt < self.retries and not conn.closed:
                    await _backoff(attempt)
                    attempt += 1
                    outcome = "recovered"
                    continue
                if getattr(err, "sqlstate", None) != "IK002" and not conn.closed:
                    try:
                        await self._give_up(conn, key, key_scope, token, point)
                    except Exception:  # noqa: BLE001 - the original error matters more
                        await self._rollback(conn)
                if not await self._answer_lost(send, conn, err) and not await self._answer_error(send, err):
                    raise
                return

    async def _give_up(self, conn: Any, key: str, key_scope: str, token: str, point: Optional[str]) -> None:
        """Ends a lease claim that will not complete: released when it made no
        progress, else its lease is ended so that the next claim recovers it at
        once, from its last recovery point."""
        if point is None:
            await conn.execute("SELECT idempotency.release(%s::text, %s::text, %s::uuid)", (key, key_scope, token))
        else:
            await conn.execute(
                "SELECT FROM idempotency.checkpoint(%s::text, %s::text, %s::text, %s::uuid, '1 microsecond')",
                (key, point, key_scope, token))
        await conn.commit()

    @staticmethod
    async def _rollback(conn: Any) -> None:
        if not conn.closed:
            try:
                await conn.rollback()
            except Exception:  # noqa: BLE001 - a broken connection; the pool discards it
                pass

    # -- response side -------------------------------------------------------

    def _stored(self, cap: _Captured) -> Dict[str, Any]:
        headers: Dict[str, Any] = {}
        for k, v in cap.headers:
            name = k.decode("latin-1").lower()
            if name in self.store_headers:
                value = v.decode("latin-1")
                if name in headers:
                    prev = headers[name]
                    headers[name] = (prev if isinstance(prev, list) else [prev]) + [value]
                else:
                    headers[name] = value
        out: Dict[str, Any] = {"status": cap.status, "headers": headers}
        body = cap.body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            out["body"] = text
        else:
            out["body_base64"] = base64.b64encode(body).decode("ascii")
        return out

    async def _send_captured(self, send: Send, cap: _Captured) -> None:
        await send({"type": "http.response.start", "status": cap.status, "headers": cap.headers})
        await send({"type": "http.response.body", "body": cap.body, "more_body": False})

    async def _send_stored(self, send: Send, stored: Dict[str, Any], status: int) -> None:
        if "body" in stored:
            body = str(stored["body"]).encode("utf-8")
        else:
            body = base64.b64decode(stored.get("body_base64") or "")
        headers: List[Tuple[bytes, bytes]] = []
        for k, v in (stored.get("headers") or {}).items():
            for one in v if isinstance(v, list) else [v]:
                headers.append((k.encode("latin-1"), str(one).encode("latin-1")))
        headers.append((self.replay_header, b"true"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": int(status), "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _problem(self, send: Send, status: int, code: str, title: str, detail: str,
                       extra: Sequence[Tuple[bytes, bytes]] = ()) -> None:
        body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail,
                           "code": code}).encode()
        headers = [(b"content-type", b"application/problem+json"),
                   (b"content-length", str(len(body)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _retry_after(self) -> List[Tuple[bytes, bytes]]:
        return [(b"retry-after", str(self.retry_after).encode())]

    async def _busy(self, send: Send, detail: str) -> None:
        await self._problem(send, 409, "in_progress", "A request with this key is in progress", detail,
                            self._retry_after())

    async def _unavailable(self, send: Send) -> None:
        await self._problem(send, 503, "database_unavailable", "Database unavailable",
                            "The connection to the database was lost or could not be made. Retry with the same key: "
                            "the retry gets the stored response if the work committed, and runs it otherwise.",
                            self._retry_after())

    async def _answer_lost(self, send: Send, conn: Any, err: BaseException) -> bool:
        """Answers 503 when the request's connection is gone (its ROLLBACK
        failed, or it broke earlier: the pool discards it when it comes back)
        or the error says that a session ended; False otherwise."""
        if not _session_lost(conn, err):
            return False
        await self._unavailable(send)
        return True

    async def _answer_error(self, send: Send, err: BaseException) -> bool:
        """Answers a database error the middleware knows; False for any other."""
        code = getattr(err, "sqlstate", None)
        if code == "IK001":
            await self._problem(send, 422, "key_mismatch", "Idempotency-Key reused for a different request",
                                "This key was first used with another request (method, path or body differ).")
        elif code == "55P03":
            await self._busy(send, "The request that holds this key is still running.")
        elif code == "IK002":
            await self._problem(send, 409, "lease_lost", "Idempotency-Key taken over",
                                "The lease on this key ran out and another request took it over.",
                                self._retry_after())
        elif code in TRANSIENT:
            await self._problem(send, 409, "conflict", "Conflicting concurrent requests",
                                "The transaction kept conflicting with others; retry the request.",
                                self._retry_after())
        elif code == "25006":
            await self._problem(send, 503, "read_only", "Database is read-only",
                                "The request reached a read-only database server.", self._retry_after())
        elif code == "54000":
            await self._problem(send, 500, "response_too_large", "Response too large to store",
                                "The response exceeds idempotency.max_response_size; nothing was committed.")
        else:
            return False
        return True


# -- the one-statement route ------------------------------------------------
# A route whose work is one SQL statement: once_with() runs it under the key,
# in one round trip outside any transaction block, for a new key and for a
# replay.  Whether the statement ran is read in the same statement: a new
# key's once_with() writes (its key row), so the transaction has an ID after
# it; a replay writes nothing.
# The parameters go as one text array (VARIADIC): once_with() takes up to
# 100 of them so, where 100 arguments in all would leave it 95.
ONCE_SQL = ("SELECT s.r, pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL "
            "FROM (SELECT idempotency.once_with(%s::text, %s::text, make_interval(secs => %s::float8), "
            "%s::text, %s::text, VARIADIC %s::text[]) AS r OFFSET 0) AS s")


def _once_value(value: Any) -> Optional[str]:
    """A statement parameter as text (once_with() takes them so)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Run:
    """A request of an IdempotentStatement running its statement: its end
    sets event; completed when it got the rows (the key is completed)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.completed = False


class _Unreachable(Exception):
    """The database could not be reached, or the request's session ended."""


class IdempotentStatement(IdempotencyMiddleware):
    """An ASGI endpoint whose work is one SQL statement, run by
    ``idempotency.once_with()`` under the request's key and fingerprint in
    one round trip, for a new key and for a replay::

        Route("/payments", IdempotentStatement(
            pool=pool,
            text="INSERT INTO payments (account, amount) VALUES ($1, $2::numeric) RETURNING id",
            values=lambda scope, body: [account(scope), json.loads(body)["amount"]],
            render=lambda rows, scope, info: JSONResponse({"id": rows[0]["id"]}, status_code=201)),
            methods=["POST"])

    The statement's parameters ($1, $2, ...) arrive as text: cast them in
    the statement.  ``values(scope, body)`` gives them (at most 100);
    ``render(rows, scope, info)`` returns the answer (an ASGI application,
    such as a Starlette Response) from the rows, a list of dicts, on the
    first request and with the same rows on every replay, which also carries
    the replay header; info has key, scope and replayed.  The route always
    needs a key (``methods``, ``routes`` and ``required`` do not apply).
    Duplicates in this process wait for the first request without a
    connection, at most ``wait`` seconds.  Other options are the
    middleware's."""

    def __init__(self, *, pool: Any, text: str, render: Callable[..., MaybeAwaitable],
                 values: Optional[Callable[[Scope, bytes], MaybeAwaitable]] = None, **options: Any) -> None:
        async def no_app(scope: Scope, receive: Receive, send: Send) -> None:
            raise RuntimeError("IdempotentStatement has no inner application")
        super().__init__(no_app, pool=pool, **options)
        if not isinstance(text, str) or not callable(render):
            raise TypeError("IdempotentStatement: text (a statement) and render (a function) are required")
        self.text = text
        self.render = render
        self.values = values or (lambda _scope, _body: [])
        # requests of this endpoint running the statement, by key
        self._running: Dict[Tuple[str, str], _Run] = {}
        # connections where a prepared statement was lost (26000) or
        # clashed (42P05): the statement is sent unprepared there
        self._unprepared: "weakref.WeakSet[Any]" = weakref.WeakSet()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = [v for k, v in scope["headers"] if k.lower() == self.header]
        if not headers:
            await self._problem(send, 400, "key_missing", "Idempotency-Key is missing",
                                f"This endpoint requires an Idempotency-Key header on {scope['method']} requests.")
            return
        found = await self._identify(scope, receive, send, headers)
        if found is None:
            return
        key, body, key_scope, fp = found
        given = await _maybe(self.values(scope, body))
        if not isinstance(given, (list, tuple)):
            raise TypeError("IdempotentStatement: values must return a list")
        if len(given) > 100:
            raise ValueError("IdempotentStatement: at most 100 statement parameters")
        values = [_once_value(v) for v in given]
        # a duplicate of a request of this endpoint that runs the statement
        # waits for its end without a connection (at most wait); when that
        # request got its rows, the key is completed and every waiting
        # duplicate replays at once; when it failed, one of them runs the
        # statement in its place.  Duplicates from elsewhere wait in
        # once_with() itself.
        deadline = time.monotonic() + self.wait
        completed = False
        while not completed and (key_scope, key) in self._running:
            prior = self._running[(key_scope, key)]
            left = deadline - time.monotonic()
            if left <= 0:
                await self._busy(send, "The request that holds this key did not finish in time.")
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(prior.event.wait(), left)
            completed = prior.completed
        run = None
        if not completed:
            run = _Run()
            self._running[(key_scope, key)] = run
        try:
            rows, ran = await self._once(key, key_scope, fp, values)
            if run is not None:
                run.completed = True
        except _Unreachable:
            await self._unavailable(send)
            return
        except Exception as err:  # noqa: BLE001 - answered if known
            if not await self._answer_error(send, err):
                raise
            return
        finally:
            if run is not None:
                del self._running[(key_scope, key)]
                run.event.set()
        response = await _maybe(self.render(rows, scope, {"key": key, "scope": key_scope, "replayed": not ran}))
        if ran:
            await response(scope, receive, send)
            return

        async def replayed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (self.replay_header, b"true")]}
            await send(message)
        await response(scope, receive, replayed)

    async def _once(self, key: str, key_scope: str, fp: Optional[str],
                    values: List[Optional[str]]) -> Tuple[Any, bool]:
        """once_with() on a connection of the pool, in autocommit mode (so
        that psycopg sends no BEGIN); 40001/40P01 retried as in the
        transaction flow.  Returns the rows and whether the statement ran."""
        params = (key, key_scope, _secs(self.ttl), fp, self.text, values)
        attempt = 0
        while True:
            async with contextlib.AsyncExitStack() as stack:
                try:
                    conn = await stack.enter_async_context(self.pool.connection())
                except Exception as err:  # noqa: BLE001 - no connection: nothing ran
                    raise _Unreachable() from err
                autocommit = conn.autocommit
                if not autocommit:
                    await conn.set_autocommit(True)
                try:
                    try:
                        cur = await conn.execute(ONCE_SQL, params, prepare=conn not in self._unprepared)
                    except Exception as err:  # noqa: BLE001
                        if getattr(err, "sqlstate", None) not in ("26000", "42P05") or conn.closed:
                            raise
                        self._unprepared.add(conn)  # nothing ran: the statement was never bound
                        cur = await conn.execute(ONCE_SQL, params, prepare=False)
                    row = await cur.fetchone()
                    if not isinstance(row[0], list):
                        # a key completed by the transaction flow (a fingerprint
                        # option that ignores the route), or with a NULL response
                        raise RuntimeError(f'idempotency: key "{key}" holds a response that is not a '
                                           "one-statement route's rows")
                    return row[0], bool(row[1])
                except Exception as err:  # noqa: BLE001
                    if _session_lost(conn, err):
                        raise _Unreachable() from err
                    if getattr(err, "sqlstate", None) not in TRANSIENT or attempt >= self.retries:
                        raise
                finally:
                    if not conn.closed:
                        await self._restore_mode(conn, autocommit)
            await _backoff(attempt)
            attempt += 1
