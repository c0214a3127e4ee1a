"""Where a written address lies, found in the city's own registry: places, shops, buildings,
households' door labels, and grid and community names.

A report that names its place in words (an Open311 `address_string`) is placed at what it
names, never guessed from a geocoder. Both texts are compared normalised (NFKC, case folded,
without spaces or punctuation), in three tiers, the first tier with any match deciding:
1. the address is exactly a registered name;
2. the address contains registered names (e.g. "一社区3号楼门口"): names of grids and
   communities narrow the other names to those inside them, and the longest names win;
3. the address is part of one registered name (e.g. "面馆" for "老王面馆").
The matched spots must come down to one grid or community (a spot inside another counts as
the inner one); otherwise the address is ambiguous and only the number of candidates is told.
Only door labels are read from households, never who lives there. Registry entries carry no
coordinates, so a case placed this way has none either.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Household, Place, Region, Shop
from gridapp.services.regions.tree import path_range

MIN_PART = 2  # shorter texts ("楼", "3") name nothing in particular


@dataclass(frozen=True)
class Spot:
    """A grid (with its community), or a community alone."""

    grid_id: int | None
    community_id: int
    region_path: str


@dataclass(frozen=True)
class _Name:
    text: str
    spot: Spot
    is_region: bool


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(("Z", "P", "C")))


def _names(city_id: int, within: str | None) -> list[_Name]:
    """Every registered name in the city (or the subtree `within`), with where it is."""
    regions = select(Region).where(Region.city_id == city_id, Region.level.in_(("community", "grid")))
    if within:
        regions = regions.where(path_range(Region.path, within))
    found: list[_Name] = []
    communities: dict[int, str] = {}
    grids = []
    for region in db.session.scalars(regions):
        if region.level == "community":
            communities[region.id] = region.name
            found.append(_Name(region.name, Spot(None, region.id, region.path), True))
        else:
            grids.append(region)
    for grid in grids:
        spot = Spot(grid.id, grid.parent_id, grid.path)
        found.append(_Name(grid.name, spot, True))
        if grid.parent_id in communities:
            found.append(_Name(communities[grid.parent_id] + grid.name, spot, True))

    def rows(*columns, model):
        stmt = (
            select(*columns, Region.id, Region.parent_id, Region.path)
            .join(Region, (Region.city_id == model.city_id) & (Region.id == model.grid_id))
            .where(model.city_id == city_id, model.is_active.is_(True))
        )
        if within:
            stmt = stmt.where(path_range(Region.path, within))
        for *texts, grid_id, community_id, path in db.session.execute(stmt.distinct()):
            yield texts, Spot(grid_id, community_id, path)

    for (name, building), spot in rows(Place.name, Place.building, model=Place):
        found += [_Name(name, spot, False)] + ([_Name(building + name, spot, False)] if building else [])
    for (name, address), spot in rows(Shop.name, Shop.address, model=Shop):
        found += [_Name(name, spot, False), _Name(address, spot, False)]
    for (building, unit, room), spot in rows(Household.building, Household.unit, Household.room, model=Household):
        found += [_Name(building, spot, False), _Name(building + unit, spot, False), _Name(f"{building}{unit}{room}室", spot, False)]
    normalised = (_Name(normalise(n.text), n.spot, n.is_region) for n in found)
    return [n for n in normalised if len(n.text) >= MIN_PART]


def _one(names: list[_Name]) -> tuple[Spot | None, int]:
    """The single spot the names point at, or None and how many distinct spots they point at."""
    spots = {n.spot for n in names}
    deepest = max(spots, key=lambda s: len(s.region_path))
    if all(deepest.region_path.startswith(s.region_path) for s in spots):
        return deepest, 1
    return None, len(spots)


def _contained(wanted: str, names: list[_Name]) -> list[_Name]:
    inside = [n for n in names if n.text in wanted]
    regions = [n.spot.region_path for n in inside if n.is_region]
    others = [n for n in inside if not n.is_region and (not regions or any(n.spot.region_path.startswith(r) for r in regions))]
    pool = others or [n for n in inside if n.is_region]
    longest = max((len(n.text) for n in pool), default=0)
    return [n for n in pool if len(n.text) == longest]


def locate(city_id: int, address: str, within: str | None = None) -> Spot:
    """The one grid or community `address` names; 400 when it names none or several."""
    wanted = normalise(address)
    names = _names(city_id, within) if len(wanted) >= MIN_PART else []
    for tier in (
        [n for n in names if n.text == wanted],
        _contained(wanted, names),
        [n for n in names if wanted in n.text],
    ):
        if tier:
            spot, count = _one(tier)
            if spot is None:
                raise ValidationFailed(
                    f"地址对应 {count} 处登记地点，请写得更具体，或提供经纬度或二维码编号",
                    details={"address_string": [f"ambiguous: {count} candidates"]},
                )
            return spot
    raise ValidationFailed(
        "未能在本市登记的地点、楼栋、商户、网格和社区中找到该地址，请提供经纬度或二维码编号",
        details={"address_string": ["not_found"]},
    )
