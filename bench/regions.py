"""Region-tree benchmark: subtree queries on a 100 k-node tree in PostgreSQL.

    python bench/regions.py [--nodes-per-community 49] [--database-url postgresql://...]

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server in a
temp dir (tests/support/servers.py), so it runs anywhere the test suite runs. It builds
the schema with the real migrations, bulk-loads a city of 10 districts × 10 streets × 20
communities × N grids, then prints the median time of the queries the API runs, each
beside its target, and whether PostgreSQL answered them from the (city_id, path) index.
"""
from __future__ import annotations

import argparse
import os
import time

from harness import bench_city, figure, region_rows, timed  # first: it puts the repository on sys.path
from sqlalchemy import func, insert, select, text  # noqa: E402

from gridapp.extensions import db  # noqa: E402
from gridapp.models import Region  # noqa: E402
from gridapp.services.regions.tree import ancestors, subtree, subtree_filter  # noqa: E402

QUERY_MS = 50  # one query of an API answer that should take well under 200 ms


def build_tree(city_id: int, grids_per_community: int) -> dict[str, int]:
    """Insert the tree with explicit ids, 10,000 rows per executemany."""
    first_id = db.session.scalar(select(func.coalesce(func.max(Region.id), 0))) + 1
    rows = region_rows(city_id, (10, 10, 20, grids_per_community), first_id)
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Region), rows[start:start + 10_000])
    db.session.commit()
    db.session.execute(text("ANALYZE regions"))
    db.session.commit()
    last = {row["level"]: row["id"] for row in rows}  # the last node of each level
    return {"nodes": len(rows), "root": rows[0]["id"], **last}


def uses_index(stmt) -> bool:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
    return "ix_regions_city_id_path" in plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes-per-community", type=int, default=49, help="grids per community (49 → ~100 k nodes)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with bench_city(args.database_url) as city:
        started = time.perf_counter()
        ids = build_tree(city.id, args.nodes_per_community)
        load_s = time.perf_counter() - started
        get = lambda region_id: db.session.get(Region, region_id)  # noqa: E731
        district, street, community, grid = (get(ids[k]) for k in ("district", "street", "community", "grid"))
        print(f"region tree: {ids['nodes']:,} nodes loaded in {load_s:.1f} s ({db.engine.dialect.name})")
        count = lambda root: db.session.scalar(select(func.count()).select_from(subtree(city.id, root).subquery()))  # noqa: E731
        cases = [
            ("count of a district's subtree", lambda: count(district), count(district)),
            ("count of a street's subtree", lambda: count(street), count(street)),
            ("list a community's subtree", lambda: list(db.session.scalars(subtree(city.id, community))), count(community)),
            ("grids under a street (level filter)", lambda: list(db.session.scalars(subtree(city.id, street, None).where(Region.level == "grid"))), None),
            ("ancestors of a grid (breadcrumb)", lambda: ancestors(grid), 4),
            ("children of a street, first page", lambda: list(db.session.scalars(select(Region).where(Region.city_id == city.id, Region.parent_id == street.id).order_by(Region.code).limit(20))), 20),
        ]
        for label, fn, size in cases:
            ms = timed(fn, 25)
            db.session.rollback()
            figure(label, ms, QUERY_MS, note=f"({size:,} rows)" if size else "")
        stmt = select(func.count()).where(Region.city_id == city.id, subtree_filter(street.path))
        print(f"  subtree range scan uses ix_regions_city_id_path: {uses_index(stmt)}")


if __name__ == "__main__":
    main()
