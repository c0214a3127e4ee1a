"""Moving a petition through its lifecycle (lifecycle.py) on the statutory clocks (clocks.py), its hearings,
and the sweep that marks what fell overdue, turns an overdue handling into a long-running case (积案) and
closes answers whose review window passed. Every change appends a PetitionEvent."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.clock import now
from gridapp.errors import Conflict, InvalidTransition, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Petition, PetitionEvent, PetitionHearing
from gridapp.services.petitions import access, clocks
from gridapp.services.petitions.lifecycle import STATE_LABELS, TRANSITIONS
from gridapp.unit_of_work import unit_of_work

SWEEP_BATCH = 500


def _event(petition: Petition, actor: Actor | None, action: str, before: str, note: str = "") -> None:
    db.session.add(PetitionEvent(
        city_id=petition.city_id, petition_id=petition.id, actor_user_id=actor.user_id if actor else None,
        action=action, from_state=before, to_state=petition.state, note=note,
    ))  # fmt: skip


def _enter(petition: Petition, state: str, at: datetime) -> None:
    petition.state = state
    petition.due_at = clocks.due(state, at)
    petition.overdue_at = None
    if state in ("closed", "not_accepted"):
        petition.closed_at = at


def _allowed(petition: Petition, action: str) -> str | None:
    states, target = TRANSITIONS[action]
    if petition.state not in states:
        raise InvalidTransition(f"当前状态（{STATE_LABELS[petition.state]}）不能执行该操作", details={"state": petition.state})
    return target


@unit_of_work
def act(actor: Actor, petition_id: int, action: str, note: str) -> Petition:
    """accept, decline, answer, request_review, review, request_rereview, rereview, close or mark_backlog."""
    if action not in TRANSITIONS or action in ("request_extension", "approve_extension", "hearing"):
        raise ValidationFailed("未知的操作", details={"action": ["unknown"]})
    petition = access.handled(actor, petition_id, for_update=True)
    target = _allowed(petition, action)
    at, before = now(), petition.state
    if action in ("decline", "answer", "review", "rereview") and not note.strip():
        raise ValidationFailed("请填写告知或处理意见", details={"note": ["required"]})
    if action in ("request_review", "request_rereview") and petition.due_at is not None and at > petition.due_at:
        raise Conflict("已超过申请期限（答复后 30 日内），不能再申请", code="window_passed")
    if action == "accept":
        petition.accepted_at = at
    if action in ("answer", "review", "rereview"):
        petition.answer, petition.answered_at = note, at
    if action == "request_review":
        petition.review_requested_at = at
    if action == "mark_backlog":
        if petition.backlog_since is not None:
            raise Conflict("该事项已列为积案", code="already_backlog")
        petition.backlog_since = at
    if target is not None:
        _enter(petition, target, at)
    _event(petition, actor, action, before, note)
    return petition


@unit_of_work
def request_extension(actor: Actor, petition_id: int, days: int, reason: str) -> Petition:
    """Ask for more time to handle; another officer over the petition approves it."""
    petition = access.handled(actor, petition_id, for_update=True)
    _allowed(petition, "request_extension")
    room = clocks.extension_max() - petition.extension_days
    if days < 1 or days > room:
        raise ValidationFailed(f"延期天数须在 1 至 {max(room, 0)} 天之间", details={"days": ["out_of_range"]})
    if petition.extension_requested_days:
        raise Conflict("已有待批准的延期申请", code="extension_pending")
    petition.extension_requested_days, petition.extension_requested_by = days, actor.user_id
    _event(petition, actor, "request_extension", petition.state, f"申请延期 {days} 天：{reason}")
    return petition


@unit_of_work
def approve_extension(actor: Actor, petition_id: int, note: str) -> Petition:
    petition = access.handled(actor, petition_id, for_update=True)
    _allowed(petition, "approve_extension")
    days = petition.extension_requested_days
    if not days:
        raise Conflict("没有待批准的延期申请", code="no_extension_requested")
    if petition.extension_requested_by == actor.user_id:
        raise Conflict("延期须由申请人以外的信访干部批准", code="own_extension")
    petition.extension_days += days
    petition.due_at = petition.due_at + timedelta(days=days)
    petition.extension_requested_days = petition.extension_requested_by = None
    if petition.due_at > now():
        petition.overdue_at = None
    _event(petition, actor, "approve_extension", petition.state, f"批准延期 {days} 天" + (f"：{note}" if note else ""))
    return petition


@unit_of_work
def record_hearing(actor: Actor, petition_id: int, body: dict) -> PetitionHearing:
    """A hearing (听证) held on the petition: when, where, who chaired, who took part, what it concluded."""
    petition = access.handled(actor, petition_id, for_update=True)
    _allowed(petition, "hearing")
    if body["held_at"] > now():
        raise ValidationFailed("听证时间不能晚于现在：听证召开后再记录", details={"held_at": ["future"]})
    hearing = PetitionHearing(city_id=actor.city_id, petition_id=petition.id, recorded_by_user_id=actor.user_id, **body)
    db.session.add(hearing)
    db.session.flush()
    _event(petition, actor, "hearing", petition.state, f"听证：{body['conclusion'][:200]}")
    return hearing


@unit_of_work
def sweep(city_id: int) -> int:
    """One batch of the city's petitions whose clock ran out: windows close, the rest are marked overdue once,
    and an overdue handling becomes a long-running case (积案). Returns how many changed."""
    at = now()
    due = list(db.session.scalars(
        select(Petition).where(
            Petition.city_id == city_id, Petition.state.in_(clocks.STATE_CLOCKS), Petition.due_at < at, Petition.overdue_at.is_(None)
        ).order_by(Petition.due_at).limit(SWEEP_BATCH).with_for_update(of=Petition, skip_locked=True)
    ))  # fmt: skip
    for petition in due:
        before = petition.state
        if before in clocks.WINDOWS:
            _enter(petition, "closed", at)
            _event(petition, None, "window_passed", before)
            continue
        petition.overdue_at = at
        _event(petition, None, "overdue", before, f"{STATE_LABELS[before]}超过法定期限")
        if before == "accepted" and petition.backlog_since is None:
            petition.backlog_since = at
            _event(petition, None, "backlog", before)
    return len(due)
