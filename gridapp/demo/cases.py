"""Demo cases for the leaders' dashboard: a few hundred reports of the last six weeks in every
state, seeded deterministically (fixed random seed, times relative to the day of seeding) so
the dashboard has something to show and tests can check its figures against SQL.

Rows are written directly, as the rest of the demo is: this is history, not new activity,
so nobody is notified and no job runs.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, CaseRating, Category, Region, RoleGrant, User
from gridapp.services.cases import states as S
from gridapp.services.supervision import sla
from gridapp.unit_of_work import unit_of_work

DEMO_CASES = 360
# state, weight
STATES = [(S.SUBMITTED, 4), (S.ACCEPTED, 3), (S.ASSIGNED, 4), (S.IN_PROGRESS, 6), (S.RESOLVED, 3), (S.VERIFIED, 3), (S.CLOSED, 24), (S.REJECTED, 2)]
PLACES = ["3号楼2单元楼道", "小区东门", "幼儿园门口", "农贸市场北侧", "公交站旁", "地下车库入口", "健身广场", "9号楼前"]


@unit_of_work
def seed_demo_cases(city_id: int, count: int = DEMO_CASES) -> int:
    """Add the demo cases once; returns how many were added (0 when the city already has cases)."""
    if db.session.scalar(select(func.count(Case.id)).where(Case.city_id == city_id)):
        return 0
    rng = random.Random(6)
    grids = list(db.session.scalars(select(Region).where(Region.city_id == city_id, Region.level == "grid").order_by(Region.code)))
    categories = list(db.session.scalars(select(Category).where(Category.city_id == city_id).order_by(Category.code)))
    workers = dict(
        db.session.execute(
            select(RoleGrant.region_id, RoleGrant.user_id).where(RoleGrant.city_id == city_id, RoleGrant.role == Role.GRID_WORKER.value)
        ).all()
    )
    resident = db.session.scalar(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).where(User.city_id == city_id, RoleGrant.role == Role.RESIDENT.value).order_by(User.id)
    )
    at = now()
    states, weights = zip(*STATES)
    for index in range(count):
        grid = rng.choice(grids[: max(1, len(grids) * 3 // 4)] if index % 3 else grids)  # some grids busier than others
        category = rng.choice(categories)
        created = at - timedelta(minutes=rng.randrange(10, 42 * 24 * 60))
        state = rng.choices(states, weights)[0]
        case = _case(city_id, grid, category, created, state, workers.get(grid.id), resident, rng, index, at)
        db.session.add(case)
    db.session.flush()
    _history(city_id, rng)
    return count


def _case(city_id, grid, category, created: datetime, state: str, worker_id, resident_id, rng, index, at) -> Case:
    working = bool(category.working_time)
    case = Case(
        city_id=city_id, channel=rng.choice(["code", "location", "patrol", "hotline"]), state=state, category_id=category.id,
        grid_id=grid.id, community_id=grid.parent_id, region_path=grid.path, place_label=f"{grid.name}{rng.choice(PLACES)}",
        description=f"{category.name}（演示数据 {index + 1}）", reporter_user_id=resident_id, created_at=created,
    )
    case.category = category
    case.confirm_due_at = sla.deadline(created, category.confirm_minutes, working)
    if state in (S.SUBMITTED, S.REJECTED):
        return case
    accepted = min(at, created + timedelta(minutes=rng.choice([3, 20, 90, 300, 900, 2000])))
    case.accepted_at = accepted
    case.onsite_due_at = sla.deadline(accepted, category.onsite_minutes, working)
    case.resolve_due_at = sla.deadline(accepted, category.resolve_minutes, working)
    if state != S.ACCEPTED:
        case.handler_user_id = worker_id
    if state in S.AWAITING_RESIDENT_STATES or state == S.CLOSED:
        limit = (case.resolve_due_at - accepted).total_seconds() / 60
        case.resolved_at = min(at, accepted + timedelta(minutes=limit * rng.choice([0.2, 0.5, 0.8, 0.95, 1.3, 2.0])))
        case.sla_paused_at = case.resolved_at
        if state != S.RESOLVED:
            case.verified_at = min(at, case.resolved_at + timedelta(hours=rng.choice([1, 5, 20])))
        if state == S.CLOSED:
            case.closed_at = min(at, case.verified_at + timedelta(hours=rng.choice([2, 12, 30])))
            case.sla_paused_at = None
            case.reopen_count = 1 if rng.random() < 0.08 else 0
    sla.refresh(case)
    return case


def _steps(case: Case, at: datetime) -> list[tuple[str, str, str, datetime, str]]:
    """The moves that led each case to its state, at the times its columns record, so every
    reader of the timeline (the case page, Open311's status notes and updates) tells the same story."""
    if case.state == S.REJECTED:
        return [("reject", S.SUBMITTED, S.REJECTED, min(at, case.created_at + timedelta(minutes=30)), "经核实无需处置")]
    if case.accepted_at is None:
        return []
    steps = [("accept", S.SUBMITTED, S.ACCEPTED, case.accepted_at, "已受理")]
    if case.state == S.ACCEPTED:
        return steps
    steps.append(("assign", S.ACCEPTED, S.ASSIGNED, case.accepted_at, ""))
    if case.state == S.ASSIGNED:
        return steps
    steps.append(("start", S.ASSIGNED, S.IN_PROGRESS, case.accepted_at, "已到现场"))
    if case.resolved_at is not None:
        steps.append(("resolve", S.IN_PROGRESS, S.RESOLVED, case.resolved_at, "已处置完毕"))
    if case.verified_at is not None:
        steps.append(("verify", S.RESOLVED, S.VERIFIED, case.verified_at, "社区已核实"))
    if case.closed_at is not None:
        steps.append(("confirm" if case.reporter_user_id else "auto_close", S.VERIFIED, S.CLOSED, case.closed_at, ""))
    return steps


def _history(city_id: int, rng) -> None:
    """A submit event per case (the timeline is never empty), the moves to its state, and ratings on most closed cases."""
    at = now()
    for case in db.session.scalars(select(Case).where(Case.city_id == city_id).order_by(Case.id)):
        db.session.add(CaseEvent(city_id=city_id, case_id=case.id, action="submit", to_state=S.SUBMITTED, created_at=case.created_at, note="演示数据"))
        for action, source, target, moment, note in _steps(case, at):
            actor = case.handler_user_id if action in ("assign", "start", "resolve") else None
            db.session.add(
                CaseEvent(
                    city_id=city_id, case_id=case.id, action=action, actor_user_id=actor, from_state=source, to_state=target,
                    note=note, handler_user_id=case.handler_user_id, created_at=moment,
                )
            )
        if case.state == S.CLOSED and case.reporter_user_id and rng.random() < 0.7:
            db.session.add(
                CaseRating(
                    city_id=city_id, case_id=case.id, user_id=case.reporter_user_id, round=case.reopen_count,
                    stars=rng.choices([5, 4, 3, 2, 1], [60, 22, 9, 5, 4])[0], handler_user_id=case.handler_user_id,
                    created_at=case.closed_at,
                )
            )


def demo_city_id() -> int:
    from gridapp.demo.city import CITY_CODE
    from gridapp.models import City

    return db.session.scalar(select(City.id).where(City.code == CITY_CODE))
