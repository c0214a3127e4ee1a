"""码上纳谏: residents suggest, community cadres answer (publicly or privately) and adopt or decline.

A suggestion goes to one community. Cadres over that community (and officials above it) answer it,
which they may do again until they decide; deciding is final. An adopted suggestion earns its author
POINTS_SUGGESTION_ADOPTED from the city's fund, once (the ledger key names the suggestion). The
community's list shows only suggestions answered publicly, with their answers and outcome, never who
wrote them. Every step is an appended SuggestionEvent and tells the author through the inbox.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from gridapp.authz import SIGNED_IN, Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember, Region, RegionLevel, Suggestion, SuggestionEvent
from gridapp.services import idempotency
from gridapp.services.notifications.inbox import notify
from gridapp.services.points import ledger
from gridapp.services.regions.tree import get_region, in_reach
from gridapp.unit_of_work import unit_of_work

AUTHORS = Permission("suggestions.authors", {Role.RESIDENT}, "residents send suggestions to a community")
CADRES = Permission(
    "suggestions.cadres", {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "the community's cadres and the officials above it answer and decide suggestions",
)
PARTIES = Permission("suggestions.parties", AUTHORS | CADRES, "a suggestion's author, or cadres over its community")
READERS = SIGNED_IN  # the community's public list: anyone signed in in the city
STATUS_LABELS = {"submitted": "待答复", "answered": "已答复", "adopted": "已采纳", "declined": "未采纳"}
OPEN = ("submitted", "answered")
ACTION_LABELS = {"submit": "提交", "answer": "答复", "adopt": "采纳", "decline": "不予采纳"}


def _community(actor: Actor, community_id: int):
    region = get_region(actor.city_id, community_id)
    if region.level != RegionLevel.COMMUNITY or region.retired_at is not None:
        raise ValidationFailed("请选择一个社区", details={"community_id": ["not_a_community"]})
    return region


def _event(row: Suggestion, actor: Actor, action: str, from_status: str | None, note: str = "") -> None:
    db.session.add(SuggestionEvent(
        city_id=row.city_id, suggestion_id=row.id, actor_user_id=actor.user_id, action=action, from_status=from_status,
        to_status=row.status, note=note,
    ))


def submit(actor: Actor, community_id: int, body: str, claim: idempotency.IdempotencyClaim | None = None):
    AUTHORS.require(actor)
    return idempotency.create(claim, "suggestion", lambda: _submit(actor, community_id, body), lambda row_id: visible(actor, row_id))


def _submit(actor: Actor, community_id: int, body: str) -> Suggestion:
    community = _community(actor, community_id)
    row = Suggestion(city_id=actor.city_id, community_id=community.id, region_path=community.path, user_id=actor.user_id, body=body)
    db.session.add(row)
    db.session.flush()
    _event(row, actor, "submit", None)
    return row


def _get(actor: Actor, suggestion_id: int) -> Suggestion:
    row = db.session.scalar(select(Suggestion).where(Suggestion.city_id == actor.city_id, Suggestion.id == suggestion_id))
    if row is None:
        raise NotFound("建议不存在")
    return row


def visible(actor: Actor, suggestion_id: int) -> Suggestion:
    """The author's own, or one over which the actor is a cadre (403 for anyone else, as for cases)."""
    PARTIES.require(actor)
    row = _get(actor, suggestion_id)
    if row.user_id != actor.user_id:
        CADRES.require(actor)
        require_region(actor, row.city_id, row.region_path, CADRES)
    return row


def _decidable(actor: Actor, suggestion_id: int) -> Suggestion:
    CADRES.require(actor)
    row = _get(actor, suggestion_id)
    require_region(actor, row.city_id, row.region_path, CADRES)
    if row.status not in OPEN:
        raise InvalidTransition(f"该建议已{STATUS_LABELS[row.status]}，不能再处理", details={"status": row.status})
    return row


@unit_of_work
def answer(actor: Actor, suggestion_id: int, text: str, public: bool) -> Suggestion:
    row = _decidable(actor, suggestion_id)
    before = row.status
    row.answer, row.answer_public, row.status = text, public, "answered"
    row.answered_by_user_id, row.answered_at = actor.user_id, now()
    _event(row, actor, "answer", before, ("公开答复：" if public else "私下答复：") + text)
    notify(row.city_id, [row.user_id], "suggestion_answered", "社区答复了您的建议", text[:60], ("suggestion", row.id))
    return row


@unit_of_work
def decide(actor: Actor, suggestion_id: int, adopted: bool, note: str) -> Suggestion:
    row = _decidable(actor, suggestion_id)
    before = row.status
    row.status, row.decided_at = ("adopted" if adopted else "declined"), now()
    title = "您的建议已被采纳" if adopted else "您的建议暂未采纳"
    if adopted:
        amount = current_app.config["POINTS_SUGGESTION_ADOPTED"]
        if amount > 0:
            ledger.transfer(
                row.city_id, "award", f"suggestion:{row.id}:adopted", ledger.fund(row.city_id),
                ledger.resident_account(row.city_id, row.user_id), amount, memo="您的建议已被社区采纳", actor_user_id=actor.user_id,
            )
            row.points_awarded = amount
            title += f"，获得 {amount} 积分"
    _event(row, actor, "adopt" if adopted else "decline", before, note)
    notify(row.city_id, [row.user_id], f"suggestion_{row.status}", title, note[:60], ("suggestion", row.id))
    return row


def mine(actor: Actor):
    return select(Suggestion).where(Suggestion.city_id == actor.city_id, Suggestion.user_id == actor.user_id).order_by(Suggestion.id.desc())


def to_review(actor: Actor, status: str | None = None):
    """Suggestions to the communities in the actor's part of the city, open ones first, newest first."""
    CADRES.require(actor)
    stmt = select(Suggestion).where(Suggestion.city_id == actor.city_id)
    stmt = stmt.where(in_reach(actor, CADRES, Suggestion.region_path))
    if status:
        stmt = stmt.where(Suggestion.status == status)
    return stmt.order_by(Suggestion.status.notin_(OPEN), Suggestion.id.desc())


def public_list(actor: Actor, community_id: int):
    """The community's list: suggestions answered in public, with the answer and the outcome, and no author."""
    community = _community(actor, community_id)
    return (
        select(Suggestion)
        .where(Suggestion.city_id == actor.city_id, Suggestion.community_id == community.id, Suggestion.answer_public.is_(True))
        .order_by(Suggestion.id.desc())
    )


def status_label(row: Suggestion) -> str:
    return STATUS_LABELS[row.status]


def my_communities(actor: Actor) -> list:
    """The communities of the households the resident is a linked member of: where their suggestions usually go."""
    grids = select(Household.grid_id).join(
        HouseholdMember, (HouseholdMember.city_id == Household.city_id) & (HouseholdMember.household_id == Household.id)
    ).where(HouseholdMember.city_id == actor.city_id, HouseholdMember.user_id == actor.user_id, HouseholdMember.is_active.is_(True))
    parents = select(Region.parent_id).where(Region.city_id == actor.city_id, Region.id.in_(grids))
    return list(db.session.scalars(
        select(Region).where(Region.city_id == actor.city_id, Region.id.in_(parents), Region.level == RegionLevel.COMMUNITY.value)
        .order_by(Region.id)
    ))


def community_choice(actor: Actor, community_id: int):
    """A community named in a link (a scanned code's, a notice's), checked like a submission's."""
    return _community(actor, community_id)
