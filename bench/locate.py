"""Locating a report: which of a city's grids holds a point, at Suzhou's 41,000 grids.

    python bench/locate.py [--points 2000] [--database-url postgresql://...] [--sqlite]

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server
(tests/support/servers.py); --sqlite uses a temp SQLite file instead, the embedded default.
It loads 5 districts × 10 streets × 41 communities × 20 grids, each grid an irregular
octagon about 500 m across laid edge to edge, then times `services.regions.geo.place_point`
(what every report and Open311 request calls) for random points inside grids and for
points beyond the city's edge, where the nearest community is searched; and the locating
alone (the in-memory index, services.regions.grid_index), without loading the rows.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import tempfile
import time

from harness import bench_app, figure, region_rows  # first: it puts the repository on sys.path
from sqlalchemy import func, insert, select, text  # noqa: E402

from gridapp.extensions import db  # noqa: E402
from gridapp.models import City, Region  # noqa: E402
from gridapp.services.regions import geo, grid_index  # noqa: E402

LOCATE_MS = 1.0  # issue: < 1 ms per point
PLACE_MS = 2.0  # with the database round trip for the two rows a report needs
CELL = 0.005  # degrees, ~500 m
COLUMNS = 205  # 205 × 200 cells = 41,000 grids


def octagon(col: int, row: int, rng: random.Random) -> dict:
    """A cell's boundary: eight corners on its square's edges, nudged so no two grids look alike."""
    x0, y0 = 116.0 + col * CELL, 39.0 + row * CELL
    ring = []
    for k in range(8):
        angle = math.pi / 4 * k
        r = CELL / 2 / max(abs(math.cos(angle)), abs(math.sin(angle)))  # on the square's edge
        ring.append([round(x0 + CELL / 2 + r * math.cos(angle), 7), round(y0 + CELL / 2 + r * math.sin(angle), 7)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def load(city_id: int, rng: random.Random) -> int:
    first_id = db.session.scalar(select(func.coalesce(func.max(Region.id), 0))) + 1
    rows = region_rows(city_id, (5, 10, 41, 20), first_id)
    grids = [row for row in rows if row["level"] == "grid"]
    for index, row in enumerate(grids):
        shape = octagon(index % COLUMNS, index // COLUMNS, rng)
        xs, ys = zip(*shape["coordinates"][0])
        row.update(boundary_geojson=json.dumps(shape), min_lng=min(xs), max_lng=max(xs), min_lat=min(ys), max_lat=max(ys))
    for row in rows:
        row.setdefault("boundary_geojson", None)
        for key in ("min_lng", "max_lng", "min_lat", "max_lat"):
            row.setdefault(key, None)
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Region), rows[start:start + 10_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE regions"))
    db.session.commit()
    return len(grids)


def per_point_ms(points: list[tuple[float, float]], city_id: int, locate=geo.place_point) -> float:
    start = time.perf_counter()
    for lng, lat in points:
        locate(city_id, lng, lat)
    return (time.perf_counter() - start) * 1000 / len(points)


def grid_id_at(city_id: int, lng: float, lat: float) -> int | None:
    """Only the locating: the city's index (its stamp checked as on every call) and the point's grid."""
    return grid_index.for_city(city_id).containing(lng, lat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    rng = random.Random(41_000)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/locate.sqlite3" if args.sqlite else args.database_url
        with bench_app(url):
            city = City(code=f"locate{int(time.time())}", name="基准市")
            db.session.add(city)
            db.session.commit()
            started = time.perf_counter()
            count = load(city.id, rng)
            print(f"locate: {count:,} grids loaded in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
            rows = 41_000 // COLUMNS
            inside = [(116.0 + rng.uniform(0, COLUMNS * CELL), 39.0 + rng.uniform(0, rows * CELL)) for _ in range(args.points)]
            beyond = [(116.0 + COLUMNS * CELL + rng.uniform(0.001, 0.01), 39.0 + rng.uniform(0, rows * CELL)) for _ in range(args.points // 10)]
            per_point_ms(inside[:100], city.id)  # warm caches
            figure("locating a point: which of the grids holds it", per_point_ms(inside, city.id, grid_id_at) * 1000, LOCATE_MS * 1000, "µs")
            figure("placing a report: located, its grid and community rows loaded", per_point_ms(inside, city.id), PLACE_MS)
            figure("placing beyond the city's edge (the nearest community)", per_point_ms(beyond, city.id), PLACE_MS * 3)


if __name__ == "__main__":
    main()
