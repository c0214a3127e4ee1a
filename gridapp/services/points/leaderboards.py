"""Monthly rankings of departments and their staff (departments competing for orders).

Computed from the orders themselves (paid in the month, under a region), not from a
running tally, so a reversed payout drops out of the ranking by itself.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, select

from gridapp.authz import STAFF_ROLES, Actor, Permission
from gridapp.clock import asked_month_bounds
from gridapp.extensions import db
from gridapp.models import Department, Order, OrderLapse, User
from gridapp.models.orders import PAID
from gridapp.services.regions.tree import path_range, visible_region

METRICS = ("points", "closed", "on_time_rate")

READERS = Permission("points.leaderboards", STAFF_ROLES, "every staff member sees the leaderboards")


def _scope(actor: Actor, month: str, region_id: int | None):
    READERS.require(actor)
    start, end = asked_month_bounds(month)
    conditions = [Order.city_id == actor.city_id, Order.status == PAID, Order.paid_at >= start, Order.paid_at < end]
    if region_id is not None:
        conditions.append(path_range(Order.region_path, visible_region(actor, region_id).path))
    return conditions, start, end


def _rank(rows: list[dict], metric: str) -> list[dict]:
    rows.sort(key=lambda r: (-(r[metric] or 0), -r["points"], r["name"]))
    for place, row in enumerate(rows, 1):
        row["rank"] = place
    return rows


def _on_time():
    return func.sum(case((Order.resolved_at <= Order.deadline, 1), else_=0))


def departments(actor: Actor, month: str, region_id: int | None = None, metric: str = "points") -> list[dict]:
    conditions, start, end = _scope(actor, month, region_id)
    rows = db.session.execute(
        select(
            Order.holder_department_id, Department.name,
            func.sum(Order.payout_department + Order.payout_staff), func.count(), _on_time(),
        )
        .join(Department, Department.id == Order.holder_department_id)
        .where(*conditions)
        .group_by(Order.holder_department_id, Department.name)
    ).all()
    lapses = dict(
        db.session.execute(
            select(OrderLapse.department_id, func.count())
            .where(OrderLapse.city_id == actor.city_id, OrderLapse.created_at >= start, OrderLapse.created_at < end)
            .group_by(OrderLapse.department_id)
        ).all()
    )
    return _rank(
        [
            {
                "id": dept_id, "name": name, "points": int(points or 0), "closed": closed,
                "on_time_rate": round(on_time / closed, 4) if closed else None, "lapses": lapses.get(dept_id, 0),
            }
            for dept_id, name, points, closed, on_time in rows
        ],
        metric,
    )


def staff(actor: Actor, month: str, region_id: int | None = None, metric: str = "points") -> list[dict]:
    conditions, _start, _end = _scope(actor, month, region_id)
    rows = db.session.execute(
        select(
            Order.holder_user_id, User.display_name, Department.name,
            func.sum(Order.payout_staff), func.count(), _on_time(),
        )
        .join(User, User.id == Order.holder_user_id)
        .join(Department, and_(Department.id == Order.holder_department_id))
        .where(*conditions)
        .group_by(Order.holder_user_id, User.display_name, Department.name)
    ).all()
    return _rank(
        [
            {
                "id": user_id, "name": name, "department_name": dept, "points": int(points or 0), "closed": closed,
                "on_time_rate": round(on_time / closed, 4) if closed else None,
            }
            for user_id, name, dept, points, closed, on_time in rows
        ],
        metric,
    )
