"""Who may give which role where: the one rule behind every staff change.

Roles rank grid worker, department staff and 12345 operator (1) < department admin (2) < community (3) < street (4) <
district admin (5) < super admin (6) < system admin (7). An admin gives a role only through one of
their own grants that ranks above it, and only inside that grant's part of the city: a system admin
the whole city; a super, district, street or community admin the subtree of their node (a department
counts as inside when every node it serves is); a department admin their own department, and there
only department staff. So nobody grants a role equal to or above their own, nor outside their
subtree. An admin manages an account (edits, deactivates, resets, unlocks it) when they could have
given every role it holds, which keeps an admin off their peers, their superiors and themselves.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, false, or_, select, true

from gridapp.authz import STAFF_ROLES, Actor, Grant, Permission, Role
from gridapp.errors import Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Department, Region, RegionLevel, RoleGrant, User
from gridapp.services.accounts.administration import ADMINISTRATORS
from gridapp.services.accounts.users import served_paths
from gridapp.services.regions.tree import path_range

RANK = {
    Role.GRID_WORKER: 1, Role.DEPARTMENT_STAFF: 1, Role.HOTLINE_OPERATOR: 1, Role.DEPARTMENT_ADMIN: 2, Role.COMMUNITY_ADMIN: 3,
    Role.STREET_ADMIN: 4, Role.DISTRICT_ADMIN: 5, Role.SUPER_ADMIN: 6, Role.SYSTEM_ADMIN: 7,
    Role.MEDIATOR: 1,
    Role.PETITION_OFFICER: 1, Role.PETITION_AGENT: 1,
}  # fmt: skip
# Every role an admin may give someone (a system admin is made with the city: `flask create-city`).
GRANTABLE = frozenset(RANK) - {Role.SYSTEM_ADMIN}
# The level of node each region role is given at.
NODE_LEVELS = {
    Role.GRID_WORKER: {RegionLevel.GRID},
    Role.COMMUNITY_ADMIN: {RegionLevel.COMMUNITY},
    Role.STREET_ADMIN: {RegionLevel.STREET},
    Role.DISTRICT_ADMIN: {RegionLevel.DISTRICT},
    Role.SUPER_ADMIN: {RegionLevel.CITY, RegionLevel.DISTRICT},
    # A 12345 operator takes calls for the whole city or one district (services.cases.hotline).
    Role.HOTLINE_OPERATOR: {RegionLevel.CITY, RegionLevel.DISTRICT},
    # A mediator's node is their roster tier: district 县级, street 乡镇(街道)级, community 村(社区)级.
    Role.MEDIATOR: {RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY},
    # 信访 offices sit at the city, district and street (township); agents (代办员) in streets and communities.
    Role.PETITION_OFFICER: {RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET},
    Role.PETITION_AGENT: {RegionLevel.STREET, RegionLevel.COMMUNITY},
}
STAFF_MANAGERS = Permission(
    "accounts.staff",
    ADMINISTRATORS | {Role.DEPARTMENT_ADMIN},
    "admins staff their part of the city with roles below their own; department admins their department's staff",
)


@dataclass(frozen=True)
class Scoped:
    """A role at a place, given or proposed: the region node's path, or the department and what it serves."""

    role: Role
    region_path: str | None = None
    department_id: int | None = None
    served_paths: tuple[str, ...] = ()


def _through(grant: Grant, wanted: Scoped) -> bool:
    if grant.role not in RANK or wanted.role not in RANK or RANK[grant.role] <= RANK[wanted.role]:
        return False
    if grant.role == Role.SYSTEM_ADMIN:
        return True
    if grant.role == Role.DEPARTMENT_ADMIN:
        return wanted.role == Role.DEPARTMENT_STAFF and wanted.department_id == grant.department_id
    if grant.role not in ADMINISTRATORS or not grant.region_path:
        return False
    if wanted.region_path is not None:
        return wanted.region_path.startswith(grant.region_path)
    return bool(wanted.served_paths) and all(p.startswith(grant.region_path) for p in wanted.served_paths)


def may_give(actor: Actor, wanted: Scoped) -> bool:
    return any(_through(grant, wanted) for grant in actor.grants)


def require_may_give(actor: Actor, wanted: Scoped) -> None:
    if not may_give(actor, wanted):
        raise Forbidden(
            f"您不能授予或收回该范围的{wanted.role.label}：只能授予低于本人的角色，且限于本人管辖范围",
            code="grant_forbidden", details={"role": wanted.role.value},
        )


def scoped(grants: list[RoleGrant]) -> list[Scoped]:
    """The account's staff grants as places (a resident grant is no staff role and is left out)."""
    staff = [g for g in grants if Role(g.role) in STAFF_ROLES]
    served = served_paths(staff[0].city_id, {g.department_id for g in staff if g.department_id}) if staff else {}
    return [
        Scoped(
            Role(g.role), g.region.path if g.region is not None else None, g.department_id,
            tuple(served.get(g.department_id, ())),
        )
        for g in staff
    ]


def manages(actor: Actor, user: User) -> bool:
    places = scoped(user.grants)
    return user.id != actor.user_id and bool(places) and all(may_give(actor, p) for p in places)


def require_manages(actor: Actor, user: User) -> None:
    if not manages(actor, user):
        raise Forbidden("您无权管理该账号：它持有与您同级或更高的角色，或不在您的管辖范围内", code="staff_forbidden")


def proposed(actor: Actor, role: Role, *, region: Region | None = None, department: Department | None = None) -> Scoped:
    """A grant someone asks to give, checked for shape (the right kind of place) and then for the giver's right."""
    if role not in GRANTABLE:
        raise ValidationFailed("该角色不能在此授予", details={"role": [role.value]})
    if role in NODE_LEVELS:
        if region is None:
            raise ValidationFailed(f"{role.label}须指定区域", details={"region_ids": ["required"]})
        levels = NODE_LEVELS[role]
        if RegionLevel(region.level) not in levels:
            names = "或".join(level.label for level in sorted(levels, key=lambda level: level.depth))
            raise ValidationFailed(f"{role.label}只能授予在{names}上", details={"region_ids": [region.id]})
        wanted = Scoped(role, region_path=region.path)
    else:
        if department is None:
            raise ValidationFailed(f"{role.label}须指定部门", details={"department_id": ["required"]})
        if not department.is_active:
            raise ValidationFailed("该部门已停用", details={"department_id": [department.id]})
        served = served_paths(department.city_id, [department.id])[department.id]
        wanted = Scoped(role, department_id=department.id, served_paths=tuple(served))
    require_may_give(actor, wanted)
    return wanted


@dataclass(frozen=True)
class Reach:
    """The part of the city whose staff an actor looks after: everything, or subtrees and departments."""

    whole_city: bool
    paths: tuple[str, ...] = ()
    department_ids: frozenset[int] = frozenset()

    def in_paths(self, path_column):
        return or_(*[path_range(path_column, p) for p in self.paths]) if self.paths else false()

    def covers(self, path_column, department_column):
        """A SQL condition: a row naming a node inside the reach (by its path), or one of its departments."""
        if self.whole_city:
            return true()
        return or_(self.in_paths(path_column), department_column.in_(self.department_ids))


def reach(actor: Actor) -> Reach:
    STAFF_MANAGERS.require(actor)
    if actor.has_role(Role.SYSTEM_ADMIN):
        return Reach(whole_city=True)
    paths = tuple(g.region_path for g in actor.grants if g.role in ADMINISTRATORS and g.region_path)
    departments = {g.department_id for g in actor.grants if g.role == Role.DEPARTMENT_ADMIN}
    if paths:
        everything = select(Department.id).where(Department.city_id == actor.city_id)
        served = served_paths(actor.city_id, list(db.session.scalars(everything)))
        departments |= {d for d, ps in served.items() if ps and all(p.startswith(paths) for p in ps)}
    return Reach(whole_city=False, paths=paths, department_ids=frozenset(departments))


def visible_staff(actor: Actor):
    """A condition on User: staff accounts with at least one grant inside the actor's reach."""
    r = reach(actor)
    grant = exists().where(
        RoleGrant.user_id == User.id, RoleGrant.city_id == actor.city_id,
        RoleGrant.role.in_([role.value for role in STAFF_ROLES]),
    )
    if r.whole_city:
        return grant
    nodes = select(Region.id).where(Region.city_id == actor.city_id, r.in_paths(Region.path))
    return grant.where(or_(RoleGrant.region_id.in_(nodes), RoleGrant.department_id.in_(r.department_ids)))


@dataclass(frozen=True)
class Choice:
    """A place one role may be given at, named for a picker (a node with its parent's name, or a department)."""

    id: int
    label: str


def choices(actor: Actor) -> list[tuple[Role, list[Choice]]]:
    """Each role the actor may give, with the places they may give it at, lowest role first (for pickers)."""
    r = reach(actor)
    nodes = select(Region).where(Region.city_id == actor.city_id).order_by(Region.path)
    if not r.whole_city:
        nodes = nodes.where(r.in_paths(Region.path))
    regions = list(db.session.scalars(nodes))
    names = {region.id: region.name for region in regions}
    departments = list(db.session.scalars(
        select(Department).where(Department.city_id == actor.city_id, Department.is_active.is_(True)).order_by(Department.name)
    ))
    served = served_paths(actor.city_id, [d.id for d in departments])
    offered = []
    for role in sorted(GRANTABLE, key=lambda role: (RANK[role], role.value)):
        if role in NODE_LEVELS:
            places = [
                Choice(n.id, f"{names[n.parent_id]} · {n.name}" if n.parent_id in names else n.name)
                for n in regions
                if RegionLevel(n.level) in NODE_LEVELS[role] and may_give(actor, Scoped(role, region_path=n.path))
            ]
        else:
            places = [
                Choice(d.id, d.name) for d in departments
                if may_give(actor, Scoped(role, department_id=d.id, served_paths=tuple(served[d.id])))
            ]
        if places:
            offered.append((role, places))
    return offered
