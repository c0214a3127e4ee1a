"""The public side of 随手拍: which community a spot lies in, its grids as a map, and its recent reports.

Anyone signed in may look, as on FixMyStreet: a report is shown by what (category), how far it got
(state) and where (place label, position rounded to about ten metres), never by who sent it or
what they wrote. Abusive, rejected and merged reports are left out.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from gridapp.authz import Actor, Permission, Role
from gridapp.clock import now
from gridapp.errors import NotFound
from gridapp.extensions import db
from gridapp.models import Case, Region, RegionLevel
from gridapp.services.cases import states as S
from gridapp.services.regions import basemap, coordinates, geo

VIEWERS = Permission(
    "cases.public_map", set(Role),
    "anyone signed in sees a community's grids and its recent reports, with nobody's identity",
)
SHOWN_STATES = S.ALL_STATES - {S.REJECTED, S.MERGED}
POSITION_DECIMALS = 4  # about ten metres: the spot, not the door


def place(actor: Actor, lng: float, lat: float, system: str = coordinates.WGS84) -> geo.Placement:
    """The grid (or, outside every grid, the nearest community) a report sent from here would go to."""
    VIEWERS.require(actor)
    lng, lat = coordinates.to_wgs84(lng, lat, system)
    return geo.place_point(actor.city_id, lng, lat)


def community(actor: Actor, community_id: int) -> Region:
    VIEWERS.require(actor)
    found = db.session.scalar(
        select(Region).where(
            Region.city_id == actor.city_id, Region.id == community_id, Region.level == RegionLevel.COMMUNITY.value
        )
    )
    if found is None:
        raise NotFound("社区不存在", code="community_not_found")
    return found


def boundaries(actor: Actor, community_id: int) -> dict:
    return basemap.community_with_grids(community(actor, community_id))


def recent_reports(actor: Actor, community_id: int):
    """The community's reports of the last PUBLIC_MAP_DAYS days, newest first."""
    region = community(actor, community_id)
    since = now() - timedelta(days=current_app.config["PUBLIC_MAP_DAYS"])
    return (
        select(Case)
        .where(
            Case.city_id == region.city_id,
            Case.community_id == region.id,
            Case.created_at >= since,
            Case.state.in_(sorted(SHOWN_STATES)),
            Case.abusive.is_(False),
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
    )


def city_centre(actor: Actor) -> tuple[float, float] | None:
    """The middle of the city's grids (lat, lng): where a map starts before the phone knows where it is."""
    VIEWERS.require(actor)
    box = db.session.execute(
        select(func.min(Region.min_lat), func.max(Region.max_lat), func.min(Region.min_lng), func.max(Region.max_lng)).where(
            Region.city_id == actor.city_id, Region.level == RegionLevel.GRID.value
        )
    ).one()
    if box[0] is None:
        return None
    return (box[0] + box[1]) / 2, (box[2] + box[3]) / 2


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, POSITION_DECIMALS)
