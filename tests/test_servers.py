"""Proves the throwaway-server harness (tests/support/servers.py) works for real.

PostgreSQL and Redis are started once for this module; a real `rq worker`
subprocess executes a job from tests/support/jobs.py.
"""

from __future__ import annotations

import os
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from tests.support import servers
from tests.support.servers import (
    create_database,
    libpq_url,
    postgres_cluster,
    postgres_server,
    redis_server,
    require_service,
)
from tests.support.workers import REPO_ROOT, rq_command


@pytest.fixture(scope="module")
def pg_url():
    require_service("postgres")
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def redis_url():
    require_service("redis")
    with redis_server() as url:
        yield url


# --------------------------------------------------------------------------- #
# PostgreSQL
# --------------------------------------------------------------------------- #


def test_postgres_url_shape(pg_url):
    assert pg_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    assert pg_url.endswith("/gridapp_test")


def test_postgres_create_insert_select(pg_url):
    import psycopg

    with psycopg.connect(libpq_url(pg_url)) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("gridapp_test",)
        conn.execute("CREATE TABLE harness_items (id serial PRIMARY KEY, name text NOT NULL)")
        conn.execute("INSERT INTO harness_items (name) VALUES (%s), (%s)", ("alpha", "beta"))
        rows = conn.execute("SELECT name FROM harness_items ORDER BY id").fetchall()
    assert rows == [("alpha",), ("beta",)]


def test_postgres_is_tuned_for_tests(pg_url):
    import psycopg

    with psycopg.connect(libpq_url(pg_url)) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("fsync", "synchronous_commit", "full_page_writes", "max_connections", "listen_addresses")
        }
    assert settings["fsync"] == "off"
    assert settings["synchronous_commit"] == "off"
    assert settings["full_page_writes"] == "off"
    assert int(settings["max_connections"]) >= 120
    assert settings["listen_addresses"] == "127.0.0.1"


def test_postgres_60_simultaneous_connections(pg_url):
    import psycopg

    count = 60
    barrier = threading.Barrier(count)
    pids: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client() -> None:
        try:
            with psycopg.connect(libpq_url(pg_url), connect_timeout=30) as conn:
                pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
                barrier.wait(timeout=60)  # all connections are open at the same time here
                with lock:
                    pids.append(pid)
        except BaseException as exc:  # noqa: BLE001 - reported below
            barrier.abort()
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not errors, errors[:3]
    assert len(set(pids)) == count


def test_postgres_sqlalchemy_url_works(pg_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar() == "gridapp_test"
    finally:
        engine.dispose()


def test_create_database_gives_an_extra_empty_database(pg_url):
    import psycopg

    name = f"extra_{uuid.uuid4().hex[:8]}"
    url = create_database(pg_url, name)
    assert url == pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(libpq_url(url)) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert tables == 0


def test_servers_live_outside_pytests_temporary_folders(pg_url, tmp_path_factory):
    """A folder pytest may clean (another session's pruning, --basetemp) must not hold a running cluster."""
    import psycopg

    with psycopg.connect(libpq_url(pg_url)) as conn:
        data_dir = Path(conn.execute("SHOW data_directory").fetchone()[0])
    assert data_dir.is_relative_to(servers.server_root())
    assert not data_dir.is_relative_to(tmp_path_factory.getbasetemp().parent)


def test_a_cluster_stops_and_starts_again_with_its_data():
    import psycopg

    require_service("postgres")
    with postgres_cluster() as cluster:
        with psycopg.connect(libpq_url(cluster.url), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (7)")
        port = cluster.port
        cluster.stop()
        assert not cluster.running()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(libpq_url(cluster.url), connect_timeout=5)
        cluster.start()
        assert cluster.port == port
        with psycopg.connect(libpq_url(cluster.url)) as conn:
            assert conn.execute("SELECT n FROM kept").fetchone() == (7,)


def test_a_server_that_died_in_use_fails_with_its_log():
    require_service("postgres")
    with pytest.raises(servers.ServerDied, match="died while in use") as died:
        with postgres_cluster() as cluster:
            cluster.stop("immediate")
    assert "immediate shutdown request" in str(died.value)


# --------------------------------------------------------------------------- #
# Redis and rq
# --------------------------------------------------------------------------- #


def test_redis_comes_back_on_the_port_it_was_on():
    from redis import Redis

    require_service("redis")
    port = servers.find_free_port()
    with redis_server(port=port) as url:
        Redis.from_url(url).set("k", "v")
    with pytest.raises(Exception):
        Redis.from_url(url, socket_connect_timeout=2).ping()
    with redis_server(port=port) as again:
        assert again == url and Redis.from_url(again).ping()


def test_redis_set_get(redis_url):
    from redis import Redis

    assert redis_url.startswith("redis://127.0.0.1:") and redis_url.endswith("/0")
    conn = Redis.from_url(redis_url)
    try:
        assert conn.ping()
        conn.set("harness:greeting", "hello")
        assert conn.get("harness:greeting") == b"hello"
        assert conn.config_get("save")["save"] == ""
        assert conn.config_get("appendonly")["appendonly"] == "no"
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("worker_class", "forks_per_job"),
    [("rq.Worker", True), ("rq.SimpleWorker", False)],
)
def test_rq_worker_subprocess_runs_enqueued_job(redis_url, worker_class, forks_per_job):
    from redis import Redis
    from rq import Queue

    conn = Redis.from_url(redis_url)
    token = uuid.uuid4().hex[:8]
    queue_name = f"harness-{token}"
    key = f"harness:job:{token}"
    # Enqueue by dotted path: the worker subprocess imports tests.support.jobs itself.
    job = Queue(queue_name, connection=conn).enqueue("tests.support.jobs.record", key, "hello")

    cmd = [
        *rq_command(),
        "worker",
        "--burst",
        "--url", redis_url,
        "--path", str(REPO_ROOT),
        "--worker-class", worker_class,
        queue_name,
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        assert proc.returncode == 0, output
        assert job.get_status() == "finished", output
        assert job.return_value() == "HELLO"
        value, job_pid = conn.get(key).decode().split("|")
        assert value == "hello"
        if forks_per_job:
            assert int(job_pid) != proc.pid, "rq.Worker should run the job in a forked work horse"
        else:
            assert int(job_pid) == proc.pid, "rq.SimpleWorker should run the job in the worker process"
    finally:
        conn.close()


# --------------------------------------------------------------------------- #
# The skip-or-fail policy (no servers needed)
# --------------------------------------------------------------------------- #


@pytest.fixture
def nothing_installed(monkeypatch):
    monkeypatch.setattr(servers, "unavailable_reason", lambda what: f"{what} is not installed (test)")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(servers.REQUIRE_SERVICES_ENV, raising=False)
    return monkeypatch


def test_missing_service_skips_locally(nothing_installed):
    with pytest.raises(pytest.skip.Exception, match="redis is not installed"):
        require_service("redis")


@pytest.mark.parametrize(("var", "value"), [("CI", "true"), (servers.REQUIRE_SERVICES_ENV, "1")])
def test_missing_service_fails_when_required(nothing_installed, var, value):
    nothing_installed.setenv(var, value)
    with pytest.raises(pytest.fail.Exception, match="postgres is not installed"):
        require_service("postgres")


def test_unavailable_reason_names_the_apt_package(monkeypatch):
    monkeypatch.setattr(servers, "postgres_bin_dir", lambda: None)
    monkeypatch.setattr(servers, "redis_server_binary", lambda: None)
    assert "'postgresql'" in servers.unavailable_reason("postgres")
    assert "'redis-server'" in servers.unavailable_reason("redis")
    assert not servers.postgres_available()
    assert not servers.redis_available()
    with pytest.raises(servers.ServiceUnavailable, match="redis-server"):
        with redis_server(Path("/nonexistent-unused")):
            pass
