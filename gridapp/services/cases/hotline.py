"""12345 follow-up (回访): the caller who agreed to it is asked by SMS, once the community verifies the case,
whether it is solved, and answers through a link without signing in.

The link carries a random nonce signed with SECRET_KEY: it names one follow-up (one case, one caller, one round),
never the case id, and works HOTLINE_LINK_DAYS. The caller confirms (satisfied, stars, a comment) or says it is not
solved, which sends the case back as a resident's reopen does; unanswered after HOTLINE_FOLLOW_UP_DAYS the case
closes as residents' cases do, recorded as "no answer". The answers are the hotline's satisfaction figures
(services.supervision.metrics.hotline_satisfaction).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import select

from gridapp import jobs
from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import Conflict, Gone, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, HotlineFollowUp, Region
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as case_service
from gridapp.services.supervision import metrics
from gridapp.unit_of_work import unit_of_work

OPERATORS = Permission("cases.hotline_desk", {Role.HOTLINE_OPERATOR}, "12345 operators look back at the calls they took")

STATUS_LABELS = {"waiting": "待回访", "sent": "已发回访短信", "satisfied": "满意", "not_solved": "未解决", "no_answer": "未回复"}
ANSWERED = ("satisfied", "not_solved")


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="hotline-follow-up")


def link_token(follow_up: HotlineFollowUp) -> str:
    """The city (for the scoped lookup) and the nonce, signed; the case id is nowhere in it."""
    return _signer().sign(f"{follow_up.city_id}.{follow_up.nonce}").decode()


def my_calls(actor: Actor):
    """The operator's own 12345 calls, newest first."""
    OPERATORS.require(actor)
    return (
        select(Case)
        .where(Case.city_id == actor.city_id, Case.entered_by_user_id == actor.user_id, Case.channel == "hotline")
        .order_by(Case.created_at.desc(), Case.id.desc())
    )


def latest_follow_ups(city_id: int, case_ids: list[int]) -> dict[int, HotlineFollowUp]:
    """Each case's follow-up of its latest round (cases without consent have none)."""
    rows = db.session.scalars(
        select(HotlineFollowUp)
        .where(HotlineFollowUp.city_id == city_id, HotlineFollowUp.case_id.in_(case_ids))
        .order_by(HotlineFollowUp.round)
    )
    return {row.case_id: row for row in rows}


# --------------------------------------------------------------------------- #
# Asking: on verification, by SMS through the outbox
# --------------------------------------------------------------------------- #


def on_verified(case: Case, _action: str) -> None:
    """Subscribed to "verify": a consenting caller is asked about this round (the SMS goes after the commit)."""
    if case.channel != "hotline":
        return
    rows = latest_follow_ups(case.city_id, [case.id])
    if case.id not in rows:
        return  # the caller did not agree to a follow-up
    row = rows[case.id]
    if row.round != case.reopen_count:
        row = HotlineFollowUp(city_id=case.city_id, case_id=case.id, round=case.reopen_count, status="waiting")
        db.session.add(row)
    if row.status != "waiting":
        return
    row.status = "sent"
    row.nonce = secrets.token_urlsafe(16)
    row.sent_at = now()
    row.link_expires_at = row.sent_at + timedelta(days=current_app.config["HOTLINE_LINK_DAYS"])
    db.session.flush()
    jobs.enqueue("sms_hotline_follow_up", case.city_id, row.id)


@unit_of_work
def send_sms(city_id: int, follow_up_id: int, send) -> bool:
    """The SMS job's work: the text once per follow-up (a repeated job sends nothing); the phone is read here."""
    row = db.session.scalar(
        select(HotlineFollowUp)
        .where(HotlineFollowUp.city_id == city_id, HotlineFollowUp.id == follow_up_id)
        .with_for_update(of=HotlineFollowUp)
    )
    if row is None or row.sms_sent_at is not None or row.status != "sent" or not row.case.contact_phone:
        return False
    url = f"{current_app.config['PUBLIC_BASE_URL']}/h5/hotline/f/{link_token(row)}"
    send(row.case.contact_phone, f"【网格通】您向12345反映的“{row.case.category.name}”问题已处理，请查看并评价：{url}")
    row.sms_sent_at = now()
    return True


# --------------------------------------------------------------------------- #
# The caller's link
# --------------------------------------------------------------------------- #


def _by_token(token: str, *, for_update: bool = False) -> HotlineFollowUp:
    try:
        city, _, nonce = _signer().unsign(token).decode().partition(".")
        city_id = int(city)
    except (BadSignature, UnicodeDecodeError, ValueError):
        raise NotFound("链接无效，请核对短信中的链接", code="follow_up_link_invalid") from None
    stmt = select(HotlineFollowUp).where(HotlineFollowUp.city_id == city_id, HotlineFollowUp.nonce == nonce)
    if for_update:
        stmt = stmt.with_for_update(of=HotlineFollowUp)
    row = db.session.scalar(stmt)
    if row is None:
        raise NotFound("链接无效，请核对短信中的链接", code="follow_up_link_invalid")
    if row.link_expires_at <= now():
        raise Gone("链接已过期，如问题仍未解决请再次拨打 12345", code="follow_up_link_expired")
    return row


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime


@dataclass(frozen=True)
class CallerView:
    """What the caller sees: the case's public steps (no names, no staff notes) and whether they may answer."""

    category: str
    place: str
    description: str
    state: str
    state_label: str
    status: str
    status_label: str
    stars: int | None
    comment: str
    may_answer: bool
    steps: list[Step]


def caller_view(token: str) -> CallerView:
    row = _by_token(token)
    case = row.case
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.city_id == case.city_id, CaseEvent.case_id == case.id, CaseEvent.action.in_([*S.TRANSITIONS, "submit"]))
        .order_by(CaseEvent.id)
    )
    return CallerView(
        category=case.category.name, place=case.place_label or case.address or "", description=case.description,
        state=case.state, state_label=S.STATE_LABELS[case.state], status=row.status,
        status_label=STATUS_LABELS[row.status], stars=row.stars, comment=row.comment,
        may_answer=row.status == "sent" and case.state in S.AWAITING_RESIDENT_STATES,
        steps=[Step(S.action_label(e.action), e.created_at) for e in events],
    )  # fmt: skip


@unit_of_work
def answer(token: str, satisfied: bool, stars: int | None = None, comment: str = "") -> CallerView:
    """The caller's one answer for this round: closes the case (satisfied) or sends it back (not solved)."""
    if satisfied and (stars is None or not 1 <= stars <= 5):
        raise ValidationFailed("请选择 1 至 5 星", details={"stars": ["range"]})
    if not satisfied and not comment.strip():
        raise ValidationFailed("请说明哪里还没有解决", details={"comment": ["required"]})
    row = _by_token(token, for_update=True)
    if row.status != "sent":
        raise Conflict("您已回复过本次回访", code="follow_up_answered")
    case = case_service.get_case(row.city_id, row.case_id, for_update=True)
    note = (f"{stars} 星" + (f"：{comment}" if comment else "")) if satisfied else comment
    case_service.caller_answer(case, satisfied, f"12345 回访：{note}")
    row.status = "satisfied" if satisfied else "not_solved"
    row.stars = stars if satisfied else None
    row.comment = comment
    row.answered_at = now()
    return caller_view(token)


# --------------------------------------------------------------------------- #
# No answer
# --------------------------------------------------------------------------- #


def on_auto_close(case: Case, _action: str) -> None:
    """Subscribed to "auto_close": a caller asked and silent counts as "no answer"."""
    for row in db.session.scalars(
        select(HotlineFollowUp).where(
            HotlineFollowUp.city_id == case.city_id, HotlineFollowUp.case_id == case.id, HotlineFollowUp.status == "sent"
        )
    ):
        row.status = "no_answer"


@unit_of_work
def close_unanswered(city_id: int) -> list[int]:
    """Close verified cases whose caller left the SMS unanswered HOTLINE_FOLLOW_UP_DAYS. For the scheduler."""
    days = current_app.config["HOTLINE_FOLLOW_UP_DAYS"]
    due = db.session.scalars(
        select(Case)
        .join(HotlineFollowUp, (HotlineFollowUp.case_id == Case.id) & (HotlineFollowUp.city_id == Case.city_id))
        .where(
            Case.city_id == city_id, Case.state == S.VERIFIED, HotlineFollowUp.status == "sent",
            HotlineFollowUp.sent_at <= now() - timedelta(days=days),
        )
        .order_by(Case.id)
        .with_for_update(of=Case, skip_locked=True)
    ).all()  # fmt: skip
    for case in due:
        case_service.close_unanswered(case, f"12345 回访短信发出 {days} 天内来电人未回复")
    return [case.id for case in due]


# --------------------------------------------------------------------------- #
# Figures
# --------------------------------------------------------------------------- #

FIGURE_READERS = Permission(
    "cases.hotline_figures", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "leaders read the 12345 callers' satisfaction for their part of the tree",
)


def satisfaction(actor: Actor, region: Region, start: datetime, end: datetime) -> list[tuple[Region, metrics.HotlineSatisfaction]]:
    """The node's figure first, then each child's."""
    FIGURE_READERS.require(actor)
    require_region(actor, actor.city_id, region.path, FIGURE_READERS)
    nodes = [region, *db.session.scalars(
        select(Region).where(Region.city_id == actor.city_id, Region.parent_id == region.id).order_by(Region.code)
    )]  # fmt: skip
    return [(node, metrics.hotline_satisfaction(actor.city_id, node.path, start, end)) for node in nodes]
