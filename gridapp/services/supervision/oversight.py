"""Supervision (督办): SLA colours and escalation up the tree, whistles and report-ins,
nudges (拍一拍) and leaders' instructions (批示).

Each of these leaves a row of its own, a step on the case timeline (case_events) and
notifications for exactly the people concerned, which are also pushed through the push
channel (services.push). The sweeps take a city and look for work by indexed due times;
each case or whistle target is handled in its own unit of work after re-reading it
locked, so two sweeps running at once, or one run twice, act once.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from gridapp.authz import DEPARTMENT_ROLES, OFFICIAL_ROLES, REGION_ROLES, Actor, Permission, Role, can_see_region
from gridapp.clock import CHINA, now
from gridapp.errors import Conflict, Forbidden, InvalidTransition, NotFound, RateLimited, ValidationFailed
from gridapp.extensions import db
from gridapp.models import (
    Case,
    Department,
    DepartmentRegion,
    Escalation,
    Instruction,
    Nudge,
    Region,
    RoleGrant,
    Whistle,
    WhistleTarget,
)
from gridapp.models.orders import HELD_STATUSES, Order
from gridapp.models.supervision import WHISTLE_LABELS
from gridapp.services import idempotency
from gridapp.services.accounts.users import users_with_role
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.tree import path_range
from gridapp.services.supervision import sla
from gridapp.unit_of_work import unit_of_work

NUDGERS = Permission(
    "supervision.nudge", OFFICIAL_ROLES | {Role.SUPER_ADMIN},
    "super admins and officials over the case remind whoever must act",
)
INSTRUCTORS = Permission(
    "supervision.instruct", {Role.SUPER_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN},
    "leaders above the community write instructions",
)
WHISTLERS = Permission(
    "supervision.whistle", {Role.STREET_ADMIN, Role.COMMUNITY_ADMIN}, "streets and communities call departments in"
)
REPORTERS_IN = Permission("supervision.report_in", DEPARTMENT_ROLES, "a called department's people report in")
OVERDUE_READERS = Permission(
    "supervision.overdue", REGION_ROLES | {Role.SYSTEM_ADMIN}, "the region staff and system admins list overdue cases"
)
# Minutes a called department has to report in, by grade.
WHISTLE_MINUTES = {"quick": 120, "emergency": 30, "tough": 24 * 60}
LEVEL_ROLES = {1: Role.COMMUNITY_ADMIN, 2: Role.STREET_ADMIN, 3: Role.DISTRICT_ADMIN}
LEVEL_LABELS = {1: "社区", 2: "街道", 3: "区"}
SWEEP_BATCH = 500
# Phrases leaders write most often, offered in the instruction dialog to start from (edited freely).
INSTRUCTION_PHRASES = (
    "请立即处置，今日内反馈结果。",
    "请于24小时内办结并上传处置后照片。",
    "请社区牵头，相关部门协同处置。",
    "请到现场核实情况后上报。",
    "请做好群众解释和回访工作。",
    "此类问题反复出现，请研究长效机制。",
)
NUDGE_WINDOW = timedelta(hours=1)


# --------------------------------------------------------------------------- #
# Who is told
# --------------------------------------------------------------------------- #


def department_people(city_id: int, department_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoleGrant.user_id)
            .where(
                RoleGrant.city_id == city_id,
                RoleGrant.department_id == department_id,
                RoleGrant.role.in_((Role.DEPARTMENT_STAFF.value, Role.DEPARTMENT_ADMIN.value)),
            )
            .order_by(RoleGrant.user_id)
        )
    )


def responsible(case: Case) -> list[int]:
    """Whoever must act on the case now: its handler; else the holder of its order; else the
    grid's workers (or, off-grid or ordered and not yet grabbed, the community's admins)."""
    if case.handler_user_id:
        return [case.handler_user_id]
    if case.state == S.ORDERED:
        holder = db.session.scalar(
            select(Order.holder_user_id).where(
                Order.city_id == case.city_id, Order.case_id == case.id, Order.status.in_(tuple(HELD_STATUSES))
            )
        )
        if holder:
            return [holder]
        return users_with_role(case.city_id, Role.COMMUNITY_ADMIN, case.community_id)
    if case.grid_id:
        people = users_with_role(case.city_id, Role.GRID_WORKER, case.grid_id)
        if people:
            return people
    return users_with_role(case.city_id, Role.COMMUNITY_ADMIN, case.community_id)


def _tell(case: Case, user_ids, kind: str, title: str, body: str = "") -> None:
    notify_and_push(case.city_id, user_ids, kind, title, body, ("case", case.id))


def level_region_id(case: Case, level: int) -> int:
    """The case's community (1), street (2) or district (3), read off its path."""
    ids = [int(p) for p in case.region_path.strip("/").split("/")]
    return {1: case.community_id, 2: ids[2], 3: ids[1]}[level]


# --------------------------------------------------------------------------- #
# The SLA sweep
# --------------------------------------------------------------------------- #


def sweep_sla(city_id: int) -> list[int]:
    """Cases whose colour or escalation is due now: each changed in its own unit of work."""
    due = list(
        db.session.scalars(
            select(Case.id)
            .where(Case.city_id == city_id, Case.sla_next_at <= now())
            .order_by(Case.sla_next_at, Case.id)
            .limit(SWEEP_BATCH)
        )
    )
    db.session.rollback()
    return [case_id for case_id in due if _evaluate(city_id, case_id)]


@unit_of_work
def _evaluate(city_id: int, case_id: int) -> bool:
    case = cases.get_case(city_id, case_id, for_update=True)
    at = now()
    if case.sla_next_at is None or case.sla_next_at > at:
        return False  # another sweep got here first
    clock = sla.running_clock(case)
    if clock is None:
        case.sla_next_at = None
        return False
    colour = clock.colour(at)
    if sla.COLOURS.index(colour) > sla.COLOURS.index(case.sla_colour):
        case.sla_colour = colour
        action = f"sla_{colour}"
        if colour == "yellow":
            note = f"{clock.label}时限将于 {clock.due.astimezone(CHINA):%m-%d %H:%M} 到期"
            title = f"案件 #{case.id} 临期预警：请在 {clock.due.astimezone(CHINA):%m-%d %H:%M} 前{clock.label}"
        else:
            note = f"{clock.label}已超时（时限 {clock.due.astimezone(CHINA):%m-%d %H:%M}）"
            title = f"案件 #{case.id} 已超时：{clock.label}时限已过"
        cases.add_event(case, action, None, case.state, note)
        _tell(case, responsible(case), action, title, f"{case.category.name}：{case.place_label or ''}")
    if colour == "red":
        for level in range(case.escalation_level + 1, clock.escalation_level_at(at) + 1):
            _escalate(case, level, clock)
    case.sla_next_at = sla.next_check(case, clock)
    return True


def _escalate(case: Case, level: int, clock: sla.Clock) -> None:
    region = db.session.get(Region, level_region_id(case, level))
    db.session.add(Escalation(city_id=case.city_id, case_id=case.id, level=level, region_id=region.id, clock=clock.name, due_at=clock.due))
    case.escalation_level = level
    cases.add_event(case, "escalate", None, case.state, f"{clock.label}逾期，升级至{LEVEL_LABELS[level]}：{region.name}")
    people = users_with_role(case.city_id, LEVEL_ROLES[level], region.id)
    _tell(case, people, "escalation", f"案件 #{case.id} 逾期升级至{LEVEL_LABELS[level]}督办", f"{case.category.name}：{clock.label}已超时，请督促处理")


# --------------------------------------------------------------------------- #
# Nudges and instructions
# --------------------------------------------------------------------------- #


def _supervised_case(actor: Actor, case_id: int, roles, what: str) -> Case:
    case = cases.get_case(actor.city_id, case_id, for_update=True)
    if not can_see_region(actor, case.city_id, case.region_path, roles):
        if cases.is_staff_over(actor, case):
            raise Forbidden(f"您的角色无权{what}")
        raise NotFound("案件不存在", code="case_not_found")
    return case


def nudge(actor: Actor, case_id: int, note: str = "", claim=None):
    """拍一拍: remind whoever must act on an active case now (once per Idempotency-Key)."""
    return idempotency.create(claim, "nudge", lambda: _nudge(actor, case_id, note), lambda row_id: _load(Nudge, actor, row_id))


def _load(model, actor: Actor, row_id: int):
    return db.session.scalar(select(model).where(model.city_id == actor.city_id, model.id == row_id))


def _nudge(actor: Actor, case_id: int, note: str) -> Nudge:
    case = _supervised_case(actor, case_id, NUDGERS, "拍一拍")
    if case.state not in S.ACTIVE_STATES:
        raise InvalidTransition("案件已办结，无需催办", details={"state": case.state})
    _within_nudge_limit(case)
    targets = responsible(case)
    row = Nudge(city_id=case.city_id, case_id=case.id, actor_user_id=actor.user_id, handler_user_id=targets[0] if targets else None, note=note)
    db.session.add(row)
    cases.add_event(case, "nudge", actor, case.state, note or "请尽快处理")
    _tell(case, targets, "nudge", f"{actor.display_name}拍了拍您：请尽快处理案件 #{case.id}", note or f"{case.category.name}：{case.place_label or ''}")
    return row


def _recent_nudges(case: Case) -> list:
    since = now() - NUDGE_WINDOW
    return list(
        db.session.scalars(
            select(Nudge.created_at)
            .where(Nudge.city_id == case.city_id, Nudge.case_id == case.id, Nudge.created_at > since)
            .order_by(Nudge.created_at)
        )
    )


def nudges_left(case: Case) -> int:
    """How many more nudges the case may get within the hour."""
    return max(0, current_app.config["NUDGE_LIMIT_PER_CASE_HOUR"] - len(_recent_nudges(case)))


def _within_nudge_limit(case: Case) -> None:
    """A handler reminded again and again stops reading reminders: at most NUDGE_LIMIT_PER_CASE_HOUR
    nudges per case in any hour, from everyone together (the case row is locked, so two at once count)."""
    limit = current_app.config["NUDGE_LIMIT_PER_CASE_HOUR"]
    recent = _recent_nudges(case)
    if len(recent) >= limit:
        wait = max(60, int((recent[len(recent) - limit] + NUDGE_WINDOW - now()).total_seconds()))
        raise RateLimited(
            f"该案件一小时内已被拍一拍 {len(recent)} 次（上限 {limit} 次），请 {(wait + 59) // 60} 分钟后再试",
            code="nudge_limit", details={"limit": limit, "retry_after": wait},
        )


def instruct(actor: Actor, case_id: int, text: str, claim=None):
    """批示: a written instruction pushed to the handler and the community's admins."""
    if not text.strip():
        raise ValidationFailed("请填写批示内容", details={"text": ["required"]})
    return idempotency.create(claim, "instruction", lambda: _instruct(actor, case_id, text), lambda row_id: _load(Instruction, actor, row_id))


def _instruct(actor: Actor, case_id: int, text: str) -> Instruction:
    case = _supervised_case(actor, case_id, INSTRUCTORS, "批示")
    row = Instruction(city_id=case.city_id, case_id=case.id, author_user_id=actor.user_id, text=text.strip())
    db.session.add(row)
    cases.add_event(case, "instruct", actor, case.state, text.strip())
    people = responsible(case) + users_with_role(case.city_id, Role.COMMUNITY_ADMIN, case.community_id)
    _tell(case, [p for p in people if p != actor.user_id], "instruction", f"{actor.display_name}对案件 #{case.id} 作出批示", text.strip())
    return row


def instructions(case: Case) -> list[Instruction]:
    return list(
        db.session.scalars(
            select(Instruction).where(Instruction.city_id == case.city_id, Instruction.case_id == case.id).order_by(Instruction.id.desc())
        )
    )


def nudge_count(case: Case) -> int:
    return db.session.scalar(select(func.count()).where(Nudge.city_id == case.city_id, Nudge.case_id == case.id))


def nudge_counts(city_id: int, user_ids: list[int]) -> dict[int, int]:
    """Nudges received, per handler: the figure shown on a handler's record."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Nudge.handler_user_id, func.count())
        .where(Nudge.city_id == city_id, Nudge.handler_user_id.in_(user_ids))
        .group_by(Nudge.handler_user_id)
    )
    return {user_id: count for user_id, count in rows}


# --------------------------------------------------------------------------- #
# Whistles (吹哨报到)
# --------------------------------------------------------------------------- #


def blow_whistle(actor: Actor, case_id: int, department_ids: list[int], grade: str, note: str = "", claim=None):
    """吹哨: call departments to a case; each must report in within the grade's time."""
    return idempotency.create(
        claim, "whistle", lambda: _blow_whistle(actor, case_id, department_ids, grade, note), lambda row_id: _load(Whistle, actor, row_id)
    )


def _blow_whistle(actor: Actor, case_id: int, department_ids: list[int], grade: str, note: str) -> Whistle:
    if grade not in WHISTLE_MINUTES:
        raise ValidationFailed("吹哨类型不正确", details={"grade": sorted(WHISTLE_MINUTES)})
    if not department_ids:
        raise ValidationFailed("请选择要报到的部门", details={"department_ids": ["required"]})
    case = _supervised_case(actor, case_id, WHISTLERS, "吹哨")
    if case.state not in S.ACTIVE_STATES:
        raise InvalidTransition("案件已办结，不能吹哨", details={"state": case.state})
    departments = _serving_departments(case, sorted(set(department_ids)))
    report_by = now() + timedelta(minutes=WHISTLE_MINUTES[grade])
    whistle = Whistle(city_id=case.city_id, case_id=case.id, blown_by_user_id=actor.user_id, grade=grade, note=note, report_by=report_by)
    db.session.add(whistle)
    db.session.flush()
    for department in departments:
        db.session.add(
            WhistleTarget(city_id=case.city_id, whistle_id=whistle.id, case_id=case.id, department_id=department.id, report_by=report_by)
        )
        _tell(
            case, department_people(case.city_id, department.id), "whistle",
            f"{WHISTLE_LABELS[grade]}：请于 {report_by.astimezone(CHINA):%m-%d %H:%M} 前到案件 #{case.id} 报到", note,
        )
    names = "、".join(d.name for d in departments)
    cases.add_event(case, "whistle", actor, case.state, f"{WHISTLE_LABELS[grade]}，召集{names}" + (f"：{note}" if note else ""))
    return whistle


def _serving_departments(case: Case, department_ids: list[int]) -> list[Department]:
    """Active departments of the city that serve the case's place; any other id is refused."""
    rows = db.session.execute(
        select(Department, Region.path)
        .join(DepartmentRegion, DepartmentRegion.department_id == Department.id)
        .join(Region, Region.id == DepartmentRegion.region_id)
        .where(Department.city_id == case.city_id, Department.id.in_(department_ids), Department.is_active.is_(True))
    ).all()
    serving = {d.id: d for d, path in rows if case.region_path.startswith(path)}
    missing = [i for i in department_ids if i not in serving]
    if missing:
        raise ValidationFailed("所选部门不负责该案件所在区域", details={"department_ids": missing})
    return [serving[i] for i in department_ids]


@unit_of_work
def report_in(actor: Actor, target_id: int, note: str = "") -> WhistleTarget:
    """报到: staff of a called department answer the whistle; after the deadline it is recorded late."""
    REPORTERS_IN.require(actor)
    target = db.session.scalar(
        select(WhistleTarget).where(WhistleTarget.city_id == actor.city_id, WhistleTarget.id == target_id).with_for_update(of=WhistleTarget)
    )
    if target is None or target.department_id not in actor.department_ids():
        raise NotFound("报到任务不存在", code="whistle_target_not_found")
    if target.reported_at is not None:
        raise Conflict("本部门已报到", code="already_reported")
    at = now()
    target.reported_at, target.reported_by_user_id, target.report_note = at, actor.user_id, note
    case = cases.get_case(actor.city_id, target.case_id, for_update=True)
    late = at > target.report_by
    cases.add_event(case, "report_in", actor, case.state, f"{target.department.name}{'逾期' if late else ''}报到" + (f"：{note}" if note else ""))
    whistle = db.session.get(Whistle, target.whistle_id)
    _tell(case, [whistle.blown_by_user_id], "report_in", f"{target.department.name}已{'逾期' if late else ''}报到（案件 #{case.id}）", note)
    return target


def sweep_whistles(city_id: int) -> list[int]:
    due = list(
        db.session.scalars(
            select(WhistleTarget.id)
            .where(
                WhistleTarget.city_id == city_id, WhistleTarget.reported_at.is_(None),
                WhistleTarget.late_at.is_(None), WhistleTarget.report_by <= now(),
            )
            .order_by(WhistleTarget.id)
            .limit(SWEEP_BATCH)
        )
    )
    db.session.rollback()
    return [target_id for target_id in due if _mark_late(city_id, target_id)]


@unit_of_work
def _mark_late(city_id: int, target_id: int) -> bool:
    target = db.session.scalar(
        select(WhistleTarget).where(WhistleTarget.city_id == city_id, WhistleTarget.id == target_id).with_for_update(of=WhistleTarget)
    )
    if target is None or target.reported_at is not None or target.late_at is not None:
        return False
    target.late_at = now()
    case = cases.get_case(city_id, target.case_id)
    cases.add_event(case, "report_in_late", None, case.state, f"{target.department.name}未在时限内报到")
    whistle = db.session.get(Whistle, target.whistle_id)
    people = [whistle.blown_by_user_id] + department_people(city_id, target.department_id)
    _tell(case, people, "report_in_late", f"{target.department.name}未按时到案件 #{case.id} 报到")
    return True


def whistles(case: Case) -> list[Whistle]:
    return list(db.session.scalars(select(Whistle).where(Whistle.city_id == case.city_id, Whistle.case_id == case.id).order_by(Whistle.id)))


def my_report_ins(actor: Actor):
    """Whistle targets of the actor's departments still owing a report-in, soonest first."""
    REPORTERS_IN.require(actor)
    return (
        select(WhistleTarget)
        .where(
            WhistleTarget.city_id == actor.city_id,
            WhistleTarget.department_id.in_(sorted(actor.department_ids()) or [-1]),
            WhistleTarget.reported_at.is_(None),
        )
        .order_by(WhistleTarget.report_by, WhistleTarget.id)
    )


# --------------------------------------------------------------------------- #
# Overdue list
# --------------------------------------------------------------------------- #

def overdue(actor: Actor, region: Region | None = None):
    """Overdue cases under the actor's part of the tree (or one visible node of it), most escalated first."""
    OVERDUE_READERS.require(actor)
    stmt = cases.staff_list(actor).order_by(None).where(sla.overdue_condition(now()))
    if region is not None:
        stmt = stmt.where(path_range(Case.region_path, region.path))
    return stmt.order_by(Case.escalation_level.desc(), Case.created_at, Case.id)
