"""Dashboard benchmark: the leaders' overview and every drill-down level over 1 M or 10 M cases in PostgreSQL.

    python bench/supervision.py [--cases 1000000] [--days 180] [--database-url postgresql://...]
    python bench/supervision.py --cases 10000000

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server
(tests/support/servers.py). It builds the schema with the real migrations, a city of
5 districts × 8 streets × 10 communities × 10 grids, and COPYs the cases (spread over the
last `--days` days, in every state) and ratings for 60 % of the closed ones, then the
rollups computed from them day by day the way the reconciliation does (rollups.expected),
COPYd too. Then it times the same service calls the dashboard makes (services.metrics),
medians of several runs, each beside its target: the overview < 50 ms at 1 M cases and
< 150 ms at 10 M, each drill-down level < 50 ms at 10 M.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta

from harness import bench_city, figure, region_rows, timed  # first: it puts the repository on sys.path
from sqlalchemy import insert, select, text  # noqa: E402

from gridapp.clock import china_today, now  # noqa: E402
from gridapp.extensions import db  # noqa: E402
from gridapp.models import Category, Region, User  # noqa: E402
from gridapp.models.rollups import ROLLUP_COUNTS  # noqa: E402
from gridapp.services.supervision import metrics, rollups  # noqa: E402
from gridapp.services.supervision.metrics import Scope  # noqa: E402

PAGE_MS = 1000  # a leader waits at most a second for a dashboard page
DRILL_MS = 50  # each drill-down level at 10 M cases


def overview_target(cases: int) -> float:
    """50 ms up to a million cases, 150 ms up to ten million."""
    return 50 if cases <= 1_000_000 else 150
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
            # The ratings trigger adds to rollup rows; these come with the rollups computed below.
            cursor.execute("ALTER TABLE case_ratings DISABLE TRIGGER case_ratings_rollups")
            with cursor.copy("COPY case_ratings (city_id, created_at, case_id, user_id, round, stars, comment, handler_user_id) FROM STDIN") as copy:
                for case_id, stars, when in rated:
                    copy.write_row((city_id, when, case_id, resident_id, 0, stars, "", None))
                ratings = len(rated)
            cursor.execute("ALTER TABLE case_ratings ENABLE TRIGGER case_ratings_rollups")
            cursor.execute("SELECT setval('cases_id_seq', %s)", (count,))
        connection.commit()
    finally:
        raw.close()
    db.session.execute(text("ANALYZE cases"))
    db.session.execute(text("ANALYZE case_ratings"))
    db.session.commit()
    return count, ratings


def load_rollups(city_id: int, days: int) -> int:
    """The rollups and running clocks of the loaded cases, a day at a time (rollups.expected), COPYd in."""
    rows = 0
    today = china_today()
    for offset in range(days + 1):
        day = today - timedelta(days=days - offset)
        want = rollups.expected(db.session.connection(), city_id, day, day)
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY case_rollups (city_id, region_path, day, category_id, {', '.join(ROLLUP_COUNTS)}) FROM STDIN") as copy:
                for (city, path, on, category_id), counts in want.rows.items():
                    copy.write_row((city, path, on, category_id, *counts))
            with cursor.copy("COPY case_clocks (city_id, case_id, region_path, category_id, created_at, due_at) FROM STDIN") as copy:
                for clock in want.clocks.values():
                    copy.write_row((
                        clock["city_id"], clock["case_id"], clock["region_path"], clock["category_id"],
                        clock["created_at"].replace(tzinfo=None), clock["due_at"].replace(tzinfo=None),
                    ))
        rows += len(want.rows)
        db.session.commit()
    db.session.execute(text("ANALYZE case_rollups"))
    db.session.execute(text("ANALYZE case_clocks"))
    db.session.commit()
    return rows


def overview(city_id: int, node: Region, categories) -> None:
    """What dashboard.region_page computes, but for the per-case timings (see `timings` below)."""
    for name in ("today", "week", "month"):
        metrics.figures(Scope(city_id, node.path, *metrics.period(name)))
    month = Scope(city_id, node.path, *metrics.period("month"))
    metrics.trend(Scope(city_id, node.path))
    if node.level != "grid":
        metrics.by_children(month, node)
    metrics.by_category(month, categories)
    if node.level in ("street", "community"):
        metrics.by_grid_counts(month)


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
        started = time.perf_counter()
        rolled = load_rollups(city.id, args.days)
        print(f"computed and loaded {rolled:,} rollup rows in {time.perf_counter() - started:.1f} s (rollups.expected, COPY)")
        district = db.session.scalar(select(Region).where(Region.city_id == city.id, Region.level == "district").order_by(Region.code))
        street = db.session.scalar(select(Region).where(Region.parent_id == district.id).order_by(Region.code))
        community = db.session.scalar(select(Region).where(Region.parent_id == street.id).order_by(Region.code))
        grid = db.session.scalar(select(Region).where(Region.parent_id == community.id).order_by(Region.code))
        month = lambda node: Scope(city.id, node.path, *metrics.period("month"))  # noqa: E731
        size = f"{args.cases / 1e6:g} M"
        rows = [
            (f"overview, whole city (3 periods, trend, 5 districts, categories), {size}",
             lambda: overview(city.id, root, categories), overview_target(args.cases)),
            (f"drill-down, a district (8 streets), {size}", lambda: overview(city.id, district, categories), DRILL_MS),
            (f"drill-down, a street (10 communities), {size}", lambda: overview(city.id, street, categories), DRILL_MS),
            (f"drill-down, a community (10 grids), {size}", lambda: overview(city.id, community, categories), DRILL_MS),
            (f"drill-down, a grid (its figures, trend, categories), {size}", lambda: overview(city.id, grid, categories), DRILL_MS),
            (f"drill-down, one category across the city, {size}",
             lambda: metrics.by_children(replace(month(root), category_id=categories[0].id), root), DRILL_MS),
            ("city figures for this month (rollups)", lambda: metrics.figures(month(root)), DRILL_MS),
            ("city figures for this month (counted from the cases)", lambda: metrics.figures(month(root), from_cases=True), PAGE_MS),
            ("response/resolve mean+p90, a street's month", lambda: metrics.timings(month(street)), PAGE_MS),
            ("response/resolve mean+p90, the city's month", lambda: metrics.timings(month(root)), PAGE_MS),
        ]
        for label, fn, target in rows:
            figure(label, timed(fn, args.repeat, between=db.session.rollback), target)
        print(f"  (month so far: {metrics.figures(month(root)).received:,} cases in the city)")


if __name__ == "__main__":
    main()
