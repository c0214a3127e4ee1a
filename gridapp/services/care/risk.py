"""Risk tiers (green / yellow / red) on households, persons and cases, each tier routed to its team.

The grid worker and the officials over a place rate what lies in their part of the tree. Each tier goes to a
team the city chooses (a role over the subject's place, such as the community admins or the grid's police
officer, or a department): the team is told when a subject enters its tier and sees the subjects routed to
it. Every change of tier is an appended `RiskRatingEvent` (who, when, from, to, why, which team).
"""
from __future__ import annotations

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy import case as sql_case

from gridapp.authz import DEPARTMENT_ROLES, OFFICIAL_ROLES, Actor, Permission, Role, covers
from gridapp.clock import now
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Department, RiskRating, RiskRatingEvent, RiskRoute, RoleGrant, User
from gridapp.models.care import RISK_TIER_LABELS, RISK_TIERS
from gridapp.services.care import subjects
from gridapp.services.notifications.inbox import notify
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.tree import in_reach, path_range
from gridapp.services.setup import changes
from gridapp.unit_of_work import unit_of_work

RATERS = Permission(
    "care.risk_rate", {Role.GRID_WORKER, Role.SUPER_ADMIN} | OFFICIAL_ROLES,
    "the grid worker and the officials over a place judge the risk of what lies in it",
)
READERS = Permission(
    "care.risk_read", RATERS | {Role.GRID_POLICE, Role.GRID_JUDGE, Role.SYSTEM_ADMIN} | DEPARTMENT_ROLES,
    "raters see their part of the tree; a team sees what is routed to it",
)
ROUTE_MANAGERS = Permission("care.risk_routes", {Role.SYSTEM_ADMIN}, "the city's system admins choose which team each tier goes to")
# Roles a tier may be routed to: they hold a node over (or at) the subject's place.
ROUTABLE_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.GRID_POLICE, Role.GRID_JUDGE)
# Until the city chooses: the grid worker keeps green, the community takes yellow, the street red.
TEAM_GRID_ROLES = frozenset({Role.GRID_POLICE, Role.GRID_JUDGE})
DEFAULT_ROUTES = {"green": Role.GRID_WORKER.value, "yellow": Role.COMMUNITY_ADMIN.value, "red": Role.STREET_ADMIN.value}


def routes(city_id: int) -> dict[str, dict]:
    """Each tier's team: {"role": ..., "department_id": ...}, the city's choice or the default."""
    chosen = {r.tier: r for r in db.session.scalars(select(RiskRoute).where(RiskRoute.city_id == city_id))}
    result = {}
    for tier in RISK_TIERS:
        route = chosen.get(tier)
        if route is None:
            result[tier] = {"role": DEFAULT_ROUTES[tier], "department_id": None}
        else:
            result[tier] = {"role": route.role, "department_id": route.department_id}
    return result


@unit_of_work
def set_route(actor: Actor, tier: str, role: str | None, department_id: int | None) -> dict[str, dict]:
    """Send a tier to a role over the subject's place or to a department; the change is audited with the setup."""
    ROUTE_MANAGERS.require(actor)
    if tier not in RISK_TIERS:
        raise ValidationFailed("风险等级只能是绿、黄、红", details={"tier": [tier]})
    if (role is None) == (department_id is None):
        raise ValidationFailed("请选择一个角色或一个部门", details={"role": ["one_of"], "department_id": ["one_of"]})
    if role is not None and role not in {r.value for r in ROUTABLE_ROLES}:
        raise ValidationFailed("该角色不能接收风险分级", details={"role": [role]})
    if department_id is not None and db.session.scalar(
        select(Department.id).where(Department.city_id == actor.city_id, Department.id == department_id, Department.is_active.is_(True))
    ) is None:
        raise ValidationFailed("部门不存在或已停用", details={"department_id": [department_id]})
    before = routes(actor.city_id)[tier]
    route = db.session.scalar(select(RiskRoute).where(RiskRoute.city_id == actor.city_id, RiskRoute.tier == tier))
    if route is None:
        route = RiskRoute(city_id=actor.city_id, tier=tier)
        db.session.add(route)
    route.role, route.department_id = role, department_id
    db.session.flush()
    changes.record(actor, "risk_route", route.id, "update", {"tier": tier, **before},
                   {"tier": tier, "role": role, "department_id": department_id})
    return routes(actor.city_id)


def team_user_ids(city_id: int, role: str | None, department_id: int | None, region_path: str) -> list[int]:
    """The active accounts of a tier's team for a place: holders of the role at or above it, or the department's staff."""
    if department_id is not None:
        grants = select(RoleGrant.user_id).where(
            RoleGrant.city_id == city_id, RoleGrant.department_id == department_id, RoleGrant.role.in_([r.value for r in DEPARTMENT_ROLES])
        )
    else:
        above = [int(part) for part in region_path.strip("/").split("/") if part]
        grants = select(RoleGrant.user_id).where(RoleGrant.city_id == city_id, RoleGrant.role == role, RoleGrant.region_id.in_(above))
    return list(db.session.scalars(
        select(User.id).where(User.city_id == city_id, User.is_active.is_(True), User.id.in_(grants)).order_by(User.id)
    ))


def _raters_reach(actor: Actor, region_path: str) -> bool:
    return covers(actor.region_paths(RATERS), region_path)


@unit_of_work
def rate(actor: Actor, subject_kind: str, subject_id: int, tier: str, note: str = "") -> RiskRating:
    """Set a subject's tier. A change routes it to the tier's team (told at once; red by push too) and is appended
    as an event; the same tier again changes nothing."""
    RATERS.require(actor)
    if tier not in RISK_TIERS:
        raise ValidationFailed("风险等级只能是绿、黄、红", details={"tier": [tier]})
    subject = subjects.load(actor.city_id, subject_kind, subject_id)
    if not _raters_reach(actor, subject.region_path):
        raise Forbidden("您无权评定该对象的风险等级")
    rating = db.session.scalar(select(RiskRating).where(
        RiskRating.city_id == actor.city_id, RiskRating.subject_kind == subject_kind, RiskRating.subject_id == subject_id
    ))
    if rating is not None and rating.tier == tier:
        return rating
    team = routes(actor.city_id)[tier]
    previous = rating.tier if rating is not None else None
    if rating is None:
        rating = RiskRating(city_id=actor.city_id, subject_kind=subject_kind, subject_id=subject_id)
        db.session.add(rating)
    rating.region_path, rating.tier, rating.note, rating.updated_at = subject.region_path, tier, note[:255], now()
    rating.team_role, rating.team_department_id = team["role"], team["department_id"]
    db.session.flush()
    db.session.add(RiskRatingEvent(
        city_id=actor.city_id, rating_id=rating.id, actor_user_id=actor.user_id, from_tier=previous, to_tier=tier,
        team_role=team["role"], team_department_id=team["department_id"], note=note[:255],
    ))
    told = [uid for uid in team_user_ids(actor.city_id, team["role"], team["department_id"], subject.region_path) if uid != actor.user_id]
    tell = notify_and_push if tier == "red" else notify
    tell(actor.city_id, told, "risk_tier", f"{subjects.KIND_LABELS[subject_kind]}风险等级：{RISK_TIER_LABELS[tier]}",
         f"{subject.label}，请按分级要求跟进", ("risk_rating", rating.id))
    return rating


def _visible(actor: Actor):
    """Ratings the actor may see: raters their subtree, a team what is routed to it within its reach."""
    conditions = [in_reach(actor, RATERS | {Role.SYSTEM_ADMIN}, RiskRating.region_path)]
    for grant in actor.grants:
        if grant.role in TEAM_GRID_ROLES and grant.region_path:
            conditions.append(and_(RiskRating.team_role == grant.role.value, path_range(RiskRating.region_path, grant.region_path)))
        if grant.role in DEPARTMENT_ROLES and grant.department_id is not None:
            served = [path_range(RiskRating.region_path, p) for p in grant.served_paths]
            conditions.append(and_(RiskRating.team_department_id == grant.department_id, or_(*served) if served else false()))
    return or_(*conditions)


def listed(actor: Actor, tier: str | None = None, subject_kind: str | None = None):
    """A select of the ratings the actor sees, red first, newest change first."""
    READERS.require(actor)
    stmt = select(RiskRating).where(RiskRating.city_id == actor.city_id, _visible(actor))
    if tier:
        stmt = stmt.where(RiskRating.tier == tier)
    if subject_kind:
        stmt = stmt.where(RiskRating.subject_kind == subject_kind)
    order = {"red": 0, "yellow": 1, "green": 2}
    return stmt.order_by(sql_case(order, value=RiskRating.tier), RiskRating.updated_at.desc(), RiskRating.id.desc())


def visible(actor: Actor, rating_id: int) -> RiskRating:
    READERS.require(actor)
    rating = db.session.scalar(select(RiskRating).where(RiskRating.city_id == actor.city_id, RiskRating.id == rating_id, _visible(actor)))
    if rating is None:
        raise NotFound("风险记录不存在")
    return rating


def events(actor: Actor, rating_id: int):
    rating = visible(actor, rating_id)
    return select(RiskRatingEvent).where(RiskRatingEvent.city_id == actor.city_id, RiskRatingEvent.rating_id == rating.id).order_by(
        RiskRatingEvent.id
    )


def counts(city_id: int, region_path: str) -> dict[str, int]:
    """Subjects in each tier under a region: for the leaders' dashboard."""
    rows = db.session.execute(
        select(RiskRating.tier, func.count()).where(RiskRating.city_id == city_id, path_range(RiskRating.region_path, region_path))
        .group_by(RiskRating.tier)
    )
    found = dict(rows.all())
    return {tier: found.get(tier, 0) for tier in RISK_TIERS}


def view(rating: RiskRating) -> dict:
    subject = subjects.load(rating.city_id, rating.subject_kind, rating.subject_id)
    return {
        "id": rating.id, "subject_kind": rating.subject_kind, "subject_id": rating.subject_id,
        "subject_label": subject.label, "tier": rating.tier, "tier_label": RISK_TIER_LABELS[rating.tier],
        "team_role": rating.team_role, "team_department_id": rating.team_department_id, "note": rating.note,
        "updated_at": rating.updated_at,
    }
