"""Who may take an order: a department may take an order in a place it serves, of a kind it handles.

The rule is written twice on purpose, side by side: `eligible` in Python for one order
in hand (reading it, assigning it directly), `condition` in SQL for the pool and for the
grab's single conditional UPDATE. Both take a `Taker`, a department with the region
paths it serves as read by `served_paths`, the one source of served regions (the
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


def served_paths(city_id: int, department_ids) -> dict[int, tuple[str, ...]]:
    """The region paths each department serves, sorted."""
    served: dict[int, list[str]] = {d: [] for d in department_ids}
    if served:
        rows = db.session.execute(
            select(DepartmentRegion.department_id, Region.path)
            .join(Region, Region.id == DepartmentRegion.region_id)
            .where(DepartmentRegion.city_id == city_id, DepartmentRegion.department_id.in_(sorted(served)))
        )
        for department_id, path in rows:
            served[department_id].append(path)
    return {d: tuple(sorted(paths)) for d, paths in served.items()}


def takers(actor: Actor) -> list[Taker]:
    """The actor's active departments that serve anywhere, with what they serve, in id order."""
    ids = sorted(actor.department_ids())
    if not ids:
        return []
    departments = db.session.scalars(
        select(Department)
        .where(Department.city_id == actor.city_id, Department.id.in_(ids), Department.is_active.is_(True))
        .order_by(Department.id)
    )
    served = served_paths(actor.city_id, ids)
    return [Taker(d, served[d.id]) for d in departments if served[d.id]]


def taker(department: Department) -> Taker:
    return Taker(department, served_paths(department.city_id, [department.id])[department.id])


def eligible(taker: Taker, order: Order) -> bool:
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
    raise Forbidden("您所在部门不承办该区域或该类别的订单", code="not_eligible")
