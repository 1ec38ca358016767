"""bench/http's ASGI server: one handler that inserts a row, mounted twice on
one Starlette app, without the middleware (POST /plain, an autocommit
INSERT on the pool) and through it (POST /idem, the INSERT on the request's
connection, in the key's transaction).  PG* variables; prints "listening
PORT"."""

import os
import socket
import sys

import uvicorn
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python", "src"))
from idempotency_asgi import IdempotencyMiddleware  # noqa: E402

size = int(os.environ.get("BENCH_POOL", "16"))
pool = AsyncConnectionPool("", min_size=size, max_size=size, open=False)
INSERT = "INSERT INTO bench_rows (payload) VALUES (%s) RETURNING id"


async def plain(request: Request) -> JSONResponse:
    payload = (await request.json())["payload"]
    async with pool.connection() as conn:
        cur = await conn.execute(INSERT, (payload,))
        row = await cur.fetchone()
    return JSONResponse({"id": row[0]}, status_code=201)


async def idem(request: Request) -> JSONResponse:
    payload = (await request.json())["payload"]
    cur = await request.state.db.execute(INSERT, (payload,))
    row = await cur.fetchone()
    return JSONResponse({"id": row[0]}, status_code=201)


async def startup() -> None:
    await pool.open()
    async with pool.connection() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, payload text)")


app = Starlette(routes=[Route("/plain", plain, methods=["POST"]), Route("/idem", idem, methods=["POST"])],
                on_startup=[startup])
app.add_middleware(IdempotencyMiddleware, pool=pool, routes=["/idem"])


def main() -> None:
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on the accepted
    # connections (it does only for sockets that say they are TCP); without
    # it a keep-alive client waits for delayed ACKs, about 40 ms a response
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="on"))
    print(f"listening {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
