"""Errors as GeoReport v2 says: <errors><error><code/><description/></error></errors>, or a JSON array.

Statuses follow the spec: 404 for what does not exist, 403 for a missing or bad
api_key (and anything else refused), 400 for every other failed request. 405, 413,
429 and 5xx keep their own status, since clients and proxies act on them.
"""
from __future__ import annotations

from flask import request

from gridapp.open311.render import render

KEPT = {403, 404, 405, 413, 429, 500, 502, 503}


def spec_status(status: int) -> int:
    if status == 401:
        return 403
    return status if status in KEPT else 400


def descriptions(message: str, details) -> list[str]:
    """One error per offending field when the details name fields, else the message alone."""
    if isinstance(details, dict) and details and all(isinstance(v, (list, tuple)) for v in details.values()):
        return [f"{message}（{field}: {', '.join(str(item) for item in problems)}）" for field, problems in details.items()]
    return [message]


def render_error(status: int, code: str, message: str, details, headers: dict):
    http = spec_status(status)
    fmt = "json" if request.path.rsplit("?", 1)[0].endswith(".json") else "xml"
    errors = [{"code": http, "description": text} for text in descriptions(message, details)]
    return render(fmt, "errors", errors, status=http, headers=headers)
