"""Page-number pagination over a SQLAlchemy select, the same for every list."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from gridapp.extensions import db


def paginate(stmt: Select, args: dict) -> dict:
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (page - 1) * per_page
    # A page past the last is empty without asking the database: a far page's offset may not even fit 64 bits.
    items = list(db.session.scalars(stmt.limit(per_page).offset(offset))) if offset < total else []
    return {
        "items": items,
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page},
    }


def paginate_list(items: list, args: dict) -> dict:
    """The same envelope over a short list already in memory (one person's own records)."""
    page, per_page = args["page"], args["per_page"]
    total = len(items)
    start = (page - 1) * per_page
    return {
        "items": items[start:start + per_page] if start < total else [],
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page},
    }
