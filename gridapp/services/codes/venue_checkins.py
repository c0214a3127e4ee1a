"""Visitor check-in at a shop or public place (店铺/场所登记码), kept only as long as tracing needs.

A resident scans the venue's code and checks in; they see and may delete their own check-ins.
Check-ins older than CHECKIN_RETENTION_DAYS are deleted by the scheduler's sweep, and no
lookup can reach further back. Only officials over the venue's part of the city may see who
visited, and only by giving a reason: every lookup is appended to `venue_lookups` with the
window asked for and how many visitors were shown, before the list is answered.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from gridapp.authz import SIGNED_IN, Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import QrCode, User, VenueCheckIn, VenueLookup
from gridapp.models.venues import VENUE_TYPES
from gridapp.services import idempotency
from gridapp.services.codes import entities
from gridapp.services.codes.issuing import live_code
from gridapp.services.regions.tree import get_region, in_reach
from gridapp.unit_of_work import unit_of_work

VISITORS = SIGNED_IN  # anyone signed in in the venue's city may check in
LOOKERS = Permission(
    "venue_visitor_lookup",
    {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "who visited a venue: officials over its place, for tracing, each look audited",
)
# Scanning again on the same visit does not add a second check-in.
SAME_VISIT = timedelta(minutes=30)


def retention() -> timedelta:
    return timedelta(days=current_app.config["CHECKIN_RETENTION_DAYS"])


def _venue(code: QrCode):
    if code.entity_type not in VENUE_TYPES:
        raise ValidationFailed("该二维码不是店铺或场所码，不能登记", code="not_a_venue")
    return entities.get_entity(code.city_id, code.entity_type, code.entity_id)


def venue_name(row) -> str:
    """The shop's or place's name for a check-in or a lookup (kept even if the venue closed since)."""
    return entities.get_entity(row.city_id, row.venue_type, row.venue_id, active_only=False).name


def check_in(actor: Actor, token: str, claim: idempotency.IdempotencyClaim | None = None) -> VenueCheckIn | idempotency.Replayed:
    """Check the actor in at the code's venue; a second scan on the same visit answers the first check-in."""
    return idempotency.create(claim, "venue_checkin", lambda: _check_in(actor, token), lambda row_id: _own(actor, row_id))


def _check_in(actor: Actor, token: str) -> VenueCheckIn:
    code = live_code(token)
    if code.city_id != actor.city_id:
        raise Forbidden("请先登录所在城市的账号")
    venue = _venue(code)
    recent = db.session.scalar(
        select(VenueCheckIn)
        .where(
            VenueCheckIn.city_id == actor.city_id, VenueCheckIn.user_id == actor.user_id,
            VenueCheckIn.venue_type == code.entity_type, VenueCheckIn.venue_id == venue.id,
            VenueCheckIn.created_at >= now() - SAME_VISIT,
        )
        .order_by(VenueCheckIn.id.desc())
        .limit(1)
    )
    if recent is not None:
        return recent
    row = VenueCheckIn(city_id=actor.city_id, code_id=code.id, venue_type=code.entity_type, venue_id=venue.id, user_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    return row


def _own(actor: Actor, row_id: int) -> VenueCheckIn:
    row = db.session.scalar(
        select(VenueCheckIn).where(VenueCheckIn.city_id == actor.city_id, VenueCheckIn.user_id == actor.user_id, VenueCheckIn.id == row_id)
    )
    if row is None:  # deleted by its owner or by retention since the first answer
        raise NotFound("登记记录不存在")
    return row


def mine(actor: Actor):
    """The caller's own check-ins, newest first (only what retention has not yet removed)."""
    return (
        select(VenueCheckIn)
        .where(VenueCheckIn.city_id == actor.city_id, VenueCheckIn.user_id == actor.user_id)
        .order_by(VenueCheckIn.created_at.desc(), VenueCheckIn.id.desc())
    )


@unit_of_work
def delete_mine(actor: Actor, checkin_id: int) -> None:
    deleted = db.session.execute(
        delete(VenueCheckIn).where(
            VenueCheckIn.city_id == actor.city_id, VenueCheckIn.user_id == actor.user_id, VenueCheckIn.id == checkin_id
        )
    ).rowcount
    if not deleted:
        raise NotFound("登记记录不存在")


@unit_of_work
def look_up(actor: Actor, token: str, reason: str, since: datetime | None, until: datetime | None) -> tuple[VenueLookup, list]:
    """The venue's visitors in a window, for an official over its place; the look is recorded first."""
    LOOKERS.require(actor)
    code = live_code(token)
    venue = _venue(code)
    region_path = get_region(code.city_id, venue.grid_id).path
    require_region(actor, code.city_id, region_path, LOOKERS)
    at = now()
    earliest = at - retention()
    since, until = max(since or earliest, earliest), min(until or at, at)
    if since >= until:
        raise ValidationFailed("查询时段无效：开始时间须早于结束时间，且在保留期内", details={"since": ["not_before_until"]})
    visitors = db.session.execute(
        select(VenueCheckIn, User)
        .join(User, (User.city_id == VenueCheckIn.city_id) & (User.id == VenueCheckIn.user_id))
        .where(
            VenueCheckIn.city_id == code.city_id, VenueCheckIn.venue_type == code.entity_type, VenueCheckIn.venue_id == venue.id,
            VenueCheckIn.created_at >= since, VenueCheckIn.created_at <= until,
        )
        .order_by(VenueCheckIn.created_at.desc(), VenueCheckIn.id.desc())
    ).all()
    lookup = VenueLookup(
        city_id=code.city_id, actor_user_id=actor.user_id, venue_type=code.entity_type, venue_id=venue.id,
        region_path=region_path, reason=reason, since=since, until=until, visitors_shown=len(visitors),
    )
    db.session.add(lookup)
    db.session.flush()
    return lookup, [{"checked_in_at": row.created_at, "name": user.display_name, "phone": user.phone} for row, user in visitors]


def lookups(actor: Actor):
    """The audit of lookups at venues in the actor's part of the city, newest first."""
    LOOKERS.require(actor)
    stmt = select(VenueLookup).where(VenueLookup.city_id == actor.city_id)
    stmt = stmt.where(in_reach(actor, LOOKERS, VenueLookup.region_path))
    return stmt.order_by(VenueLookup.id.desc())


@unit_of_work
def purge_expired(city_id: int) -> int:
    """Delete the city's check-ins older than the retention window; the count removed."""
    return db.session.execute(
        delete(VenueCheckIn).where(VenueCheckIn.city_id == city_id, VenueCheckIn.created_at < now() - retention())
    ).rowcount



def expires_at(row: VenueCheckIn) -> datetime:
    return row.created_at + retention()
