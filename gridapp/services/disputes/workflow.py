"""Every step of a dispute: 点单 (a resident asks, and may choose a mediator) → 接单 (the centre takes it) → 派单 (it
assigns a mediator and a difficulty) → 办单 (sessions, stepping up, the agreement and its signatures, judicial
confirmation or onward to a court or legal aid, follow-up visits) → 评单 (the parties rate it).

Mediation is voluntary: no session is held and nothing signed before every party has consented. The 3-2-1 rule:
a dispute goes up from the village (community) only after three sessions there, and the county decides only after
two at the township (street); each step up is an event. Every change appends a `DisputeEvent`.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gridapp.authz import Actor, Role
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Dispute, DisputeEvent, DisputeParty, DisputeRating, DisputeSession, RoleGrant, User
from gridapp.privacy import mask_name
from gridapp.services import idempotency
from gridapp.services.disputes import agreements, roster
from gridapp.services.disputes.access import (
    KINDS,
    LEVEL_LABELS,
    RESIDENTS,
    get,
    handled,
    party_of,
    visible,
)
from gridapp.services.notifications.inbox import notify
from gridapp.services.regions.tree import get_region
from gridapp.storage import media_storage
from gridapp.unit_of_work import unit_of_work

LEVELS = ("village", "township", "county")
# 三二一: sessions needed at a level before the dispute may go up from it.
SESSIONS_BEFORE_STEP_UP = {"village": 3, "township": 2}
SETTLED = ("signed", "confirmed")
RATEABLE = ("signed", "confirmed", "referred", "closed")
OUTSIDE_BODIES = {"judicial": "司法确认", "court": "人民法院", "legal_aid": "法律援助"}


def _event(actor: Actor, row: Dispute, action: str, before: str | None, note: str = "", level_before: str | None = None) -> None:
    db.session.add(DisputeEvent(
        city_id=row.city_id, dispute_id=row.id, actor_user_id=actor.user_id, action=action, from_status=before,
        to_status=row.status, from_level=level_before or (row.level if before is not None else None), to_level=row.level, note=note,
    ))


def _move(actor: Actor, row: Dispute, allowed: tuple[str, ...], to: str, action: str, note: str = "") -> None:
    if row.status not in allowed:
        raise InvalidTransition(f"纠纷当前状态（{row.status}）不能执行此操作", code="invalid_transition",
                                details={"status": row.status, "allowed": list(allowed)})
    before, row.status = row.status, to
    _event(actor, row, action, before, note)


def _notify_mediator(row: Dispute, title: str) -> None:
    if row.mediator is not None:
        notify(row.city_id, [row.mediator.user_id], "dispute_assigned", title, KINDS[row.kind], target=("dispute", row.id))


def _notify_parties(row: Dispute, title: str, body: str = "", but: int | None = None) -> None:
    users = [p.user_id for p in row.parties if p.user_id is not None and p.user_id != but]
    if users:
        notify(row.city_id, users, "dispute_update", title, body, target=("dispute", row.id))


# --------------------------------------------------------------------------- #
# 点单
# --------------------------------------------------------------------------- #


def request(actor: Actor, fields: dict, claim: idempotency.IdempotencyClaim | None = None):
    RESIDENTS.require(actor)
    return idempotency.create(claim, "dispute", lambda: _request(actor, fields), lambda row_id: get(actor, row_id))


def _resident_by_phone(city_id: int, phone: str | None) -> int | None:
    if not phone:
        return None
    return db.session.scalar(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).where(
            User.city_id == city_id, User.phone == phone, User.is_active.is_(True), RoleGrant.role == Role.RESIDENT.value,
        ).limit(1)
    )


def _choosable(row: Dispute, mediator_id: int) -> roster.Mediator:
    mediator = roster.get(row.city_id, mediator_id)
    if not mediator.active or not roster.serves(mediator, row.region_path) or mediator.tier != row.level:
        raise ValidationFailed(f"请选择服务本社区的{LEVEL_LABELS[row.level]}调解员", details={"mediator_id": ["not_serving"]})
    if not mediator.available:
        raise Conflict("该调解员暂不接案，请另选", code="mediator_unavailable")
    return mediator


def _request(actor: Actor, fields: dict) -> Dispute:
    if not fields.get("consent"):
        raise ValidationFailed("请先同意调解并授权调解组织处理当事人信息", details={"consent": ["required"]})
    if fields["kind"] not in KINDS:
        raise ValidationFailed("纠纷类型不正确", details={"kind": ["unknown"]})
    community = get_region(actor.city_id, fields["region_id"])
    if community.level != "community" or community.retired_at is not None:
        raise ValidationFailed("请选择纠纷发生地所在的社区（村）", details={"region_id": ["not_a_community"]})
    me = db.session.get(User, actor.user_id)
    respondent = fields["respondent"]
    if respondent.get("phone") and respondent["phone"] == me.phone:
        raise ValidationFailed("对方当事人不能是您本人", details={"respondent": ["is_applicant"]})
    row = Dispute(
        city_id=actor.city_id, region_id=community.id, region_path=community.path, kind=fields["kind"],
        description=fields["description"], requested_by_user_id=actor.user_id, status="requested", level="village",
    )
    db.session.add(row)
    db.session.flush()
    if fields.get("mediator_id"):
        row.chosen_mediator_id = _choosable(row, fields["mediator_id"]).id
    db.session.add_all([
        DisputeParty(city_id=row.city_id, dispute_id=row.id, side="applicant", name=fields["name"], phone=me.phone,
                     user_id=actor.user_id, consent_at=now(), consent_recorded_by_user_id=actor.user_id),
        DisputeParty(city_id=row.city_id, dispute_id=row.id, side="respondent", name=respondent["name"], phone=respondent.get("phone"),
                     user_id=_resident_by_phone(row.city_id, respondent.get("phone"))),
    ])
    _event(actor, row, "request", None, "居民申请调解" + ("，并选择了调解员" if row.chosen_mediator_id else ""))
    db.session.flush()
    db.session.expire(row, ["parties"])
    _notify_parties(row, "您被列为一起纠纷的当事人", "请查看并确认是否同意调解", but=actor.user_id)
    return row


@unit_of_work
def choose_mediator(actor: Actor, dispute_id: int, mediator_id: int) -> Dispute:
    """A party chooses (or changes) the mediator they ask for, until one is assigned."""
    row = visible(actor, dispute_id)
    if party_of(actor, row) is None:
        raise Forbidden("只有当事人可以选择调解员", code="not_a_party")
    if row.status not in ("requested", "accepted"):
        raise InvalidTransition("已派调解员，不能再选择", code="already_assigned")
    mediator = _choosable(row, mediator_id)
    row.chosen_mediator_id = mediator.id
    _event(actor, row, "choose", row.status, f"选择调解员：{mediator.user.display_name}")
    return row


# --------------------------------------------------------------------------- #
# 接单, 派单
# --------------------------------------------------------------------------- #


@unit_of_work
def take(actor: Actor, dispute_id: int, note: str = "") -> Dispute:
    row = handled(actor, dispute_id, centre_only=True)
    _move(actor, row, ("requested",), "accepted", "take", note or "调解中心受理")
    _notify_parties(row, "您的调解申请已受理")
    return row


@unit_of_work
def assign(actor: Actor, dispute_id: int, mediator_id: int, difficulty: str, note: str = "") -> Dispute:
    row = handled(actor, dispute_id, centre_only=True)
    mediator = _choosable(row, mediator_id)
    if mediator.id == row.mediator_id:
        raise Conflict("已由该调解员办理", code="already_assigned")
    row.mediator_id, row.difficulty = mediator.id, difficulty
    db.session.flush()
    db.session.refresh(row, ["mediator"])
    _move(actor, row, ("accepted", "assigned"), "assigned", "assign", note or f"派单给调解员 {mediator.user.display_name}")
    _notify_mediator(row, "新的调解任务")
    _notify_parties(row, "已为您的纠纷安排调解员", mediator.user.display_name)
    return row


# --------------------------------------------------------------------------- #
# 办单
# --------------------------------------------------------------------------- #


@unit_of_work
def consent(actor: Actor, dispute_id: int, party_id: int) -> DisputeParty:
    """A party consents on their own phone, or their mediator (or the centre) records consent given in person."""
    row = get(actor, dispute_id)
    party = _party(row, party_id)
    own = RESIDENTS.held_by(actor) and party.user_id == actor.user_id
    if not own:
        handled(actor, dispute_id)
    if party.consent_at is not None:
        return party
    if row.status in ("signed", "confirmed", "referred", "closed"):
        raise InvalidTransition("纠纷已办结", code="dispute_finished")
    party.consent_at, party.consent_recorded_by_user_id = now(), actor.user_id
    _event(actor, row, "consent", row.status, f"{agreements.SIDE_LABELS[party.side]}同意调解" + ("" if own else "（当面确认）"))
    return party


def _party(row: Dispute, party_id: int) -> DisputeParty:
    party = next((p for p in row.parties if p.id == party_id), None)
    if party is None:
        raise ValidationFailed("当事人不属于该纠纷", details={"party_id": ["not_in_dispute"]})
    return party


def sessions_at(row: Dispute, level: str) -> int:
    return db.session.scalar(select(func.count()).where(
        DisputeSession.city_id == row.city_id, DisputeSession.dispute_id == row.id, DisputeSession.kind == "session",
        DisputeSession.level == level,
    )) or 0


@unit_of_work
def record_session(actor: Actor, dispute_id: int, fields: dict) -> DisputeSession:
    row = handled(actor, dispute_id)
    missing = [agreements.SIDE_LABELS[p.side] for p in row.parties if p.consent_at is None]
    if missing:
        raise Conflict(f"{'、'.join(missing)}尚未同意调解，不能开展调解", code="consent_missing")
    held_at = fields.get("held_at") or now()
    if held_at > now():
        raise ValidationFailed("调解时间不能晚于现在", details={"held_at": ["in_the_future"]})
    before = row.status
    if before not in ("assigned", "mediating"):
        raise InvalidTransition("纠纷当前状态不能记录调解", code="invalid_transition", details={"status": before})
    session = DisputeSession(
        city_id=row.city_id, dispute_id=row.id, kind="session", level=row.level, held_at=held_at, place=fields.get("place") or "",
        summary=fields["summary"], recorded_by_user_id=actor.user_id,
    )
    db.session.add(session)
    row.status = "mediating"
    db.session.flush()
    _event(actor, row, "session", before, f"{LEVEL_LABELS[row.level]}第 {sessions_at(row, row.level)} 次调解")
    return session


@unit_of_work
def step_up(actor: Actor, dispute_id: int, note: str, mediator_id: int | None = None) -> Dispute:
    """三二一: up one level once the sessions at this one are held; the next level's centre assigns (or `mediator_id`)."""
    row = handled(actor, dispute_id)
    if row.level == "county":
        raise Conflict("已在县（区）级调解，不能再上交", code="top_level")
    if row.status not in ("assigned", "mediating"):
        raise InvalidTransition("纠纷当前状态不能上交", code="invalid_transition", details={"status": row.status})
    needed, held = SESSIONS_BEFORE_STEP_UP[row.level], sessions_at(row, row.level)
    if held < needed:
        upper = "由县（区）级研究决定" if row.level == "township" else "上交乡镇（街道）"
        raise Conflict(
            f"按“三二一”工作法，{LEVEL_LABELS[row.level]}须至少调解 {needed} 次方可{upper}，目前仅调解 {held} 次",
            code="sessions_required", details={"level": row.level, "needed": needed, "held": held},
        )
    before, level_before = row.status, row.level
    row.level = LEVELS[LEVELS.index(row.level) + 1]
    row.mediator_id, row.status = None, "accepted"
    db.session.flush()
    db.session.expire(row, ["mediator"])
    _event(actor, row, "step_up", before, f"上交{LEVEL_LABELS[row.level]}：{note}", level_before=level_before)
    if mediator_id is not None:
        mediator = _choosable(row, mediator_id)
        row.mediator_id, row.status = mediator.id, "assigned"
        db.session.flush()
        db.session.refresh(row, ["mediator"])
        _event(actor, row, "assign", "accepted", f"派单给调解员 {mediator.user.display_name}")
        _notify_mediator(row, "上交的调解任务")
    _notify_parties(row, f"您的纠纷已上交{LEVEL_LABELS[row.level]}调解")
    return row


@unit_of_work
def draft_agreement(actor: Actor, dispute_id: int, terms: str, performance: str) -> Dispute:
    row = handled(actor, dispute_id)
    if any(p.signed_at for p in row.parties):
        raise Conflict("已有当事人签名，协议不能再修改", code="already_signed")
    row.agreement_terms, row.agreement_performance, row.agreement_at = terms, performance, now()
    _move(actor, row, ("mediating", "agreed"), "agreed", "agreement", "制作调解协议")
    _notify_parties(row, "调解协议已制作，请查看并签名")
    return row


def sign(actor: Actor, dispute_id: int, party_id: int, image: str) -> Dispute:
    """A party signs the drafted agreement on their own phone, or on the mediator's in person.

    The signature is stored before the transaction and removed again when the transaction fails."""
    drawn = agreements.clean_signature(image)
    row = get(actor, dispute_id)
    key = agreements.signature_key(row, party_id)
    db.session.rollback()  # no read snapshot held across the store (a SQLite write lock must not wait on it)
    storage = media_storage()
    storage.save(key, drawn, "image/png")
    try:
        return _sign(actor, dispute_id, party_id, key)
    except BaseException:
        storage.delete(key)
        raise


@unit_of_work
def _sign(actor: Actor, dispute_id: int, party_id: int, key: str) -> Dispute:
    row = get(actor, dispute_id)
    party = _party(row, party_id)
    own = RESIDENTS.held_by(actor) and party.user_id == actor.user_id
    if not own:
        handled(actor, dispute_id)
    if row.status != "agreed":
        raise InvalidTransition("协议尚未制作或已签署完毕", code="invalid_transition", details={"status": row.status})
    if party.consent_at is None:
        raise Conflict("该当事人尚未同意调解", code="consent_missing")
    if party.signed_at is not None:
        raise Conflict("该当事人已签名", code="already_signed")
    party.signature_key, party.signed_at, party.signed_on_user_id = key, now(), actor.user_id
    _event(actor, row, "sign", row.status, f"{agreements.SIDE_LABELS[party.side]}签名" + ("" if own else "（在调解员手机上）"))
    db.session.flush()
    if all(p.signed_at for p in row.parties):
        row.signed_at = now()
        _move(actor, row, ("agreed",), "signed", "settle", "各方签名，调解成功")
        pdf = agreements.render(row, **_document_names(row))
        row.signed_pdf_key = agreements.signed_key(row)
        media_storage().save(row.signed_pdf_key, pdf, "application/pdf")
        points = roster.pay_bonus(row, actor.user_id)
        if points:
            _event(actor, row, "bonus", row.status, f"调解员奖励 {points} 积分")
        _notify_parties(row, "调解协议已由各方签署", "可下载已签署的协议书")
    return row


def _document_names(row: Dispute) -> dict:
    return {
        "kind_label": KINDS[row.kind],
        "mediator_name": row.mediator.user.display_name if row.mediator else "",
        "organisation": (row.mediator.region.name if row.mediator else row.region.name),
    }


def agreement_pdf(actor: Actor, dispute_id: int) -> tuple[Dispute, bytes]:
    """The signed copy once every party signed; before that the draft with the signatures so far."""
    row = visible(actor, dispute_id)
    if row.agreement_terms is None:
        raise InvalidTransition("尚未制作调解协议", code="no_agreement")
    if row.signed_pdf_key:
        return row, media_storage().read(row.signed_pdf_key)
    return row, agreements.render(row, **_document_names(row))


@unit_of_work
def confirm_judicially(actor: Actor, dispute_id: int, organisation: str, number: str) -> Dispute:
    """司法确认: the court that confirmed the signed agreement, and its case number."""
    row = handled(actor, dispute_id)
    row.outside_body, row.outside_organisation, row.outside_number = "judicial", organisation, number
    _move(actor, row, ("signed",), "confirmed", "judicial_confirmation", f"{organisation} 司法确认，案号 {number}")
    _notify_parties(row, "调解协议已获司法确认", f"{organisation} {number}")
    return row


@unit_of_work
def refer(actor: Actor, dispute_id: int, body: str, organisation: str, number: str, note: str = "") -> Dispute:
    """On to a court (诉讼) or legal aid when mediation did not settle it, with that body's case number."""
    row = handled(actor, dispute_id)
    if body not in ("court", "legal_aid"):
        raise ValidationFailed("去向须为人民法院或法律援助", details={"body": ["unknown"]})
    row.outside_body, row.outside_organisation, row.outside_number = body, organisation, number
    row.closed_at = now()
    _move(actor, row, ("assigned", "mediating", "agreed"), "referred", "refer",
          f"转{OUTSIDE_BODIES[body]}：{organisation}，编号 {number}" + (f"。{note}" if note else ""))
    _notify_parties(row, f"您的纠纷已转{OUTSIDE_BODIES[body]}", f"{organisation} {number}")
    return row


@unit_of_work
def follow_up(actor: Actor, dispute_id: int, fields: dict) -> DisputeSession:
    """回访: whether the agreement is kept; a kept agreement closes the dispute."""
    row = handled(actor, dispute_id)
    if row.status not in SETTLED:
        raise InvalidTransition("协议签署后方可回访", code="invalid_transition", details={"status": row.status})
    visit = DisputeSession(
        city_id=row.city_id, dispute_id=row.id, kind="follow_up", level=row.level, held_at=fields.get("held_at") or now(),
        place=fields.get("place") or "", summary=fields["summary"], fulfilled=fields["fulfilled"], recorded_by_user_id=actor.user_id,
    )
    db.session.add(visit)
    _event(actor, row, "follow_up", row.status, "回访：协议" + ("已履行" if fields["fulfilled"] else "未履行") + f"。{fields['summary']}")
    if fields["fulfilled"]:
        row.closed_at = now()
        _move(actor, row, SETTLED, "closed", "close", "回访确认协议已履行，结案")
    db.session.flush()
    return visit


# --------------------------------------------------------------------------- #
# 评单
# --------------------------------------------------------------------------- #


def rate(actor: Actor, dispute_id: int, stars: int, comment: str = "") -> DisputeRating:
    RESIDENTS.require(actor)
    try:
        return _rate(actor, dispute_id, stars, comment)
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已评价过", code="already_rated") from None


@unit_of_work
def _rate(actor: Actor, dispute_id: int, stars: int, comment: str) -> DisputeRating:
    row = visible(actor, dispute_id)
    party = party_of(actor, row)
    if party is None:
        raise Forbidden("只有当事人可以评价", code="not_a_party")
    if row.status not in RATEABLE:
        raise InvalidTransition("调解结束后方可评价", code="invalid_transition", details={"status": row.status})
    mediator_id = row.mediator_id
    if mediator_id is None:
        raise InvalidTransition("该纠纷没有调解员可评价", code="no_mediator")
    if my_rating(row, party) is not None:
        raise Conflict("您已评价过", code="already_rated")
    rating = DisputeRating(city_id=row.city_id, dispute_id=row.id, party_id=party.id, mediator_id=mediator_id, stars=stars, comment=comment)
    db.session.add(rating)
    _event(actor, row, "rate", row.status, f"{agreements.SIDE_LABELS[party.side]}评价 {stars} 星")
    db.session.flush()
    return rating


def my_rating(row: Dispute, party: DisputeParty | None) -> DisputeRating | None:
    if party is None:
        return None
    return db.session.scalar(select(DisputeRating).where(
        DisputeRating.city_id == row.city_id, DisputeRating.dispute_id == row.id, DisputeRating.party_id == party.id,
    ))


def timeline(actor: Actor, row: Dispute) -> list[dict]:
    """The events as this viewer reads them: staff by name, residents by a masked name unless it is the viewer."""
    out = []
    for event in row.events:
        name = event.actor.display_name
        resident = all(grant.role == Role.RESIDENT.value for grant in event.actor.grants)
        if resident and event.actor_user_id != actor.user_id:
            name = mask_name(name)
        out.append({"action": event.action, "from_status": event.from_status, "to_status": event.to_status, "from_level": event.from_level,
                    "to_level": event.to_level, "note": event.note, "actor": name, "at": event.created_at})
    return out
