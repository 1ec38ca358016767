"""Database outages (docs/http.md, "When the database goes away"): sessions
that end while a request holds them or while they sit idle in the pool, and a
server restarted under load.  A cluster and a server of their own, since they
kill sessions and restart the server.  The Express package's
test/outage.test.js runs the same cases."""

import json
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from test_http import CLUSTER, Server, label, new_key, post

APP = "idem-outage-server"  # application_name of the server's sessions


@pytest.fixture(scope="module")
def env():
    tmp = tempfile.mkdtemp(prefix="idem-py-outage-")
    out = subprocess.run(["bash", CLUSTER, "start", os.path.join(tmp, "pg")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    e = dict(os.environ)
    for line in out.strip().splitlines():
        k, v = line.split("=", 1)
        e[k] = v
    e["IDEM_CLUSTER_DIR"] = os.path.join(tmp, "pg")
    yield e
    subprocess.run(["bash", CLUSTER, "stop", os.path.join(tmp, "pg")])
    os.rmdir(tmp)


class Db:
    """Queries on a connection of their own each: the restart ends sessions."""

    def __init__(self, env):
        self.conninfo = dict(host=env["PGHOST"], port=env["PGPORT"], dbname=env["PGDATABASE"], user=env["PGUSER"])

    def rows(self, sql, *params):
        with psycopg.connect(**self.conninfo, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def count(self, sql, *params):
        return self.rows(sql, *params)[0][0]


@pytest.fixture(scope="module")
def db(env):
    return Db(env)


@pytest.fixture(scope="module")
def server(env, db):
    s = Server(env, {"PGAPPNAME": APP})
    yield s
    s.kill()


def orders(db, lab):
    return db.count("SELECT count(*) FROM orders WHERE label = %s", lab)


def runs(db, key):
    return db.count("SELECT count(*) FROM handler_runs WHERE idem_key = %s", key)


def until(what, pred):
    for _ in range(300):
        if pred():
            return
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def assert_alive(server):
    assert server.proc.poll() is None, f"the server process exited with {server.proc.returncode}"


def assert_unavailable(r):
    assert r.status == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert json.loads(r.text)["code"] == "database_unavailable"
    assert r.headers["retry-after"] == "1"


def retried(server, key, lab):
    """A client that retries after 503 (sooner than Retry-After, to keep the
    test short): the answer that is not 503."""
    for i in range(51):
        r = post(server, "/orders", key, {"label": lab})
        if r.status != 503 or i == 50:
            return r
        assert_unavailable(r)
        time.sleep(0.1)


def session_of(db, state, query):
    """pid of the server's session in the state given, running or last run
    the statement that starts with the text given."""
    rows = db.rows("SELECT pid FROM pg_stat_activity WHERE application_name = %s AND state = %s AND query LIKE %s",
                   APP, state, query + "%")
    return rows[0][0] if len(rows) == 1 else None


def test_a_session_terminated_mid_handler_503_the_server_keeps_serving_the_retry_runs_afresh(server, db):
    # the handler idles in its transaction, then in a statement
    for headers, state, query in (({"X-Delay": "1000"}, "idle in transaction", "INSERT INTO orders"),
                                  ({"X-Db-Sleep": "5000"}, "active", "SELECT pg_sleep")):
        key, lab = new_key(), label()
        with ThreadPoolExecutor(1) as ex:
            pending = ex.submit(post, server, "/orders", key, {"label": lab}, headers)
            pid = []
            until("the handler", lambda: pid.append(session_of(db, state, query)) or pid[-1] is not None)
            db.rows("SELECT pg_terminate_backend(%s)", pid[-1])
            assert_unavailable(pending.result())
        assert_alive(server)
        assert orders(db, lab) == 0
        assert db.rows("SELECT key FROM idempotency.lookup(%s)", key)[0][0] is None
        retry = post(server, "/orders", key, {"label": lab})
        assert retry.status == 201
        assert "idempotent-replayed" not in retry.headers
        assert runs(db, key) == 2
        assert orders(db, lab) == 1


def test_an_idle_in_transaction_timeout_mid_handler_503_the_retry_runs_afresh(server, db):
    key, lab = new_key(), label()
    assert_unavailable(post(server, "/orders", key, {"label": lab}, {"X-Idle-Timeout": "100", "X-Delay": "600"}))
    assert_alive(server)
    assert orders(db, lab) == 0
    retry = post(server, "/orders", key, {"label": lab})
    assert retry.status == 201
    assert "idempotent-replayed" not in retry.headers
    assert runs(db, key) == 2
    assert orders(db, lab) == 1


def test_sessions_that_end_while_idle_in_the_pool_do_not_stop_the_server(server, db):
    with ThreadPoolExecutor(5) as ex:
        warm = list(ex.map(lambda _: post(server, "/orders", new_key()), range(5)))
    assert all(r.status == 201 for r in warm)
    until("idle sessions", lambda: db.count(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND state = 'idle'", APP) > 0)
    db.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s AND state = 'idle'",
            APP)
    time.sleep(0.2)
    assert_alive(server)
    for _ in range(5):
        key, lab = new_key(), label()
        assert retried(server, key, lab).status == 201
        assert orders(db, lab) == 1
    assert_alive(server)


def test_the_server_restarted_under_load_201_or_503_and_every_key_takes_effect_once(server, db, env):
    def cases(n):
        return [(new_key(), label()) for _ in range(n)]

    done = cases(5)  # completed before the restart: their retries replay
    running = cases(15)  # in their handlers when it comes
    arriving = cases(5)  # arrive while it goes on
    for key, lab in done:
        assert post(server, "/orders", key, {"label": lab}).status == 201
    with ThreadPoolExecutor(len(running) + len(arriving)) as ex:
        slow = [ex.submit(post, server, "/orders", key, {"label": lab}, {"X-Delay": "1500"}) for key, lab in running]
        until("the handlers", lambda: db.count("SELECT count(*) FROM handler_runs WHERE idem_key = ANY(%s)",
                                               [k for k, _ in running]) == len(running))
        restart = subprocess.Popen(["bash", CLUSTER, "restart", env["IDEM_CLUSTER_DIR"]])
        time.sleep(0.05)
        late = [ex.submit(post, server, "/orders", key, {"label": lab}) for key, lab in arriving]
        assert restart.wait() == 0
        answers = [f.result() for f in slow + late]
    for r in answers:
        if r.status != 201:
            assert_unavailable(r)
    assert all(r.status == 503 for r in answers[:len(running)])
    assert_alive(server)
    for key, lab in done + running + arriving:
        assert retried(server, key, lab).status == 201
        assert orders(db, lab) == 1
    for key, lab in done:
        assert post(server, "/orders", key, {"label": lab}).headers["idempotent-replayed"] == "true"
    assert_alive(server)
