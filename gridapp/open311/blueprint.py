"""The /open311 blueprint and its shared rate limit, apart from the package so the views can
import it without importing the package that imports them."""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address

from gridapp.extensions import limiter

PREFIX = "/open311"
bp = Blueprint("open311", __name__, url_prefix=PREFIX)


def per_api_key() -> str:
    key = request.values.get("api_key")
    if key:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:24]
    return "ip:" + get_remote_address()


# One budget per key across every Open311 method (a plain limit would count each route apart).
limiter.shared_limit(lambda: current_app.config["OPEN311_RATE_LIMIT"], scope="open311", key_func=per_api_key)(bp)
