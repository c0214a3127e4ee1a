"""Who may see what: roles, the acting user, and scope checks over the region tree.

Every decision about visibility is made here from the actor's grants and the
resource's place in the tree (materialized paths), never from ids a client sent.
Services call these; HTTP layers only name the service's Permission a route needs.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from gridapp.errors import Forbidden


class Role(str, enum.Enum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    DEPARTMENT_STAFF = "department_staff"
    DEPARTMENT_ADMIN = "department_admin"
    COMMUNITY_ADMIN = "community_admin"
    STREET_ADMIN = "street_admin"
    DISTRICT_ADMIN = "district_admin"
    SUPER_ADMIN = "super_admin"
    SYSTEM_ADMIN = "system_admin"
    HOTLINE_OPERATOR = "hotline_operator"
    MEDIATOR = "mediator"
    PETITION_OFFICER = "petition_officer"
    PETITION_AGENT = "petition_agent"
    # Below and beside the grid (services.neighbourhood): heads bound to a building, a unit or ten households of a
    # grid, and the grid's police officer and judge (named through the grid's contacts, services.direct_line.contacts).
    BUILDING_HEAD = "building_head"
    UNIT_HEAD = "unit_head"
    TEN_HOUSEHOLD_HEAD = "ten_household_head"
    GRID_POLICE = "grid_police"
    GRID_JUDGE = "grid_judge"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.RESIDENT: "居民",
    Role.GRID_WORKER: "网格员",
    Role.DEPARTMENT_STAFF: "部门工作人员",
    Role.DEPARTMENT_ADMIN: "部门管理员",
    Role.COMMUNITY_ADMIN: "社区管理员",
    Role.STREET_ADMIN: "街道管理员",
    Role.DISTRICT_ADMIN: "区级管理员",
    Role.SUPER_ADMIN: "超级管理员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.HOTLINE_OPERATOR: "12345坐席",
    Role.MEDIATOR: "调解员",
    Role.PETITION_OFFICER: "信访干部",
    Role.PETITION_AGENT: "代办员",
    Role.BUILDING_HEAD: "楼栋长",
    Role.UNIT_HEAD: "单元长",
    Role.TEN_HOUSEHOLD_HEAD: "十户长",
    Role.GRID_POLICE: "网格民警",
    Role.GRID_JUDGE: "网格法官",
}

# Building, unit and ten-household heads are residents who volunteer: they hold no staff powers (services.neighbourhood).
STAFF_ROLES = frozenset(Role) - {Role.RESIDENT, Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.TEN_HOUSEHOLD_HEAD}
REGION_ROLES = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN}
)
# Every role given at a region node. A 12345 operator's node bounds where they enter calls; it reads no records
# of the region by it, so the operator stays out of REGION_ROLES.
NODE_ROLES = REGION_ROLES | {Role.HOTLINE_OPERATOR}
# A mediator (调解员) is given at a district, street or community node: the roster's county, township or village
# tier. Like the operator it reads no records of the region; it sees the disputes it mediates (services.disputes).
NODE_ROLES = NODE_ROLES | {Role.MEDIATOR}
# 信访: a petition officer works the petitions of their node's subtree and an agent (代办员) enters them there on
# someone's behalf. Petitioners are the most sensitive data held, so these roles read no other records of the
# region and the region roles read no petitions: both stay out of REGION_ROLES.
PETITION_ROLES = frozenset({Role.PETITION_OFFICER, Role.PETITION_AGENT})
NODE_ROLES = NODE_ROLES | PETITION_ROLES
# Roles given at a grid whose holders read no records of the grid by it: what each sees is its own service's rule
# (a head's building, unit or households; the police officer's and judge's key persons and risk items).
NEIGHBOURHOOD_HEAD_ROLES = frozenset({Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.TEN_HOUSEHOLD_HEAD})
GRID_BOUND_ROLES = NEIGHBOURHOOD_HEAD_ROLES | {Role.GRID_POLICE, Role.GRID_JUDGE}
NODE_ROLES = NODE_ROLES | GRID_BOUND_ROLES
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_STAFF, Role.DEPARTMENT_ADMIN})
# The admins of a community, street or district: officials over their part of the tree. Rules add super and
# system admins where those take part too.
OFFICIAL_ROLES = frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN})


class Permission:
    """The roles one rule admits, named, and defined once beside the service that applies the rule.

    The route that reaches the service declares the same object (`web.access.allow`) and the
    service checks with it, so the roles a route lets through are the roles its service accepts.
    Every permission is registered by name, which lets a test walk the routes and find the rule
    behind each. It behaves as a set of roles wherever one is expected (`region_paths`, `can_see_region`).
    """

    registry: dict[str, Permission] = {}

    def __init__(self, name: str, roles, why: str):
        if name in Permission.registry:
            raise ValueError(f"permission {name!r} is defined twice")
        self.name = name
        self.roles = frozenset(roles)
        self.why = why
        Permission.registry[name] = self

    def __iter__(self):
        return iter(self.roles)

    def __contains__(self, role) -> bool:
        return role in self.roles

    def __or__(self, other) -> frozenset[Role]:
        return self.roles | frozenset(other)

    def __repr__(self) -> str:
        return f"Permission({self.name!r})"

    def held_by(self, actor: Actor) -> bool:
        return bool(actor.roles & self.roles)

    def require(self, actor: Actor) -> None:
        if not self.held_by(actor):
            raise Forbidden("您的角色无权执行此操作", details={"permission": self.name})


# Anyone signed in, for what concerns only the caller (their profile, their notifications, their codes).
SIGNED_IN = Permission("signed_in", Role, "routes about the caller themselves")


@dataclass(frozen=True)
class Grant:
    role: Role
    region_id: int | None = None
    region_path: str | None = None
    department_id: int | None = None
    # For department grants: the paths of the region nodes the department serves.
    served_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actor:
    """The authenticated caller as the domain sees it: no request, no token."""

    user_id: int
    city_id: int
    display_name: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def region_paths(self, roles=REGION_ROLES) -> list[str]:
        """Roots of the subtrees this actor holds through the given roles."""
        paths = []
        for grant in self.grants:
            if grant.role in roles:
                if grant.region_path:
                    paths.append(grant.region_path)
                paths.extend(grant.served_paths)
        return paths

    def department_ids(self) -> frozenset[int]:
        return frozenset(g.department_id for g in self.grants if g.department_id is not None)


def covers(paths: list[str], region_path: str) -> bool:
    return any(region_path.startswith(p) for p in paths)


def can_see_region(actor: Actor, city_id: int, region_path: str, roles=None) -> bool:
    """Whether any of the actor's scoped roles covers the region at `region_path`.

    System admins see their whole city; department roles see what their department
    serves. `roles` narrows which grants count (e.g. only officials for household records).
    """
    if actor.city_id != city_id:
        return False
    if Role.SYSTEM_ADMIN in actor.roles and (roles is None or Role.SYSTEM_ADMIN in roles):
        return True
    scoped = REGION_ROLES | DEPARTMENT_ROLES if roles is None else frozenset(roles)
    return covers(actor.region_paths(scoped), region_path)


def require_region(actor: Actor, city_id: int, region_path: str, roles=None) -> None:
    if not can_see_region(actor, city_id, region_path, roles):
        raise Forbidden("您无权访问该区域的数据")


def require_role(actor: Actor, *roles: Role) -> None:
    if not actor.has_role(*roles):
        raise Forbidden("您的角色无权执行此操作")


def administers_whole_city(actor: Actor) -> bool:
    """A system admin, or a super admin whose grant names the city itself (its root node's path has one segment):
    the admins of what is city-wide (categories, the outside systems cases are sent on to)."""
    if Role.SYSTEM_ADMIN in actor.roles:
        return True
    return any(g.role == Role.SUPER_ADMIN and g.region_path and g.region_path.count("/") == 2 for g in actor.grants)
