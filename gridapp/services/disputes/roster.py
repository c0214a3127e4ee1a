"""The mediator roster (调解员名册): three tiers, specialties and availability; each mediator's record, yearly grade
and bonus by difficulty.

A roster entry is a staff account holding the mediator role at a community (village tier), street (township) or
district (county) node; its tier is that node's level. Residents read the roster and may choose an available
mediator of the tier a dispute is at; the centre over the node keeps the entry. The record counts the disputes a
mediator concluded in a year (settled: the agreement signed by every party; not settled: sent on to a court or
legal aid without one) and the parties' ratings credited to them; the grade follows from those (`GRADES`).
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, select

from gridapp.authz import Actor, Permission, Role, can_see_region
from gridapp.clock import CHINA, now
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Dispute, DisputeRating, Mediator, Region, RoleGrant, User
from gridapp.models.ledger import LedgerEntry, LedgerTransaction
from gridapp.services import idempotency
from gridapp.services.disputes.access import CENTRES, KINDS, MEDIATORS, TIER_OF_NODE
from gridapp.services.points import ledger
from gridapp.services.regions.tree import get_region
from gridapp.unit_of_work import unit_of_work

# (grade, its label, least mean stars, least success rate): the first a year's record reaches.
GRADES = (
    ("excellent", "优秀", 4.5, 0.9),
    ("good", "良好", 4.0, 0.75),
    ("pass", "合格", 3.0, 0.5),
)
FAIL = ("fail", "不合格")
NO_CASES = ("none", "无案件")
BONUS_KIND = "dispute_bonus"
# The roster is public to everyone signed in: residents choose from it.
ROSTER_READERS = Permission("disputes.roster_readers", set(Role), "everyone signed in reads the mediator roster")


def specialties(row: Mediator) -> list[str]:
    return json.loads(row.specialties_json)


def _check_specialties(values: list[str]) -> str:
    unknown = [v for v in values if v not in KINDS]
    if unknown:
        raise ValidationFailed("擅长领域不在纠纷类型之列", details={"specialties": unknown})
    return json.dumps(list(dict.fromkeys(values)), ensure_ascii=False)


def get(city_id: int, mediator_id: int) -> Mediator:
    row = db.session.scalar(select(Mediator).where(Mediator.city_id == city_id, Mediator.id == mediator_id))
    if row is None:
        raise NotFound("调解员不存在")
    return row


def _mediator_grant(actor: Actor, user_id: int) -> RoleGrant:
    grant = db.session.scalar(
        select(RoleGrant).join(User, User.id == RoleGrant.user_id).where(
            RoleGrant.city_id == actor.city_id, RoleGrant.user_id == user_id, RoleGrant.role == Role.MEDIATOR.value,
            User.is_active.is_(True),
        )
    )
    if grant is None:
        raise ValidationFailed("该账号没有调解员角色", details={"user_id": ["not_a_mediator"]})
    return grant


def add(actor: Actor, fields: dict, claim: idempotency.IdempotencyClaim | None = None):
    CENTRES.require(actor)
    return idempotency.create(claim, "mediator", lambda: _add(actor, fields), lambda row_id: get(actor.city_id, row_id))


def _add(actor: Actor, fields: dict) -> Mediator:
    grant = _mediator_grant(actor, fields["user_id"])
    node = get_region(actor.city_id, grant.region_id)
    if not can_see_region(actor, actor.city_id, node.path, CENTRES):
        raise Forbidden("该调解员不在您的辖区")
    if db.session.scalar(select(Mediator.id).where(Mediator.city_id == actor.city_id, Mediator.user_id == fields["user_id"])):
        raise Conflict("该调解员已在名册中", code="already_on_roster")
    row = Mediator(
        city_id=actor.city_id, user_id=fields["user_id"], region_id=node.id, region_path=node.path, tier=TIER_OF_NODE[node.level],
        specialties_json=_check_specialties(fields.get("specialties") or []), intro=fields.get("intro") or "",
        available=fields.get("available", True),
    )
    db.session.add(row)
    db.session.flush()
    return row


@unit_of_work
def update(actor: Actor, mediator_id: int, fields: dict) -> Mediator:
    """The centre over the mediator edits the entry; the mediator their own availability, specialties and introduction."""
    row = get(actor.city_id, mediator_id)
    own = MEDIATORS.held_by(actor) and row.user_id == actor.user_id
    centre = CENTRES.held_by(actor) and can_see_region(actor, actor.city_id, row.region_path, CENTRES)
    if not (own or centre):
        raise Forbidden("您无权修改该调解员信息")
    if "active" in fields and not centre:
        raise Forbidden("只有调解中心可以将调解员移出名册", code="centre_only")
    if "specialties" in fields:
        row.specialties_json = _check_specialties(fields["specialties"])
    for name in ("intro", "available", "active"):
        if name in fields:
            setattr(row, name, fields[name])
    return row


def listing(actor: Actor, region_id: int | None = None, kind: str | None = None, tier: str | None = None, available: bool | None = None):
    """Active roster entries; `region_id` keeps those serving it (their node is it or above it)."""
    ROSTER_READERS.require(actor)
    stmt = select(Mediator).where(Mediator.city_id == actor.city_id, Mediator.active.is_(True))
    if region_id is not None:
        stmt = stmt.where(serving(get_region(actor.city_id, region_id).path))
    if tier is not None:
        stmt = stmt.where(Mediator.tier == tier)
    if available is not None:
        stmt = stmt.where(Mediator.available.is_(available))
    if kind is not None:
        stmt = stmt.where(Mediator.specialties_json.contains(json.dumps(kind)))
    return stmt.order_by(Mediator.tier, Mediator.id)


def serving(path: str):
    """Mediators whose node is the region at `path` or one of its ancestors."""
    return func.substr(path, 1, func.length(Mediator.region_path)) == Mediator.region_path


def serves(mediator: Mediator, region_path: str) -> bool:
    return region_path.startswith(mediator.region_path)


def region_name(row: Mediator) -> str:
    return row.region.name


# --------------------------------------------------------------------------- #
# Record, grade, bonus
# --------------------------------------------------------------------------- #


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)


def grade(mean_stars: float | None, concluded: int, success_rate: float | None) -> tuple[str, str]:
    if not concluded:
        return NO_CASES
    stars = mean_stars if mean_stars is not None else 0.0
    for slug, label, least_stars, least_success in GRADES:
        if stars >= least_stars and (success_rate or 0) >= least_success:
            return slug, label
    return FAIL


def year_record(city_id: int, mediator: Mediator, year: int) -> dict:
    """What the mediator concluded in a China-time year, the ratings given to them in it, the grade and the bonus paid."""
    start, end = _year_bounds(year)
    settled = db.session.scalar(select(func.count()).where(
        Dispute.city_id == city_id, Dispute.mediator_id == mediator.id, Dispute.signed_at >= start, Dispute.signed_at < end,
    )) or 0
    not_settled = db.session.scalar(select(func.count()).where(
        Dispute.city_id == city_id, Dispute.mediator_id == mediator.id, Dispute.signed_at.is_(None),
        Dispute.status.in_(("referred", "closed")), Dispute.closed_at >= start, Dispute.closed_at < end,
    )) or 0
    count, mean = db.session.execute(select(func.count(), func.avg(DisputeRating.stars)).where(
        DisputeRating.city_id == city_id, DisputeRating.mediator_id == mediator.id,
        DisputeRating.created_at >= start, DisputeRating.created_at < end,
    )).one()
    concluded = settled + not_settled
    success = round(settled / concluded, 3) if concluded else None
    mean_stars = round(float(mean), 2) if mean is not None else None
    slug, label = grade(mean_stars, concluded, success)
    return {
        "year": year, "concluded": concluded, "settled": settled, "success_rate": success, "ratings": count,
        "mean_stars": mean_stars, "grade": slug, "grade_label": label,
        "bonus_points": _bonus_paid(city_id, mediator, start, end),
    }


def _bonus_paid(city_id: int, mediator: Mediator, start: datetime, end: datetime) -> int:
    staff = ledger.staff_account(city_id, mediator.user_id)
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, and_(LedgerTransaction.city_id == LedgerEntry.city_id, LedgerTransaction.id == LedgerEntry.transaction_id))
        .where(
            LedgerEntry.city_id == city_id, LedgerEntry.account_id == staff.id, LedgerTransaction.kind == BONUS_KIND,
            LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end,
        )
    )
    return int(total or 0)


def record(actor: Actor, mediator_id: int, year: int | None = None) -> tuple[Mediator, dict]:
    """The mediator's yearly record, for the mediator and the centres over them."""
    row = get(actor.city_id, mediator_id)
    own = MEDIATORS.held_by(actor) and row.user_id == actor.user_id
    if not own and not (CENTRES.held_by(actor) and can_see_region(actor, actor.city_id, row.region_path, CENTRES)):
        raise Forbidden("您无权查看该调解员的考核")
    return row, year_record(actor.city_id, row, year or now().astimezone(CHINA).year)


def public_summary(row: Mediator) -> dict:
    """What every resident reads beside a roster entry: all-time settled disputes and mean rating."""
    settled = db.session.scalar(select(func.count()).where(
        Dispute.city_id == row.city_id, Dispute.mediator_id == row.id, Dispute.signed_at.is_not(None),
    )) or 0
    mean = db.session.scalar(select(func.avg(DisputeRating.stars)).where(
        DisputeRating.city_id == row.city_id, DisputeRating.mediator_id == row.id,
    ))
    return {"settled": settled, "mean_stars": round(float(mean), 2) if mean is not None else None}



def pay_bonus(dispute: Dispute, actor_user_id: int) -> int:
    """The mediator of record's bonus for a settled dispute, by its difficulty, from the city's fund; once per dispute."""
    if dispute.mediator is None:
        return 0
    amount = current_app.config["DISPUTE_BONUS_POINTS"][dispute.difficulty or "ordinary"]
    ledger.transfer(
        dispute.city_id, BONUS_KIND, f"dispute-bonus-{dispute.id}", ledger.fund(dispute.city_id),
        ledger.staff_account(dispute.city_id, dispute.mediator.user_id), amount,
        memo=f"调解奖励：纠纷 #{dispute.id}", actor_user_id=actor_user_id,
    )
    return amount


def roster_regions(actor: Actor):
    """Communities of the city, for the resident's request form (where the dispute arose)."""
    return select(Region).where(Region.city_id == actor.city_id, Region.level == "community", Region.retired_at.is_(None)).order_by(Region.path)

