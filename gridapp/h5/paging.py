"""The page a server-rendered list shows: `?page=` read leniently, since people type and share these links."""
from __future__ import annotations

from flask import request


def page_args(per_page: int) -> dict:
    """Anything but a positive whole number shows the first page rather than an error page."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return {"page": page, "per_page": per_page}
