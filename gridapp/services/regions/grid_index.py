"""An in-memory spatial index of a city's grid boundaries, so placing a point costs microseconds.

A report is placed on every submission (and every Open311 request), and a city may have tens of
thousands of grids (Suzhou: 41,000). A bounding-box query in the database plus JSON parsing of
each candidate took milliseconds; a shapely STRtree over prepared polygons answers in tens of
microseconds. Each app process builds the tree of a city on first use and keeps it until the
city's `geometry_stamp` changes. Every flush that adds, changes or deletes a region replaces that
stamp with a random one in the same transaction (an ORM hook, so import, edit, move and retire code cannot forget
it) and drops this process's copy at once; other servers read the stamp again at most every
GRID_INDEX_RECHECK_SECONDS, so a boundary edited on one server is used by all within about a second.
The stamp is random rather than a counter so that a city row that reuses an id (tests empty the
tables and restart ids) can never match an index built for another.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

import shapely
from flask import current_app, has_app_context
from shapely.geometry import Point, box, shape
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from gridapp.extensions import db
from gridapp.models import City, Region, RegionLevel


@dataclass
class GridIndex:
    stamp: int
    checked_at: float
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


def for_city(city_id: int) -> GridIndex:
    cache = _cache()
    index = cache.get(city_id)
    if index is not None and time.monotonic() - index.checked_at < current_app.config["GRID_INDEX_RECHECK_SECONDS"]:
        return index
    stamp = db.session.connection().execute(select(City.geometry_stamp).where(City.id == city_id)).scalar()
    if index is None or index.stamp != stamp:
        index = cache[city_id] = _build(city_id, stamp)
    index.checked_at = time.monotonic()
    return index


def _cache() -> dict[int, GridIndex]:
    return current_app.extensions.setdefault("gridapp.grid_index", {})


def _build(city_id: int, stamp: int | None) -> GridIndex:
    rows = db.session.execute(
        select(Region.id, Region.parent_id, Region.boundary_geojson).where(
            Region.city_id == city_id, Region.level == RegionLevel.GRID.value, Region.boundary_geojson.is_not(None)
        ).order_by(Region.id)
    ).all()
    shapes = [shape(json.loads(row.boundary_geojson)) for row in rows]
    for polygon in shapes:
        shapely.prepare(polygon)
    return GridIndex(
        stamp=stamp, checked_at=time.monotonic(), tree=shapely.STRtree(shapes), shapes=tuple(shapes),
        grid_ids=tuple(r.id for r in rows), parent_ids={r.id: r.parent_id for r in rows},
    )


def new_stamp() -> int:
    return secrets.randbits(62)


@event.listens_for(Session, "after_flush")
def _new_geometry_stamp(session: Session, _context) -> None:
    changed = {obj.city_id for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, Region)}
    if changed:
        session.connection().execute(
            update(City).where(City.id.in_(changed)).values(geometry_stamp=new_stamp())
        )
        if has_app_context():
            for city_id in changed:
                _cache().pop(city_id, None)
