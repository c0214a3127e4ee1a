"""The admins' console (管理后台): server-rendered pages to set up and staff a city without curl.

Pages here only render; every change goes through the JSON API with the CSRF header
(gridapp/static/console.js), the same calls a script would make, so the console adds no rule of
its own. Staff sign in on /console/login with the same JSON sign-in as every client. Each
section lives in its own module of this package and registers its routes on `bp`.
"""
from __future__ import annotations

from flask import Blueprint, render_template

from gridapp.services.accounts import administration, grants
from gridapp.web.access import allow, current_actor, public
from gridapp.web.errors import HTML_BLUEPRINTS, LOGIN_PAGES
from gridapp.web.staff_sign_in import sign_in_page

bp = Blueprint("console", __name__, url_prefix="/console")
HTML_BLUEPRINTS.add(bp.name)
LOGIN_PAGES[bp.name] = "/console/login"


@bp.app_context_processor
def console_sections():
    """Which sections the nav offers: only those whose pages would let this person in."""
    actor = current_actor()
    return {
        "administers": actor is not None and administration.ADMINISTRATORS.held_by(actor),
        "manages_staff": actor is not None and grants.STAFF_MANAGERS.held_by(actor),
    }


@bp.get("/login")
@public()
def login():
    return sign_in_page("console/login.html", under="/console", landing="console.home")


@bp.get("/")
@allow(administration.ADMINISTRATORS, scope="region_tree")
def home():
    return render_template("console/home.html", scope=administration.scope_of(current_actor()))


def init_app(app) -> None:
    app.register_blueprint(bp)

