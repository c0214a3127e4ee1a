"""An in-memory spatial index of a city's grid boundaries, so placing a point costs microseconds.

A report is placed on every submission (and every Open311 request), and a city may have tens of
thousands of grids (Suzhou: 41,000). A bounding-box query in the database plus JSON parsing of
each candidate took milliseconds; a shapely STRtree over prepared polygons answers in tens of
microseconds. Each app process builds a city's tree on first use and rebuilds it when the city's
`geometry_stamp` changes (services.city_stamps: any change to a region replaces it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from flask import current_app
from shapely.geometry import Point, box, shape
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Region, RegionLevel
from gridapp.services import city_stamps


@dataclass(frozen=True)
class GridIndex:
    stamp: int | None
    tree: shapely.STRtree
    shapes: tuple  # prepared polygons, in the tree's order
    grid_ids: tuple[int, ...]
    parent_ids: dict[int, int]  # grid id → its community's id

    def containing(self, lng: float, lat: float) -> int | None:
        """The id of the grid that holds the point (its edge included); the lowest id where grids overlap."""
        point = Point(lng, lat)
        hits = [self.grid_ids[i] for i in self.tree.query(point) if self.shapes[i].covers(point)]
        return min(hits) if hits else None

    def near(self, lng: float, lat: float, margin: float) -> list[tuple[int, object]]:
        """(grid id, polygon) of the grids whose boundary box comes within `margin` degrees of the point."""
        return [(self.grid_ids[i], self.shapes[i]) for i in self.tree.query(box(lng - margin, lat - margin, lng + margin, lat + margin))]


city_stamps.watch("geometry_stamp", Region)


def for_city(city_id: int) -> GridIndex:
    cache = current_app.extensions.setdefault("gridapp.grid_index", {})
    stamp = city_stamps.current(city_id, "geometry_stamp")
    index = cache.get(city_id)
    if index is None or index.stamp != stamp:
        index = cache[city_id] = _build(city_id, stamp)
    return index


def _build(city_id: int, stamp: int | None) -> GridIndex:
    rows = db.session.execute(
        select(Region.id, Region.parent_id, Region.boundary_geojson).where(
            Region.city_id == city_id, Region.level == RegionLevel.GRID.value, Region.boundary_geojson.is_not(None),
            Region.retired_at.is_(None),
        ).order_by(Region.id)
    ).all()
    shapes = [shape(json.loads(row.boundary_geojson)) for row in rows]
    for polygon in shapes:
        shapely.prepare(polygon)
    return GridIndex(
        stamp=stamp, tree=shapely.STRtree(shapes), shapes=tuple(shapes),
        grid_ids=tuple(r.id for r in rows), parent_ids={r.id: r.parent_id for r in rows},
    )
