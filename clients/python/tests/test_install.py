"""The install and the quick start of docs/http.md, as a new user runs them:
the blocks tagged "<!-- test: NAME -->" there are read from the docs and run,
so that the docs cannot drift from what works.

python-install: a virtual environment that sees Debian's packages, and
  pip install of clients/python into it with no index and no build
  isolation, run with this suite's python as python3, in a new application
  directory, on a copy of clients/python (pip builds in the source
  directory).  Its apt-get line is checked, not run: the packages it names
  must be installed (scripts/deps).
python-quick-start, python-run: that application, run against a throwaway
  cluster (test/cluster.sh) with the database of quick-start-sql; a burst
  holds one connection while its first request runs (the duplicates wait
  without one), as the docs' "Pool size" says."""

import http.client
import json
import os
import re
import shlex
import shutil
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
PACKAGE = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(PACKAGE))
CLUSTER = os.path.join(ROOT, "test", "cluster.sh")
BURST = 50  # the burst of the docs' "Pool size"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


DOCS = read(os.path.join(ROOT, "docs", "http.md"))


def block(text, name, where="docs/http.md"):
    """The body of the fenced block that follows "<!-- test: NAME -->"."""
    m = re.search(r"<!-- test: " + re.escape(name) + r" -->\n```[\w-]*\n(.*?)\n```\n", text, re.S)
    assert m, f'{where} has no block tagged "<!-- test: {name} -->"'
    return m.group(1)


def for_edition(sql):
    """IDEMPOTENCY_EDITION=portable (scripts/test's python-portable suite): the
    documented SQL creates the portable edition instead, as test/cluster.sh does."""
    if os.environ.get("IDEMPOTENCY_EDITION") != "portable":
        return sql
    portable, n = re.subn(r"\b(CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?)idempotency\b",
                          r"\1idempotency_portable", sql, flags=re.I)
    assert n > 0, "the documented SQL creates the extension"
    return portable


def commands(text):
    """The commands of a shell block: comments and blank lines dropped."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s+)#.*$", "", line).strip()
        if line:
            out.append(line)
    return out


def clean_env(**extra):
    """The environment of a new user's shell: no PYTHONPATH (the suite points
    it at src/), no pip configuration of this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


@pytest.fixture(scope="module")
def installed():
    """The documented install, in a new application directory."""
    tmp = tempfile.mkdtemp(prefix="idem-py-app-")
    app = os.path.join(tmp, "app")
    os.mkdir(app)
    clone = os.path.join(tmp, "idempotency")
    shutil.copytree(PACKAGE, os.path.join(clone, "clients", "python"),
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".venv"))
    # "python3" is this suite's python (Debian's /usr/bin/python3 in scripts/test)
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    with open(os.path.join(bindir, "python3"), "w", encoding="utf-8") as f:
        f.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} \"$@\"\n")
    os.chmod(os.path.join(bindir, "python3"), 0o755)
    env = clean_env(PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    lines = commands(block(DOCS, "python-install"))
    apt = []
    for line in lines:
        if line.startswith("sudo apt-get install "):
            apt = line.split()[3:]
            continue
        cmd = line.replace("/path/to/idempotency", clone)
        r = subprocess.run(["bash", "-c", cmd], cwd=app, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0, f"{cmd} failed ({r.returncode}):\n{r.stdout}"
    yield {"app": app, "lines": lines, "apt": apt, "env": env}
    shutil.rmtree(tmp, ignore_errors=True)


def test_documented_install(installed):
    app, lines = installed["app"], installed["lines"]
    # the package README repeats the docs' blocks
    readme = read(os.path.join(PACKAGE, "README.md"))
    tags = re.findall(r"<!-- test: ([\w-]+) -->", readme)
    assert tags == ["python-install", "python-run", "python-quick-start"]
    for tag in tags:
        assert block(readme, tag, "clients/python/README.md") == block(DOCS, tag), tag
    assert any(re.match(r"python3 -m venv --system-site-packages \S+$", line) for line in lines)
    assert any("pip install --no-index --no-build-isolation " in line for line in lines)

    # the Debian packages it names are those this suite has (scripts/deps)
    assert installed["apt"], "python-install names the Debian packages it needs"
    if shutil.which("dpkg-query"):
        for p in installed["apt"]:
            r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], stdout=subprocess.PIPE, text=True)
            assert "install ok installed" in r.stdout, f"Debian package {p} is not installed"

    # the venv's python imports the installed copy, not the source tree
    venv_python = os.path.join(app, ".venv", "bin", "python")
    probe = r"""
import importlib.metadata, json, os, sys
import idempotency_asgi as m
print(json.dumps({"file": m.__file__, "prefix": sys.prefix, "version": importlib.metadata.version("idempotency-asgi"),
                  "typed": os.path.exists(os.path.join(os.path.dirname(m.__file__), "py.typed")),
                  "middleware": callable(m.IdempotencyMiddleware), "key": m.parse_key('"a\\"b"')}))
"""
    r = subprocess.run([venv_python, "-c", probe], cwd=app, env=installed["env"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    got = json.loads(r.stdout)
    version = re.search(r'^version = "([^"]+)"', read(os.path.join(PACKAGE, "pyproject.toml")), re.M).group(1)
    assert got["prefix"] == os.path.join(app, ".venv")
    assert got["file"].startswith(os.path.join(app, ".venv", "lib", "")), got["file"]
    assert "site-packages" in got["file"]
    assert got["version"] == version
    assert got["typed"] and got["middleware"] and got["key"] == 'a"b'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, key, item):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/orders", body=json.dumps({"item": item}),
                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
        r = conn.getresponse()
        return r.status, r.getheader("idempotent-replayed"), r.read().decode()
    finally:
        conn.close()


def in_database(monitor):
    """Requests of the app in the database: its connections running a statement."""
    return monitor.execute("SELECT count(*) FROM pg_stat_activity"
                           " WHERE datname = 'shop' AND state = 'active' AND pid <> pg_backend_pid()").fetchone()[0]


@pytest.fixture
def cluster():
    tmp = tempfile.mkdtemp(prefix="idem-py-qs-")
    out = subprocess.run(["bash", CLUSTER, "start", os.path.join(tmp, "pg")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    env = {}
    for line in out.strip().splitlines():
        k, v = line.split("=", 1)
        env[k] = v
    yield env
    subprocess.run(["bash", CLUSTER, "stop", os.path.join(tmp, "pg")])
    shutil.rmtree(tmp, ignore_errors=True)


def test_quick_start_pool(installed, cluster):
    app = installed["app"]
    code = block(DOCS, "python-quick-start")
    m = re.search(r"AsyncConnectionPool\([^)]*\bmax_size=(\d+)", code)
    assert m, "the FastAPI quick start sets its pool size (max_size)"
    size = int(m.group(1))
    assert f"`max_size={size}`" in DOCS, f"docs/http.md's pool sizing speaks of `max_size={size}`"
    assert size < BURST

    # the database of quick-start-sql
    dsn = dict(host=cluster["PGHOST"], port=cluster["PGPORT"], user=cluster["PGUSER"])
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as c:
        c.execute("CREATE DATABASE shop")
    with psycopg.connect(dbname="shop", autocommit=True, **dsn) as c:
        c.execute(for_edition(block(DOCS, "quick-start-sql")))

    # the app, as documented, in app.py
    with open(os.path.join(app, "app.py"), "w", encoding="utf-8") as f:
        f.write(code + "\n")
    run = commands(block(DOCS, "python-run"))
    assert len(run) == 1
    port = free_port()
    proc = subprocess.Popen(shlex.split(run[0]), cwd=app,
                            env={**installed["env"], **cluster, "UVICORN_PORT": str(port)})
    try:
        for _ in range(300):
            assert proc.poll() is None, f"the quick-start app exited with {proc.returncode}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the quick-start app did not listen")

        with psycopg.connect(dbname="shop", **dsn) as lock, \
                psycopg.connect(dbname="shop", autocommit=True, **dsn) as monitor:
            # the first request's INSERT waits on this lock, so the rest of
            # the burst waits for its key, without a connection: each takes
            # one for a moment when it claims the key again
            lock.execute("LOCK TABLE orders IN SHARE MODE")
            key = str(uuid.uuid4())
            item = f"book-{key}"
            with ThreadPoolExecutor(BURST) as ex:
                futures = [ex.submit(post, port, key, item) for _ in range(BURST)]
                try:
                    n = 0
                    for _ in range(80):
                        time.sleep(0.1)
                        n = in_database(monitor)
                        if n >= 1:
                            break
                    assert n >= 1, "the first request reached the database"
                    time.sleep(0.3)  # the burst has arrived
                    seen = []
                    for _ in range(10):
                        seen.append(in_database(monitor))
                        time.sleep(0.1)
                    # the first request, and at times a duplicate claiming
                    # again: never the pool's size
                    assert min(seen) <= 2 and max(seen) < size, \
                        f"requests in the database: {seen}, with a pool of {size}"
                finally:
                    lock.commit()
                answers = [f.result() for f in futures]

            assert [a[0] for a in answers] == [201] * BURST
            assert sum(1 for a in answers if a[1] == "true") == BURST - 1
            assert len({a[2] for a in answers}) == 1
            assert monitor.execute("SELECT count(*) FROM orders WHERE item = %s", (item,)).fetchone()[0] == 1
    finally:
        proc.kill()
        proc.wait()
