"""Dashboard benchmark: the leaders' overview and a drill-down over a million cases in PostgreSQL.

    python bench/supervision.py [--cases 1000000] [--days 180] [--database-url postgresql://...]

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server
(tests/support/servers.py). It builds the schema with the real migrations, a city of
5 districts × 8 streets × 10 communities × 10 grids, and COPYs the cases (spread over the
last `--days` days, in every state) and ratings for 60 % of the closed ones. Then it times
the same service calls the dashboard makes (services.metrics), medians of several runs,
each beside its target.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from contextlib import ExitStack
from datetime import timedelta

from harness import bench_city, figure, region_rows, timed  # first: it puts the repository on sys.path
from sqlalchemy import insert, select, text  # noqa: E402

from gridapp.clock import now  # noqa: E402
from gridapp.extensions import db  # noqa: E402
from gridapp.models import Category, Region, User  # noqa: E402
from gridapp.services.supervision import metrics  # noqa: E402
from gridapp.services.supervision.metrics import Scope  # noqa: E402

PAGE_MS = 1000  # a leader waits at most a second for a dashboard page
STATES = [("submitted", 2), ("accepted", 1), ("assigned", 2), ("in_progress", 3), ("resolved", 2), ("verified", 2), ("closed", 85), ("rejected", 3)]
COLUMNS = (
    "id", "city_id", "created_at", "updated_at", "channel", "state", "category_id", "grid_id", "community_id", "region_path",
    "outside_grid", "description", "anonymous", "abusive", "reopen_count", "sla_colour", "escalation_level",
    "confirm_due_at", "accepted_at", "onsite_due_at", "resolve_due_at", "resolved_at", "closed_at",
)


def build_tree(city_id: int) -> tuple[Region, list[dict]]:
    rows = region_rows(city_id, (5, 8, 10, 10), 1)
    grids = [row for row in rows if row["level"] == "grid"]
    db.session.execute(insert(Region), rows)
    db.session.execute(text("SELECT setval('regions_id_seq', (SELECT max(id) FROM regions))"))
    db.session.commit()
    return db.session.get(Region, rows[0]["id"]), grids


def load_cases(city_id: int, grids: list[dict], categories: list[int], resident_id: int, count: int, days: int) -> tuple[int, int]:
    rng = random.Random(2026)
    at = now().replace(tzinfo=None)
    states, weights = zip(*STATES)
    raw = db.engine.raw_connection()
    ratings = 0
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy, ExitStack():
                rated = []
                for case_id in range(1, count + 1):
                    # 30 % of reports come from the busiest tenth of the grids, the rest from anywhere.
                    grid = grids[rng.randrange(len(grids) // 10)] if rng.random() < 0.3 else rng.choice(grids)
                    created = at - timedelta(minutes=rng.randrange(days * 1440))
                    state = rng.choices(states, weights)[0]
                    accepted = resolve_due = resolved = closed = onsite_due = None
                    if state not in ("submitted", "rejected"):
                        accepted = created + timedelta(minutes=rng.choice((3, 30, 200, 1500)))
                        onsite_due, resolve_due = accepted + timedelta(days=1), accepted + timedelta(days=7)
                        if state in ("resolved", "verified", "closed"):
                            resolved = min(at, accepted + timedelta(hours=rng.choice((2, 20, 60, 150, 200))))
                        if state == "closed":
                            closed = min(at, resolved + timedelta(hours=30))
                            if rng.random() < 0.6:
                                rated.append((case_id, rng.choices((5, 4, 3, 2, 1), (60, 22, 9, 5, 4))[0], closed))
                    copy.write_row((
                        case_id, city_id, created, created, "code", state, rng.choice(categories), grid["id"], grid["parent_id"],
                        grid["path"], False, "", False, False, 0, "green", 0, created + timedelta(days=1), accepted, onsite_due,
                        resolve_due, resolved, closed,
                    ))
            with cursor.copy("COPY case_ratings (city_id, created_at, case_id, user_id, round, stars, comment, handler_user_id) FROM STDIN") as copy:
                for case_id, stars, when in rated:
                    copy.write_row((city_id, when, case_id, resident_id, 0, stars, "", None))
                ratings = len(rated)
            cursor.execute("SELECT setval('cases_id_seq', %s)", (count,))
        connection.commit()
    finally:
        raw.close()
    db.session.execute(text("ANALYZE cases"))
    db.session.execute(text("ANALYZE case_ratings"))
    db.session.commit()
    return count, ratings


def overview(city_id: int, node: Region, categories) -> None:
    """What dashboard.region_page computes, but for the per-case timings (see `timings` below)."""
    for name in ("today", "week", "month"):
        metrics.figures(Scope(city_id, node.path, *metrics.period(name)))
    month = Scope(city_id, node.path, *metrics.period("month"))
    metrics.trend(Scope(city_id, node.path))
    metrics.by_children(month, node)
    metrics.by_category(month, categories)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with bench_city(args.database_url) as city:
        categories = [
            Category(city_id=city.id, code=f"c{i}", name=f"类别{i}", default_route="grid_worker", confirm_minutes=1440,
                     onsite_minutes=1440, resolve_minutes=7 * 1440)
            for i in range(10)
        ]
        resident = User(city_id=city.id, display_name="居民")
        db.session.add_all([*categories, resident])
        db.session.commit()
        root, grids = build_tree(city.id)
        started = time.perf_counter()
        count, ratings = load_cases(city.id, grids, [c.id for c in categories], resident.id, args.cases, args.days)
        print(f"loaded {count:,} cases and {ratings:,} ratings in {time.perf_counter() - started:.1f} s (COPY, PostgreSQL)")
        district = db.session.scalar(select(Region).where(Region.city_id == city.id, Region.level == "district").order_by(Region.code))
        street = db.session.scalar(select(Region).where(Region.parent_id == district.id).order_by(Region.code))
        community = db.session.scalar(select(Region).where(Region.parent_id == street.id).order_by(Region.code))
        month = lambda node: Scope(city.id, node.path, *metrics.period("month"))  # noqa: E731
        rows = [
            ("overview, whole city (3 periods, trend, 5 districts, categories)", lambda: overview(city.id, root, categories)),
            ("drill-down, a district (8 streets)", lambda: overview(city.id, district, categories)),
            ("drill-down, a street (10 communities)", lambda: overview(city.id, street, categories)),
            ("drill-down, a community (10 grids)", lambda: overview(city.id, community, categories)),
            ("city figures for this month (one query pair)", lambda: metrics.figures(month(root))),
            ("response/resolve mean+p90, a street's month", lambda: metrics.timings(month(street))),
            ("response/resolve mean+p90, the city's month", lambda: metrics.timings(month(root))),
        ]
        for label, fn in rows:
            figure(label, timed(fn, args.repeat, between=db.session.rollback), PAGE_MS)
        print(f"  (month so far: {metrics.figures(month(root)).received:,} cases in the city)")


if __name__ == "__main__":
    main()
