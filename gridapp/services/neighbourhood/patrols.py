"""Patrol plans (排查巡查): a community, street or district patrolled on a cadence, and how much of it each
period's rounds covered.

The sources' cadence is weekly in villages (communities here), monthly in townships (streets) and quarterly in
districts; a plan starts with its level's cadence and may be given another. A round is one grid (and optionally
one of its public places) walked on the plan's patrol. Coverage for a period is which grids under the plan's
region had at least one round in it, and which did not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from gridapp.authz import Actor, Permission, Role, covers
from gridapp.clock import china_midnight, china_today, now
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import PatrolPlan, PatrolRound, Place, Region, User
from gridapp.models.neighbourhood import PATROL_CADENCES
from gridapp.services import idempotency
from gridapp.services.neighbourhood import history
from gridapp.services.regions.tree import get_region, in_reach, path_range
from gridapp.unit_of_work import unit_of_work

PLANNERS = Permission(
    "neighbourhood.patrol_plans", {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN},
    "the officials of a community, street or district plan its patrols",
)
PATROLLERS = Permission(
    "neighbourhood.patrol_rounds", PLANNERS | {Role.GRID_WORKER, Role.GRID_POLICE, Role.SYSTEM_ADMIN},
    "a plan's patroller and the officials over it record rounds and follow coverage",
)
LEVEL_CADENCE = {"community": "weekly", "street": "monthly", "district": "quarterly"}


def _state(plan: PatrolPlan) -> dict:
    return {"region_id": plan.region_id, "name": plan.name, "cadence": plan.cadence, "patroller_user_id": plan.patroller_user_id,
            "is_active": plan.is_active}


def _event(actor: Actor, plan: PatrolPlan, action: str, before: dict | None) -> None:
    db.session.flush()
    history.record(actor, "plan", plan.id, action, before, _state(plan))


def _patroller(city_id: int, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    if db.session.scalar(select(User.id).where(User.city_id == city_id, User.id == user_id, User.is_active.is_(True))) is None:
        raise ValidationFailed("巡查人员账号不存在或已停用", details={"patroller_user_id": ["not_found"]})
    return user_id


def create(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    PLANNERS.require(actor)
    return idempotency.create(claim, "patrol_plan", lambda: _create(actor, data), lambda plan_id: visible(actor, plan_id))


@unit_of_work
def _create(actor: Actor, data: dict) -> PatrolPlan:
    region = get_region(actor.city_id, data["region_id"])
    if region.level not in LEVEL_CADENCE:
        raise ValidationFailed("巡查计划按社区（村）、街道（乡镇）或区县制定", details={"region_id": ["level"]})
    if not covers(actor.region_paths(PLANNERS), region.path):
        raise Forbidden("只能为本人负责的区域制定巡查计划")
    plan = PatrolPlan(
        city_id=actor.city_id, region_id=region.id, region_path=region.path, name=data["name"],
        cadence=data.get("cadence") or LEVEL_CADENCE[region.level],
        patroller_user_id=_patroller(actor.city_id, data.get("patroller_user_id")), is_active=True, created_by_user_id=actor.user_id,
    )
    db.session.add(plan)
    _event(actor, plan, "create", None)
    return plan


def plannable_regions(actor: Actor) -> list[Region]:
    """The communities, streets and districts the official may plan patrols for."""
    PLANNERS.require(actor)
    return list(db.session.scalars(select(Region).where(
        Region.city_id == actor.city_id, Region.level.in_(tuple(LEVEL_CADENCE)), Region.retired_at.is_(None),
        in_reach(actor, PLANNERS, Region.path),
    ).order_by(Region.path).limit(500)))


def _reach(actor: Actor):
    return in_reach(actor, PLANNERS | {Role.SYSTEM_ADMIN}, PatrolPlan.region_path) | (PatrolPlan.patroller_user_id == actor.user_id)


def listed(actor: Actor):
    """The plans over the actor's part of the tree and the ones they walk; active first."""
    PATROLLERS.require(actor)
    return select(PatrolPlan).where(PatrolPlan.city_id == actor.city_id, _reach(actor)).order_by(
        PatrolPlan.is_active.desc(), PatrolPlan.region_path, PatrolPlan.id)


def visible(actor: Actor, plan_id: int) -> PatrolPlan:
    PATROLLERS.require(actor)
    plan = db.session.scalar(select(PatrolPlan).where(PatrolPlan.city_id == actor.city_id, PatrolPlan.id == plan_id))
    if plan is None:
        raise NotFound("巡查计划不存在")
    if not db.session.scalar(select(PatrolPlan.id).where(PatrolPlan.id == plan.id, _reach(actor))):
        raise Forbidden("您无权查看该巡查计划")
    return plan


@unit_of_work
def change(actor: Actor, plan_id: int, changes: dict) -> PatrolPlan:
    """Rename, change the cadence or the patroller, or stop (is_active false) a plan."""
    PLANNERS.require(actor)
    plan = visible(actor, plan_id)
    if not covers(actor.region_paths(PLANNERS), plan.region_path):
        raise Forbidden("只能修改本人负责区域的巡查计划")
    before = _state(plan)
    if "patroller_user_id" in changes:
        _patroller(actor.city_id, changes["patroller_user_id"])
    for field in ("name", "cadence", "patroller_user_id", "is_active"):
        if field in changes:
            setattr(plan, field, changes[field])
    _event(actor, plan, "update", before)
    return plan


def add_round(actor: Actor, plan_id: int, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """A grid walked on the plan's patrol, by its patroller or an official over it."""
    PATROLLERS.require(actor)
    return idempotency.create(claim, "patrol_round", lambda: _add_round(actor, plan_id, data), lambda round_id: _round(actor, round_id))


@unit_of_work
def _add_round(actor: Actor, plan_id: int, data: dict) -> PatrolRound:
    plan = visible(actor, plan_id)
    if not plan.is_active:
        raise ValidationFailed("该巡查计划已停止", details={"plan_id": ["inactive"]})
    if plan.patroller_user_id != actor.user_id and not covers(actor.region_paths(PLANNERS), plan.region_path):
        raise Forbidden("只有计划的巡查人员或其上级可以登记巡查")
    grid = get_region(actor.city_id, data["grid_id"])
    if grid.level != "grid" or not grid.path.startswith(plan.region_path):
        raise ValidationFailed("请选择计划范围内的网格", details={"grid_id": ["outside_plan"]})
    place_id = data.get("place_id")
    if place_id is not None and db.session.scalar(
        select(Place.id).where(Place.city_id == actor.city_id, Place.id == place_id, Place.grid_id == grid.id)
    ) is None:
        raise ValidationFailed("场所不在该网格内", details={"place_id": ["outside_grid"]})
    patrol_round = PatrolRound(city_id=actor.city_id, plan_id=plan.id, grid_id=grid.id, place_id=place_id,
                               patroller_user_id=actor.user_id, notes=data.get("notes", ""))
    db.session.add(patrol_round)
    db.session.flush()
    return patrol_round


def _round(actor: Actor, round_id: int) -> PatrolRound:
    patrol_round = db.session.scalar(select(PatrolRound).where(PatrolRound.city_id == actor.city_id, PatrolRound.id == round_id))
    if patrol_round is None:
        raise NotFound("巡查记录不存在")
    visible(actor, patrol_round.plan_id)
    return patrol_round


def rounds(actor: Actor, plan_id: int):
    plan = visible(actor, plan_id)
    return select(PatrolRound).where(PatrolRound.city_id == actor.city_id, PatrolRound.plan_id == plan.id).order_by(
        PatrolRound.created_at.desc(), PatrolRound.id.desc())


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def period_of(cadence: str, day: date, back: int = 0) -> Period:
    """The China calendar week (Monday first), month or quarter holding `day`, or `back` periods before it."""
    if cadence == "weekly":
        first = day - timedelta(days=day.weekday()) - timedelta(weeks=back)
        return Period(china_midnight(first), china_midnight(first + timedelta(weeks=1)))
    months = 1 if cadence == "monthly" else 3
    index = (day.year * 12 + day.month - 1) // months * months - back * months
    start = date(index // 12, index % 12 + 1, 1)
    index += months
    return Period(china_midnight(start), china_midnight(date(index // 12, index % 12 + 1, 1)))


def coverage(actor: Actor, plan_id: int, back: int = 0) -> dict:
    """Which grids under the plan's region were patrolled in the period (`back` periods before the current one)."""
    if not 0 <= back <= 24:
        raise ValidationFailed("最多回看 24 个周期", details={"back": [back]})
    plan = visible(actor, plan_id)
    return coverage_of(plan, period_of(plan.cadence, china_today(), back))


def coverage_of(plan: PatrolPlan, period: Period) -> dict:
    grids = db.session.scalars(select(Region).where(
        Region.city_id == plan.city_id, Region.level == "grid", Region.retired_at.is_(None), path_range(Region.path, plan.region_path),
    ).order_by(Region.path)).all()
    walked = {
        grid_id: (count, last, places)
        for grid_id, count, last, places in db.session.execute(
            select(PatrolRound.grid_id, func.count(), func.max(PatrolRound.created_at), func.count(PatrolRound.place_id.distinct()))
            .where(PatrolRound.city_id == plan.city_id, PatrolRound.plan_id == plan.id,
                   PatrolRound.created_at >= period.start, PatrolRound.created_at < period.end)
            .group_by(PatrolRound.grid_id)
        ).all()
    }
    covered = [{"grid_id": g.id, "grid": g.name, "rounds": walked[g.id][0], "last_at": walked[g.id][1], "places": walked[g.id][2]}
               for g in grids if g.id in walked]
    uncovered = [{"grid_id": g.id, "grid": g.name} for g in grids if g.id not in walked]
    total = len(grids)
    return {
        "plan_id": plan.id, "cadence": plan.cadence, "cadence_label": PATROL_CADENCES[plan.cadence],
        "period_start": period.start, "period_end": period.end, "grids_total": total, "grids_covered": len(covered),
        "coverage_percent": round(100 * len(covered) / total, 1) if total else 0.0,
        "places_patrolled": sum(c["places"] for c in covered), "covered": covered, "uncovered": uncovered,
        "overdue": now() >= period.end and len(covered) < total,
    }
