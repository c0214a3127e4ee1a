"""X-Request-ID: taken from the proxy in front (or made here), sent back, and written on every log line.

A caller's id is kept only when it is a short token, so a client cannot fill the logs with
arbitrary text through it.
"""
from __future__ import annotations

import os
import re

from flask import Flask, g, request

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def assign() -> None:
    sent = request.environ.get("HTTP_X_REQUEST_ID", "")
    # 128 random bits as 32 hex digits, as uuid4().hex looked but without building a UUID every request.
    g.request_id = sent if sent and _ACCEPTABLE.fullmatch(sent) else os.urandom(16).hex()


def send_back(response):
    response.headers[HEADER] = g.get("request_id") or ""
    return response


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, assign)  # before access checks, so their logs carry it
    app.after_request(send_back)
