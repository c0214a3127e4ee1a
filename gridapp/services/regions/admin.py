"""Administering the region tree: renaming a node, redrawing a grid, moving a node, retiring one.

Who: a system admin anywhere in the city; a district, street or community admin (or a super admin)
only on nodes strictly below their own node, so nobody edits the node their own grant names.

Moving a node rewrites the materialized paths of its whole subtree in one statement. Grants,
departments' served regions, records and codes name nodes by id, so they follow. Cases and orders
keep the path they were filed under: history stays with the unit that handled it. A node is moved
only while its subtree has no active case and no live order, so no open work is left behind in a
place its new handlers cannot see.

Retiring a node keeps it and its history but routes no new report to it and takes no new children;
it is refused while the node has active children, grants of active staff, active records (households,
shops, e-bikes, stalls, places, cadres) or active cases.
"""

from __future__ import annotations

from sqlalchemy import case, func, literal, or_, select, update

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, covers
from gridapp.clock import now
from gridapp.errors import Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Cadre, Case, EBike, Household, MobileStall, Order, Place, Region, RoleGrant, Shop, User
from gridapp.models.orders import RESERVED_STATUSES
from gridapp.services.cases.states import ACTIVE_STATES
from gridapp.services.regions import geo
from gridapp.services.regions.tree import (
    ancestors,
    check_boundary,
    children,
    get_region,
    path_range,
    roots_for,
    subtree_filter,
    visible_region,
)
from gridapp.services.setup import changes
from gridapp.unit_of_work import unit_of_work

REGION_ADMINS = Permission(
    "regions.administer",
    OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "admins build and change the region tree below their own node (system admins: the whole city)",
)


def _admin_paths(actor: Actor) -> list[str] | None:
    """The roots of the subtrees the actor administers; None for the whole city."""
    REGION_ADMINS.require(actor)
    if Role.SYSTEM_ADMIN in actor.roles:
        return None
    return actor.region_paths(REGION_ADMINS)


def may_add_under(actor: Actor, parent: Region) -> bool:
    """Whether the actor may create a child of `parent` (their own node or any below it)."""
    paths = _admin_paths(actor)
    return paths is None or covers(paths, parent.path)


def may_edit(actor: Actor, region: Region) -> bool:
    """Whether the actor may change `region`: strictly below their own node."""
    paths = _admin_paths(actor)
    return paths is None or any(region.path.startswith(p) and region.path != p for p in paths)


def _editable(actor: Actor, region_id: int) -> Region:
    region = get_region(actor.city_id, region_id)
    if not may_edit(actor, region):
        raise Forbidden("您只能管理本级以下的区域")
    return region


def snapshot(region: Region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent_id": region.parent_id,
        "path": region.path,
        "boundary": region.boundary_geojson,
        "retired": region.retired_at is not None,
    }


@unit_of_work
def edit(
    actor: Actor, region_id: int, *, name: str | None = None, boundary: dict | None = None, note: str = ""
) -> tuple[Region, list[dict]]:
    """Rename a node or redraw a grid; the answer warns of grids the new boundary overlaps."""
    region = _editable(actor, region_id)
    if region.retired_at is not None:
        raise ValidationFailed("已撤销的区域不能修改", code="region_retired")
    before = snapshot(region)
    if name is not None:
        if not name.strip():
            raise ValidationFailed("名称不能为空", details={"name": ["required"]})
        region.name = name.strip()
    warnings = []
    if boundary is not None:
        if region.level != "grid":
            raise ValidationFailed("只有网格可以设置边界", details={"boundary": ["not_a_grid"]})
        region.boundary_geojson, (region.min_lng, region.min_lat, region.max_lng, region.max_lat) = check_boundary(
            boundary
        )
        warnings = overlap_warnings(actor.city_id, {region.code: boundary}, exclude_ids=[region.id])
    old, new = changes.changed(before, snapshot(region))
    if new:
        changes.record(actor, "region", region.id, "edit", old, new, note)
    return region, warnings


def overlap_warnings(city_id: int, boundaries: dict[str, dict], exclude_ids=()) -> list[dict]:
    """Overlapping grids as warnings (stored all the same: a boundary may be drawn roughly at first)."""
    others = geo.grid_boundaries(city_id, boundaries.values(), exclude_ids)
    return [
        {"code": a, "overlaps": b, "message": f"网格 {a} 与网格 {b} 的边界有重叠"}
        for a, b in geo.overlapping(boundaries, {c: g for c, g in others.items() if c not in boundaries})
    ]


def _open_work(city_id: int, path: str) -> tuple[int, int]:
    cases = db.session.scalar(
        select(func.count(Case.id)).where(
            Case.city_id == city_id, path_range(Case.region_path, path), Case.state.in_(tuple(ACTIVE_STATES))
        )
    )
    orders = db.session.scalar(
        select(func.count(Order.id)).where(
            Order.city_id == city_id, path_range(Order.region_path, path), Order.status.in_(tuple(RESERVED_STATUSES))
        )
    )
    return cases, orders


@unit_of_work
def move(actor: Actor, region_id: int, parent_id: int, note: str = "") -> Region:
    """Put a node (and its subtree) under another parent of the same level as its current one."""
    region = _editable(actor, region_id)
    parent = get_region(actor.city_id, parent_id)
    if not may_add_under(actor, parent):
        raise Forbidden("只能移到您管辖范围内的区域下")
    if region.retired_at is not None or parent.retired_at is not None:
        raise ValidationFailed("已撤销的区域不能移动，也不能作为新的上级", code="region_retired")
    if region.parent is None or parent.level != region.parent.level:
        above = region.parent.level_enum.label if region.parent else "顶层"
        raise ValidationFailed(f"{region.level_enum.label}只能移到{above}之下", details={"parent_id": [parent_id]})
    if parent.id == region.parent_id:
        raise ValidationFailed("新的上级与原上级相同", details={"parent_id": [parent_id]})
    cases, orders = _open_work(actor.city_id, region.path)
    if cases or orders:
        raise ValidationFailed(
            f"该区域还有 {cases} 件未办结的案件、{orders} 个进行中的订单，办结后才能移动",
            code="region_has_open_work",
            details={"active_cases": cases, "live_orders": orders},
        )
    before = snapshot(region)
    old_path, new_path = region.path, f"{parent.path}{region.id}/"
    db.session.execute(
        update(Region)
        .where(Region.city_id == actor.city_id, subtree_filter(old_path))
        .values(
            path=literal(new_path) + func.substr(Region.path, len(old_path) + 1), parent_id=_new_parent(region, parent)
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    region = get_region(actor.city_id, region_id)
    changes.record(
        actor,
        "region",
        region.id,
        "move",
        {"parent_id": before["parent_id"], "path": old_path},
        {"parent_id": parent.id, "path": region.path},
        note,
    )
    return region


def _new_parent(region: Region, parent: Region):
    """The moved node's parent changes; its descendants keep theirs."""
    return case((Region.id == region.id, parent.id), else_=Region.parent_id)


@unit_of_work
def retire(actor: Actor, region_id: int, note: str = "") -> Region:
    region = _editable(actor, region_id)
    if region.retired_at is not None:
        raise ValidationFailed("该区域已撤销", code="region_retired")
    problems = _retire_blockers(region)
    if problems:
        raise ValidationFailed(
            f"不能撤销{region.name}：" + "；".join(problems), code="region_in_use", details={"blockers": problems}
        )
    region.retired_at = now()
    changes.record(actor, "region", region.id, "retire", {"retired": False}, {"retired": True}, note)
    return region


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def _retire_blockers(region: Region) -> list[str]:
    city_id = region.city_id
    found = []
    children = _count(
        select(Region.id).where(Region.city_id == city_id, Region.parent_id == region.id, Region.retired_at.is_(None))
    )
    if children:
        found.append(f"还有 {children} 个未撤销的下级区域")
    staff = _count(
        select(RoleGrant.id)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.city_id == city_id, RoleGrant.region_id == region.id, User.is_active.is_(True))
    )
    if staff:
        found.append(f"还有 {staff} 个工作人员的授权在此区域，请先调整授权")
    records = sum(
        _count(select(model.id).where(model.city_id == city_id, model.grid_id == region.id, model.is_active.is_(True)))
        for model in (Household, Shop, EBike, MobileStall, Place)
    ) + _count(
        select(Cadre.id).where(Cadre.city_id == city_id, Cadre.community_id == region.id, Cadre.is_active.is_(True))
    )
    if records:
        found.append(f"还有 {records} 条在用的住户、商户等档案，请先停用")
    cases, _orders = _open_work(city_id, region.path)
    if cases:
        found.append(f"还有 {cases} 件未办结的案件")
    return found


def history(actor: Actor, region_id: int):
    region = get_region(actor.city_id, region_id)
    if not may_add_under(actor, region):
        raise Forbidden("您无权查看该区域的变更记录")
    return changes.history(actor.city_id, "region", region.id)


PAGE_LIMIT = 500


def browse(actor: Actor, region_id: int | None) -> dict:
    """What the console's tree page shows: a node (or the actor's top nodes), its children, which of them the
    actor may change, and the nodes those children may move under (others of the node's level in the actor's scope)."""
    REGION_ADMINS.require(actor)
    node = visible_region(actor, region_id) if region_id is not None else None
    rows = list(db.session.scalars((children(actor, node.id) if node else roots_for(actor)).limit(PAGE_LIMIT)))
    targets = []
    if node is not None:
        same_level = select(Region).where(
            Region.city_id == actor.city_id, Region.level == node.level, Region.retired_at.is_(None)
        )
        targets = [
            r
            for r in db.session.scalars(same_level.order_by(Region.path).limit(PAGE_LIMIT))
            if r.id != node.id and may_add_under(actor, r)
        ]
    return {
        "node": node,
        "breadcrumb": ancestors(node) if node else [],
        "children": rows,
        "editable": {r.id for r in rows if may_edit(actor, r)},
        "targets": targets,
    }


def administered_nodes(actor: Actor, levels: tuple[str, ...], paths: list[str] | None = None) -> list[Region]:
    """Live nodes of the given levels in the actor's subtrees (or in `paths`), in tree order, for console pickers."""
    paths = _admin_paths(actor) if paths is None else paths
    stmt = select(Region).where(Region.city_id == actor.city_id, Region.level.in_(levels), Region.retired_at.is_(None))
    if paths is not None:
        if not paths:
            return []
        stmt = stmt.where(or_(*(subtree_filter(p) for p in paths)))
    return list(db.session.scalars(stmt.order_by(Region.path).limit(PAGE_LIMIT)))
