"""Graceful degradation on real servers that the tests stop: Redis away, PostgreSQL away, and back.

- /healthz always answers and says whether this server can serve (the database) and what is
  degraded (Redis), with the queues' depths.
- While Redis is down sign-in and reports keep working and their limits count in memory; once
  Redis answers again the counting goes back to it.
- While PostgreSQL is down the API answers 503 with Retry-After in the one error shape and pages
  answer the error page; once it is back the same app serves again without a restart.
"""
from __future__ import annotations

import contextlib
import time
from datetime import timedelta

import pytest
from redis import Redis

from gridapp.authz import Role
from gridapp.extensions import db, limiter
from gridapp.models.outbox import OutboxJob
from tests.conftest import make_app
from tests.support import servers
from tests.support.cases import G1, add_categories, post_report
from tests.support.factories import PASSWORD, build_city
from tests.support.places import build_places

# --------------------------------------------------------------------------- #
# /healthz
# --------------------------------------------------------------------------- #


def test_healthz_without_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not_configured", "queues": None}


def test_healthz_with_real_redis(redis_url, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'health.sqlite3'}", tmp_path, REDIS_URL=redis_url)
    Redis.from_url(redis_url).rpush("rq:queue:gridapp-media", "a-job-id")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert (response.json["database"], response.json["redis"]) == ("ok", "ok")
    assert response.json["queues"]["gridapp-media"] == {"waiting": 1, "failed": 0}
    assert response.json["queues"]["gridapp-default"] == {"waiting": 0, "failed": 0}


def test_healthz_redis_down_is_degraded_but_serving(tmp_path):
    """Requests go on without Redis, so a load balancer must keep sending them: 200, "degraded"."""
    closed = f"redis://127.0.0.1:{servers.find_free_port()}/0"
    app = make_app(f"sqlite:///{tmp_path / 'health.sqlite3'}", tmp_path, REDIS_URL=closed)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "degraded"
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("error")
    assert response.json["queues"] is None


def test_healthz_reports_the_outbox(redis_url, tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 'outbox.sqlite3'}", tmp_path, REDIS_URL=redis_url)
    with app.app_context():
        written = clock.now() - timedelta(seconds=12.5)
        for status in ("pending", "pending", "pending", "dead", "done"):
            db.session.add(OutboxJob(name="x", queue="gridapp-default", args=[], status=status, next_attempt_at=written, created_at=written))
        db.session.commit()
        response = app.test_client().get("/healthz")
    assert response.json["outbox"] == {"pending": 3, "dead": 1, "lag_seconds": 12.5}


# --------------------------------------------------------------------------- #
# Redis stopped under a running app
# --------------------------------------------------------------------------- #


@contextlib.contextmanager
def pushed(app):
    """The app's context for a whole test; its connections closed afterwards."""
    context = app.app_context()
    context.push()
    try:
        yield app
    finally:
        db.session.remove()
        db.engine.dispose()
        context.pop()


@pytest.fixture
def limited_on_redis(tmp_path):
    """An app whose rate limits live in a real Redis this test may stop (limits on, 2 reports a minute)."""
    servers.require_service("redis")
    port = servers.find_free_port()
    url = f"redis://127.0.0.1:{port}/0"
    was = limiter.enabled
    app = make_app(
        f"sqlite:///{tmp_path / 'limits.sqlite3'}", tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url,
        REPORT_LIMIT_PER_USER="2/minute", REPORT_LIMIT_PER_IP="100/minute",
    )  # fmt: skip
    try:
        with pushed(app):
            yield app, port
    finally:
        limiter.enabled = was  # one limiter object serves every app in this process


def _limit_keys(url: str) -> list[bytes]:
    return Redis.from_url(url).keys("LIMITS:*")


def test_reports_and_sign_in_go_on_while_redis_is_down_and_limits_count_in_memory(limited_on_redis):
    app, port = limited_on_redis
    city = build_city("redisdown")
    cats = add_categories(city)
    alice, bob = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    db.session.commit()
    client = app.test_client()

    def report(user=alice):
        return post_report(client, user, category=cats["garbage"], lng=G1[0], lat=G1[1])

    with servers.redis_server(port=port) as url:
        assert report().status_code == 201
        assert _limit_keys(url), "with Redis up the limits are counted there"

    # Redis is down now: no 500, the reports go in and the limit still holds, counted in memory.
    assert report().status_code == 201
    assert report().status_code == 201
    blocked = report()
    assert blocked.status_code == 429, blocked.get_json()
    assert blocked.json["code"] == "rate_limited"
    sign_in = client.post("/api/v1/auth/login", json={"city": "redisdown", "username": bob.username, "password": PASSWORD})
    assert sign_in.status_code == 200, sign_in.get_json()

    # Redis is back on its port: within the limiter's back-off the counting moves back to it.
    with servers.redis_server(port=port) as url:
        deadline = time.monotonic() + 20
        while not _limit_keys(url) and time.monotonic() < deadline:
            assert post_report(client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1]).status_code in (201, 429)
            time.sleep(0.5)
        assert _limit_keys(url), "the limiter went back to Redis once it answered"


# --------------------------------------------------------------------------- #
# PostgreSQL stopped under a running app
# --------------------------------------------------------------------------- #


@pytest.fixture
def app_on_a_cluster(tmp_path):
    """An app on its own PostgreSQL cluster, which the test stops and starts."""
    servers.require_service("postgres")
    with servers.postgres_cluster() as cluster:
        url = servers.create_database(cluster.url, "gridapp_outage")
        with pushed(make_app(url, tmp_path)) as app:
            yield app, cluster
            if not cluster.running():
                cluster.start()  # so the engine's last connections close and the cluster stops cleanly


def test_only_outages_answer_503_not_bad_statements():
    import sqlite3

    import psycopg
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from gridapp.web.errors import is_database_outage

    assert is_database_outage(OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused")))
    assert is_database_outage(OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked")))
    assert not is_database_outage(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
    assert not is_database_outage(ProgrammingError("SELECT", {}, psycopg.ProgrammingError("syntax error")))
    assert not is_database_outage(ValueError("x"))


def test_a_database_outage_answers_503_with_retry_after_and_the_app_recovers(app_on_a_cluster):
    app, cluster = app_on_a_cluster
    city = build_city("pgdown")
    worker = city.users[Role.GRID_WORKER]
    shop_code = build_places(city).tokens["shop"]
    client = app.test_client()
    sign_in = {"city": "pgdown", "username": worker.username, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=sign_in).status_code == 200
    db.session.remove()

    cluster.stop()
    api = client.post("/api/v1/auth/login", json=sign_in)
    assert api.status_code == 503, api.get_data(as_text=True)[:300]
    assert api.headers["Retry-After"] == "5"
    assert api.json == {"code": "service_unavailable", "message": "服务暂时不可用", "details": {"dependency": "database"}}
    page = client.get(f"/c/{shop_code}")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert 'data-code="service_unavailable"' in page.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["status"] == "unavailable" and health.json["database"].startswith("error")

    cluster.start()  # the pool's connections died with the server: pre-ping replaces them
    assert client.post("/api/v1/auth/login", json=sign_in).status_code == 200
    assert client.get(f"/c/{shop_code}").status_code == 200
    assert client.get("/healthz").status_code == 200
