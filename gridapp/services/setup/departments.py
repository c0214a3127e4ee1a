"""Departments: the units that grab orders, what kind each is, and the region nodes each serves.

City-wide units, so system admins create and edit any; a super admin (whose grant names the city
or a district) only those whose served nodes all lie in their subtree, and serving only nodes
there. The served nodes are the rows services.orders.eligibility reads for the pool and the grab.
A deactivated department takes no new orders (eligibility reads active departments only).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, covers
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Department, DepartmentRegion, Region
from gridapp.services import idempotency
from gridapp.services.regions.admin import administered_nodes
from gridapp.services.setup import changes
from gridapp.unit_of_work import unit_of_work

DEPARTMENT_ADMINS = Permission(
    "departments.administer",
    {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "departments serve the city across districts: system admins (and super admins within their subtree) set them up",
)
DEPARTMENT_READERS = Permission(
    "departments.read",
    OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "admins see the city's departments to grant staff and route categories",
)
NODE_LEVELS = ("city", "district", "street", "community")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# The usual kinds, offered as suggestions; any slug is accepted.
KIND_LABELS = {
    "city_management": "城管执法",
    "housing": "住房建设",
    "market_regulation": "市场监管",
    "police": "公安",
    "environment": "生态环境",
    "civil_affairs": "民政",
    "labour": "人力社保",
    "property": "物业",
}


def _paths(actor: Actor) -> list[str] | None:
    DEPARTMENT_ADMINS.require(actor)
    return None if Role.SYSTEM_ADMIN in actor.roles else actor.region_paths({Role.SUPER_ADMIN})


def servable(actor: Actor) -> list[Region]:
    """The nodes (above grids) the actor may have a department serve, for the console's form."""
    from_paths = _paths(actor) if DEPARTMENT_ADMINS.held_by(actor) else []
    return administered_nodes(actor, NODE_LEVELS, from_paths)


def served(department: Department) -> list[Region]:
    return list(
        db.session.scalars(
            select(Region)
            .join(DepartmentRegion, DepartmentRegion.region_id == Region.id)
            .where(DepartmentRegion.city_id == department.city_id, DepartmentRegion.department_id == department.id)
            .order_by(Region.path)
        )
    )


def kinds(city_id: int) -> list[str]:
    """The kinds the city's active departments have: a category may route only to one of these."""
    return list(
        db.session.scalars(
            select(Department.kind)
            .where(Department.city_id == city_id, Department.is_active.is_(True))
            .distinct()
            .order_by(Department.kind)
        )
    )


def listing(actor: Actor):
    DEPARTMENT_READERS.require(actor)
    return select(Department).where(Department.city_id == actor.city_id).order_by(Department.code)


def get_department(actor: Actor, department_id: int) -> Department:
    DEPARTMENT_READERS.require(actor)
    department = db.session.scalar(
        select(Department).where(Department.city_id == actor.city_id, Department.id == department_id)
    )
    if department is None:
        raise NotFound("部门不存在", code="department_not_found")
    return department


def _regions(actor: Actor, region_ids: list[int]) -> list[Region]:
    ids = sorted(set(region_ids))
    found = {
        r.id: r for r in db.session.scalars(select(Region).where(Region.city_id == actor.city_id, Region.id.in_(ids)))
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed("服务区域不存在", details={"region_ids": missing})
    retired = [i for i in ids if found[i].retired_at is not None]
    if retired:
        raise ValidationFailed("不能服务已撤销的区域", details={"region_ids": retired})
    paths = _paths(actor)
    if paths is not None and not all(covers(paths, found[i].path) for i in ids):
        raise Forbidden("只能选择您管辖范围内的区域")
    return [found[i] for i in ids]


def _check(code: str | None, name: str | None, kind: str | None) -> None:
    if code is not None and not CODE.match(code):
        raise ValidationFailed("部门编码须为 1-32 位字母、数字、下划线或连字符", details={"code": ["invalid"]})
    if name is not None and not name.strip():
        raise ValidationFailed("部门名称不能为空", details={"name": ["required"]})
    if kind is not None and not KIND.match(kind):
        raise ValidationFailed(
            "部门类型须为小写字母开头的英文标识（如 city_management）", details={"kind": ["invalid"]}
        )


def snapshot(department: Department) -> dict:
    return {
        "code": department.code,
        "name": department.name,
        "kind": department.kind,
        "is_active": department.is_active,
        "region_ids": [r.id for r in served(department)],
    }


def create_once(actor: Actor, claim, **fields) -> Department:
    return idempotency.create(claim, "department", lambda: create(actor, **fields), lambda i: get_department(actor, i))


@unit_of_work
def create(actor: Actor, *, code: str, name: str, kind: str, region_ids: list[int]) -> Department:
    _check(code, name, kind)
    regions = _regions(actor, region_ids)
    if (
        db.session.scalar(select(Department.id).where(Department.city_id == actor.city_id, Department.code == code))
        is not None
    ):
        raise Conflict(f"部门编码 {code} 已存在", code="department_exists")
    department = Department(city_id=actor.city_id, code=code, name=name.strip(), kind=kind)
    db.session.add(department)
    db.session.flush()
    _serve(department, regions)
    changes.record(actor, "department", department.id, "create", None, snapshot(department))
    return department


def _serve(department: Department, regions: list[Region]) -> None:
    current = {
        row.region_id: row
        for row in db.session.scalars(
            select(DepartmentRegion).where(
                DepartmentRegion.city_id == department.city_id, DepartmentRegion.department_id == department.id
            )
        )
    }
    wanted = {r.id for r in regions}
    for region_id, row in current.items():
        if region_id not in wanted:
            db.session.delete(row)
    for region_id in wanted - current.keys():
        db.session.add(DepartmentRegion(city_id=department.city_id, department_id=department.id, region_id=region_id))
    db.session.flush()


@unit_of_work
def edit(
    actor: Actor,
    department_id: int,
    *,
    name: str | None = None,
    kind: str | None = None,
    region_ids: list[int] | None = None,
    is_active: bool | None = None,
    note: str = "",
) -> Department:
    """Change a department; a super admin may only touch one that serves nothing outside their subtree."""
    department = get_department(actor, department_id)
    paths = _paths(actor)
    before = snapshot(department)
    if paths is not None and not all(covers(paths, r.path) for r in served(department)):
        raise Forbidden("该部门服务的区域超出您的管辖范围")
    _check(None, name, kind)
    if name is not None:
        department.name = name.strip()
    if kind is not None:
        department.kind = kind
    if is_active is not None:
        department.is_active = is_active
    if region_ids is not None:
        _serve(department, _regions(actor, region_ids))
    old, new = changes.changed(before, snapshot(department))
    if new:
        changes.record(actor, "department", department.id, "edit", old, new, note)
    return department


def history(actor: Actor, department_id: int):
    department = get_department(actor, department_id)
    return changes.history(actor.city_id, "department", department.id)


def kind_choices(actor: Actor) -> list[dict]:
    DEPARTMENT_READERS.require(actor)
    every = {**KIND_LABELS, **{k: KIND_LABELS.get(k, k) for k in kinds(actor.city_id)}}
    return [{"kind": kind, "label": label} for kind, label in every.items()]
