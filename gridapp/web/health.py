"""Liveness and readiness for load balancers and the demo's first check; the site's icon at its usual address."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy import text

from gridapp.extensions import db
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
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, don't crash: this endpoint exists to say what is down
        checks["database"] = f"error: {exc.__class__.__name__}"
    finally:
        db.session.rollback()
    redis = current_app.extensions.get("gridapp.redis")
    if redis is None:
        checks["redis"] = "not_configured"
    else:
        try:
            redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(v in ("ok", "not_configured") for v in checks.values())
    return jsonify({"status": "ok" if healthy else "degraded", **checks}), 200 if healthy else 503
