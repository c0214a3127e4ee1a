"""Grab contests: many processes, each with its own connection, grabbing orders at once.

Used by tests/test_grab_concurrency.py (who wins) and bench/grab.py (how fast). Each
process (started with multiprocessing's spawn) builds its own Flask app and SQLAlchemy
engine against the real PostgreSQL URL, as separate app servers would. A process reports
"ready" once connected, then waits for commands: ("grab", user_id, order_ids, start_at)
grabs each order in turn as that user, starting at the wall-clock time `start_at` so all
processes fire together. Each result carries the grab's latency in ms, for the bench.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import queue
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

from gridapp.extensions import db
from gridapp.services.points import ledger
from gridapp.unit_of_work import unit_of_work
from tests.support.factories import build_city
from tests.support.orders import points_city, post, staff_user

Run = Callable[[list[tuple[int, list[int]]]], dict[int, list[tuple]]]


def contest_city(grabbers: int, code: str = "testcity") -> tuple[SimpleNamespace, list[int]]:
    """The points city with a fund deep enough for every order, and `grabbers` staff of 城管 (their user ids)."""
    city = build_city(code)
    ns = points_city(city, budget=0)
    ledger.top_up(ns.sysadmin, city.c1.id, 1_000_000, key="contest")
    staff = [staff_user(city, f"grabber{i:02d}", city.department).id for i in range(grabbers)]
    db.session.commit()
    return ns, staff


@unit_of_work
def post_many(ns, count: int) -> list[int]:
    return [post(ns, bounty=5, difficulty="simple", title=f"订单{i}").id for i in range(count)]


@contextlib.contextmanager
def grab_pool(database_url: str, city_id: int, size: int) -> Iterator[Run]:
    """`size` connected grab processes; yields run([(user_id, order_ids), ...]) → {user_id: results}."""
    context = multiprocessing.get_context("spawn")
    outbox = context.Queue()
    inboxes = [context.Queue() for _ in range(size)]
    processes = [
        context.Process(target=serve, args=(database_url, city_id, inbox, outbox), daemon=True) for inbox in inboxes
    ]
    for process in processes:
        process.start()
    try:
        _wait_until_ready(processes, outbox)

        def run(assignments: list[tuple[int, list[int]]]) -> dict[int, list[tuple]]:
            start_at = time.time() + 0.5
            for inbox, (user_id, order_ids) in zip(inboxes, assignments):
                inbox.put(("grab", user_id, order_ids, start_at))
            # Bounded, but generous: 4,000 contended grabs on a 2-core machine that other runs share take minutes.
            done = [outbox.get(timeout=900) for _ in assignments]
            return {user_id: results for _tag, (user_id, results) in done}

        yield run
    finally:
        for inbox in inboxes:
            inbox.put(None)
        for process in processes:
            process.join(timeout=10)


def _wait_until_ready(processes, outbox, limit: float = 900.0) -> None:
    """Every worker connected, or fail at once when one died (its traceback is in the message)."""
    deadline, ready = time.monotonic() + limit, 0
    while ready < len(processes):
        try:
            tag, payload = outbox.get(timeout=5)
        except queue.Empty:
            dead = [p.exitcode for p in processes if p.exitcode is not None]
            assert not dead, f"grab workers exited early: {dead}"
            assert time.monotonic() < deadline, f"only {ready} of {len(processes)} grab workers ready"
            continue
        assert tag == "ready", payload
        ready += 1


def serve(database_url: str, city_id: int, inbox, outbox) -> None:
    try:
        _serve(database_url, city_id, inbox, outbox)
    except BaseException:
        import traceback

        outbox.put(("error", traceback.format_exc()))
        raise


def _serve(database_url: str, city_id: int, inbox, outbox) -> None:
    from flask import Flask
    from sqlalchemy import text
    from sqlalchemy.orm import configure_mappers

    from gridapp import database
    from gridapp.config import load_settings
    from gridapp.extensions import db

    app = Flask("grab-worker")
    app.config.update(load_settings(
        "/tmp", env={}, overrides={
            "SECRET_KEY": "x" * 48, "GRIDAPP_ENV": "test", "SQLALCHEMY_DATABASE_URI": database_url,
            # On SQLite every grab waits for the one write lock: fifty processes on two shared cores may queue long.
            "SQLITE_BUSY_TIMEOUT_MS": 300_000,
        }
    ))
    database.init_app(app)
    from sqlalchemy import select

    from gridapp import models  # noqa: F401  (registers the tables)
    from gridapp.models import Order
    from gridapp.services.accounts.users import load_actor
    from gridapp.services.orders import workflow as orders

    with app.app_context():
        # Configure the mappers (before any transaction: on SQLite that holds the write lock) and open
        # the connection now, not inside the timed grab.
        configure_mappers()
        db.session.execute(text("SELECT 1"))
        db.session.scalar(select(Order).limit(1))
        db.session.rollback()
        outbox.put(("ready", None))
        while True:
            command = inbox.get()
            if command is None:
                return
            _verb, user_id, order_ids, start_at = command
            actor = load_actor(city_id, user_id)
            db.session.rollback()
            results = []
            time.sleep(max(0.0, start_at - time.time()))
            for order_id in order_ids:
                began = time.perf_counter()
                try:
                    order = orders.grab(actor, order_id)
                    outcome = ("won", order.holder_user_id, order.holder_department_id)
                except orders.OrderTaken as taken:
                    outcome = ("taken", taken.status, taken.details["holder_department_id"])
                except Exception as error:  # reported to the test, which fails on it
                    db.session.rollback()
                    outcome = ("error", type(error).__name__, str(error)[:300])
                results.append((order_id, *outcome, (time.perf_counter() - began) * 1000))
            outbox.put(("done", (user_id, results)))
