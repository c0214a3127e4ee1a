"""Ratings that count: shop and cadre ratings read by the community (shop ratings by market regulation too),
and a follow-up for every low rating.

A rating of LOW_STARS or fewer opens a follow-up for the community over the shop's grid or the cadre's
community (once per rating while one is open; rating low again later opens a new one), and tells its admins.
A cadre closes it with what the call-back found. Raters are shown masked: the community needs the
comment, not who wrote it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, false, func, or_, select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import InvalidTransition, NotFound
from gridapp.extensions import db
from gridapp.models import Cadre, Department, Rating, RatingFollowUp, Region, Shop, User
from gridapp.privacy import mask_name
from gridapp.services.accounts.users import users_with_role
from gridapp.services.notifications.inbox import notify
from gridapp.services.regions.tree import get_region, in_reach, path_range
from gridapp.unit_of_work import unit_of_work

LOW_STARS = 2
MARKET_REGULATION = "market_regulation"
READERS = Permission(
    "ratings.readers", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN, Role.DEPARTMENT_STAFF, Role.DEPARTMENT_ADMIN},
    "officials read the ratings in their part of the city; market regulation reads shop ratings where it serves",
)
FOLLOWERS = Permission(
    "ratings.follow_up", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "the community (and officials above it) call back after a low rating",
)


def _target_region(city_id: int, target_type: str, target_id: int) -> Region:
    model = Shop if target_type == "shop" else Cadre
    row = db.session.scalar(select(model).where(model.city_id == city_id, model.id == target_id))
    return get_region(city_id, row.grid_id if target_type == "shop" else row.community_id)


def rated(rating: Rating) -> RatingFollowUp | None:
    """After a rating is written (services.codes.scanning.rate): a low one opens a follow-up, in the same unit of work."""
    if rating.stars > LOW_STARS:
        return None
    open_one = db.session.scalar(
        select(RatingFollowUp).where(
            RatingFollowUp.city_id == rating.city_id, RatingFollowUp.rating_id == rating.id, RatingFollowUp.status == "open"
        )
    )
    if open_one is not None:
        open_one.stars, open_one.comment = rating.stars, rating.comment
        return open_one
    region = _target_region(rating.city_id, rating.target_type, rating.target_id)
    follow_up = RatingFollowUp(
        city_id=rating.city_id, rating_id=rating.id, target_type=rating.target_type, target_id=rating.target_id,
        region_path=region.path, stars=rating.stars, comment=rating.comment,
    )
    db.session.add(follow_up)
    db.session.flush()
    community = region if rating.target_type == "cadre" else get_region(rating.city_id, region.parent_id)
    what = "商户" if rating.target_type == "shop" else "干部"
    notify(
        rating.city_id, users_with_role(rating.city_id, Role.COMMUNITY_ADMIN, community.id), "rating_low",
        f"{what}收到 {rating.stars} 星差评，请回访", rating.comment or "", ("rating_follow_up", follow_up.id),
    )
    return follow_up


def _scope(actor: Actor, path_column):
    """Officials: their subtrees. Department roles: shops where a market-regulation department of theirs serves."""
    if actor.has_role(Role.SYSTEM_ADMIN):
        return None
    clauses = [path_range(path_column, p) for p in actor.region_paths(OFFICIAL_ROLES | {Role.SUPER_ADMIN})]
    market = set(db.session.scalars(
        select(Department.id).where(Department.city_id == actor.city_id, Department.kind == MARKET_REGULATION)
    ))
    served = [
        path for grant in actor.grants
        if grant.department_id in market and grant.role in (Role.DEPARTMENT_STAFF, Role.DEPARTMENT_ADMIN)
        for path in grant.served_paths
    ]
    return clauses, served


def _placed(city_id: int, target_type: str):
    """Ratings of shops or cadres joined to the region they belong to (the shop's grid, the cadre's community)."""
    model = Shop if target_type == "shop" else Cadre
    region_column = model.grid_id if target_type == "shop" else model.community_id
    return (
        select(Rating)
        .join(model, and_(model.city_id == Rating.city_id, model.id == Rating.target_id))
        .join(Region, and_(Region.city_id == model.city_id, Region.id == region_column))
        .where(Rating.city_id == city_id, Rating.target_type == target_type)
    )


def _stars(stmt) -> tuple[float | None, int, int]:
    """Average stars (2 decimals), how many, how many low, over a select of ratings."""
    rows = stmt.subquery()
    average, count, low = db.session.execute(
        select(func.avg(rows.c.stars), func.count(), func.count().filter(rows.c.stars <= LOW_STARS))
    ).one()
    return (round(float(average), 2) if average is not None else None), count, low


def ratings(actor: Actor, target_type: str, low_only: bool = False):
    """The ratings of shops or cadres in the actor's part of the city, newest first, with the target's name and place."""
    READERS.require(actor)
    stmt = _placed(actor.city_id, target_type)
    scope = _scope(actor, Region.path)
    if scope is not None:
        officials, market = scope
        allowed = officials + ([path_range(Region.path, p) for p in market] if target_type == "shop" else [])
        stmt = stmt.where(or_(*allowed) if allowed else false())
    if low_only:
        stmt = stmt.where(Rating.stars <= LOW_STARS)
    return stmt.order_by(Rating.id.desc())


def rating_rows(rows: list[Rating]) -> list[dict]:
    """A page of ratings as readers see them: each target's name and place and each rater (masked) are loaded for
    the whole page at once, one query per target type and one for the raters, however long the page."""
    if not rows:
        return []
    city_id = rows[0].city_id
    targets: dict[tuple[str, int], tuple[str, str]] = {}
    for target_type in sorted({r.target_type for r in rows}):
        model = Shop if target_type == "shop" else Cadre
        region_column = model.grid_id if target_type == "shop" else model.community_id
        ids = sorted({r.target_id for r in rows if r.target_type == target_type})
        found = db.session.execute(
            select(model.id, model.name, Region.name)
            .join(Region, and_(Region.city_id == model.city_id, Region.id == region_column))
            .where(model.city_id == city_id, model.id.in_(ids))
        )
        targets.update({(target_type, target_id): (name, place) for target_id, name, place in found})
    raters = dict(
        db.session.execute(
            select(User.id, User.display_name).where(User.city_id == city_id, User.id.in_(sorted({r.user_id for r in rows})))
        ).all()
    )
    return [
        {
            "id": r.id, "target_type": r.target_type, "target_id": r.target_id,
            "target_name": targets[(r.target_type, r.target_id)][0], "place": targets[(r.target_type, r.target_id)][1],
            "stars": r.stars, "comment": r.comment, "rated_at": r.created_at, "rater": mask_name(raters.get(r.user_id)),
        }
        for r in rows
    ]  # fmt: skip


def summary(actor: Actor, target_type: str) -> dict:
    """Average stars, how many, how many low, and open follow-ups (for those who call back), over what the actor may read."""
    average, count, low = _stars(ratings(actor, target_type))
    open_follow_ups = None  # market regulation reads ratings but does not call back
    if FOLLOWERS.held_by(actor):
        open_follow_ups = db.session.scalar(
            follow_ups(actor, "open").where(RatingFollowUp.target_type == target_type).with_only_columns(func.count()).order_by(None)
        )
    return {"average": average, "count": count, "low": low,
            "open_follow_ups": open_follow_ups}


@dataclass(frozen=True)
class RegionRatings:
    """Ratings given in a period to the shops (by their grid) or cadres (by their community) of a subtree, and
    the follow-ups open now there: what the leaders' dashboard shows beside the case figures."""

    average: float | None
    count: int
    low: int
    open_follow_ups: int


def region_ratings(city_id: int, path: str, target_type: str, start: datetime, end: datetime) -> RegionRatings:
    average, count, low = _stars(
        _placed(city_id, target_type).where(path_range(Region.path, path), Rating.created_at >= start, Rating.created_at < end)
    )
    open_follow_ups = db.session.scalar(
        select(func.count()).where(
            RatingFollowUp.city_id == city_id, RatingFollowUp.target_type == target_type, RatingFollowUp.status == "open",
            path_range(RatingFollowUp.region_path, path),
        )
    )
    return RegionRatings(average, count, low, int(open_follow_ups or 0))


@dataclass(frozen=True)
class FollowUpTimeliness:
    """Follow-ups whose deadline (opened + RATING_FOLLOW_UP_DAYS) fell in the period: closed by it, or late
    (closed after it, or still open past it). Those not yet due count in neither."""

    due: int
    on_time: int
    late: int


def follow_up_timeliness(city_id: int, path: str, start: datetime, end: datetime) -> FollowUpTimeliness:
    days = timedelta(days=current_app.config["RATING_FOLLOW_UP_DAYS"])
    stop = min(end, now())
    rows = db.session.execute(
        select(RatingFollowUp.created_at, RatingFollowUp.closed_at).where(
            RatingFollowUp.city_id == city_id, path_range(RatingFollowUp.region_path, path),
            RatingFollowUp.created_at >= start - days, RatingFollowUp.created_at < stop - days,
        )
    )
    on_time = late = 0
    for opened_at, closed_at in rows:
        if closed_at is not None and closed_at <= opened_at + days:
            on_time += 1
        else:
            late += 1
    return FollowUpTimeliness(on_time + late, on_time, late)


def follow_ups(actor: Actor, status: str | None = None):
    FOLLOWERS.require(actor)
    stmt = select(RatingFollowUp).where(RatingFollowUp.city_id == actor.city_id)
    stmt = stmt.where(in_reach(actor, FOLLOWERS, RatingFollowUp.region_path))
    if status:
        stmt = stmt.where(RatingFollowUp.status == status)
    return stmt.order_by(RatingFollowUp.id.desc())


@unit_of_work
def close(actor: Actor, follow_up_id: int, outcome: str) -> RatingFollowUp:
    FOLLOWERS.require(actor)
    row = db.session.scalar(select(RatingFollowUp).where(RatingFollowUp.city_id == actor.city_id, RatingFollowUp.id == follow_up_id))
    if row is None:
        raise NotFound("回访任务不存在")
    require_region(actor, row.city_id, row.region_path, FOLLOWERS)
    if row.status != "open":
        raise InvalidTransition("该回访已办结", details={"status": row.status})
    row.status, row.closed_by_user_id, row.closed_at, row.outcome = "closed", actor.user_id, now(), outcome
    return row


def target_name(row: Rating | RatingFollowUp) -> str:
    model = Shop if row.target_type == "shop" else Cadre
    return db.session.scalar(select(model.name).where(model.city_id == row.city_id, model.id == row.target_id))
