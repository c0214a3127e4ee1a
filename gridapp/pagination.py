"""Page-number pagination over a SQLAlchemy select, the same for every list."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from gridapp.extensions import db


def paginate(stmt: Select, args: dict) -> dict:
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return {
        "items": items,
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page},
    }
