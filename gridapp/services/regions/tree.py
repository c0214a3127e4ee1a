"""The region tree: building it and asking it questions."""
from __future__ import annotations

import json

from sqlalchemy import false, or_, select, true

from gridapp.authz import STAFF_ROLES, Actor, Permission, Role, require_region
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Region, RegionLevel, RoleGrant, User
from gridapp.services.regions import geo

READERS = Permission("regions.read", STAFF_ROLES, "staff look at the part of the tree their grants cover")


def path_range(column, path: str):
    """A SQL condition matching `path` and every path below it, on any materialized-path column.

    Written as a range on the byte-ordered path rather than LIKE so both SQLite and
    PostgreSQL answer it from an index on (city_id, path); the upper bound is the path
    with its trailing "/" replaced by the next byte, so "/1/5/" never matches "/1/50/".
    """
    upper = path[:-1] + chr(ord(path[-1]) + 1)
    return (column >= path) & (column < upper)


def in_reach(actor, roles, path_column):
    """A SQL condition: rows whose region path lies in a subtree the actor holds through `roles`; a system admin's
    reach is the whole city (the caller still filters by city)."""
    if Role.SYSTEM_ADMIN in actor.roles and Role.SYSTEM_ADMIN in roles:
        return true()
    paths = actor.region_paths(roles)
    return or_(*[path_range(path_column, p) for p in paths]) if paths else false()


def subtree_filter(path: str):
    """The region at `path` and all its descendants."""
    return path_range(Region.path, path)


def check_boundary(boundary: dict) -> tuple[str, tuple[float, float, float, float]]:
    """A grid boundary as stored (compact JSON) and its bounding box; ValidationFailed when it is no sound polygon."""
    problem = geo.boundary_problem(boundary)
    if problem:
        raise ValidationFailed(problem, details={"boundary": [problem]})
    return json.dumps(boundary, ensure_ascii=False, separators=(",", ":")), geo.bounding_box(boundary)


def child_level(level: RegionLevel | None) -> RegionLevel | None:
    """The level below `level` (below nothing: a city)."""
    if level is None:
        return RegionLevel.CITY
    levels = list(RegionLevel)
    depth = level.depth + 1
    return levels[depth] if depth < len(levels) else None


def add_region(
    city_id: int,
    parent: Region | None,
    level: RegionLevel,
    code: str,
    name: str,
    boundary: dict | None = None,
) -> Region:
    """Add a node under `parent`; the levels must follow city → district → street → community → grid."""
    if level != child_level(parent.level_enum if parent else None):
        raise ValidationFailed(
            f"{level.label}不能建在{parent.level_enum.label if parent else '顶层'}之下",
            details={"level": level.value},
        )
    if boundary is not None and level != RegionLevel.GRID:
        raise ValidationFailed("只有网格可以设置边界")
    if parent is not None and parent.retired_at is not None:
        raise ValidationFailed(f"{parent.name}已撤销，不能再添加下级", details={"parent": [parent.code]})
    region = Region(city_id=city_id, parent_id=parent.id if parent else None, level=level.value, code=code, name=name, path="/")
    if boundary is not None:
        region.boundary_geojson, (region.min_lng, region.min_lat, region.max_lng, region.max_lat) = check_boundary(boundary)
    db.session.add(region)
    db.session.flush()  # the id is part of the path
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    return region


def get_region(city_id: int, region_id: int) -> Region:
    region = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.id == region_id))
    if region is None:
        raise NotFound("区域不存在")
    return region


def subtree(city_id: int, root: Region, level: RegionLevel | None = None):
    """A select of the nodes under `root` (inclusive), optionally of one level."""
    stmt = select(Region).where(Region.city_id == city_id, subtree_filter(root.path))
    if level is not None:
        stmt = stmt.where(Region.level == level.value)
    return stmt


def ancestors(region: Region) -> list[Region]:
    """Root-first chain of nodes above `region`, from its path (one query, no recursion)."""
    ids = region.ancestor_ids[:-1]
    if not ids:
        return []
    rows = {r.id: r for r in db.session.scalars(select(Region).where(Region.city_id == region.city_id, Region.id.in_(ids)))}
    return [rows[i] for i in ids]


def grid_workers(grid: Region) -> list[User]:
    """The grid worker(s) of a grid, by their role grants."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.city_id == grid.city_id,
                RoleGrant.role == Role.GRID_WORKER.value,
                RoleGrant.region_id == grid.id,
                User.is_active.is_(True),
            )
            .order_by(User.id)
        )
    )


def visible_region(actor: Actor, region_id: int) -> Region:
    """A region the actor may look at, or Forbidden: the id from the client is checked against the tree."""
    READERS.require(actor)
    region = get_region(actor.city_id, region_id)
    require_region(actor, actor.city_id, region.path)
    return region


def children(actor: Actor, region_id: int):
    """The children of a visible node, as a select for pagination."""
    region = visible_region(actor, region_id)
    return select(Region).where(Region.city_id == actor.city_id, Region.parent_id == region.id).order_by(Region.code)


def roots_for(actor: Actor):
    """A select of the topmost nodes the actor may see (their grants' regions, minus nested ones)."""
    READERS.require(actor)
    stmt = select(Region).where(Region.city_id == actor.city_id).order_by(Region.path)
    if Role.SYSTEM_ADMIN in actor.roles:
        return stmt.where(Region.parent_id.is_(None))
    paths = set(actor.region_paths())
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return stmt.where(Region.id.in_([int(p.strip("/").split("/")[-1]) for p in tops]))
