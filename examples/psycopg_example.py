"""The single-transaction pattern with psycopg 3.

One request = one transaction: claim the key, do the business write, store
the response with complete(), COMMIT.  A retried request replays the stored
response instead of writing again.

    apt-get install python3-psycopg      # or: pip install "psycopg[binary]"
    DATABASE_URL=postgresql:///mydb python3 examples/psycopg_example.py

The database needs CREATE EXTENSION idempotency; the demo creates its own
table example_orders.

Retry rule: 40001 (serialization failure) and 40P01 (deadlock) roll the
transaction back; run the whole transaction again, and the retry replays.
IK001 means the key was used for a different request: answer 422.

PgBouncer in transaction pooling mode works: the extension keeps no session
state.  psycopg itself prepares statements that run often; prepared
statements are session state, so prepare_threshold=None turns that off.
"""

import hashlib
import json
import os
import random
import threading
import time
import uuid

import psycopg
from psycopg.types.json import Jsonb

RETRYABLE = {"40001", "40P01"}
MAX_ATTEMPTS = 5


def fingerprint(method, path, body):
    """Hex SHA-256 of the request: the same key with another request is IK001."""
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def create_order(conn, idempotency_key, tenant, body):
    """Handles POST /orders; returns (http_status, response)."""
    fp = fingerprint("POST", "/orders", body)
    order = json.loads(body)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with conn.transaction():
                outcome, response, code = conn.execute(
                    "SELECT outcome, response, response_code"
                    "  FROM idempotency.claim(%s, scope => %s, fingerprint => %s)",
                    (idempotency_key, tenant, fp),
                ).fetchone()
                if outcome == "completed":
                    return code, response  # replay; nothing is written
                if outcome == "in_progress":
                    # only when a lease claim elsewhere holds the key
                    return 409, {"error": "a request with this key is in progress"}

                # claimed: this transaction owns the key; do the work here
                order_id, created_at = conn.execute(
                    "INSERT INTO example_orders (customer_id, amount_cents)"
                    " VALUES (%s, %s) RETURNING id, created_at",
                    (order["customer_id"], order["amount_cents"]),
                ).fetchone()
                response = {"id": order_id, "created_at": created_at.isoformat()}
                conn.execute(
                    "SELECT FROM idempotency.complete(%s, %s, 201, scope => %s)",
                    (idempotency_key, Jsonb(response), tenant),
                )
            return 201, response  # COMMIT succeeded
        except psycopg.Error as e:
            if e.sqlstate in RETRYABLE and attempt + 1 < MAX_ATTEMPTS:
                time.sleep(random.uniform(0, 0.02 * 2 ** attempt))
                continue
            if e.sqlstate == "IK001":
                return 422, {"error": "Idempotency-Key was used for a different request"}
            if e.sqlstate in RETRYABLE or e.sqlstate == "55P03":
                return 409, {"error": "conflict, retry the request"}
            raise
    raise AssertionError("not reached")


def main():
    url = os.environ.get("DATABASE_URL", "")
    setup = psycopg.connect(url, autocommit=True)
    setup.execute(
        "CREATE TABLE IF NOT EXISTS example_orders ("
        " id bigserial PRIMARY KEY, customer_id bigint NOT NULL,"
        " amount_cents integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
    )

    def connect():
        return psycopg.connect(url, autocommit=True, prepare_threshold=None)

    key = str(uuid.uuid4())
    body = b'{"customer_id": 7, "amount_cents": 1250}'
    before = setup.execute("SELECT count(*) FROM example_orders").fetchone()[0]

    # the same request sent by four clients at once, then once more
    conns = [connect() for _ in range(4)]
    results = [None] * 4
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(
            i, create_order(conns[i], key, "tenant-7", body)))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print("concurrent:", r)
    print("retry:     ", create_order(conns[0], key, "tenant-7", body))
    print("other body:", create_order(conns[0], key, "tenant-7",
                                      b'{"customer_id": 7, "amount_cents": 9999}'))

    after = setup.execute("SELECT count(*) FROM example_orders").fetchone()[0]
    print("orders written:", after - before)


if __name__ == "__main__":
    main()
