"""The units a task force's sub-task or a meeting's action item is given to: a department, acted for by its staff and
admins, or a region node (a community, a street), acted for by the officials over it."""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import DEPARTMENT_ROLES, OFFICIAL_ROLES, Actor, Role, can_see_region
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Department, Region, RegionLevel, RoleGrant
from gridapp.services.regions.tree import get_region

# The officials who act for a region node given a sub-task (its own admins and those above).
REGION_ACTORS = OFFICIAL_ROLES | {Role.SUPER_ADMIN}


def department(city_id: int, department_id: int, field: str) -> Department:
    row = db.session.scalar(select(Department).where(Department.city_id == city_id, Department.id == department_id))
    if row is None or not row.is_active:
        raise ValidationFailed("部门不存在或已停用", details={field: ["unknown_department"]})
    return row


def region(city_id: int, region_id: int, field: str) -> Region:
    try:
        row = get_region(city_id, region_id)
    except NotFound:
        row = None
    if row is None or row.retired_at is not None or row.level == RegionLevel.GRID.value:
        raise ValidationFailed("请选择一个在用的社区、街道或区", details={field: ["unknown_region"]})
    return row


def people(city_id: int, department_id: int | None, region_id: int | None) -> list[int]:
    """Who hears of a unit's work: a department's staff and admins, or the officials granted at the region node."""
    if department_id is not None:
        roles, column, value = DEPARTMENT_ROLES, RoleGrant.department_id, department_id
    else:
        roles, column, value = OFFICIAL_ROLES | {Role.SUPER_ADMIN}, RoleGrant.region_id, region_id
    return list(db.session.scalars(
        select(RoleGrant.user_id)
        .where(RoleGrant.city_id == city_id, column == value, RoleGrant.role.in_([r.value for r in roles]))
        .order_by(RoleGrant.user_id)
    ))


def acts_for(actor: Actor, department_id: int | None, region_path: str | None) -> bool:
    if department_id is not None:
        return department_id in actor.department_ids() and actor.has_role(*DEPARTMENT_ROLES)
    return region_path is not None and can_see_region(actor, actor.city_id, region_path, REGION_ACTORS)
