"""领导包案 and 联合处置 1+1+N: setting up a task force over a subject, each unit's sub-task on its own clock, closing.

A leader (street, district or super admin over the subject; a system admin anywhere) owns a case with a task force:
the lead department and assisting units (departments or region nodes), measures and a deadline. Officials over a
subject set up a joint handling: the locality (a region node over it), the responsible department and N co-handlers.
Each member's people start, report progress and finish their sub-task; the owner (the leader, or the joint handling's
coordinator) sends a finished one back, and closes the task force once every sub-task is done. Each step is an
appended TaskForceEvent and tells the people concerned; a sub-task past its deadline raises one alert (the
`sweep_task_forces` job) to its unit and the owner. Who reads a task force: its owner, officials over its subject,
and the people of its units.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, false, func, or_, select

from gridapp.authz import DEPARTMENT_ROLES, OFFICIAL_ROLES, Actor, Permission, Role, can_see_region
from gridapp.clock import now
from gridapp.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import TaskForce, TaskForceEvent, TaskForceMember
from gridapp.services import idempotency
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.tree import in_reach, path_range
from gridapp.services.supervision import sla
from gridapp.services.task_forces import subjects, units
from gridapp.unit_of_work import unit_of_work

LEADERS = Permission(
    "task_forces.leaders", {Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "leaders over a subject own it (包案) with a task force",
)
COORDINATORS = Permission(
    "task_forces.coordinators", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "officials over a subject set up a joint handling (1+1+N)",
)
HANDLERS = Permission(
    "task_forces.handlers", DEPARTMENT_ROLES | OFFICIAL_ROLES | {Role.SUPER_ADMIN},
    "the people of a member unit (its department, or the officials over its region) work its sub-task",
)
READERS = Permission(
    "task_forces.readers", DEPARTMENT_ROLES | OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "owners, officials over the subject and member units read a task force",
)
KIND_LABELS = {"leader": "领导包案", "joint": "联合处置"}
STATUS_LABELS = {"open": "办理中", "closed": "已办结"}
ROLE_LABELS = {"lead": "牵头单位", "assist": "协办单位", "locality": "属地", "responsible": "责任部门", "co": "协同单位"}
MEMBER_STATUS_LABELS = {"assigned": "待接收", "in_progress": "办理中", "done": "已完成"}
ACTION_LABELS = {
    "create": "立案", "assign": "分派", "start": "接收", "progress": "进展", "finish": "完成", "return": "退回",
    "overdue": "超期预警", "close": "办结",
}
# Sub-task steps: action → (the statuses it starts from, the status it leaves).
MEMBER_STEPS = {
    "start": (("assigned",), "in_progress"),
    "progress": (("assigned", "in_progress"), "in_progress"),
    "finish": (("assigned", "in_progress"), "done"),
    "return": (("done",), "in_progress"),
}
SWEEP_BATCH = 500


# --------------------------------------------------------------------------- #
# Setting up
# --------------------------------------------------------------------------- #

def create_leader_case(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """包案: the actor owns the subject with a lead department, assisting units, measures and a deadline."""
    LEADERS.require(actor)
    members = [{"role": "lead", "department_id": data["lead_department_id"], "task": data["lead_task"], "deadline": data.get("lead_deadline")}]
    members += [{"role": "assist", **unit} for unit in data.get("assisting", [])]
    return idempotency.create(claim, "task_force", lambda: _create(actor, "leader", data, members, LEADERS), lambda i: visible(actor, i))


def create_joint(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """1+1+N: the locality, the responsible department and at least one co-handler, each with a sub-task."""
    COORDINATORS.require(actor)
    members = [
        {"role": "locality", **data["locality"]},
        {"role": "responsible", **data["responsible"]},
        *({"role": "co", **unit} for unit in data["co_handlers"]),
    ]
    return idempotency.create(claim, "task_force", lambda: _create(actor, "joint", data, members, COORDINATORS), lambda i: visible(actor, i))


def _create(actor: Actor, kind: str, data: dict, members: list[dict], permission: Permission) -> TaskForce:
    subject = subjects.load(actor.city_id, data["subject_kind"], data["subject_id"])
    if not can_see_region(actor, actor.city_id, subject.region_path, permission):
        raise Forbidden("该事项不在您的管辖范围内")
    at = now()
    deadline = _future(data.get("deadline") or default_deadline(), at, "deadline")
    row = TaskForce(
        city_id=actor.city_id, kind=kind, subject_kind=subject.kind, subject_id=subject.id, region_path=subject.region_path,
        title=data["title"].strip(), measures=data.get("measures", "").strip(), deadline=deadline, created_by_user_id=actor.user_id,
        leader_user_id=actor.user_id if kind == "leader" else None,
    )
    db.session.add(row)
    db.session.flush()
    _event(row, actor, "create", None, "open", f"{KIND_LABELS[kind]}：{subject.label}")
    seen: set[tuple] = set()
    for index, spec in enumerate(members):
        member = _member(actor, row, subject, spec, f"members[{index}]", at)
        unit = (member.department_id, member.region_id)
        if unit in seen:
            raise ValidationFailed("同一单位不能重复加入", details={f"members[{index}]": ["repeated_unit"]})
        seen.add(unit)
    return row


def _member(actor: Actor, row: TaskForce, subject: subjects.Subject, spec: dict, field: str, at: datetime) -> TaskForceMember:
    department_id, region_id = spec.get("department_id"), spec.get("region_id")
    if (department_id is None) == (region_id is None):
        raise ValidationFailed("每个单位须是一个部门或一个区域", details={field: ["department_or_region"]})
    if spec["role"] in ("lead", "responsible") and department_id is None:
        raise ValidationFailed("牵头单位与责任部门须是部门", details={field: ["department_required"]})
    if spec["role"] == "locality" and region_id is None:
        raise ValidationFailed("属地须是一个区域", details={field: ["region_required"]})
    path = None
    if department_id is not None:
        units.department(actor.city_id, department_id, field)
    else:
        path = units.region(actor.city_id, region_id, field).path
        if spec["role"] == "locality" and not subject.region_path.startswith(path):
            raise ValidationFailed("属地须是该事项所在的社区、街道或区", details={field: ["not_the_locality"]})
    deadline = _future(spec.get("deadline") or row.deadline, at, field)
    if deadline > row.deadline:
        raise ValidationFailed("子任务时限不能晚于总时限", details={field: ["after_deadline"]})
    member = TaskForceMember(
        city_id=row.city_id, task_force_id=row.id, role=spec["role"], department_id=department_id, region_id=region_id,
        region_path=path, task=spec["task"].strip(), deadline=deadline,
    )
    db.session.add(member)
    db.session.flush()
    _event(row, actor, "assign", None, "assigned", f"{ROLE_LABELS[member.role]}：{member.task}", member)
    notify_and_push(
        row.city_id, units.people(row.city_id, department_id, region_id), "task_force_assigned",
        f"{KIND_LABELS[row.kind]}任务：{row.title}"[:60], member.task[:60], ("task_force", row.id),
    )
    return member


def _future(value: datetime, at: datetime, field: str) -> datetime:
    if value <= at:
        raise ValidationFailed("时限须晚于现在", details={field: ["in_the_past"]})
    return value


def default_deadline() -> datetime:
    """A task force's deadline when none is given: TASK_FORCE_DAYS from now."""
    return now() + timedelta(days=current_app.config["TASK_FORCE_DAYS"])


def _event(row: TaskForce, actor: Actor | None, action: str, before: str | None, after: str, note: str = "", member=None) -> None:
    db.session.add(TaskForceEvent(
        city_id=row.city_id, task_force_id=row.id, member_id=member.id if member is not None else None,
        actor_user_id=actor.user_id if actor else None, action=action, from_status=before, to_status=after, note=note,
    ))


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #

def _get(city_id: int, task_force_id: int, *, for_update: bool = False) -> TaskForce:
    stmt = select(TaskForce).where(TaskForce.city_id == city_id, TaskForce.id == task_force_id)
    row = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound("任务不存在")
    return row


def is_owner(actor: Actor, row: TaskForce) -> bool:
    """The leader who owns it, or the official who set up a joint handling (the system admin acts for either)."""
    owner = row.leader_user_id if row.kind == "leader" else row.created_by_user_id
    return actor.user_id == owner or (Role.SYSTEM_ADMIN in actor.roles and actor.city_id == row.city_id)


def _may_read(actor: Actor, row: TaskForce) -> bool:
    return (
        is_owner(actor, row)
        or can_see_region(actor, row.city_id, row.region_path, COORDINATORS)
        or any(units.acts_for(actor, m.department_id, m.region_path) for m in row.members)
    )


def visible(actor: Actor, task_force_id: int) -> TaskForce:
    READERS.require(actor)
    row = _get(actor.city_id, task_force_id)
    if not _may_read(actor, row):
        raise Forbidden("您无权查看该任务")
    return row


def owned(actor: Actor, status: str | None = None):
    """The leader's own view: the task forces they own (or coordinate), open first, soonest deadline first."""
    READERS.require(actor)
    stmt = select(TaskForce).where(
        TaskForce.city_id == actor.city_id,
        or_(TaskForce.leader_user_id == actor.user_id, (TaskForce.kind == "joint") & (TaskForce.created_by_user_id == actor.user_id)),
    )
    return _ordered(stmt, status)


def in_scope(actor: Actor, status: str | None = None, kind: str | None = None, subject: tuple[str, int] | None = None):
    """Task forces over subjects in the officials' part of the city."""
    COORDINATORS.require(actor)
    stmt = select(TaskForce).where(TaskForce.city_id == actor.city_id, in_reach(actor, COORDINATORS, TaskForce.region_path))
    if kind:
        stmt = stmt.where(TaskForce.kind == kind)
    if subject:
        stmt = stmt.where(TaskForce.subject_kind == subject[0], TaskForce.subject_id == subject[1])
    return _ordered(stmt, status)


def _ordered(stmt, status: str | None):
    if status:
        stmt = stmt.where(TaskForce.status == status)
    return stmt.order_by(TaskForce.status.desc(), TaskForce.deadline, TaskForce.id)


def my_subtasks(actor: Actor, open_only: bool = True):
    """Sub-tasks given to the actor's units (their departments, the region nodes they are officials over)."""
    HANDLERS.require(actor)
    conditions = []
    if actor.has_role(*DEPARTMENT_ROLES) and actor.department_ids():
        conditions.append(TaskForceMember.department_id.in_(sorted(actor.department_ids())))
    paths = actor.region_paths(units.REGION_ACTORS)
    conditions += [path_range(TaskForceMember.region_path, p) for p in paths]
    stmt = select(TaskForceMember).where(TaskForceMember.city_id == actor.city_id, or_(*conditions) if conditions else false())
    if open_only:
        stmt = stmt.where(TaskForceMember.status != "done", exists().where(
            TaskForce.city_id == TaskForceMember.city_id, TaskForce.id == TaskForceMember.task_force_id, TaskForce.status == "open"))
    return stmt.order_by(TaskForceMember.deadline, TaskForceMember.id)


def member_colour(member: TaskForceMember, at: datetime | None = None) -> str:
    """"done", or the sub-task clock's colour: green, yellow (SLA_YELLOW_PERCENT used), red (overdue)."""
    if member.status == "done":
        return "done"
    return sla.deadline_colour(member.created_at, member.deadline, at or now())


def progress(row: TaskForce) -> dict:
    """The counts a leader scans: sub-tasks done, overdue, all."""
    at = now()
    colours = [member_colour(m, at) for m in row.members]
    return {"done": colours.count("done"), "overdue": colours.count("red"), "total": len(colours)}


def subject_label(row: TaskForce) -> str:
    try:
        return subjects.load(row.city_id, row.subject_kind, row.subject_id).label
    except (NotFound, ValidationFailed):
        return f"{row.subject_kind} #{row.subject_id}"


def unit_name(member: TaskForceMember) -> str:
    return member.department.name if member.department is not None else member.region.name


# --------------------------------------------------------------------------- #
# Working a sub-task, closing
# --------------------------------------------------------------------------- #

def _member_for_update(actor: Actor, member_id: int) -> tuple[TaskForce, TaskForceMember]:
    member = db.session.scalar(
        select(TaskForceMember).where(TaskForceMember.city_id == actor.city_id, TaskForceMember.id == member_id).with_for_update()
    )
    if member is None:
        raise NotFound("子任务不存在")
    return _get(actor.city_id, member.task_force_id), member


@unit_of_work
def step(actor: Actor, member_id: int, action: str, note: str = "") -> TaskForceMember:
    """start / progress / finish by the unit's people; return by the owner. Progress and finishing need a note."""
    (READERS if action == "return" else HANDLERS).require(actor)
    row, member = _member_for_update(actor, member_id)
    if action == "return":
        if not is_owner(actor, row):
            raise Forbidden("只有包案领导或牵头协调人可以退回")
    elif not units.acts_for(actor, member.department_id, member.region_path):
        raise Forbidden("该子任务不属于您的单位")
    sources, target = MEMBER_STEPS[action]
    if row.status != "open":
        raise InvalidTransition("该任务已办结", details={"status": row.status})
    if member.status not in sources:
        raise InvalidTransition(
            f"子任务{MEMBER_STATUS_LABELS[member.status]}，不能{ACTION_LABELS[action]}", details={"status": member.status}
        )
    if action in ("progress", "finish", "return") and not note.strip():
        raise ValidationFailed("请填写说明", details={"note": ["required"]})
    before, at = member.status, now()
    member.status = target
    if action in ("progress", "finish"):
        member.progress, member.progress_at = note.strip(), at
    member.done_at = at if target == "done" else None
    _event(row, actor, action, before, target, note.strip(), member)
    owner = row.leader_user_id if row.kind == "leader" else row.created_by_user_id
    if action == "return":
        notify_and_push(row.city_id, units.people(row.city_id, member.department_id, member.region_id), "task_force_returned",
                        f"子任务被退回：{row.title}"[:60], note[:60], ("task_force", row.id))
    elif action == "finish":
        notify_and_push(row.city_id, [owner], "task_force_progress", f"{unit_name(member)}完成了子任务"[:60], note[:60], ("task_force", row.id))
    return member


@unit_of_work
def close(actor: Actor, task_force_id: int, note: str) -> TaskForce:
    """办结, by its owner, once every sub-task is done."""
    READERS.require(actor)
    row = _get(actor.city_id, task_force_id, for_update=True)
    if not is_owner(actor, row):
        raise Forbidden("只有包案领导或牵头协调人可以办结")
    if row.status != "open":
        raise InvalidTransition("该任务已办结", details={"status": row.status})
    waiting = [m.id for m in row.members if m.status != "done"]
    if waiting:
        raise InvalidTransition("还有子任务未完成", code="subtasks_open", details={"member_ids": waiting})
    row.status, row.closed_at = "closed", now()
    _event(row, actor, "close", "open", "closed", note.strip())
    people = [p for m in row.members for p in units.people(row.city_id, m.department_id, m.region_id)]
    notify_and_push(row.city_id, people, "task_force_closed", f"{KIND_LABELS[row.kind]}已办结：{row.title}"[:60], note[:60], ("task_force", row.id))
    return row


# --------------------------------------------------------------------------- #
# The overdue sweep
# --------------------------------------------------------------------------- #

def sweep_overdue(city_id: int) -> list[int]:
    """Sub-tasks past their deadline and not done: each raises one alert to its unit and the owner."""
    due = list(db.session.scalars(
        select(TaskForceMember.id)
        .where(TaskForceMember.city_id == city_id, TaskForceMember.status != "done", TaskForceMember.overdue_at.is_(None),
               TaskForceMember.deadline <= now())
        .order_by(TaskForceMember.id)
        .limit(SWEEP_BATCH)
    ))
    db.session.rollback()
    return [member_id for member_id in due if _alert(city_id, member_id)]


@unit_of_work
def _alert(city_id: int, member_id: int) -> bool:
    member = db.session.scalar(
        select(TaskForceMember).where(TaskForceMember.city_id == city_id, TaskForceMember.id == member_id).with_for_update()
    )
    if member is None or member.status == "done" or member.overdue_at is not None:
        return False
    row = _get(city_id, member.task_force_id)
    member.overdue_at = now()
    if row.status != "open":
        return False
    _event(row, None, "overdue", member.status, member.status, f"{unit_name(member)}的子任务已超过时限", member)
    owner = row.leader_user_id if row.kind == "leader" else row.created_by_user_id
    people = [*units.people(city_id, member.department_id, member.region_id), owner]
    notify_and_push(city_id, people, "task_force_overdue", f"子任务超期：{unit_name(member)}"[:60], row.title[:60], ("task_force", row.id))
    return True


def counts(city_id: int, region_path: str) -> dict:
    """Figures for the leaders' dashboard: open task forces under a node and their overdue sub-tasks."""
    open_forces = db.session.scalar(select(func.count()).select_from(TaskForce).where(
        TaskForce.city_id == city_id, TaskForce.status == "open", path_range(TaskForce.region_path, region_path)))
    overdue = db.session.scalar(
        select(func.count()).select_from(TaskForceMember)
        .join(TaskForce, (TaskForce.city_id == TaskForceMember.city_id) & (TaskForce.id == TaskForceMember.task_force_id))
        .where(TaskForceMember.city_id == city_id, TaskForce.status == "open", TaskForceMember.status != "done",
               TaskForceMember.deadline <= now(), path_range(TaskForce.region_path, region_path))
    )
    return {"open": open_forces, "overdue_subtasks": overdue}
