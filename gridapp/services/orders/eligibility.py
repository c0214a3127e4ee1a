"""Who may take an order: a department may take an order in a place it serves, of a kind it handles.

The rule is written twice on purpose, side by side: `eligible` in Python for one order
in hand (reading it, assigning it directly), `condition` in SQL for the pool and for the
grab's single conditional UPDATE. Both take a `Taker`, a department with the region
paths it serves as read by `takers_of`, the one source of served regions (the
department_regions table) for the pool, the grab and direct assignment alike.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from gridapp.authz import Actor
from gridapp.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import Department, DepartmentRegion, Region
from gridapp.models.orders import Order
from gridapp.services.regions.tree import path_range


@dataclass(frozen=True)
class Taker:
    department: Department
    paths: tuple[str, ...]  # the region nodes the department serves


def takers_of(city_id: int, department_ids) -> list[Taker]:
    """The active departments among `department_ids` that serve anywhere, with the paths they serve, in id order.

    The one read of served regions (the department_regions table): one query, as it is on
    the grab's hot path.
    """
    if not department_ids:
        return []
    rows = db.session.execute(
        select(Department, Region.path)
        .join(DepartmentRegion, and_(DepartmentRegion.city_id == Department.city_id, DepartmentRegion.department_id == Department.id))
        .join(Region, Region.id == DepartmentRegion.region_id)
        .where(Department.city_id == city_id, Department.id.in_(sorted(department_ids)), Department.is_active.is_(True))
        .order_by(Department.id, Region.path)
    )
    served: dict[Department, list[str]] = {}
    for department, path in rows:
        served.setdefault(department, []).append(path)
    return [Taker(department, tuple(paths)) for department, paths in served.items()]


def departments_for(order: Order) -> list[Department]:
    """The active departments that may take `order`, in id order: whose people hear of it in the pool."""
    every = list(db.session.scalars(select(Department.id).where(Department.city_id == order.city_id)))
    return [taker.department for taker in takers_of(order.city_id, every) if eligible(taker, order)]


def takers(actor: Actor) -> list[Taker]:
    return takers_of(actor.city_id, actor.department_ids())


def may_take(department: Department, order: Order) -> bool:
    """Whether `department` may take `order` (direct assignment asks this of a department it names)."""
    return any(eligible(taker, order) for taker in takers_of(department.city_id, [department.id]))


def eligible(taker: Taker, order: Order) -> bool:
    """An order naming no department kind may be taken by any department serving its place."""
    kind_ok = order.department_kind is None or order.department_kind == taker.department.kind
    return kind_ok and any(order.region_path.startswith(p) for p in taker.paths)


def condition(taker: Taker):
    """`eligible` as a SQL condition on the orders table."""
    kind_ok = or_(Order.department_kind.is_(None), Order.department_kind == taker.department.kind)
    return and_(kind_ok, or_(*(path_range(Order.region_path, p) for p in taker.paths)))


def taker_for(actor: Actor, order: Order) -> Taker:
    """The first of the actor's departments that may take `order`; Forbidden when none may."""
    for candidate in takers(actor):
        if eligible(candidate, order):
            return candidate
    raise not_eligible()


def not_eligible() -> Forbidden:
    """What a department that may not take an order is told (here and by the grab's SQL-side check)."""
    return Forbidden("您所在部门不承办该区域或该类别的订单", code="not_eligible")
