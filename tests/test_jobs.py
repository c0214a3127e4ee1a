"""Background jobs: inline after commit, and through Redis to a real `rq worker` process."""
from __future__ import annotations

import os
import pkgutil
import types
import uuid

import pytest
from sqlalchemy import select

from gridapp import jobs
from gridapp.errors import Conflict
from gridapp.extensions import db
from gridapp.jobs import catalogue
from gridapp.models import City
from tests.conftest import make_app
from tests.support import fakes as support
from tests.support import servers
from tests.support.workers import isolated_redis, run_worker


@pytest.fixture
def seen():
    support.SEEN.clear()
    yield support.SEEN
    support.SEEN.clear()


def city_codes() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(City.code)))


# --------------------------------------------------------------------------- #
# Inline mode (no REDIS_URL)
# --------------------------------------------------------------------------- #


def test_inline_job_runs_after_commit(app, seen):
    assert app.extensions["gridapp.queues"] is None
    assert support.open_city("c-ok") == "c-ok"
    # The body finished before the job ran, and the job saw the row from another connection.
    assert seen == [("c-ok", "service body finished"), ("c-ok", True)]


def test_inline_job_not_run_when_unit_of_work_fails(app, seen):
    with pytest.raises(Conflict):
        support.open_city("c-bad", fail=True)
    assert seen == [("c-bad", "service body finished")]
    assert "c-bad" not in city_codes()
    # The dropped callback must not leak into the next unit of work either.
    support.open_city("c-next")
    assert seen[1:] == [("c-next", "service body finished"), ("c-next", True)]


def test_nested_units_of_work_run_jobs_after_the_outermost_commit(app, seen):
    support.open_cities("n1", "n2")
    assert seen == [
        ("n1", "service body finished"),
        ("n2", "service body finished"),
        ("outer", "outer body finished"),
        ("n1", True),
        ("n2", True),
    ]
    seen.clear()
    with pytest.raises(Conflict):
        support.open_cities("n3", "n4", fail_last=True)
    assert seen == [("n3", "service body finished"), ("n4", "service body finished"), ("outer", "outer body finished")]
    assert not {"n3", "n4"} & city_codes()


def test_failing_inline_job_does_not_undo_committed_work(app, seen, caplog):
    assert support.open_city("c-side", also_fail_job=True) == "c-side"
    assert ("c-side", "failing_job ran") in seen
    assert "c-side" in city_codes()
    assert any("inline job" in r.getMessage() and "failing_job" in r.getMessage() for r in caplog.records)


def test_a_job_is_asked_for_by_name_and_an_unknown_name_fails_in_the_caller():
    assert jobs.job_named("probe_city_committed") is support.probe_city_committed
    with pytest.raises(LookupError, match="no_such_job"):
        jobs.enqueue("no_such_job", 1)


def test_the_catalogue_imports_every_job_module():
    """create_app imports the catalogue; a job module missing from it would be unknown by name."""
    found = {m.name for m in pkgutil.iter_modules(jobs.__path__)} - {"catalogue", "worker"}
    listed = {name for name, value in vars(catalogue).items() if isinstance(value, types.ModuleType)}
    assert found == listed
    for module in (getattr(catalogue, name) for name in listed):
        for fn in vars(module).values():
            if hasattr(fn, "job_spec") and fn.__module__ == module.__name__:
                assert jobs.job_named(fn.__name__) is fn


# --------------------------------------------------------------------------- #
# Redis mode: a real `rq worker` subprocess
# --------------------------------------------------------------------------- #


def test_login_code_goes_through_redis_to_a_real_worker(pg_admin_url, redis_url, tmp_path):
    from redis import Redis
    from rq import Queue

    from gridapp.jobs import QUEUE_NOTIFY

    queue_url = isolated_redis(redis_url, 7)
    database_url = servers.create_database(pg_admin_url, f"gridapp_jobs_{uuid.uuid4().hex[:8]}")
    outbox = tmp_path / "outbox.jsonl"
    app = make_app(
        database_url,
        tmp_path,
        REDIS_URL=queue_url,
        SMS_SENDER="tests.support.fakes:FileSmsSender",
    )
    redis = Redis.from_url(queue_url)
    try:
        with app.app_context():
            db.session.add(City(code="jobcity", name="任务市"))
            db.session.commit()
            client = app.test_client()

            sent = client.post("/api/v1/auth/code", json={"city": "jobcity", "phone": "13812345678", "agreed": True})
            assert sent.status_code == 202, sent.json

            notify = Queue(QUEUE_NOTIFY, connection=redis)
            jobs = notify.get_jobs()
            assert len(jobs) == 1
            assert jobs[0].func_name == "gridapp.jobs.messaging.send_login_code"
            assert jobs[0].args[0] == "13812345678"
            assert not outbox.exists(), "the web process must only enqueue, not send"

            worker = run_worker(
                queue_url, database_url, tmp_path, SMS_SENDER="tests.support.fakes:FileSmsSender", **{support.OUTBOX_ENV: str(outbox)}
            )
            assert worker.returncode == 0, worker.stdout

            messages = support.read_outbox(outbox)
            assert len(messages) == 1, worker.stdout
            assert messages[0]["phone"] == "13812345678"
            assert messages[0]["pid"] != os.getpid()
            code = support.code_in(messages[0]["text"])
            # The login code is a secret: kept out of the worker's log and gone from Redis once sent.
            assert code not in worker.stdout, worker.stdout
            assert not redis.exists(f"rq:job:{jobs[0].id}")
            assert notify.count == 0

            login = client.post(
                "/api/v1/auth/code/verify",
                json={"city": "jobcity", "phone": "13812345678", "code": code},
            )
            assert login.status_code == 200, login.json
            assert [g["role"] for g in login.json["user"]["grants"]] == ["resident"]
    finally:
        redis.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --------------------------------------------------------------------------- #
# /healthz
# --------------------------------------------------------------------------- #


def test_healthz_without_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not_configured"}


def test_healthz_with_real_redis(redis_url, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'health.sqlite3'}", tmp_path, REDIS_URL=redis_url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_degraded_when_redis_is_down(tmp_path):
    closed = f"redis://127.0.0.1:{servers.find_free_port()}/0"
    app = make_app(f"sqlite:///{tmp_path / 'health.sqlite3'}", tmp_path, REDIS_URL=closed)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503, response.json
    assert response.json["status"] == "degraded"
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("error")
