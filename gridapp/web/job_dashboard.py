"""rq-dashboard at /rq, for system admins only: the queues, workers, failed jobs, and requeueing them.

It is mounted only when REDIS_URL is set (without Redis, jobs run inline and there are no queues).
Its pages come from the rq-dashboard package; the door is ours: every one of its endpoints carries
the operations.OPERATORS policy, so a staff session cookie (or bearer token) of a system admin
gets in, anybody else gets 403 and a visitor without a session is sent to the console's sign-in.
Its pages carry their own inline scripts and styles, so the page policy allows those here only.
"""
from __future__ import annotations

from flask import Flask

from gridapp.services import operations
from gridapp.web.access import Policy, current_actor, declare_endpoint
from gridapp.web.errors import HTML_BLUEPRINTS, LOGIN_PAGES
from gridapp.web.headers import INLINE_CODE_BLUEPRINTS

URL_PREFIX = "/rq"


def _admit() -> None:
    operations.admit_operator(current_actor())


def init_app(app: Flask) -> None:
    if not app.config["REDIS_URL"]:
        return
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    blueprint = rq_dashboard.blueprint
    if _admit not in blueprint.before_request_funcs.get(None, []):
        blueprint.before_request(_admit)
    app.register_blueprint(blueprint, url_prefix=URL_PREFIX)
    setup_rq_connection(app)
    for endpoint in list(app.view_functions):
        if endpoint.startswith(f"{blueprint.name}."):
            declare_endpoint(endpoint, Policy(operations.OPERATORS, "whole_system"))
    HTML_BLUEPRINTS.add(blueprint.name)
    LOGIN_PAGES[blueprint.name] = "/console/login"
    INLINE_CODE_BLUEPRINTS.add(blueprint.name)
