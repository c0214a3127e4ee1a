"""The page a phone camera opens: {PUBLIC_BASE_URL}/c/<token>, and the resident's own code.

Public (anyone may scan), but a session cookie, when present, decides how much the
page shows. A stale cookie means anonymous (see gridapp.web.access). Errors render
as pages: 404 for an unknown token, 410 with a clear message for a replaced one.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from gridapp.authz import SIGNED_IN
from gridapp.services.codes import issuing as codes
from gridapp.services.codes import scanning as scans
from gridapp.web import rate_limits
from gridapp.web.access import allow, current_actor, public
from gridapp.web.errors import HTML_BLUEPRINTS
from gridapp.web.headers import NONCE_KEY, csp_nonce
from qr.render import render_png

bp = Blueprint("h5_codes", __name__)
HTML_BLUEPRINTS.add(bp.name)


@bp.get("/c/<token>")
@public(scope="code_view_rules")
def scan_page(token):
    agent, actor = request.headers.get("User-Agent"), current_actor()
    if actor is not None:
        html = render_template("h5/scan.html", view=scans.scan(token, actor, channel="h5", user_agent=agent), token=token)
    else:
        html = _anonymous_page(scans.anonymous_scan(token, channel="h5", user_agent=agent), token)
    response = Response(html)
    # Views differ by who is signed in: never let a shared cache hand one person's page to another.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _anonymous_page(copy, token: str) -> str:
    """The page rendered once per copy of the view; an inline script's nonce is swapped for this answer's own."""
    if "h5" not in copy.renderings:
        html = render_template("h5/scan.html", view=copy.view, token=token)
        copy.renderings["h5"] = (html, request.environ.get(NONCE_KEY))
    html, nonce = copy.renderings["h5"]
    return html.replace(nonce, csp_nonce()) if nonce else html


rate_limits.skip_limits("h5_codes.scan_page")  # a scan is never limited: nothing is written while answering it


@bp.get("/h5/my-code")
@allow(SIGNED_IN, scope="self")
def my_code_page():
    return render_template("h5/my_code.html")


@bp.get("/h5/my-code.png")
@allow(SIGNED_IN, scope="self")
def my_code_png():
    code = codes.my_code(current_actor())
    png = render_png(codes.url_for_token(code.token), size_px=480, ec="M", caption="居民个人码\n请网格员扫码走访")
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
