"""gridapp: QR "snap and report" grid management for a city.

`create_app` wires the subsystems in one fixed order; each owns its `init_app`.
"""
from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, Mapping

from flask import Flask

from gridapp import logs
from gridapp.config import load_settings

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("GRIDAPP_INSTANCE_PATH") or None)
    app.config.update(load_settings(app.instance_path, overrides=config))
    app.config["JWT_SECRET_KEY"] = app.config["SECRET_KEY"]
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"])
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(seconds=app.config["JWT_REFRESH_TOKEN_EXPIRES_SECONDS"])
    # Mini-program clients send Bearer headers; H5 pages in WeChat's browser hold the same
    # tokens in HttpOnly cookies, with a CSRF double-submit token on every write.
    app.config.setdefault("JWT_TOKEN_LOCATION", ["headers", "cookies"])
    # Production is served over HTTPS (behind its proxy), whatever origin the QR codes encode.
    app.config.setdefault(
        "JWT_COOKIE_SECURE", app.config["GRIDAPP_ENV"] == "production" or app.config["PUBLIC_BASE_URL"].startswith("https://")
    )
    app.config.setdefault("JWT_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("JWT_COOKIE_CSRF_PROTECT", True)
    app.config.setdefault("JWT_REFRESH_COOKIE_PATH", "/api/v1/auth/refresh")
    app.config.setdefault("JWT_SESSION_COOKIE", False)
    app.json.ensure_ascii = False
    logs.configure(app.config["LOG_FORMAT"])

    from gridapp import database, h5, jobs, models  # noqa: F401  (models registers the tables)
    from gridapp.cli import register_cli
    from gridapp.extensions import db, jwt, limiter, migrate
    from gridapp.jobs import catalogue  # noqa: F401  (every job registers its name)
    from gridapp.services import subscriptions
    from gridapp.services.accounts.revocations import is_revoked
    from gridapp.web import (
        access,
        bounds,
        errors,
        headers,
        health,
        job_dashboard,
        maps,
        media,
        metrics,
        request_ids,
        sessions,
    )

    database.init_app(app)
    subscriptions.register()
    migrate.init_app(
        app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True,
        render_item=database.render_migration_item,
    )
    jwt.init_app(app)
    jwt.token_in_blocklist_loader(lambda _header, payload: is_revoked(payload))
    limiter.init_app(app)
    jobs.init_app(app)
    errors.init_app(app)
    request_ids.init_app(app)
    bounds.init_app(app)
    access.init_app(app)
    headers.init_app(app)
    sessions.init_app(app)
    maps.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    job_dashboard.init_app(app)
    app.register_blueprint(media.bp)
    app.register_blueprint(h5.bp)
    from gridapp.h5 import codes as h5_codes
    from gridapp.h5 import community as h5_community
    from gridapp.h5 import consultations as h5_consultations
    from gridapp.h5 import department as h5_department
    from gridapp.h5 import direct_line as h5_direct
    from gridapp.h5 import links as h5_links
    from gridapp.h5 import notices as h5_notices
    from gridapp.h5 import offline as h5_offline
    from gridapp.h5 import ratings as h5_ratings
    from gridapp.h5 import reports as h5_reports
    from gridapp.h5 import suggestions as h5_suggestions
    from gridapp.h5 import venues as h5_venues
    from gridapp.h5 import worker as h5_worker

    app.register_blueprint(h5_codes.bp)
    app.register_blueprint(h5_reports.bp)
    app.register_blueprint(h5_links.bp)
    app.register_blueprint(h5_community.bp)
    app.register_blueprint(h5_department.bp)
    app.register_blueprint(h5_worker.bp)
    app.register_blueprint(h5_direct.bp)
    app.register_blueprint(h5_venues.bp)
    app.register_blueprint(h5_suggestions.bp)
    app.register_blueprint(h5_ratings.bp)
    app.register_blueprint(h5_consultations.bp)
    from gridapp.h5 import patrol as h5_patrol

    app.register_blueprint(h5_patrol.bp)
    app.register_blueprint(h5_offline.bp)
    app.register_blueprint(h5_notices.bp)
    from gridapp.h5 import hotline as h5_hotline

    app.register_blueprint(h5_hotline.bp)
    from gridapp.h5 import review_meetings as h5_review_meetings
    from gridapp.h5 import task_forces as h5_task_forces

    app.register_blueprint(h5_task_forces.bp)
    app.register_blueprint(h5_review_meetings.bp)
    from gridapp.h5 import disputes as h5_disputes

    app.register_blueprint(h5_disputes.bp)
    from gridapp.h5 import petitions as h5_petitions

    app.register_blueprint(h5_petitions.bp)
    from gridapp.h5 import care as h5_care
    from gridapp.h5 import neighbourhood as h5_neighbourhood

    app.register_blueprint(h5_care.bp)
    app.register_blueprint(h5_neighbourhood.bp)
    from gridapp import dashboard

    app.register_blueprint(dashboard.bp)
    from gridapp import console
    from gridapp.console import direct_line as _console_direct_line  # noqa: F401 (routes on console.bp)
    from gridapp.console import links as console_links  # noqa: F401 (a section: its routes join console.bp)
    from gridapp.console import outside_systems as _console_outside_systems  # noqa: F401 (routes on console.bp)
    from gridapp.console import regions as _console_regions  # noqa: F401 (routes on console.bp)
    from gridapp.console import replies as _console_replies  # noqa: F401 (routes on console.bp)
    from gridapp.console import setup as _console_setup  # noqa: F401
    from gridapp.console import staff as console_staff  # noqa: F401  (the section's routes join console.bp)

    console.init_app(app)

    import mobile_api

    mobile_api.init_app(app)
    from gridapp import open311 as open311_http

    open311_http.init_app(app)
    register_cli(app)
    from gridapp.web import pipeline

    pipeline.collapse(app)  # last: every app-wide hook is registered by now
    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
