"""Serving media from local disk in the embedded mode (S3 serves its own in production).

Media keys carry a random component, so a URL is a capability: whoever was shown the
photo may fetch it, nobody can enumerate others.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from gridapp.storage import check_key
from gridapp.web.access import public

bp = Blueprint("media", __name__)


@bp.get("/media/<path:key>")
@public(scope="capability_url")
def media(key: str):
    if current_app.config["MEDIA_STORAGE"] != "local":
        abort(404)
    try:
        check_key(key)
    except ValueError:
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_ROOT"], key, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
