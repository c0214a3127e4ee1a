"""What the people who run the system watch: the job queues (rq-dashboard) and how many cases are late.

Only system admins may look at the queues: the dashboard shows every city's jobs and can
requeue or delete them, which is an operator's act, not a district's.
"""
from __future__ import annotations

from sqlalchemy import func, select

from gridapp.authz import Actor, Permission, Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Case
from gridapp.services.supervision import sla

OPERATORS = Permission(
    "operations.queues", {Role.SYSTEM_ADMIN}, "system admins watch the job queues, and requeue or delete jobs"
)


def admit_operator(actor: Actor | None) -> None:
    """The door to the job queues' dashboard."""
    OPERATORS.require(actor)


def overdue_cases_by_city() -> dict[int, int]:
    """How many cases are past their running clock's due time now, per city id (a metric, not a list to act on)."""
    rows = db.session.execute(
        select(Case.city_id, func.count()).where(sla.overdue_condition(now())).group_by(Case.city_id)
    )
    return {city_id: count for city_id, count in rows}
