"""The page a server-rendered list shows: `?page=` read leniently, since people type and share these links."""
from __future__ import annotations

from flask import request

from gridapp.pagination import paginate


def page_args(per_page: int) -> dict:
    """Anything but a positive whole number shows the first page rather than an error page."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return {"page": page, "per_page": per_page}


def page_of(stmt, per_page: int = 20) -> dict:
    """The page of a select the link asks for."""
    return paginate(stmt, page_args(per_page))
