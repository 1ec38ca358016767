"""The cases of docs/http.md, over real HTTP against tests/server.py and a
throwaway cluster started with the repository's test/cluster.sh.  The
Express package's test/http.test.js runs the same cases."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "..", "..", "..", "test", "cluster.sh")


class Server:
    def __init__(self, env, extra=None):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py")],
                                     env={**env, **(extra or {})}, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening (\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(m.group(1))

    def kill(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="module")
def env():
    tmp = tempfile.mkdtemp(prefix="idem-py-")
    out = subprocess.run(["bash", CLUSTER, "start", os.path.join(tmp, "pg")], check=True,
                         env={**os.environ, "TRACK_STATEMENTS": "1"},
                         stdout=subprocess.PIPE, text=True).stdout
    e = dict(os.environ)
    for line in out.strip().splitlines():
        k, v = line.split("=", 1)
        e[k] = v
    yield e
    subprocess.run(["bash", CLUSTER, "stop", os.path.join(tmp, "pg")])
    os.rmdir(tmp)


@pytest.fixture(scope="module")
def db(env):
    with psycopg.connect(host=env["PGHOST"], port=env["PGPORT"], dbname=env["PGDATABASE"],
                         user=env["PGUSER"], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def server(env, db):
    s = Server(env)
    yield s
    s.kill()


class Resp:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text


def post(server, route, key=None, body=None, headers=None, method="POST", port=None):
    h = {"Content-Type": "application/json", **(headers or {})}
    if key is not None:
        h["Idempotency-Key"] = key
    conn = http.client.HTTPConnection("127.0.0.1", port or server.port, timeout=30)
    try:
        conn.request(method, route, body=json.dumps(body if body is not None else {"label": "a"}), headers=h)
        r = conn.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode())
    finally:
        conn.close()


def count(db, sql, *params):
    return db.execute(sql, params).fetchone()[0]


def orders(db, label):
    return count(db, "SELECT count(*) FROM orders WHERE label = %s", label)


def runs(db, key):
    return count(db, "SELECT count(*) FROM handler_runs WHERE idem_key = %s", key)


def new_key():
    return str(uuid.uuid4())


def label():
    return f"l-{uuid.uuid4()}"


def assert_problem(r, status, code):
    assert r.status == status
    assert r.headers["content-type"] == "application/problem+json"
    p = json.loads(r.text)
    assert p["status"] == status
    assert p["code"] == code
    assert isinstance(p["title"], str)


def wait_for(pred, tries=200, pause=0.02):
    for _ in range(tries):
        if pred():
            return True
        time.sleep(pause)
    return False


def test_first_request_runs_the_handler_and_answers_201(server, db):
    key, lab = new_key(), label()
    r = post(server, "/orders", key, {"label": lab})
    assert r.status == 201
    assert "idempotent-replayed" not in r.headers
    assert json.loads(r.text)["label"] == lab
    assert orders(db, lab) == 1
    row = db.execute("SELECT state, response_code FROM idempotency.lookup(%s)", (key,)).fetchone()
    assert row == ("completed", 201)


def test_replay_answers_identical_status_body_and_stored_headers(server, db):
    key, lab = new_key(), label()
    first = post(server, "/orders", key, {"label": lab})
    second = post(server, "/orders", key, {"label": lab})
    assert second.status == first.status
    assert second.text == first.text
    for h in ("content-type", "location", "content-length"):
        assert second.headers.get(h) == first.headers.get(h), h
    assert first.headers["location"].startswith("/orders/")
    assert second.headers["idempotent-replayed"] == "true"
    assert first.headers["x-not-stored"] == "yes"
    assert "x-not-stored" not in second.headers
    assert orders(db, lab) == 1
    assert runs(db, key) == 1


def test_key_as_structured_field_string_and_as_bare_token(server, db):
    key, lab = new_key(), label()
    first = post(server, "/orders", f'"{key}"', {"label": lab})
    second = post(server, "/orders", key, {"label": lab})
    assert first.status == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.text == first.text
    assert post(server, "/orders", '"a\\"b\\\\c"', {"label": lab}).status == 201
    assert count(db, "SELECT count(*) FROM idempotency.lookup(%s) WHERE key IS NOT NULL", 'a"b\\c') == 1
    # a key with a backslash replays, also once seen completed (a literal, E'...')
    for _ in range(2):
        again = post(server, "/orders", '"a\\"b\\\\c"', {"label": lab})
        assert again.headers["idempotent-replayed"] == "true"


def test_key_with_dollars_quotes_and_placeholder_like_text_is_stored_as_given(server, db):
    key = "k$&$$$'$`$2::text-" + new_key()
    lab = label()
    first = post(server, "/orders", key, {"label": lab})
    assert first.status == 201
    assert count(db, "SELECT count(*) FROM idempotency.lookup(%s) WHERE state = 'completed'", key) == 1
    for _ in range(2):  # a replay in a transaction, then one of a key seen completed
        again = post(server, "/orders", key, {"label": lab})
        assert again.text == first.text
        assert again.headers["idempotent-replayed"] == "true"
    assert runs(db, key) == 1
    assert orders(db, lab) == 1


def test_missing_key_400_problem(server, db):
    lab = label()
    assert_problem(post(server, "/orders", None, {"label": lab}), 400, "key_missing")
    assert orders(db, lab) == 0


def test_malformed_or_over_long_key_400_problem(server, db):
    lab = label()
    for bad in ['"unterminated', "two words", '"a"b', '""', '"\\x"', "a,b", "x" * 256, '"' + "y" * 256 + '"']:
        assert_problem(post(server, "/orders", bad, {"label": lab}), 400, "key_malformed")
    assert post(server, "/orders", "k" * 255, {"label": lab}).status == 201
    assert orders(db, lab) == 1


class RawClient:
    """One HTTP/1.1 exchange after another on a keep-alive connection, opened
    again after the server closes it, with the request's bytes as given (no
    client library in between)."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.buf = b""

    def request(self, data):
        """(status, headers, body); status 0 when closed without an answer."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.buf = b""
        self.sock.sendall(data)
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                line, *lines = self.buf[:end].decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
                length = int(headers["content-length"]) if "content-length" in headers else None
                if length is not None and len(self.buf) >= end + 4 + length or length is None and self.sock is None:
                    stop = end + 4 + length if length is not None else len(self.buf)
                    body, self.buf = self.buf[end + 4:stop].decode(), self.buf[stop:]
                    if headers.get("connection") == "close":
                        self.close()
                    return int(line.split(" ")[1]), headers, body
            if self.sock is None:
                return 0, {}, ""  # closed before a whole answer
            chunk = self.sock.recv(65536)
            if chunk:
                self.buf += chunk
            else:
                self.close()

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def test_a_byte_outside_the_grammar_around_or_inside_a_key_400_and_no_key_stored(server, db):
    # the grammar of docs/http.md: a token, or an sf-string of printable
    # ASCII with \" and \\ escapes, with optional SP/HTAB around it
    token = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+")
    sf_string = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])+)"')

    def expected(value):
        v = value.strip(" \t")
        if token.fullmatch(v):
            return v
        m = sf_string.fullmatch(v)
        return re.sub(r'\\(["\\])', r"\1", m.group(1)) if m else None

    run = uuid.uuid4().hex[:8]
    lab = label()
    body = json.dumps({"label": lab}).encode()
    forms = {  # the key around the byte b, by the id of the case
        "bb": lambda i, b: b + i, "bi": lambda i, b: i + b + b"z", "ba": lambda i, b: i + b,
        "qb": lambda i, b: b + b'"' + i + b'"', "qi": lambda i, b: b'"' + i + b + b'z"',
        "qa": lambda i, b: b'"' + i + b'"' + b,
    }
    cases = []
    for form, around in forms.items():
        for b in range(256):
            cid = f"kb{run}{form}{b:02x}"
            value = around(cid.encode(), bytes([b]))
            cases.append((cid, value, expected(value.decode("latin-1"))))

    def worker(n):  # four connections at a time
        client = RawClient(server.port)
        try:
            for cid, value, key in cases[n::4]:
                # the key first: a server that took a LF for a line's end would find no Host
                status, headers, text = client.request(
                    b"POST /orders HTTP/1.1\r\nIdempotency-Key: " + value
                    + f"\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body)
                what = f"{cid}: {value!r}"
                if key is not None:
                    assert status == 201, what
                else:
                    # the middleware's 400, or the server's own (NUL, CR, LF, ...)
                    assert status == 400, what
                    if headers.get("content-type") == "application/problem+json":
                        assert json.loads(text)["code"] == "key_malformed", what
        finally:
            client.close()

    with ThreadPoolExecutor(4) as ex:
        for f in [ex.submit(worker, n) for n in range(4)]:
            f.result()
    pattern = re.compile(f"kb{run}[a-z]{{2}}[0-9a-f]{{2}}")
    stored = {pattern.search(k).group(0): k for (k,) in db.execute(
        "SELECT key FROM idempotency.idempotency_keys WHERE strpos(key, %s) > 0", (f"kb{run}",)).fetchall()}
    for cid, _, key in cases:
        assert stored.get(cid) == key, cid
    assert orders(db, lab) == sum(1 for _, _, key in cases if key is not None)


def test_methods_and_routes_not_configured_pass_through(server, db):
    lab = label()
    assert post(server, "/orders", None, {"label": lab}, method="PUT").status == 201
    other = post(server, "/mw/other", None, {"label": lab})
    assert other.status == 201
    assert json.loads(other.text)["idempotency"] is None
    assert_problem(post(server, "/mw/items", None, {"label": lab}), 400, "key_missing")
    key = new_key()
    assert post(server, "/mw/items", key, {"label": lab}).status == 201
    assert post(server, "/mw/items", key, {"label": lab}).headers["idempotent-replayed"] == "true"
    assert orders(db, lab) == 3


def test_same_key_different_request_422_problem(server, db):
    key, lab = new_key(), label()
    assert post(server, "/orders", key, {"label": lab}).status == 201
    assert_problem(post(server, "/orders", key, {"label": lab + "-other"}), 422, "key_mismatch")
    assert_problem(post(server, "/short", key, {"label": lab}), 422, "key_mismatch")
    assert orders(db, lab + "-other") == 0


def test_custom_fingerprint_only_chosen_fields_count(server, db):
    key, lab = new_key(), label()
    first = post(server, "/fp", key, {"label": lab, "amount": 5})
    same = post(server, "/fp", key, {"label": lab + "-note", "amount": 5})
    assert first.status == 201
    assert same.headers["idempotent-replayed"] == "true"
    assert same.text == first.text
    assert_problem(post(server, "/fp", key, {"label": lab, "amount": 6}), 422, "key_mismatch")
    assert orders(db, lab) == 1


def test_scope_keeps_accounts_apart(server, db):
    key, lab = new_key(), label()
    a = post(server, "/orders", key, {"label": lab}, {"X-Account": "acct-1"})
    b = post(server, "/orders", key, {"label": lab}, {"X-Account": "acct-2"})
    a2 = post(server, "/orders", key, {"label": lab}, {"X-Account": "acct-1"})
    assert a.status == 201 and b.status == 201
    assert json.loads(a.text)["id"] != json.loads(b.text)["id"]
    assert a2.text == a.text
    assert orders(db, lab) == 2


def test_duplicate_waits_for_the_first_and_gets_its_response(server, db):
    key, lab = new_key(), label()
    with ThreadPoolExecutor(2) as ex:
        first = ex.submit(post, server, "/orders", key, {"label": lab}, {"X-Delay": "700"})
        time.sleep(0.2)
        second = post(server, "/orders", key, {"label": lab})
        f = first.result()
    assert f.status == 201 and second.status == 201
    assert second.text == f.text
    assert second.headers["idempotent-replayed"] == "true"
    assert runs(db, key) == 1


def test_duplicate_answers_409_with_retry_after_when_the_wait_runs_out(server, db):
    key, lab = new_key(), label()
    with ThreadPoolExecutor(2) as ex:
        first = ex.submit(post, server, "/short", key, {"label": lab}, {"X-Delay": "1500"})
        time.sleep(0.3)
        second = post(server, "/short", key, {"label": lab})
        assert_problem(second, 409, "in_progress")
        assert second.headers["retry-after"] == "2"
        assert first.result().status == 201
    assert post(server, "/short", key, {"label": lab}).headers["idempotent-replayed"] == "true"
    assert orders(db, lab) == 1


def test_handler_error_rolls_back_and_the_retry_runs_again(server, db):
    key, lab = new_key(), label()
    assert post(server, "/orders", key, {"label": lab}, {"X-Fail": "throw"}).status == 500
    assert orders(db, lab) == 0
    assert db.execute("SELECT key FROM idempotency.lookup(%s)", (key,)).fetchone()[0] is None
    retry = post(server, "/orders", key, {"label": lab})
    assert retry.status == 201
    assert "idempotent-replayed" not in retry.headers
    assert orders(db, lab) == 1
    assert runs(db, key) == 2


def test_5xx_answer_is_sent_but_not_stored(server, db):
    key, lab = new_key(), label()
    failed = post(server, "/orders", key, {"label": lab}, {"X-Fail": "500"})
    assert failed.status == 500
    assert json.loads(failed.text) == {"error": "boom"}
    assert orders(db, lab) == 0
    assert post(server, "/orders", key, {"label": lab}).status == 201
    assert orders(db, lab) == 1


def test_failure_in_the_handlers_statement_complete_or_the_commit_leaves_the_key_free(server, db):
    # the claim shares a message with BEGIN, complete() one with COMMIT:
    # whichever statement fails, the transaction rolls back with the claim
    for fail in ("sql", "complete", "commit"):
        key, lab = new_key(), label()
        failed = post(server, "/orders", key, {"label": lab}, {"X-Fail": fail})
        assert failed.status == 500, fail
        if fail == "complete":
            assert_problem(failed, 500, "response_too_large")
        assert orders(db, lab) == 0, fail
        assert db.execute("SELECT key FROM idempotency.lookup(%s)", (key,)).fetchone()[0] is None, fail
        retry = post(server, "/orders", key, {"label": lab})
        assert retry.status == 201, fail
        assert "idempotent-replayed" not in retry.headers, fail
        assert orders(db, lab) == 1, fail
        assert runs(db, key) == 2, fail


def test_4xx_answer_is_stored_and_replayed_unless_configured_not_to_be(server, db):
    key, lab = new_key(), label()
    first = post(server, "/orders", key, {"label": lab}, {"X-Fail": "404"})
    again = post(server, "/orders", key, {"label": lab})
    assert first.status == 404 and again.status == 404
    assert again.text == first.text
    assert again.headers["idempotent-replayed"] == "true"
    key2, lab2 = new_key(), label()
    assert post(server, "/no4xx", key2, {"label": lab2}, {"X-Fail": "404"}).status == 404
    retry = post(server, "/no4xx", key2, {"label": lab2})
    assert retry.status == 201
    assert "idempotent-replayed" not in retry.headers
    assert orders(db, lab2) == 1


def test_transient_40001_is_retried_inside_the_middleware(server, db):
    key, lab = new_key(), label()
    assert post(server, "/orders", key, {"label": lab}, {"X-Transient": "2"}).status == 201
    assert runs(db, key) == 3
    assert orders(db, lab) == 1
    key2 = new_key()
    exhausted = post(server, "/orders", key2, {"label": lab}, {"X-Transient": "9"})
    assert_problem(exhausted, 409, "conflict")
    assert exhausted.headers["retry-after"] == "1"
    # the answer ends the request: no fifth run after it (a run right after
    # the answer would have counted within this wait)
    time.sleep(0.5)
    assert runs(db, key2) == 4
    assert orders(db, lab) == 1


def test_50_simultaneous_identical_posts_run_the_handler_once(server, db):
    key, lab = new_key(), label()
    with ThreadPoolExecutor(50) as ex:
        futures = [ex.submit(post, server, "/orders", key, {"label": lab}, {"X-Delay": "100"}) for _ in range(50)]
        all_ = [f.result() for f in futures]
    assert runs(db, key) == 1
    assert orders(db, lab) == 1
    firsts = [r for r in all_ if "idempotent-replayed" not in r.headers]
    assert len(firsts) == 1
    for r in all_:
        assert r.status == 201
        assert r.text == firsts[0].text


def _send_and_drop(server, db, key, body, extra):
    data = json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall((f"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Idempotency-Key: {key}\r\n{extra}Content-Length: {len(data)}\r\n\r\n").encode() + data)
    wait_for(lambda: runs(db, key) > 0)
    s.close()


def statements(db, pattern):
    """Statements run since the last reset whose text matches the LIKE
    pattern (a parameter, so that this query's own text does not match)."""
    return count(db, "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE %s", pattern)


def duplicates_beside_others(env, route, slow, dup_headers):
    """50 duplicates of a slow request (slow: its headers) on a server whose
    pool (10) is smaller than the burst, and five requests with other keys
    sent while they wait: waiting duplicates that held a connection each
    would keep those out until the slow request ends.  Checks that they were
    all answered before it, and that every duplicate replays its answer;
    returns the key and the label."""
    small = Server(env, {"POOL_MAX": "10"})
    try:
        def unrelated():
            start = time.monotonic()
            r = post(small, route, new_key(), {"label": label()})
            assert r.status == 201
            return time.monotonic() - start, time.monotonic()

        with ThreadPoolExecutor(max_workers=60) as ex:
            list(ex.map(lambda _: unrelated(), range(5)))  # the pool's connections made
            idle = list(ex.map(lambda _: unrelated(), range(5)))
            key, lab = new_key(), label()
            first = ex.submit(lambda: (post(small, route, key, {"label": lab}, slow), time.monotonic()))
            time.sleep(0.3)
            dups = [ex.submit(post, small, route, key, {"label": lab}, dup_headers) for _ in range(50)]
            time.sleep(0.3)  # the duplicates wait for the first request now
            busy = [ex.submit(unrelated) for _ in range(5)]
            busy = [b.result() for b in busy]
            f, first_done = first.result()
            answers = [d.result() for d in dups]
        print(f"unrelated requests: {max(i[0] for i in idle) * 1000:.0f} ms idle, "
              f"{max(b[0] for b in busy) * 1000:.0f} ms with 50 waiting duplicates")
        # all done while the first request still ran (it takes 2 s)
        assert not f.headers.get("idempotent-replayed")
        for _, at in busy:
            assert at < first_done, "an unrelated request waited for the slow one"
        assert f.status == 201
        for r in answers:
            assert r.status == 201
            assert r.text == f.text
            assert r.headers.get("idempotent-replayed") == "true"
        return key, lab
    finally:
        small.kill()


def test_duplicates_waiting_for_a_slow_request_hold_no_connection(env, db):
    key, lab = duplicates_beside_others(env, "/orders", {"X-Delay": "2000"}, None)
    assert runs(db, key) == 1
    assert orders(db, lab) == 1


def test_retry_of_a_key_seen_completed_is_answered_in_one_round_trip(server, db):
    key, lab = new_key(), label()
    first = post(server, "/orders", key, {"label": lab})
    assert first.status == 201
    db.execute("SELECT pg_stat_statements_reset()")
    second = post(server, "/orders", key, {"label": lab})
    assert second.status == 201
    assert second.text == first.text
    assert second.headers["idempotent-replayed"] == "true"
    # one round trip: BEGIN, the claim and ROLLBACK; no COMMIT
    assert statements(db, "%idempotency.claim(%") == 1
    assert statements(db, "ROLLBACK%") == 1
    assert statements(db, "COMMIT%") == 0
    assert runs(db, key) == 1


def test_one_statement_route_answers_a_new_key_and_its_replay_in_one_round_trip_each(server, db):
    key, lab = new_key(), label()
    db.execute("SELECT pg_stat_statements_reset()")
    first = post(server, "/once", key, {"label": lab})
    assert first.status == 201, first.text
    assert "idempotent-replayed" not in first.headers
    oid = json.loads(first.text)["id"]
    assert first.headers["location"] == f"/orders/{oid}"
    again = post(server, "/once", key, {"label": lab})
    assert again.status == 201
    assert again.text == first.text
    assert again.headers["location"] == f"/orders/{oid}"
    assert again.headers["idempotent-replayed"] == "true"
    assert orders(db, lab) == 1
    assert count(db, "SELECT count(*) FROM idempotency.idempotency_keys WHERE key = %s AND state = 'completed'",
                 key) == 1
    # one statement per request, outside any transaction block
    assert statements(db, "%idempotency.once_with(%") == 2
    assert statements(db, "BEGIN%") == 0
    assert statements(db, "COMMIT%") == 0


def test_one_statement_route_400_without_a_key_422_for_another_request_under_a_used_key(server, db):
    assert_problem(post(server, "/once", None, {"label": label()}), 400, "key_missing")
    assert_problem(post(server, "/once", "bad key", {"label": label()}), 400, "key_malformed")
    key, lab = new_key(), label()
    assert post(server, "/once", key, {"label": lab}).status == 201
    assert_problem(post(server, "/once", key, {"label": label()}), 422, "key_mismatch")
    assert orders(db, lab) == 1


def test_one_statement_route_takes_100_parameters_each_as_text(server, db):
    r = post(server, "/once-wide", new_key(), {})
    assert r.status == 201, r.text
    assert json.loads(r.text) == {"sum": 101, "text": 'a\'b"c\\{d}', "missing": None, "doc": {"k": [1, "x"]},
                                  "raw": "\\x6869"}


def test_one_statement_route_whose_statement_fails_stores_no_key_and_writes_nothing(server, db):
    key, lab = new_key(), label()
    for _ in range(2):
        assert post(server, "/once-fail", key, {"label": lab}).status == 500
    assert orders(db, lab) == 0
    assert count(db, "SELECT count(*) FROM idempotency.idempotency_keys WHERE key = %s", key) == 0


def test_one_statement_route_duplicates_of_a_slow_statement_hold_no_connection(env, db):
    slow = {"X-DB-Sleep": "2000"}
    _, lab = duplicates_beside_others(env, "/once", slow, slow)
    assert orders(db, lab) == 1


def test_claim_and_complete_prepared_once_per_connection_and_text_for_one_that_lost_them(env, db):
    """One connection, the request's: the handler needs no other."""
    one = Server(env, {"POOL_MAX": "1"})
    other = Server(env, {"POOL_MAX": "1"})
    try:
        def fresh(srv):
            key, lab = new_key(), label()
            r = post(srv, "/lean", key, {"label": lab})
            assert r.status == 201, r.text
            assert "idempotent-replayed" not in r.headers
            again = post(srv, "/lean", key, {"label": lab})
            assert again.status == 201
            assert again.text == r.text
            assert again.headers["idempotent-replayed"] == "true"
            assert orders(db, lab) == 1

        db.execute("SELECT pg_stat_statements_reset()")
        fresh(one)
        fresh(one)
        # prepared once, executed for every claim and complete()
        assert statements(db, "PREPARE idempotency_claim_v1%") == 4
        assert statements(db, "PREPARE idempotency_complete_v1%") == 2
        assert statements(db, "SELECT%FROM idempotency.claim(%") == 0
        # a pooler's reset: the next claim fails with 26000, nothing is
        # claimed, and that connection gets the statements' text from then on
        assert post(one, "/debug/deallocate").status == 200
        db.execute("SELECT pg_stat_statements_reset()")
        fresh(one)
        fresh(one)
        assert statements(db, "PREPARE idempotency_claim_v1%") == 0
        assert statements(db, "SELECT%FROM idempotency.claim(%") == 4
        assert statements(db, "SELECT FROM idempotency.complete(%") == 2
        # a connection that has statements of those names already uses them
        assert post(other, "/debug/prepare").status == 200
        fresh(other)
        fresh(other)
    finally:
        one.kill()
        other.kill()


def test_remember_completed_0_replays_in_a_transaction_that_commits(server, db):
    key, lab = new_key(), label()
    first = post(server, "/forgetful", key, {"label": lab})
    db.execute("SELECT pg_stat_statements_reset()")
    second = post(server, "/forgetful", key, {"label": lab})
    assert second.text == first.text
    assert second.headers["idempotent-replayed"] == "true"
    assert statements(db, "COMMIT%") == 1
    assert statements(db, "ROLLBACK%") == 0
    assert runs(db, key) == 1


def test_key_seen_completed_that_expiry_has_since_deleted_runs_again(server, db):
    key, lab = new_key(), label()
    assert post(server, "/orders", key, {"label": lab}).status == 201
    db.execute("DELETE FROM idempotency.idempotency_keys WHERE key = %s", (key,))
    again = post(server, "/orders", key, {"label": lab})
    assert again.status == 201
    assert "idempotent-replayed" not in again.headers
    assert runs(db, key) == 2
    assert orders(db, lab) == 2
    replay = post(server, "/orders", key, {"label": lab})
    assert replay.text == again.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert runs(db, key) == 2


def test_key_seen_completed_sent_with_another_request_422(server, db):
    key = new_key()
    assert post(server, "/orders", key, {"label": label()}).status == 201
    assert_problem(post(server, "/orders", key, {"label": label()}), 422, "key_mismatch")
    assert runs(db, key) == 1


def test_client_that_disconnects_mid_request_leaves_no_stuck_key(server, db):
    key, lab = new_key(), label()
    _send_and_drop(server, db, key, {"label": lab}, "X-Delay: 600\r\n")
    retry = post(server, "/orders", key, {"label": lab})
    assert retry.status == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert runs(db, key) == 1
    assert orders(db, lab) == 1
    # disconnected, then the handler failed: the retry runs it
    key2 = new_key()
    _send_and_drop(server, db, key2, {"label": lab}, "X-Delay: 300\r\nX-Fail: throw\r\n")
    retry2 = post(server, "/orders", key2, {"label": lab})
    assert retry2.status == 201
    assert "idempotent-replayed" not in retry2.headers
    assert orders(db, lab) == 2


def test_lease_retry_after_the_server_process_is_killed_resumes(server, db, env):
    key, lab = new_key(), label()
    crashing = Server(env, {"CRASH_AFTER_CHECKPOINT": "1"})
    try:
        with ThreadPoolExecutor(1) as ex:
            lost = ex.submit(post, server, "/pay", key, {"label": lab}, None, "POST", crashing.port)
            assert wait_for(lambda: db.execute("SELECT recovery_point FROM idempotency.lookup(%s)",
                                               (key,)).fetchone()[0] == "charge_created")
            crashing.kill()
            with pytest.raises(Exception):
                lost.result()
    finally:
        crashing.kill()
    retry = post(server, "/pay", key, {"label": lab})
    assert retry.status == 201
    body = json.loads(retry.text)
    assert body["resumedFrom"] == "charge_created"
    assert count(db, "SELECT count(*) FROM provider_calls WHERE idem_key = %s", key) == 1
    assert body["charge"] == db.execute("SELECT charge FROM payments WHERE idem_key = %s", (key,)).fetchone()[0]
    assert orders(db, lab) == 1
    replay = post(server, "/pay", key, {"label": lab})
    assert replay.text == retry.text
    assert replay.headers["idempotent-replayed"] == "true"


def test_lease_handler_error_after_a_checkpoint_lets_the_retry_resume(server, db):
    key, lab = new_key(), label()
    assert post(server, "/pay", key, {"label": lab}, {"X-Fail": "throw"}).status == 500
    retry = post(server, "/pay", key, {"label": lab})
    assert retry.status == 201
    assert json.loads(retry.text)["resumedFrom"] == "charge_created"
    assert count(db, "SELECT count(*) FROM provider_calls WHERE idem_key = %s", key) == 1
    assert orders(db, lab) == 1


def test_cancelled_replay_of_a_key_seen_completed_gives_the_connection_back_as_it_was(env):
    """A replay that waits for a key's holder and is cancelled (a server
    shutting down, a timeout around the application) leaves the pool's
    connection in its own mode, outside any transaction."""
    import asyncio

    from psycopg.pq import TransactionStatus
    from psycopg_pool import AsyncConnectionPool

    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    from idempotency_asgi import IdempotencyMiddleware

    conninfo = f"host={env['PGHOST']} port={env['PGPORT']} dbname={env['PGDATABASE']} user={env['PGUSER']}"
    key = new_key()
    with psycopg.connect(conninfo) as holder:  # holds the key in an open transaction
        holder.execute("SELECT idempotency.claim(%s)", (key,))

        async def app(scope, receive, send):
            raise AssertionError("the application must not run")

        async def main():
            async with AsyncConnectionPool(conninfo, min_size=1, max_size=1) as pool:
                mw = IdempotencyMiddleware(app, pool=pool, wait=10.0)
                mw._remember("", key)
                scope = {"type": "http", "method": "POST", "path": "/x", "raw_path": b"/x",
                         "query_string": b"", "headers": [(b"idempotency-key", key.encode())]}

                async def receive():
                    return {"type": "http.request", "body": b"{}", "more_body": False}

                async def send(message):
                    raise AssertionError(f"nothing must be sent: {message}")

                task = asyncio.create_task(mw(scope, receive, send))
                await asyncio.sleep(0.5)  # the replay waits for the holder
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                async with pool.connection() as conn:
                    return conn.autocommit, conn.info.transaction_status

        autocommit, status = asyncio.run(main())
        holder.rollback()
    assert autocommit is False
    assert status == TransactionStatus.IDLE
