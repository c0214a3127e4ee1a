"""Running it: request ids, JSON logs, /metrics for Prometheus and rq-dashboard for system admins."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.logs import JsonFormatter, RequestIdFilter
from gridapp.models.outbox import OutboxJob
from gridapp.services import outbox as outbox_service
from tests.conftest import make_app
from tests.support.cases import G1, add_categories, report_at
from tests.support.factories import PASSWORD, auth_headers, build_city

TOKEN = "scrape-token-for-tests"

# --------------------------------------------------------------------------- #
# Request ids and log lines
# --------------------------------------------------------------------------- #


def test_a_request_id_is_made_or_kept_and_sent_back(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != made
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.2"}).headers["X-Request-ID"] == "lb-7f3a.2"
    error = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "abc-123"})
    assert error.status_code == 404 and error.headers["X-Request-ID"] == "abc-123"


def test_a_request_id_that_is_not_a_short_token_is_replaced(client):
    sent = client.get("/healthz", headers={"X-Request-ID": "x" * 200}).headers["X-Request-ID"]
    assert len(sent) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "a b\tc"}).headers["X-Request-ID"] != "a b\tc"


def test_log_lines_are_json_with_the_request_id(redis_url, tmp_path, monkeypatch):
    client = make_app(f"sqlite:///{tmp_path / 'logs.sqlite3'}", tmp_path, REDIS_URL=redis_url).test_client()
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("gridapp.web.probes")
    logger.addHandler(handler)
    monkeypatch.setattr(outbox_service, "stats", lambda: 1 / 0)  # makes /healthz log a warning inside the request
    try:
        client.get("/healthz", headers={"X-Request-ID": "req-42"})
    finally:
        logger.removeHandler(handler)
    entry = json.loads(lines[-1])
    assert entry["request_id"] == "req-42"
    assert (entry["level"], entry["logger"]) == ("WARNING", "gridapp.web.probes")
    assert entry["message"] == "outbox figures unavailable: ZeroDivisionError"
    assert entry["time"].endswith("+00:00")
    outside = logging.LogRecord("gridapp", logging.INFO, __file__, 1, "中文 %s", ("ok",), None)
    RequestIdFilter().filter(outside)
    assert json.loads(JsonFormatter().format(outside))["request_id"] == "-"
    assert json.loads(JsonFormatter().format(outside))["message"] == "中文 ok"


def test_an_rq_workers_own_lines_become_json_too():
    from gridapp import logs

    rq_worker = logging.getLogger("rq.worker")
    rq_handler = logging.StreamHandler()
    rq_worker.addHandler(rq_handler)  # what `rq worker` does before the worker class builds the app
    rq_worker.propagate = False
    try:
        logs.configure("text")
        assert rq_worker.handlers == [rq_handler]
        logs.configure("json")
        assert rq_worker.handlers == [] and rq_worker.propagate
    finally:
        rq_worker.handlers.clear()
        rq_worker.propagate = True


# --------------------------------------------------------------------------- #
# /metrics
# --------------------------------------------------------------------------- #


@pytest.fixture
def metrics_app(tmp_path):
    return make_app(f"sqlite:///{tmp_path / 'metrics.sqlite3'}", tmp_path, METRICS_TOKEN=TOKEN)


def scrape(client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_metrics_are_off_without_a_token_and_refuse_a_wrong_one(client, metrics_app):
    assert client.get("/metrics").status_code == 404  # the suite's app sets no METRICS_TOKEN
    other = metrics_app.test_client()
    assert other.get("/metrics").status_code == 403
    refused = other.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"


def sample(text: str, series: str) -> float:
    """A series' value in an exposition (0 when absent): the histogram is the process's, shared with other tests."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_time_each_route_by_its_pattern(metrics_app):
    client = metrics_app.test_client()
    series = 'gridapp_request_duration_seconds_count{method="GET",route="/api/v1/cases/<int:case_id>",status="401"}'
    before = sample(scrape(client), series)
    for _ in range(3):
        client.get("/api/v1/cases/123456")  # 401: no token, but timed under the route's pattern
    text = scrape(client)
    assert sample(text, series) == before + 3
    assert "/api/v1/cases/123456" not in text
    assert 'gridapp_dependency_up{dependency="database"} 1.0' in text
    assert 'dependency="redis"' not in text  # no REDIS_URL: nothing to report


def test_metrics_count_overdue_cases(metrics_app, clock):
    with metrics_app.app_context():
        city = build_city("metrics")
        cats = add_categories(city)
        client = metrics_app.test_client()
        report_at(client, city.users[Role.RESIDENT], cats["garbage"], point=G1)
        city_id = city.city.id
        db.session.remove()
        assert f'gridapp_cases_overdue{{city_id="{city_id}"}}' not in scrape(client)
        clock.advance(timedelta(days=30))
        assert f'gridapp_cases_overdue{{city_id="{city_id}"}} 1.0' in scrape(client)


def test_metrics_show_the_outbox_backlog(redis_url, tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 'outbox.sqlite3'}", tmp_path, METRICS_TOKEN=TOKEN, REDIS_URL=redis_url)
    with app.app_context():
        written = clock.now() - timedelta(seconds=30)
        for status in ("pending", "pending", "pending", "pending", "dead", "dead", "done"):
            db.session.add(OutboxJob(name="x", queue="gridapp-default", args=[], status=status, next_attempt_at=written, created_at=written))
        db.session.commit()
        text = scrape(app.test_client())
        db.session.remove()
        db.engine.dispose()
    assert "gridapp_outbox_pending 4.0" in text
    assert "gridapp_outbox_dead 2.0" in text
    assert "gridapp_outbox_lag_seconds 30.0" in text


def test_metrics_report_queue_depths_from_redis(redis_url, tmp_path):
    from redis import Redis

    app = make_app(f"sqlite:///{tmp_path / 'q.sqlite3'}", tmp_path, METRICS_TOKEN=TOKEN, REDIS_URL=redis_url)
    Redis.from_url(redis_url).rpush("rq:queue:gridapp-notify", "job-a", "job-b")
    try:
        text = scrape(app.test_client())
    finally:
        Redis.from_url(redis_url).delete("rq:queue:gridapp-notify")
    assert 'gridapp_queue_jobs_waiting{queue="gridapp-notify"} 2.0' in text
    assert 'gridapp_queue_jobs_failed{queue="gridapp-default"} 0.0' in text
    assert 'gridapp_dependency_up{dependency="redis"} 1.0' in text


# --------------------------------------------------------------------------- #
# rq-dashboard
# --------------------------------------------------------------------------- #


def test_rq_dashboard_is_for_system_admins_only(redis_url, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'rq.sqlite3'}", tmp_path, REDIS_URL=redis_url)
    with app.app_context():
        city = build_city("rqdash")
        client = app.test_client()
        page = client.get("/rq/", headers=auth_headers(city.users[Role.SYSTEM_ADMIN]))
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        assert "'unsafe-inline'" in page.headers["Content-Security-Policy"]  # its own inline scripts, here only
        queues = client.get("/rq/0/data/queues.json", headers=auth_headers(city.users[Role.SYSTEM_ADMIN]))
        assert queues.status_code == 200, queues.get_data(as_text=True)[:300]
        for role, user in city.users.items():
            if role is Role.SYSTEM_ADMIN:
                continue
            refused = client.get("/rq/", headers=auth_headers(user))
            assert refused.status_code == 403, role
            assert client.get("/rq/0/data/queues.json", headers=auth_headers(user)).status_code == 403, role
        anonymous = client.get("/rq/")
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/console/login")
        for role, status in ((Role.DISTRICT_ADMIN, 403), (Role.SYSTEM_ADMIN, 200)):  # the console's session cookie
            browser = app.test_client()
            sign_in = {"city": "rqdash", "username": city.users[role].username, "password": PASSWORD, "cookie": True}
            assert browser.post("/api/v1/auth/login", json=sign_in).status_code == 200
            assert browser.get("/rq/").status_code == status, role
        db.session.remove()
        db.engine.dispose()


def test_without_redis_there_is_no_rq_dashboard(app, client, city):
    assert client.get("/rq/", headers=auth_headers(city.users[Role.SYSTEM_ADMIN])).status_code == 404
