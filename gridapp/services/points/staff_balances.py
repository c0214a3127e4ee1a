"""Staff's points: their own account (the staff share of each order they completed) and their department's.

Order payouts split between the department and the staff member who did the work
(services.points.payouts); both are read here by the people they belong to: each staff member
their own, and every member of a department (staff and admins) the department's.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import DEPARTMENT_ROLES, STAFF_ROLES, Actor, Permission
from gridapp.errors import Forbidden, NotFound
from gridapp.extensions import db
from gridapp.models import Department
from gridapp.services.points import ledger

STAFF_HOLDERS = Permission("points.staff", STAFF_ROLES, "staff read their own points")
DEPARTMENT_MEMBERS = Permission(
    "points.department", DEPARTMENT_ROLES, "a department's staff and admins read their department's points"
)


def my_balance(actor: Actor) -> int:
    STAFF_HOLDERS.require(actor)
    return ledger.balance_of(actor.city_id, "staff", actor.user_id)


def my_history(actor: Actor):
    """The caller's staff-account entries, newest first."""
    STAFF_HOLDERS.require(actor)
    return ledger.history(actor.city_id, "staff", actor.user_id)


def _own_department(actor: Actor, department_id: int) -> Department:
    DEPARTMENT_MEMBERS.require(actor)
    department = db.session.scalar(
        select(Department).where(Department.city_id == actor.city_id, Department.id == department_id)
    )
    if department is None:
        raise NotFound("部门不存在")
    if department.id not in actor.department_ids():
        raise Forbidden("只能查看本部门的积分")
    return department


def department_balance(actor: Actor, department_id: int) -> dict:
    department = _own_department(actor, department_id)
    return {
        "department_id": department.id,
        "department_name": department.name,
        "balance": ledger.balance_of(actor.city_id, "department", department.id),
    }


def department_history(actor: Actor, department_id: int):
    """The department account's entries, newest first."""
    return ledger.history(actor.city_id, "department", _own_department(actor, department_id).id)
