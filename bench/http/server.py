"""bench/http's ASGI server: one handler that inserts a row, mounted twice on
one Starlette app, without the middleware (POST /plain, an autocommit
INSERT on the pool) and through it (POST /idem, the INSERT on the request's
connection, in the key's transaction).  Each row carries the request's
Idempotency-Key (NULL on /plain), so that the runner can count a round's rows
and keys exactly.  GET /bench-stats answers, per route, the requests begun and
answered, and the answers that were 2xx, not 2xx, and replays (2xx with
Idempotent-Replayed), counted by an ASGI wrapper around the whole application
when the request's handling ends, whether or not the client is still there: the
runner's check compares them with the rows and keys of a round.  PG*
variables; prints "listening PORT"."""

import json
import os
import socket
import sys
from typing import Any

import uvicorn
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python", "src"))
from idempotency_asgi import IdempotencyMiddleware, IdempotentStatement  # noqa: E402

size = int(os.environ.get("BENCH_POOL", "16"))
pool = AsyncConnectionPool("", min_size=size, max_size=size, open=False)
INSERT = "INSERT INTO bench_rows (key, payload) VALUES (%s, %s) RETURNING id"


async def plain(request: Request) -> JSONResponse:
    payload = (await request.json())["payload"]
    async with pool.connection() as conn:
        cur = await conn.execute(INSERT, (request.headers.get("idempotency-key"), payload))
        row = await cur.fetchone()
    return JSONResponse({"id": row[0]}, status_code=201)


async def idem(request: Request) -> JSONResponse:
    payload = (await request.json())["payload"]
    cur = await request.state.db.execute(INSERT, (request.headers.get("idempotency-key"), payload))
    row = await cur.fetchone()
    return JSONResponse({"id": row[0]}, status_code=201)


async def startup() -> None:
    await pool.open()
    async with pool.connection() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, key text, payload text)")


# the same INSERT as a one-statement route: once_with() in one round trip
once = IdempotentStatement(
    pool=pool, text="INSERT INTO bench_rows (key, payload) VALUES ($1, $2) RETURNING id",
    values=lambda scope, body: [dict(scope["headers"]).get(b"idempotency-key", b"").decode(),
                                json.loads(body)["payload"]],
    render=lambda rows, scope, info: JSONResponse({"id": rows[0]["id"]}, status_code=201))
app = Starlette(routes=[Route("/plain", plain, methods=["POST"]), Route("/idem", idem, methods=["POST"]),
                        Route("/once", once, methods=["POST"])],
                on_startup=[startup])
app.add_middleware(IdempotencyMiddleware, pool=pool, routes=["/idem"])


class Counted:
    """The application, with each POST to /plain and /idem counted (begun,
    answered, 2xx, not 2xx, replayed) and GET /bench-stats answering the
    counts, one route a line."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.stats = {"/plain": [0, 0, 0, 0, 0], "/idem": [0, 0, 0, 0, 0], "/once": [0, 0, 0, 0, 0]}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        if scope["path"] == "/bench-stats":
            text = "".join(f"{route} {' '.join(map(str, s))}\n" for route, s in self.stats.items()).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(text)).encode())]})
            await send({"type": "http.response.body", "body": text})
            return
        s = self.stats.get(scope["path"]) if scope["method"] == "POST" else None
        if s is None:
            await self.inner(scope, receive, send)
            return
        s[0] += 1
        status = 0
        replayed = False

        async def counted_send(message: Any) -> None:
            nonlocal status, replayed
            if message["type"] == "http.response.start":
                status = message["status"]
                replayed = any(k.lower() == b"idempotent-replayed" for k, _ in message.get("headers", ()))
            await send(message)

        try:
            await self.inner(scope, receive, counted_send)
        finally:
            s[1] += 1
            if 200 <= status < 300:
                s[2] += 1
                s[4] += replayed
            else:
                s[3] += 1


def main() -> None:
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on the accepted
    # connections (it does only for sockets that say they are TCP); without
    # it a keep-alive client waits for delayed ACKs, about 40 ms a response
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    server = uvicorn.Server(uvicorn.Config(Counted(app), log_level="critical", lifespan="on"))
    print(f"listening {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
