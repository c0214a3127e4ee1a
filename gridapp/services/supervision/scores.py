"""The unit score (Fengfeng's rule): each department starts a month at SCORE_START points and
loses points automatically for lateness (one point per SCORE_LATE_MINUTES_PER_POINT minutes
an order it held ran past its deadline within the month), for each case reopened against
its staff, each rating of 1-2 stars of its staff's work, and each late report-in to a whistle.

`compute_month` recomputes a month from the records and overwrites its rows, so the
hourly job can run it as often as it likes; the ranking is by score, then name.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select

from gridapp.authz import STAFF_ROLES, Actor, Permission
from gridapp.clock import month_bounds, now
from gridapp.extensions import db
from gridapp.models import CaseEvent, CaseRating, Department, DepartmentScore, RoleGrant, WhistleTarget
from gridapp.models.orders import Order
from gridapp.unit_of_work import unit_of_work

READERS = Permission("supervision.scores", STAFF_ROLES, "every staff member sees how the departments rank")


def _late_minutes(city_id: int, department_id: int, start: datetime, end: datetime) -> int:
    """Minutes within [start, min(end, now)) that the department's orders spent past their deadline."""
    stop = min(end, now())
    total = 0.0
    rows = db.session.execute(
        select(Order.deadline, Order.resolved_at).where(
            Order.city_id == city_id, Order.holder_department_id == department_id, Order.deadline < stop,
            or_(Order.resolved_at.is_(None), Order.resolved_at > Order.deadline),
        )
    )
    for deadline, resolved_at in rows:
        late_from, late_to = max(deadline, start), min(resolved_at or stop, stop)
        if late_to > late_from:
            total += (late_to - late_from).total_seconds() / 60
    return int(total)


def _staff(city_id: int, department_id: int):
    return select(RoleGrant.user_id).where(RoleGrant.city_id == city_id, RoleGrant.department_id == department_id)


def deductions(city_id: int, department_id: int, month: str) -> dict[str, int]:
    start, end = month_bounds(month)
    staff = _staff(city_id, department_id)
    reopened = db.session.scalar(
        select(func.count()).where(
            CaseEvent.city_id == city_id, CaseEvent.action == "reopen", CaseEvent.handler_user_id.in_(staff),
            CaseEvent.created_at >= start, CaseEvent.created_at < end,
        )
    )
    low = db.session.scalar(
        select(func.count()).where(
            CaseRating.city_id == city_id, CaseRating.stars <= 2, CaseRating.handler_user_id.in_(staff),
            CaseRating.created_at >= start, CaseRating.created_at < end,
        )
    )
    late_report_ins = db.session.scalar(
        select(func.count()).where(
            WhistleTarget.city_id == city_id, WhistleTarget.department_id == department_id,
            WhistleTarget.report_by >= start, WhistleTarget.report_by < end,
            or_(WhistleTarget.late_at.is_not(None), WhistleTarget.reported_at > WhistleTarget.report_by),
        )
    )
    return {
        "late_minutes": _late_minutes(city_id, department_id, start, end),
        "reopened": int(reopened or 0),
        "low_ratings": int(low or 0),
        "late_report_ins": int(late_report_ins or 0),
    }


def points_lost(found: dict[str, int]) -> dict[str, int]:
    """The points each kind of deduction cost: what the departments page shows behind a score."""
    config = current_app.config
    return {
        "late_minutes": found["late_minutes"] // max(1, config["SCORE_LATE_MINUTES_PER_POINT"]),
        "reopened": found["reopened"] * config["SCORE_REOPEN_POINTS"],
        "low_ratings": found["low_ratings"] * config["SCORE_LOW_RATING_POINTS"],
        "late_report_ins": found["late_report_ins"] * config["SCORE_LATE_REPORT_IN_POINTS"],
    }


def start_points() -> int:
    return current_app.config["SCORE_START"]


def score_for(found: dict[str, int]) -> int:
    return start_points() - sum(points_lost(found).values())


@unit_of_work
def compute_month(city_id: int, month: str) -> list[DepartmentScore]:
    departments = list(db.session.scalars(select(Department).where(Department.city_id == city_id).order_by(Department.code)))
    existing = {
        row.department_id: row
        for row in db.session.scalars(select(DepartmentScore).where(DepartmentScore.city_id == city_id, DepartmentScore.month == month))
    }
    rows = []
    for department in departments:
        found = deductions(city_id, department.id, month)
        row = existing.get(department.id) or DepartmentScore(city_id=city_id, department_id=department.id, month=month)
        row.score = score_for(found)
        for key, value in found.items():
            setattr(row, key, value)
        db.session.add(row)
        rows.append((row, department))
    rows.sort(key=lambda pair: (-pair[0].score, pair[1].name))
    for rank, (row, _department) in enumerate(rows, start=1):
        row.rank = rank
    return [row for row, _ in rows]


def ranking_for(actor: Actor, month: str) -> list[DepartmentScore]:
    READERS.require(actor)
    return ranking(actor.city_id, month)


def ranking(city_id: int, month: str) -> list[DepartmentScore]:
    return list(
        db.session.scalars(
            select(DepartmentScore).where(DepartmentScore.city_id == city_id, DepartmentScore.month == month).order_by(DepartmentScore.rank)
        )
    )
