"""What every benchmark needs: a PostgreSQL database with the real schema, an app on it, and one
way to time a call and print the figure beside its target, so a reader sees at once what missed.

Given no URL (nor DATABASE_URL), a throwaway server is started in a temp dir with
tests/support/servers.py, so a benchmark runs anywhere the test suite runs.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from gridapp import create_app  # noqa: E402
from gridapp.clock import now  # noqa: E402
from gridapp.extensions import db  # noqa: E402
from gridapp.models import City  # noqa: E402

BENCH_SECRET = "bench-secret-key-that-is-long-enough-for-hs256"


@contextmanager
def bench_app(database_url: str | None, **config) -> Iterator[Flask]:
    """Inside an app context on the migrated database (SQLALCHEMY_DATABASE_URI names it for other processes)."""
    with ExitStack() as stack:
        if not database_url:
            from tests.support.servers import postgres_server

            database_url = stack.enter_context(postgres_server(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": BENCH_SECRET, "GRIDAPP_ENV": "test", **config})
        with app.app_context():
            upgrade()
            yield app


@contextmanager
def bench_city(database_url: str | None) -> Iterator[City]:
    """Inside an app context on the migrated database, a fresh city to load data into."""
    with bench_app(database_url):
        city = City(code=f"bench{int(time.time())}", name="基准市")
        db.session.add(city)
        db.session.flush()
        yield city


def region_rows(city_id: int, shape: tuple[int, int, int, int], first_id: int) -> list[dict]:
    """A city's region tree as rows for one bulk insert, parents first, with explicit ids and paths.

    `shape` is districts in the city, streets per district, communities per street, grids per community.
    """
    created = now()
    rows: list[dict] = []

    def node(parent, level, code, name):
        node_id = first_id + len(rows)
        rows.append({
            "id": node_id, "city_id": city_id, "parent_id": parent["id"] if parent else None, "level": level,
            "code": code, "name": name, "path": f"{parent['path'] if parent else '/'}{node_id}/", "created_at": created,
        })
        return rows[-1]

    districts, streets, communities, grids = shape
    root = node(None, "city", "bench", "基准市")
    for d in range(districts):
        district = node(root, "district", f"d{d}", f"区{d}")
        for s in range(streets):
            street = node(district, "street", f"d{d}s{s}", f"街道{s}")
            for c in range(communities):
                community = node(street, "community", f"d{d}s{s}c{c}", f"社区{c}")
                for g in range(grids):
                    node(community, "grid", f"d{d}s{s}c{c}g{g}", f"网格{g}")
    return rows


def timed(fn: Callable[[], object], repeat: int, between: Callable[[], object] | None = None) -> float:
    """The median of `repeat` calls in ms; `between` runs after each call, untimed."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
        if between is not None:
            between()
    return statistics.median(samples) * 1000


def figure(label: str, value: float, target: float, unit: str = "ms", note: str = "", *, at_least: bool = False) -> None:
    """One line: the figure, the most (or with `at_least`, the least) it may be, and MISSED when it is not."""
    verdict = "ok" if (value >= target if at_least else value <= target) else "MISSED"
    bound = "≥" if at_least else "≤"
    print(f"  {label:<66} {value:10,.1f} {unit:<2}  target {bound} {target:,g} {unit:<2} {verdict:<6} {note}".rstrip())
