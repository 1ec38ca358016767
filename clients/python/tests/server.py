"""The application the tests drive over HTTP (FastAPI on uvicorn): routes
that insert a row in the request's transaction, with switches (request
headers, which are not part of the fingerprint) for delays, failures,
transient errors and sessions that end mid-handler.  Each route has its own
middleware instance, selected by the ``routes`` option.

    python3 tests/server.py   (PG* variables; POOL_MAX (60); CRASH_AFTER_CHECKPOINT=1)

Prints "listening PORT" once its socket accepts connections."""

import asyncio
import contextlib
import json
import os
import socket
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from psycopg_pool import AsyncConnectionPool

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from idempotency_asgi import IdempotencyMiddleware, IdempotentStatement  # noqa: E402

POOL_MAX = int(os.environ.get("POOL_MAX", "60"))
pool = AsyncConnectionPool("", min_size=min(2, POOL_MAX), max_size=POOL_MAX, open=False)
app = FastAPI()


def account(scope):
    for k, v in scope["headers"]:
        if k == b"x-account":
            return v.decode()
    return ""


def by_amount(scope, body):
    return json.dumps({"amount": json.loads(body).get("amount")})


common = dict(pool=pool, wait=5.0, scope=account)
app.add_middleware(IdempotencyMiddleware, routes=["/orders"], **common)
app.add_middleware(IdempotencyMiddleware, routes=["/short"], **{**common, "wait": 0.2}, retry_after=2)
app.add_middleware(IdempotencyMiddleware, routes=["/no4xx"], store_client_errors=False, **common)
app.add_middleware(IdempotencyMiddleware, routes=["/fp"], fingerprint=by_amount, **common)
app.add_middleware(IdempotencyMiddleware, routes=["/pay"], lease=5.0, **common)
app.add_middleware(IdempotencyMiddleware, routes=["/mw/items"], **common)
app.add_middleware(IdempotencyMiddleware, routes=["/forgetful"], remember_completed=0, **common)
app.add_middleware(IdempotencyMiddleware, routes=["/lean"], **common)


async def autocommit(sql, *params):
    async with pool.connection() as c:
        cur = await c.execute(sql, params)
        row = await cur.fetchone() if cur.description else None
        await c.commit()
        return row


@app.on_event("startup")
async def startup():
    await pool.open()
    await autocommit("""
        CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, label text);
        CREATE TABLE IF NOT EXISTS handler_runs (idem_key text);
        CREATE TABLE IF NOT EXISTS provider_calls (id bigserial PRIMARY KEY, idem_key text);
        CREATE TABLE IF NOT EXISTS payments (idem_key text PRIMARY KEY, charge text);
        CREATE TABLE IF NOT EXISTS deferred_unique (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)""")


async def order(request: Request) -> Response:
    ctx = request.state.idempotency
    db = request.state.db
    data = await request.json()
    # counted outside the transaction: every run of the handler, even rolled back
    await autocommit("INSERT INTO handler_runs (idem_key) VALUES (%s)", ctx.key)
    if ctx.attempt < int(request.headers.get("x-transient", "0")):
        await db.execute("DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '40001'; END $$")
    cur = await db.execute("INSERT INTO orders (label) VALUES (%s) RETURNING id", (data["label"],))
    oid = (await cur.fetchone())[0]
    if request.headers.get("x-idle-timeout"):  # the session ends if the handler idles longer in its transaction
        await db.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, true)",
                         (request.headers["x-idle-timeout"] + "ms",))
    if request.headers.get("x-db-sleep"):
        await db.execute("SELECT pg_sleep(%s)", (int(request.headers["x-db-sleep"]) / 1000,))
    await asyncio.sleep(int(request.headers.get("x-delay", "0")) / 1000)
    fail = request.headers.get("x-fail")
    if fail == "throw":
        raise RuntimeError("handler failed")
    if fail == "sql":  # the handler's statement fails (22012)
        await db.execute("SELECT 1 / 0")
    if fail == "complete":  # complete() fails: the response exceeds max_response_size (54000)
        await db.execute("SELECT set_config('idempotency.max_response_size', '1024', true)")
        return JSONResponse({"id": oid, "pad": "x" * 2000}, status_code=201)
    if fail == "commit":  # the COMMIT after complete() fails: a deferred unique violation (23505)
        await db.execute("INSERT INTO deferred_unique (id) VALUES (1), (1)")
    if fail == "500":
        return JSONResponse({"error": "boom"}, status_code=500)
    if fail == "404":
        return JSONResponse({"error": "no such thing", "id": oid}, status_code=404)
    return JSONResponse({"id": oid, "label": data["label"], "amount": data.get("amount")}, status_code=201,
                        headers={"Location": f"/orders/{oid}", "X-Not-Stored": "yes"})


async def order_without_key(request: Request) -> Response:
    data = await request.json()
    row = await autocommit("INSERT INTO orders (label) VALUES (%s) RETURNING id", data["label"])
    ctx = request.scope.get("idempotency")
    return JSONResponse({"id": row[0], "idempotency": None if ctx is None else "set"}, status_code=201)


async def pay(request: Request) -> Response:
    """The guide's payment flow: a "provider" call outside any transaction,
    its result recorded with a checkpoint, the order written with complete()."""
    ctx = request.state.idempotency
    db = request.state.db
    data = await request.json()
    if ctx.recovery_point is None:
        call = await autocommit("INSERT INTO provider_calls (idem_key) VALUES (%s) RETURNING id", ctx.key)
        charge = f"ch_{call[0]}"
        await db.execute("INSERT INTO payments (idem_key, charge) VALUES (%s, %s)", (ctx.key, charge))
        await ctx.checkpoint("charge_created")
        if os.environ.get("CRASH_AFTER_CHECKPOINT"):
            await asyncio.Event().wait()  # killed here
    else:
        cur = await db.execute("SELECT charge FROM payments WHERE idem_key = %s", (ctx.key,))
        charge = (await cur.fetchone())[0]
    if request.headers.get("x-fail") == "throw":
        raise RuntimeError("handler failed after the charge")
    cur = await db.execute("INSERT INTO orders (label) VALUES (%s) RETURNING id", (data["label"],))
    oid = (await cur.fetchone())[0]
    return JSONResponse({"order": oid, "charge": charge, "resumedFrom": ctx.recovery_point}, status_code=201)


async def lean(request: Request) -> Response:
    """A handler that needs no connection besides the request's (POOL_MAX=1)."""
    data = await request.json()
    cur = await request.state.db.execute("INSERT INTO orders (label) VALUES (%s) RETURNING id", (data["label"],))
    return JSONResponse({"id": (await cur.fetchone())[0]}, status_code=201)


async def every_connection(sql: str) -> None:
    """Runs sql on every connection of the pool (POOL_MAX of them, checked
    out together)."""
    async with contextlib.AsyncExitStack() as stack:
        conns = [await stack.enter_async_context(pool.connection()) for _ in range(POOL_MAX)]
        for c in conns:
            await c.execute(sql)


# What a pooler's reset does, or statements of the middleware's names
# prepared before it prepares them
async def deallocate(request: Request) -> Response:
    await every_connection("DEALLOCATE ALL")
    return JSONResponse({})


async def prepare(request: Request) -> Response:
    await every_connection("""
        PREPARE idempotency_claim_v1(text, text, text, float8, float8, float8) AS
          SELECT outcome, response, response_code, recovery_point, lease_token
            FROM idempotency.claim($1, $2, $3, make_interval(secs => $4), make_interval(secs => $5),
                                   make_interval(secs => $6));
        PREPARE idempotency_complete_v1(text, jsonb, int4, text) AS
          SELECT FROM idempotency.complete($1, $2, $3, $4)""")
    return JSONResponse({})


app.add_api_route("/lean", lean, methods=["POST"])
app.add_api_route("/debug/deallocate", deallocate, methods=["POST"])
app.add_api_route("/debug/prepare", prepare, methods=["POST"])
for path in ("/orders", "/short", "/no4xx", "/fp", "/mw/items", "/forgetful"):
    app.add_api_route(path, order, methods=["POST"])
app.add_api_route("/orders", order_without_key, methods=["PUT"])
app.add_api_route("/mw/other", order_without_key, methods=["POST"])
app.add_api_route("/pay", pay, methods=["POST"])


def header_ms(scope, name):
    for k, v in scope["headers"]:
        if k == name:
            return int(v)
    return 0


# one-statement routes (IdempotentStatement): the statement sleeps x-db-sleep ms
app.add_route("/once", IdempotentStatement(
    text=("WITH d AS (SELECT pg_catalog.pg_sleep($2::float8 / 1000)) "
          "INSERT INTO orders (label) SELECT $1 FROM d RETURNING id, label"),
    values=lambda scope, body: [json.loads(body)["label"], header_ms(scope, b"x-db-sleep")],
    render=lambda rows, scope, info: JSONResponse({"id": rows[0]["id"], "label": rows[0]["label"]},
                                                  status_code=201, headers={"Location": f"/orders/{rows[0]['id']}"}),
    **common), methods=["POST"])
app.add_route("/once-wide", IdempotentStatement(  # the most parameters once_with() takes: 100
    text="SELECT $1::int + $100::int AS sum, $2 AS text, $3 AS missing, $4::jsonb AS doc, $5::bytea AS raw",
    values=lambda scope, body: [1, 'a\'b"c\\{d}', None, {"k": [1, "x"]}, b"hi", *range(6, 101)],
    render=lambda rows, scope, info: JSONResponse(rows[0], status_code=201),
    **common), methods=["POST"])
app.add_route("/once-fail", IdempotentStatement(  # the statement fails (22012)
    text="INSERT INTO orders (label) VALUES ($1) RETURNING id / 0 AS id",
    values=lambda scope, body: [json.loads(body)["label"]],
    render=lambda rows, scope, info: JSONResponse(rows[0], status_code=201),
    **common), methods=["POST"])


def main():
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on the accepted
    # connections (without it a keep-alive client waits for delayed ACKs)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", int(os.environ.get("PORT", "0"))))
    sock.listen(256)
    print(f"listening {sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="on"))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
