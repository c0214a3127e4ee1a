"""Referrals both ways: a case or petition sent to a court (诉调对接), the police (警调对接) or a petition bureau
(访调对接), or received from one, carrying the other body's case number, its status and a deadline.

Status: pending → accepted → completed, or returned (sent back) / withdrawn while not finished. The other
body's case number and status are updated as they come; every change appends a ReferralEvent. Referrals past
their deadline are marked overdue by the sweep (once). A petition's referrals are seen only by its petition
officers; a case's by the officials over it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from gridapp.authz import Actor, Permission
from gridapp.clock import now
from gridapp.errors import InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Referral, ReferralEvent
from gridapp.services import idempotency
from gridapp.services.referrals import subjects
from gridapp.services.regions.tree import in_reach, path_range
from gridapp.unit_of_work import unit_of_work

MANAGERS = Permission(
    "referrals.manage", subjects.CASE_OFFICIALS | subjects.SUBJECT_ROLES["petition"],
    "petition officers refer their petitions (访调); officials over a case refer it to a court, the police or a petition bureau",
)  # fmt: skip
KIND_LABELS = {"court": "诉调对接（法院）", "police": "警调对接（公安）", "petition": "访调对接（信访）"}
STATUS_LABELS = {"pending": "待对方受理", "accepted": "对方已受理", "completed": "已办结", "returned": "已退回", "withdrawn": "已撤回"}
NEXT = {"pending": {"accepted", "returned", "withdrawn"}, "accepted": {"completed", "returned", "withdrawn"}}
OPEN = tuple(NEXT)
SWEEP_BATCH = 500


def _event(referral: Referral, actor: Actor | None, action: str, before: str | None, note: str = "") -> None:
    db.session.add(ReferralEvent(
        city_id=referral.city_id, referral_id=referral.id, actor_user_id=actor.user_id if actor else None, action=action,
        from_status=before, to_status=referral.status, other_case_number=referral.other_case_number,
        other_status=referral.other_status, note=note,
    ))  # fmt: skip


def _visible(actor: Actor):
    """Referrals this actor may see: their petitions' for petition officers, their cases' for officials."""
    by_kind = [
        and_(Referral.subject_kind == kind, in_reach(actor, roles, Referral.region_path))
        for kind, roles in subjects.SUBJECT_ROLES.items() if actor.roles & roles
    ]  # fmt: skip
    return or_(*by_kind)


def create(actor: Actor, body: dict, claim: idempotency.IdempotencyClaim | None = None):
    """Record a referral sent or received; a retry with the same Idempotency-Key answers the first."""
    MANAGERS.require(actor)
    return idempotency.create(claim, "referral", lambda: _create(actor, body), lambda rid: visible(actor, rid))


@unit_of_work
def _create(actor: Actor, body: dict) -> Referral:
    subject = subjects.load(actor, body["subject_kind"], body["subject_id"])
    if subject.kind == "petition" and body["kind"] != "petition":
        raise ValidationFailed("信访事项只能进行访调对接", details={"kind": ["petition_only"]})
    at = now()
    deadline = body.get("deadline_at") or at + timedelta(days=current_app.config["REFERRAL_DEFAULT_DAYS"])
    if deadline <= at:
        raise ValidationFailed("办理期限须晚于现在", details={"deadline_at": ["past"]})
    referral = Referral(
        city_id=actor.city_id, direction=body["direction"], kind=body["kind"], subject_kind=subject.kind,
        subject_id=subject.id, region_path=subject.region_path, other_body=body["other_body"],
        other_case_number=body.get("other_case_number"), other_status=body.get("other_status"),
        status="pending", deadline_at=deadline, created_by_user_id=actor.user_id, note=body.get("note", ""),
    )
    db.session.add(referral)
    db.session.flush()
    _event(referral, actor, "create", None, referral.note)
    return referral


def visible(actor: Actor, referral_id: int) -> Referral:
    MANAGERS.require(actor)
    referral = db.session.scalar(select(Referral).where(Referral.city_id == actor.city_id, Referral.id == referral_id))
    if referral is None:
        raise NotFound("转办记录不存在", code="referral_not_found")
    subjects.load(actor, referral.subject_kind, referral.subject_id)  # refuses whoever may not act on the subject
    return referral


@unit_of_work
def update(actor: Actor, referral_id: int, changes: dict) -> Referral:
    """Move the status on, and/or record the other body's case number, status or a new deadline."""
    referral = visible(actor, referral_id)
    before = referral.status
    status = changes.get("status")
    if referral.status not in NEXT:
        raise InvalidTransition(f"该转办已{STATUS_LABELS[referral.status]}，不能再更改", details={"status": referral.status})
    if status is not None and status != before and status not in NEXT[before]:
        raise InvalidTransition(f"不能从“{STATUS_LABELS[before]}”改为“{STATUS_LABELS[status]}”", details={"status": before})
    if not any(changes.get(k) is not None for k in ("status", "other_case_number", "other_status", "deadline_at")):
        raise ValidationFailed("没有要更新的内容", details={"status": ["nothing_to_change"]})
    for field in ("other_case_number", "other_status"):
        if changes.get(field) is not None:
            setattr(referral, field, changes[field])
    if changes.get("deadline_at") is not None:
        if changes["deadline_at"] <= now():
            raise ValidationFailed("办理期限须晚于现在", details={"deadline_at": ["past"]})
        referral.deadline_at, referral.overdue_at = changes["deadline_at"], None
    if status is not None:
        referral.status = status
    _event(referral, actor, "status" if referral.status != before else "update", before, changes.get("note", ""))
    return referral


def listed(actor: Actor, filters: dict):
    MANAGERS.require(actor)
    stmt = select(Referral).where(Referral.city_id == actor.city_id, _visible(actor))
    if filters.get("subject_kind"):
        stmt = stmt.where(Referral.subject_kind == filters["subject_kind"])
        if filters.get("subject_id"):
            subjects.load(actor, filters["subject_kind"], filters["subject_id"])
            stmt = stmt.where(Referral.subject_id == filters["subject_id"])
    for field in ("direction", "kind", "status"):
        if filters.get(field):
            stmt = stmt.where(getattr(Referral, field) == filters[field])
    if filters.get("open") or filters.get("overdue"):
        stmt = stmt.where(Referral.status.in_(OPEN))
    if filters.get("overdue"):
        stmt = stmt.where(Referral.overdue_at.is_not(None))
    return stmt.order_by(Referral.id.desc())


def events(actor: Actor, referral_id: int):
    referral = visible(actor, referral_id)
    return select(ReferralEvent).where(
        ReferralEvent.city_id == referral.city_id, ReferralEvent.referral_id == referral.id
    ).order_by(ReferralEvent.id)


@unit_of_work
def sweep_overdue(city_id: int) -> int:
    """One batch of the city's open referrals past their deadline, marked overdue once."""
    at = now()
    late = list(db.session.scalars(
        select(Referral).where(
            Referral.city_id == city_id, Referral.status.in_(OPEN), Referral.deadline_at < at, Referral.overdue_at.is_(None)
        ).order_by(Referral.deadline_at).limit(SWEEP_BATCH).with_for_update(skip_locked=True)
    ))  # fmt: skip
    for referral in late:
        referral.overdue_at = at
        _event(referral, None, "overdue", referral.status, "超过办理期限")
    return len(late)


def counts(city_id: int, region_path: str, since: datetime, until: datetime) -> list[dict]:
    """Referrals made in the window under a region, by direction, kind and status, with how many are overdue:
    for the dashboard (issue 18 part 9)."""
    rows = db.session.execute(
        select(Referral.direction, Referral.kind, Referral.status, func.count(), func.count(Referral.overdue_at))
        .where(Referral.city_id == city_id, path_range(Referral.region_path, region_path),
               Referral.created_at >= since, Referral.created_at <= until)
        .group_by(Referral.direction, Referral.kind, Referral.status)
    ).all()  # fmt: skip
    return [{"direction": d, "kind": k, "status": s, "count": n, "overdue": o} for d, k, s, n, o in rows]
