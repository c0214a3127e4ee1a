"""The key-person register (重点人员) and poverty-relapse watch (防返贫监测), on the community's household records.

Who sees a record whole: the grid worker of its grid, the community admins over it, and the roles designated for
its category at that grid (the grid's police officer for community corrections, its judge too for domestic
violence ...). The street, district and city admins over it see it masked (no name, phone or notes), enough to
follow missed visits. Everyone else is refused. Every read, whole or masked, is a `CareRead` row.

Each record has a visit cadence (weekly, monthly ... by category, changeable per record). The grid worker's visits
are the ordinary home visits (services.codes.visits: notes and photos), linked to the record; a visit not made by
its due date is alerted once by the missed-visit job. A household on poverty watch leaves the list only after
POVERTY_OBSERVATION_MONTHS without a new signal: closing it earlier is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from gridapp.authz import Actor, Permission, Role, covers
from gridapp.clock import CHINA, now
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import (
    CareEvent,
    CareRead,
    CareRecord,
    CareSignal,
    CareVisit,
    Household,
    HouseholdMember,
    Region,
    Visit,
)
from gridapp.models.care import CARE_CATEGORIES, SIGNAL_KINDS
from gridapp.pagination import paginate
from gridapp.privacy import mask_name
from gridapp.services import idempotency
from gridapp.services import photos as photo_service
from gridapp.services.care.risk import team_user_ids
from gridapp.services.codes import visits as home_visits
from gridapp.services.notifications.inbox import notify
from gridapp.services.regions.tree import get_region, in_reach, path_range
from gridapp.unit_of_work import unit_of_work

POVERTY = "poverty_relapse"
# Days between visits until the record says otherwise: weekly for those who may harm or be harmed, monthly else.
VISIT_DAYS = {
    "severe_mental_illness": 30, "community_corrections": 7, "drug_rehabilitation": 30, "left_behind_child": 30,
    "left_behind_elderly": 30, "domestic_violence": 7, "released_prisoner": 30, POVERTY: 30,
}
# Besides the grid worker and the community: who at the grid reads a category whole.
DESIGNATED = {
    "severe_mental_illness": frozenset({Role.GRID_POLICE}),
    "community_corrections": frozenset({Role.GRID_POLICE, Role.GRID_JUDGE}),
    "drug_rehabilitation": frozenset({Role.GRID_POLICE}),
    "released_prisoner": frozenset({Role.GRID_POLICE}),
    "domestic_violence": frozenset({Role.GRID_POLICE, Role.GRID_JUDGE}),
}
KEEPERS = Permission(
    "care.register_keep", {Role.GRID_WORKER, Role.COMMUNITY_ADMIN},
    "the grid worker and the community keep their grids' key persons and households under watch",
)
OVERSEERS = frozenset({Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN})
READERS = Permission(
    "care.register_read", KEEPERS | {Role.GRID_POLICE, Role.GRID_JUDGE} | OVERSEERS,
    "the grid's keepers and designated roles read key persons whole; the officials above read them masked",
)
VISITORS = Permission("care.visit", {Role.GRID_WORKER}, "the grid worker visits the key persons of their grids")
WHOLE, MASKED = "whole", "masked"
ALERT_BATCH = 500  # missed visits alerted per transaction; the job calls again while a batch comes back full


@dataclass(frozen=True)
class Access:
    view: str
    role: Role


def _designated_grants(actor: Actor, category: str | None = None):
    for grant in actor.grants:
        if grant.region_path and any(grant.role in roles for cat, roles in DESIGNATED.items() if category in (None, cat)):
            yield grant


def _access(actor: Actor, record: CareRecord) -> Access | None:
    if actor.city_id != record.city_id:
        return None
    for grant in actor.grants:
        if grant.role in KEEPERS and grant.region_path and record.region_path.startswith(grant.region_path):
            return Access(WHOLE, grant.role)
    for grant in _designated_grants(actor, record.category):
        if grant.role in DESIGNATED[record.category] and record.region_path.startswith(grant.region_path):
            return Access(WHOLE, grant.role)
    for grant in actor.grants:
        if grant.role in OVERSEERS and (grant.role == Role.SYSTEM_ADMIN or record.region_path.startswith(grant.region_path or "\0")):
            return Access(MASKED, grant.role)
    return None


def _reach(actor: Actor):
    """A SQL condition: the records the actor may read at all (whole or masked)."""
    conditions = [in_reach(actor, KEEPERS | OVERSEERS, CareRecord.region_path)]
    for grant in _designated_grants(actor):
        categories = [cat for cat, roles in DESIGNATED.items() if grant.role in roles]
        conditions.append(and_(CareRecord.category.in_(categories), path_range(CareRecord.region_path, grant.region_path)))
    return or_(*conditions)


def _audit(actor: Actor, record: CareRecord, access: Access, via: str) -> None:
    db.session.add(CareRead(city_id=actor.city_id, record_id=record.id, user_id=actor.user_id, role=access.role.value,
                            view=access.view, via=via))


def _event(record: CareRecord, actor: Actor | None, action: str, note: str = "", from_status=None, to_status=None) -> None:
    db.session.add(CareEvent(city_id=record.city_id, record_id=record.id, actor_user_id=actor.user_id if actor else None,
                             action=action, from_status=from_status, to_status=to_status, note=note[:255]))


def add_months(at: datetime, months: int) -> datetime:
    """The same China calendar day `months` later (the month's last day when it is shorter)."""
    local = at.astimezone(CHINA)
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return local.replace(year=year, month=month, day=min(local.day, days[month - 1])).astimezone(at.tzinfo)


def observation_ends(record: CareRecord) -> datetime | None:
    """When a household under poverty watch may leave the list: the observation runs from the later of its start
    and its latest signal."""
    if record.category != POVERTY:
        return None
    latest = db.session.scalar(select(func.max(CareSignal.created_at)).where(
        CareSignal.city_id == record.city_id, CareSignal.record_id == record.id))
    start = max(record.started_at, latest) if latest else record.started_at
    return add_months(start, current_app.config["POVERTY_OBSERVATION_MONTHS"])


# --------------------------------------------------------------------------- reading


@unit_of_work
def page(actor: Actor, filters: dict, page_args: dict, via: str = "list") -> dict:
    """A page of the records the actor may read, most overdue first, each shown whole or masked and each read logged."""
    READERS.require(actor)
    stmt = select(CareRecord).where(CareRecord.city_id == actor.city_id, _reach(actor))
    if filters.get("category"):
        stmt = stmt.where(CareRecord.category == filters["category"])
    if filters.get("grid_id"):
        stmt = stmt.where(CareRecord.grid_id == filters["grid_id"])
    stmt = stmt.where(CareRecord.status == filters.get("status", "active"))
    if filters.get("overdue"):
        stmt = stmt.where(CareRecord.next_visit_due < now())
    result = paginate(stmt.order_by(CareRecord.next_visit_due, CareRecord.id), page_args)
    items = []
    for record in result["items"]:
        access = _access(actor, record)
        _audit(actor, record, access, via)
        items.append(view(record, access))
    return {**result, "items": items}


def _readable(actor: Actor, record_id: int) -> tuple[CareRecord, Access]:
    READERS.require(actor)
    record = db.session.scalar(select(CareRecord).where(CareRecord.city_id == actor.city_id, CareRecord.id == record_id))
    if record is None:
        raise NotFound("记录不存在")
    access = _access(actor, record)
    if access is None:
        raise Forbidden("您无权查看该重点人员信息")
    return record, access


@unit_of_work
def detail(actor: Actor, record_id: int) -> dict:
    """One record, with its visits and (whole readers) its events and signals; the read is logged."""
    record, access = _readable(actor, record_id)
    _audit(actor, record, access, "detail")
    shown = view(record, access)
    visits = db.session.scalars(
        select(Visit).join(CareVisit, CareVisit.visit_id == Visit.id)
        .where(CareVisit.city_id == actor.city_id, CareVisit.record_id == record.id).order_by(Visit.created_at.desc(), Visit.id.desc())
    ).all()
    shown["visits"] = [
        {"id": v.id, "at": v.created_at, "worker_name": v.worker.display_name if access.view == WHOLE else mask_name(v.worker.display_name),
         "notes": v.notes if access.view == WHOLE else None, "photos": v.photos if access.view == WHOLE else []}
        for v in visits
    ]
    if access.view == WHOLE:
        shown["signals"] = [
            {"kind": s.kind, "kind_label": SIGNAL_KINDS[s.kind], "note": s.note, "at": s.created_at}
            for s in db.session.scalars(select(CareSignal).where(CareSignal.city_id == actor.city_id, CareSignal.record_id == record.id)
                                        .order_by(CareSignal.id.desc()))
        ]
        shown["events"] = [
            {"action": e.action, "at": e.created_at, "actor_user_id": e.actor_user_id, "from_status": e.from_status,
             "to_status": e.to_status, "note": e.note}
            for e in db.session.scalars(select(CareEvent).where(CareEvent.city_id == actor.city_id, CareEvent.record_id == record.id)
                                        .order_by(CareEvent.id))
        ]
    else:
        shown["signals"], shown["events"] = [], []
    return shown


def reads(actor: Actor, record_id: int):
    """Who read a record (the keepers check it): a select, newest first."""
    KEEPERS.require(actor)
    record, access = _readable(actor, record_id)
    if access.view != WHOLE or access.role not in KEEPERS:
        raise Forbidden("只有本网格网格员和社区可以查看读取记录")
    return select(CareRead).where(CareRead.city_id == actor.city_id, CareRead.record_id == record.id).order_by(CareRead.id.desc())


def view(record: CareRecord, access: Access) -> dict:
    whole = access.view == WHOLE
    member = record.member
    guardian_name = record.guardian.name if record.guardian is not None else record.guardian_name
    shown = {
        "id": record.id, "category": record.category, "category_label": CARE_CATEGORIES[record.category],
        "household_id": record.household_id, "member_id": record.member_id, "grid_id": record.grid_id,
        "view": access.view, "status": record.status, "visit_every_days": record.visit_every_days,
        "started_at": record.started_at, "last_visit_at": record.last_visit_at, "next_visit_due": record.next_visit_due,
        "overdue": record.status == "active" and record.next_visit_due < now(), "closed_at": record.closed_at,
        "observation_ends": observation_ends(record) if record.status == "active" else None,
    }
    if whole:
        shown.update({
            "name": member.name if member is not None else None, "relation": member.relation if member is not None else None,
            "phone": member.phone if member is not None else None, "address": record.household.place_label,
            "guardian_name": guardian_name, "guardian_phone": record.guardian.phone if record.guardian is not None else record.guardian_phone,
            "note": record.note,
        })
    else:
        shown.update({
            "name": mask_name(member.name) if member is not None else None, "relation": None, "phone": None,
            "address": record.household.building, "guardian_name": mask_name(guardian_name), "guardian_phone": None, "note": None,
        })
    return shown


# --------------------------------------------------------------------------- keeping


def registrable(actor: Actor, limit: int = 500) -> list[HouseholdMember]:
    """The active members of the households in the keeper's grids, by door: whom the register form offers."""
    KEEPERS.require(actor)
    return list(db.session.scalars(
        select(HouseholdMember).join(Household, Household.id == HouseholdMember.household_id).join(Region, Region.id == Household.grid_id)
        .where(HouseholdMember.city_id == actor.city_id, HouseholdMember.is_active.is_(True), Household.is_active.is_(True),
               in_reach(actor, KEEPERS, Region.path))
        .order_by(Household.building, Household.unit, Household.room, HouseholdMember.id).limit(limit)
    ))


def _keeper_grid(actor: Actor, household: Household) -> Region:
    grid = get_region(actor.city_id, household.grid_id)
    if not covers(actor.region_paths(KEEPERS), grid.path):
        raise Forbidden("只能登记本人负责网格的住户")
    return grid


def _member(actor: Actor, member_id: int | None, field: str) -> HouseholdMember | None:
    if member_id is None:
        return None
    member = db.session.scalar(select(HouseholdMember).where(
        HouseholdMember.city_id == actor.city_id, HouseholdMember.id == member_id, HouseholdMember.is_active.is_(True)))
    if member is None:
        raise ValidationFailed("住户成员不存在", details={field: ["not_found"]})
    return member


def register(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """Put a household member on the key-person register (or a household on poverty watch); a retry with the same
    Idempotency-Key answers the first."""
    KEEPERS.require(actor)
    return idempotency.create(claim, "care_record", lambda: _register(actor, data), lambda record_id: _readable(actor, record_id)[0])


@unit_of_work
def _register(actor: Actor, data: dict) -> CareRecord:
    category = data["category"]
    member = _member(actor, data.get("member_id"), "member_id")
    if category == POVERTY:
        if member is not None:
            raise ValidationFailed("防返贫监测以户为单位，请选择住户", details={"member_id": ["household_only"]})
        household = db.session.scalar(select(Household).where(
            Household.city_id == actor.city_id, Household.id == data.get("household_id", 0), Household.is_active.is_(True)))
        if household is None:
            raise ValidationFailed("请选择住户", details={"household_id": ["required"]})
    else:
        if member is None:
            raise ValidationFailed("请选择住户成员", details={"member_id": ["required"]})
        household = member.household
    grid = _keeper_grid(actor, household)
    guardian = _member(actor, data.get("guardian_member_id"), "guardian_member_id")
    if guardian is not None and guardian.household_id != household.id:
        raise ValidationFailed("监护人须为同户成员，户外监护人请填写姓名和电话", details={"guardian_member_id": ["other_household"]})
    same = select(CareRecord.id).where(
        CareRecord.city_id == actor.city_id, CareRecord.category == category, CareRecord.status == "active",
        CareRecord.household_id == household.id,
        CareRecord.member_id == member.id if member is not None else CareRecord.member_id.is_(None),
    )
    if db.session.scalar(same.limit(1)) is not None:
        raise Conflict("该对象已在此类别的在册名单中", code="already_registered")
    at = now()
    days = data.get("visit_every_days") or VISIT_DAYS[category]
    record = CareRecord(
        city_id=actor.city_id, category=category, household_id=household.id, member_id=member.id if member else None,
        grid_id=grid.id, region_path=grid.path, guardian_member_id=guardian.id if guardian else None,
        guardian_name=data.get("guardian_name"), guardian_phone=data.get("guardian_phone"), note=data.get("note", ""),
        status="active", visit_every_days=days, started_at=at, next_visit_due=at + timedelta(days=days),
    )
    db.session.add(record)
    db.session.flush()
    _event(record, actor, "register", CARE_CATEGORIES[category], None, "active")
    return record


def _kept(actor: Actor, record_id: int) -> CareRecord:
    KEEPERS.require(actor)
    record, access = _readable(actor, record_id)
    if access.view != WHOLE or access.role not in KEEPERS:
        raise Forbidden("只有本网格网格员和社区可以维护该记录")
    if record.status != "active":
        raise Conflict("该记录已销号", code="care_closed")
    return record


@unit_of_work
def change(actor: Actor, record_id: int, changes: dict) -> dict:
    """Change the visit cadence (the next due date moves with it), the guardian or the note."""
    record = _kept(actor, record_id)
    changed = []
    if "guardian_member_id" in changes:
        guardian = _member(actor, changes["guardian_member_id"], "guardian_member_id")
        if guardian is not None and guardian.household_id != record.household_id:
            raise ValidationFailed("监护人须为同户成员", details={"guardian_member_id": ["other_household"]})
    for field in ("visit_every_days", "guardian_member_id", "guardian_name", "guardian_phone", "note"):
        if field in changes and getattr(record, field) != changes[field]:
            setattr(record, field, changes[field])
            changed.append(field)
    if "visit_every_days" in changed:
        record.next_visit_due = (record.last_visit_at or record.started_at) + timedelta(days=record.visit_every_days)
        record.missed_alerted_for = None
    if changed:
        _event(record, actor, "update", ",".join(changed))
    _audit(actor, record, _access(actor, record), "detail")
    return view(record, _access(actor, record))


@unit_of_work
def close(actor: Actor, record_id: int, reason: str) -> dict:
    """Take a record off the list (销号). A household on poverty watch is refused before its observation ends."""
    record = _kept(actor, record_id)
    ends = observation_ends(record)
    if ends is not None and now() < ends:
        raise Conflict(
            f"防返贫监测户须观察满 {current_app.config['POVERTY_OBSERVATION_MONTHS']} 个月后方可退出",
            code="observation_not_over", details={"observation_ends": ends.isoformat()},
        )
    record.status, record.closed_at = "closed", now()
    _event(record, actor, "close", reason, "active", "closed")
    return view(record, _access(actor, record))


@unit_of_work
def add_signal(actor: Actor, record_id: int, kind: str, note: str) -> dict:
    """A relapse signal for a household under watch; its observation starts again from it."""
    record = _kept(actor, record_id)
    if record.category != POVERTY:
        raise ValidationFailed("只有防返贫监测户可以登记返贫风险信号", details={"record_id": ["not_poverty_watch"]})
    if kind not in SIGNAL_KINDS:
        raise ValidationFailed("未知的风险信号", details={"kind": [kind]})
    db.session.add(CareSignal(city_id=actor.city_id, record_id=record.id, actor_user_id=actor.user_id, kind=kind, note=note[:255]))
    _event(record, actor, "signal", f"{SIGNAL_KINDS[kind]} {note}".strip())
    db.session.flush()
    return view(record, _access(actor, record))


def record_visit(actor: Actor, record_id: int, notes: str, uploads: list, upload_ids: list[int] = ()) -> dict:
    """The grid worker's home visit for a record: a home visit with notes and photos, linked; the next is due a
    cadence from now."""
    VISITORS.require(actor)
    if not notes.strip():
        raise ValidationFailed("请填写走访情况", details={"notes": ["required"]})
    return photo_service.stored_then(
        uploads, lambda stored: _visit(actor, record_id, notes, stored, upload_ids), required=False, uploaded=len(upload_ids)
    )


@unit_of_work
def _visit(actor: Actor, record_id: int, notes: str, stored, upload_ids) -> dict:
    record = _kept(actor, record_id)
    if not covers(actor.region_paths({Role.GRID_WORKER}), record.region_path):
        raise Forbidden("只有本网格的网格员可以登记走访")
    visit = home_visits.open_visit(actor.city_id, record.household_id, actor.user_id, None)
    home_visits.write_notes(actor, visit.id, notes, stored, upload_ids)
    if db.session.scalar(select(CareVisit.id).where(CareVisit.record_id == record.id, CareVisit.visit_id == visit.id)) is None:
        db.session.add(CareVisit(city_id=actor.city_id, record_id=record.id, visit_id=visit.id))
    at = now()
    record.last_visit_at, record.next_visit_due, record.missed_alerted_for = at, at + timedelta(days=record.visit_every_days), None
    _event(record, actor, "visit", notes[:120])
    db.session.flush()
    return view(record, _access(actor, record))


# --------------------------------------------------------------------------- the missed-visit job and counts


@unit_of_work
def alert_missed_visits(city_id: int, limit: int = ALERT_BATCH) -> int:
    """Tell the grid worker(s) and the community admins over the grid of each visit now overdue, once per due date."""
    overdue = db.session.scalars(
        select(CareRecord).where(
            CareRecord.city_id == city_id, CareRecord.status == "active", CareRecord.next_visit_due < now(),
            or_(CareRecord.missed_alerted_for.is_(None), CareRecord.missed_alerted_for != CareRecord.next_visit_due),
        ).order_by(CareRecord.next_visit_due).limit(limit)
    ).all()
    for record in overdue:
        people = team_user_ids(city_id, Role.GRID_WORKER.value, None, record.region_path) + team_user_ids(
            city_id, Role.COMMUNITY_ADMIN.value, None, record.region_path)
        notify(city_id, people, "care_visit_missed", f"{CARE_CATEGORIES[record.category]}走访已逾期",
               f"{record.household.building}，应于 {record.next_visit_due.astimezone(CHINA):%m-%d} 前走访", ("care_record", record.id))
        record.missed_alerted_for = record.next_visit_due
        _event(record, None, "visit_missed", f"due {record.next_visit_due.isoformat()}")
    return len(overdue)


def overdue_counts(city_id: int, region_path: str) -> dict[str, int]:
    """Active records and overdue visits under a region, by category: for the leaders' dashboard."""
    rows = db.session.execute(
        select(CareRecord.category, func.count(), func.sum(case((CareRecord.next_visit_due < now(), 1), else_=0)))
        .where(CareRecord.city_id == city_id, CareRecord.status == "active", path_range(CareRecord.region_path, region_path))
        .group_by(CareRecord.category)
    ).all()
    return {category: {"active": active, "overdue": int(overdue or 0)} for category, active, overdue in rows}

