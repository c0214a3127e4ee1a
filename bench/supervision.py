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
import time
from dataclasses import replace

from harness import bench_city, figure, region_rows, timed  # first: it puts the repository on sys.path
from sqlalchemy import event, insert, select, text  # noqa: E402

from gridapp.clock import now  # noqa: E402
from gridapp.extensions import db  # noqa: E402
from gridapp.models import Category, Region, User  # noqa: E402
from gridapp.services.supervision import metrics, rollups  # noqa: E402
from gridapp.services.supervision.metrics import Scope  # noqa: E402

PAGE_MS = 1000  # a leader waits at most a second for a dashboard page
DRILL_MS = 50  # each drill-down level at 10 M cases


def overview_target(cases: int) -> float:
    """50 ms up to a million cases, 150 ms up to ten million."""
    return 50 if cases <= 1_000_000 else 150
STATES = [("submitted", 2), ("accepted", 1), ("assigned", 2), ("in_progress", 3), ("resolved", 2), ("verified", 2), ("closed", 85), ("rejected", 3)]


def build_tree(city_id: int) -> tuple[Region, list[dict]]:
    rows = region_rows(city_id, (5, 8, 10, 10), 1)
    grids = [row for row in rows if row["level"] == "grid"]
    db.session.execute(insert(Region), rows)
    db.session.execute(text("SELECT setval('regions_id_seq', (SELECT max(id) FROM regions))"))
    db.session.commit()
    return db.session.get(Region, rows[0]["id"]), grids


# Case states by weight out of 100, as cumulative bounds on one random number per case.
STATE_BOUNDS = " ".join(
    f"WHEN u < {sum(w for _s, w in STATES[: i + 1]) / 100} THEN '{state}'" for i, (state, _w) in enumerate(STATES[:-1])
) + f" ELSE '{STATES[-1][0]}'"
CASES_SQL = f"""
INSERT INTO cases (id, city_id, created_at, updated_at, channel, state, category_id, grid_id, community_id, region_path,
                   outside_grid, description, anonymous, abusive, reopen_count, sla_colour, escalation_level,
                   confirm_due_at, accepted_at, onsite_due_at, resolve_due_at, resolved_at, closed_at)
SELECT r.i, :city, r.created, r.created, 'code', r.state, (:categories)[1 + floor(r.k * cardinality(:categories))::int],
       g.id, g.parent_id, g.path, false, '', false, false, 0, 'green', 0,
       r.created + interval '1 day', r.accepted, r.accepted + interval '1 day', r.accepted + interval '7 days',
       r.resolved, CASE WHEN r.state = 'closed' THEN least(:at, r.resolved + interval '30 hours') END
FROM (
  SELECT s.*, CASE WHEN s.state IN ('resolved', 'verified', 'closed')
              THEN least(:at, s.accepted + make_interval(hours => (ARRAY[2, 20, 60, 150, 200])[1 + floor(random() * 5)::int])) END AS resolved
  FROM (
    SELECT a.*, CASE WHEN a.state NOT IN ('submitted', 'rejected')
                THEN a.created + make_interval(mins => (ARRAY[3, 30, 200, 1500])[1 + floor(random() * 4)::int]) END AS accepted
    FROM (
      SELECT i, :at - make_interval(mins => floor(random() * :minutes)::int) AS created, CASE {STATE_BOUNDS} END AS state,
             random() AS k,
             CASE WHEN random() < 0.3 THEN floor(random() * :busiest) ELSE floor(random() * :grids) END AS n
      FROM (SELECT i, random() AS u FROM generate_series(1, :count) AS i) AS base
    ) AS a
  ) AS s
) AS r JOIN bench_grids AS g ON g.n = r.n
"""
# 60 % of the closed cases are rated, 5 to 1 stars weighted 60/22/9/5/4.
RATINGS_SQL = """
INSERT INTO case_ratings (city_id, created_at, case_id, user_id, round, stars, comment, handler_user_id)
SELECT :city, closed_at, id, :resident, 0,
       CASE WHEN v < 0.60 THEN 5 WHEN v < 0.82 THEN 4 WHEN v < 0.91 THEN 3 WHEN v < 0.96 THEN 2 ELSE 1 END, '', NULL
FROM (SELECT id, closed_at, random() AS v, random() AS w FROM cases WHERE city_id = :city AND state = 'closed') AS c
WHERE w < 0.6
"""
# Secondary indexes of the loaded tables (not those behind a constraint), dropped for the load and built after.
INDEXES_SQL = """
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index AS i
WHERE indrelid IN ('cases'::regclass, 'case_ratings'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)
"""


def load_cases(city_id: int, grids: list[dict], categories: list[int], resident_id: int, count: int, days: int) -> tuple[int, int]:
    """Generate the cases and ratings in the server (INSERT ... SELECT over generate_series): nothing crosses the
    wire, foreign keys and the ratings trigger are off (session_replication_role; the rollups come after) and
    the secondary indexes are built once at the end."""
    session = db.session
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    session.execute(text("SELECT setseed(0.2026)"))
    session.execute(text("CREATE TEMPORARY TABLE bench_grids (n integer PRIMARY KEY, id bigint, parent_id bigint, path text)"))
    session.execute(
        text("INSERT INTO bench_grids VALUES (:n, :id, :parent_id, :path)"),
        [{"n": n, "id": grid["id"], "parent_id": grid["parent_id"], "path": grid["path"]} for n, grid in enumerate(grids)],
    )
    indexes = session.execute(text(INDEXES_SQL)).all()
    for name, _definition in indexes:
        session.execute(text(f"DROP INDEX {name}"))
    at = now().replace(tzinfo=None)
    session.execute(text(CASES_SQL), {
        "city": city_id, "categories": categories, "at": at, "minutes": days * 1440, "busiest": len(grids) // 10,
        "grids": len(grids), "count": count,
    })
    ratings = session.execute(text(RATINGS_SQL), {"city": city_id, "resident": resident_id}).rowcount
    for _name, definition in indexes:
        session.execute(text(definition))
    session.execute(text("SELECT setval('cases_id_seq', :count)"), {"count": count})
    session.execute(text("DROP TABLE bench_grids"))
    session.commit()
    _vacuum("cases", "case_ratings")
    return count, ratings


def _vacuum(*tables: str) -> None:
    """VACUUM ANALYZE outside a transaction: statistics for the planner, the visibility map for index-only scans."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM ANALYZE {table}"))


def load_rollups(city_id: int) -> int:
    """The rollups and running clocks of the loaded cases, in set-based SQL (rollups.fill: the same rows as
    rollups.expected)."""
    db.session.execute(text("SET LOCAL work_mem = '256MB'"))
    rows = rollups.fill(db.session.connection(), city_id)
    db.session.commit()
    _vacuum("case_rollups", "case_clocks")
    return rows


def overview(city_id: int, node: Region, categories) -> None:
    """What dashboard.region_page computes, but for the per-case timings (see `timings` below)."""
    metrics.overview(Scope(city_id, node.path))
    month = Scope(city_id, node.path, *metrics.period("month"))
    if node.level != "grid":
        metrics.by_children(month, node)
    metrics.by_category(month, categories)
    if node.level in ("street", "community"):
        metrics.by_grid_counts(month)


def queries(fn) -> int:
    """How many statements one call sends: on a loaded machine each waits for a core, so the count is what we cut."""
    sent = []
    listener = lambda *_args: sent.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
        db.session.close()
    return len(sent)


def explain(label: str, fn) -> None:
    """EXPLAIN ANALYZE each statement one call sends: which index it reads and how many rows."""
    sent = []
    listener = lambda _conn, _cursor, statement, parameters, *_rest: sent.append((statement, parameters))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    print(f"  {label}:")
    connection = db.session.connection()
    for statement, parameters in sent:
        plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        scans = [line.strip() for line in plan if "Scan" in line or "rows=" in line and "Index" in line]
        print(f"    {statement.split()[1][:40]} ... {plan[-1].strip()}")
        for line in scans:
            print(f"      {line[:150]}")
    db.session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--explain", action="store_true", help="print each overview statement's plan (EXPLAIN ANALYZE)")
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
        print(f"generated {count:,} cases and {ratings:,} ratings in {time.perf_counter() - started:.1f} s (INSERT ... SELECT, PostgreSQL)")
        started = time.perf_counter()
        rolled = load_rollups(city.id)
        print(f"computed {rolled:,} rollup rows in {time.perf_counter() - started:.1f} s (rollups.fill, set-based SQL)")
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
            # close, not rollback: the nodes and categories stay loaded (detached), as a page has them from its own queries
            figure(label, timed(fn, args.repeat, between=db.session.close), target, note=f"{queries(fn)} queries")
        print(f"  (month so far: {metrics.figures(month(root)).received:,} cases in the city)")
        if args.explain:
            for node in (root, district, street, community, grid):
                explain(f"{node.level} {node.path}", lambda node=node: overview(city.id, node, categories))


if __name__ == "__main__":
    main()
