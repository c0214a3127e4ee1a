"""Which grid a point lies in, which community is nearest when it lies in none, and whether a
grid's boundary is a sound polygon that keeps clear of its neighbours.

The grids come from the city's in-memory spatial index (grid_index.py), which leaves retired grids out.
Distances are metres on a local flat projection, which is exact enough within a city. Checking a
boundary an admin draws or imports (self-intersections, overlaps) uses shapely too.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity
from sqlalchemy import select

from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Region, RegionLevel
from gridapp.services.regions import grid_index

EARTH_RADIUS_M = 6_371_000.0
# How far (in degrees) to look for a nearest grid, widening until something is found.
_SEARCH_STEPS = (0.02, 0.1, 0.5)


@dataclass(frozen=True)
class Placement:
    grid: Region | None
    community: Region
    outside_grid: bool


def boundary_problem(geojson) -> str | None:
    """Why a grid boundary cannot be stored (in Chinese), or None when it is a valid (Multi)Polygon in degrees."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        return "网格边界必须是 GeoJSON Polygon 或 MultiPolygon"
    try:
        geometry = shape(geojson)
        rings = polygons(geojson)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError, ShapelyError):
        return "网格边界坐标格式不正确"
    points = [p for rings_ in rings for ring in rings_ for p in ring]
    if not all(math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90 for x, y in points):
        return "网格边界坐标超出经纬度范围"
    if geometry.is_empty or geometry.area == 0:
        return "网格边界面积为零"
    if not geometry.is_valid:
        return f"网格边界不是有效的多边形（{explain_validity(geometry)}）"
    return None


def bounding_box(geojson: dict) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat) of a boundary boundary_problem accepted."""
    return tuple(float(v) for v in shape(geojson).bounds)


# Shared area, as a share of the smaller grid, below which two grids only touch (rounding along a common edge).
_OVERLAP_TOLERANCE = 1e-6


def overlapping(candidates: dict[str, dict], others: dict[str, dict]) -> list[tuple[str, str]]:
    """Pairs of grid codes whose boundaries overlap: each candidate against the other candidates and `others`."""
    codes = list(candidates) + [c for c in others if c not in candidates]
    geometries = [shape(candidates.get(c) or others[c]) for c in codes]
    tree = shapely.STRtree(geometries)
    pairs = set()
    for i, code in enumerate(codes[: len(candidates)]):
        for j in tree.query(geometries[i], predicate="intersects"):
            if j == i or (j < len(candidates) and j < i):
                continue
            shared = geometries[i].intersection(geometries[j]).area
            if shared > _OVERLAP_TOLERANCE * min(geometries[i].area, geometries[j].area):
                pairs.add((code, codes[j]))
    return sorted(pairs)


def grid_boundaries(city_id: int, boundaries, exclude_ids=()) -> dict[str, dict]:
    """The active grids' boundaries by code whose boxes meet the box around `boundaries` (for overlap checks)."""
    boxes = [bounding_box(b) for b in boundaries]
    if not boxes:
        return {}
    min_lng, min_lat = min(b[0] for b in boxes), min(b[1] for b in boxes)
    max_lng, max_lat = max(b[2] for b in boxes), max(b[3] for b in boxes)
    rows = db.session.execute(
        select(Region.code, Region.boundary_geojson).where(
            Region.city_id == city_id, Region.level == RegionLevel.GRID.value, Region.boundary_geojson.is_not(None),
            Region.retired_at.is_(None), Region.id.not_in(list(exclude_ids)),
            Region.min_lat <= max_lat, Region.max_lat >= min_lat, Region.min_lng <= max_lng, Region.max_lng >= min_lng,
        )
    )
    return {code: json.loads(text) for code, text in rows}


def polygons(geojson: dict) -> list[list[list[tuple[float, float]]]]:
    """A Polygon or MultiPolygon as a list of polygons, each a list of rings (outer first, then holes)."""
    if geojson["type"] == "Polygon":
        raw = [geojson["coordinates"]]
    elif geojson["type"] == "MultiPolygon":
        raw = geojson["coordinates"]
    else:
        return []
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in raw]


def _in_ring(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geojson: dict, lng: float, lat: float) -> bool:
    """Even-odd ray casting: inside an outer ring and outside all of its holes."""
    for rings in polygons(geojson):
        if rings and _in_ring(lng, lat, rings[0]) and not any(_in_ring(lng, lat, hole) for hole in rings[1:]):
            return True
    return False


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _segment_distance_m(lng: float, lat: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Point to segment distance on a local equirectangular projection (fine at city scale)."""
    kx = math.cos(math.radians(lat)) * EARTH_RADIUS_M * math.pi / 180
    ky = EARTH_RADIUS_M * math.pi / 180
    ax, ay, bx, by = (a[0] - lng) * kx, (a[1] - lat) * ky, (b[0] - lng) * kx, (b[1] - lat) * ky
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy)


def boundary_distance_m(geojson: dict, lng: float, lat: float) -> float:
    if contains(geojson, lng, lat):
        return 0.0
    best = math.inf
    for rings in polygons(geojson):
        for ring in rings:
            for a, b in zip(ring, ring[1:] + ring[:1]):
                best = min(best, _segment_distance_m(lng, lat, a, b))
    return best


def grid_at(city_id: int, lng: float, lat: float) -> Region | None:
    """The grid whose boundary holds the point (the lowest id if boundaries overlap)."""
    index = grid_index.for_city(city_id)
    grid_id = index.containing(lng, lat)
    return None if grid_id is None else _with_community(city_id, grid_id, index.parent_ids[grid_id])


def _with_community(city_id: int, grid_id: int, community_id: int) -> Region:
    """The grid, with its community loaded by the same query (`grid.parent` then needs none)."""
    rows = db.session.scalars(select(Region).where(Region.city_id == city_id, Region.id.in_((grid_id, community_id))))
    return {row.id: row for row in rows}[grid_id]


def place_point(city_id: int, lng: float, lat: float) -> Placement:
    """The grid for a point; outside every grid, the community of the nearest grid, flagged."""
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("位置坐标不正确", details={"location": ["out_of_range"]})
    grid = grid_at(city_id, lng, lat)
    if grid is not None:
        return Placement(grid=grid, community=grid.parent, outside_grid=False)
    index = grid_index.for_city(city_id)
    for margin in _SEARCH_STEPS:
        candidates = index.near(lng, lat, margin)
        if candidates:
            nearest, _shape = min(candidates, key=lambda c: boundary_distance_m(mapping(c[1]), lng, lat))
            community = _with_community(city_id, nearest, index.parent_ids[nearest]).parent
            return Placement(grid=None, community=community, outside_grid=True)
    raise ValidationFailed("该位置不在本市网格服务范围内，请拨打 12345 反映", code="outside_service_area")
