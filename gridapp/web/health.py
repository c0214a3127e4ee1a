"""Liveness and readiness for load balancers, supervisors and people: what is up, and can this server serve;
and the site's icon at its usual address.

200 means this app server can serve requests: the database answers. Redis down is "degraded" but
still 200, because requests go on without it (rate limits count in memory, jobs wait in the
outbox). 503 means the database is away and a load balancer should send traffic elsewhere.
The endpoint always answers: each probe reports its failure instead of raising.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for

from gridapp.web import probes
from gridapp.web.access import public

bp = Blueprint("health", __name__)


@bp.get("/favicon.ico")
@public()
def favicon():
    """Browsers ask for /favicon.ico before reading a page's icon link; both are the same drawing."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/healthz")
@public()
def healthz():
    checks = {"database": probes.database(), "redis": probes.redis()}
    report = {**checks, "queues": probes.queues()}
    outbox = probes.outbox()
    if outbox is not None:
        report["outbox"] = outbox
    serving = checks["database"] == "ok"
    healthy = serving and checks["redis"] in ("ok", "not_configured")
    status = "ok" if healthy else "degraded" if serving else "unavailable"
    return jsonify({"status": status, **report}), 200 if serving else 503
