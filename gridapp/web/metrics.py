"""/metrics for Prometheus: request latency per route, and live gauges read at scrape time.

Latency is a histogram labelled by method, route pattern (not the raw path, so ids do not
multiply the series) and status. Under gunicorn every worker process writes its samples to
PROMETHEUS_MULTIPROC_DIR and a scrape, answered by any one worker, adds them all up (deploy/
sets the directory and gunicorn.conf.py clears it and marks dead workers).

The gauges are asked for when Prometheus scrapes: RQ queue depths and failed jobs, the outbox's
backlog (services.outbox.stats), overdue cases per city, and
whether the database and Redis answer. A dependency that is down makes its gauges go missing
and `gridapp_dependency_up` 0; the scrape itself still answers.

The endpoint is off unless METRICS_TOKEN is set; Prometheus then sends it as a bearer token
(`authorization: {credentials_file: ...}` in its scrape config). Anyone else gets 403.
"""
from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from gridapp.errors import Forbidden, NotFound
from gridapp.services import operations
from gridapp.web import probes
from gridapp.web.access import own_credential

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

REQUEST_SECONDS = Histogram(
    "gridapp_request_duration_seconds",
    "Time to answer a request, by method, route pattern and status.",
    ["method", "route", "status"],
    registry=None,  # exposed per scrape: alone in one process, summed from every worker's files under gunicorn
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


# The histogram's child per (method, route, status): `labels` checks and locks on every call.
_SERIES: dict[tuple, object] = {}


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        rule = request.url_rule
        key = (request.method, rule.rule if rule is not None else "unmatched", response.status_code)
        series = _SERIES.get(key)
        if series is None:
            series = _SERIES.setdefault(key, REQUEST_SECONDS.labels(key[0], key[1], str(key[2])))
        series.observe(time.perf_counter() - started)
    return response


class LiveGauges:
    """Figures read from the database and Redis while Prometheus scrapes."""

    def collect(self):
        up = GaugeMetricFamily("gridapp_dependency_up", "1 when the dependency answers.", labels=["dependency"])
        up.add_metric(["database"], 1 if probes.database() == "ok" else 0)
        redis = probes.redis()
        if redis != "not_configured":
            up.add_metric(["redis"], 1 if redis == "ok" else 0)
        yield up
        yield from _queue_gauges(probes.queues())
        yield from _outbox_gauges(probes.outbox())
        yield from _overdue_gauge()


def _queue_gauges(queues):
    if queues is None:
        return
    waiting = GaugeMetricFamily("gridapp_queue_jobs_waiting", "Jobs waiting on an RQ queue.", labels=["queue"])
    failed = GaugeMetricFamily("gridapp_queue_jobs_failed", "Jobs an RQ queue gave up on.", labels=["queue"])
    for name, depth in queues.items():
        waiting.add_metric([name], depth["waiting"])
        failed.add_metric([name], depth["failed"])
    yield waiting
    yield failed


def _outbox_gauges(outbox):
    if outbox is None:
        return
    yield GaugeMetricFamily("gridapp_outbox_pending", "Outbox jobs not yet on a queue.", value=outbox["pending"])
    yield GaugeMetricFamily("gridapp_outbox_dead", "Outbox jobs given up on (replay them).", value=outbox["dead"])
    yield GaugeMetricFamily("gridapp_outbox_lag_seconds", "Age of the oldest pending outbox job.", value=outbox["lag_seconds"])


def _overdue_gauge():
    try:
        counts = operations.overdue_cases_by_city()
    except Exception as exc:  # the database is down: gridapp_dependency_up says so
        log.warning("overdue cases unavailable: %s", exc.__class__.__name__)
        return
    overdue = GaugeMetricFamily("gridapp_cases_overdue", "Cases past their running clock's due time.", labels=["city_id"])
    for city_id, count in sorted(counts.items()):
        overdue.add_metric([str(city_id)], count)
    yield overdue


def _authorised() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    return sent.startswith("Bearer ") and hmac.compare_digest(sent[len("Bearer "):].encode(), token.encode())


@bp.get("/metrics")
@own_credential(scope="metrics_token")
def metrics():
    if not current_app.config["METRICS_TOKEN"]:
        raise NotFound("未启用监控指标")
    if not _authorised():
        raise Forbidden("监控指标需要有效的令牌", code="forbidden")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(LiveGauges())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # time the access checks too
    app.after_request(_observe)
    app.register_blueprint(bp)
