"""What an anonymous scan of a code shows, kept in each server's memory.

Most scans are by nobody in particular (a passer-by's phone camera), every one of them sees the
same view of a code, and a popular shop's or stairwell's code is scanned far more often than its
household, shop, grid worker or cadre changes. Building the view takes about ten queries; a copy
kept here takes none. A copy is dropped when the city's `codes_stamp` changes (any change to a
code, its entity, the people a view names, a rating or a region replaces it: services.city_stamps)
and after ANONYMOUS_VIEW_MAX_AGE_SECONDS at most, since a few views depend on the hour (a stall's
permitted times). Revoked codes and unknown tokens are never kept: they raise every time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app

from gridapp.models import (
    Cadre,
    EBike,
    Household,
    HouseholdMember,
    MobileStall,
    Place,
    QrCode,
    Rating,
    Region,
    RoleGrant,
    Shop,
    User,
)
from gridapp.services import city_stamps

STAMP = "codes_stamp"
for _model in (Household, HouseholdMember, Shop, EBike, MobileStall, Place, Cadre, Rating, RoleGrant, Region):
    city_stamps.watch(STAMP, _model)
city_stamps.watch(STAMP, QrCode, ignoring={"scan_count", "last_scanned_at"})
city_stamps.watch(STAMP, User, only={"display_name", "phone", "is_active"})


@dataclass(frozen=True)
class AnonymousView:
    city_id: int
    code_id: int
    view: dict  # shared by every scan of the code: read it, never change it
    stamp: int | None
    made_at: float
    # Each door's finished answer for this view (the API's JSON, the page's HTML), kept with the
    # view so they are dropped together; the doors fill it, this module never reads it.
    renderings: dict = field(default_factory=dict)


def cached(token: str) -> AnonymousView | None:
    """This server's copy of the token's view, if it is still current."""
    copy = _copies().get(token)
    if copy is None or time.monotonic() - copy.made_at > current_app.config["ANONYMOUS_VIEW_MAX_AGE_SECONDS"]:
        return None
    return copy if city_stamps.current(copy.city_id, STAMP) == copy.stamp else None


def stamp(city_id: int) -> int | None:
    """The city's stamp, read before a view is built: a change committed meanwhile then drops the copy."""
    return city_stamps.current(city_id, STAMP)


def keep(token: str, code: QrCode, view: dict, stamp_before: int | None) -> AnonymousView:
    copy = AnonymousView(code.city_id, code.id, view, stamp_before, time.monotonic())
    copies = _copies()
    if len(copies) >= current_app.config["ANONYMOUS_VIEW_CACHE_SIZE"]:
        copies.pop(next(iter(copies)))  # the oldest copy goes first
    copies[token] = copy
    return copy


def _copies() -> dict[str, AnonymousView]:
    return current_app.extensions.setdefault("gridapp.anonymous_views", {})
