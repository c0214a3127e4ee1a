"""Grabbing under real concurrency on PostgreSQL: separate processes, separate connections.

One pool of 50 spawned processes serves both tests (starting a Python process with
the app costs more than everything the tests then do).
"""
from __future__ import annotations

import multiprocessing
import queue
import random
import statistics
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import Order, OrderEvent
from gridapp.services.points import ledger
from gridapp.unit_of_work import unit_of_work
from tests.conftest import make_app
from tests.support import grab_workers, servers
from tests.support.factories import build_city
from tests.support.orders import points_city, post, staff_user

WORKERS = 50


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


@unit_of_work
def post_many(ns, count: int) -> list[int]:
    return [post(ns, bounty=5, difficulty="simple", title=f"订单{i}").id for i in range(count)]


@pytest.fixture(scope="module")
def contest(pg_admin_url, tmp_path_factory):
    database_url = servers.create_database(pg_admin_url, f"gridapp_grab_{uuid.uuid4().hex[:8]}")
    app = make_app(database_url, tmp_path_factory.mktemp("grab"))
    with app.app_context():
        city = build_city()
        ns = points_city(city, budget=0)
        ledger.top_up(ns.sysadmin, city.c1.id, 1_000_000, key="contest")
        staff = [staff_user(city, f"grabber{i:02d}", city.department).id for i in range(WORKERS)]
        db.session.commit()
        context = multiprocessing.get_context("spawn")
        outbox = context.Queue()
        inboxes = [context.Queue() for _ in range(WORKERS)]
        processes = [
            context.Process(target=grab_workers.serve, args=(database_url, ns.city_id, inbox, outbox), daemon=True)
            for inbox in inboxes
        ]
        for process in processes:
            process.start()
        try:
            _wait_until_ready(processes, outbox)

            def run(assignments: list[tuple[int, list[int]]]) -> dict[int, list]:
                start_at = time.time() + 0.5
                for inbox, (user_id, order_ids) in zip(inboxes, assignments):
                    inbox.put(("grab", user_id, order_ids, start_at))
                done = [outbox.get(timeout=120) for _ in assignments]
                return {user_id: results for _tag, (user_id, results) in done}

            yield ns, staff, run
        finally:
            for inbox in inboxes:
                inbox.put(None)
            for process in processes:
                process.join(timeout=10)
            db.session.remove()
            db.engine.dispose()


def test_fifty_processes_grab_one_order_and_exactly_one_wins(contest, capsys):
    ns, staff, run = contest
    order_id = post(ns, bounty=20).id
    db.session.commit()
    outcomes = [r for results in run([(u, [order_id]) for u in staff]).values() for r in results]
    kinds = Counter(o[1] for o in outcomes)
    assert kinds == {"won": 1, "taken": WORKERS - 1}, [o for o in outcomes if o[1] == "error"]
    (winner,) = [o for o in outcomes if o[1] == "won"]
    assert all(o[2] == 409 and o[3] == ns.city.department.id for o in outcomes if o[1] == "taken")
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert (order.status, order.holder_user_id) == ("grabbed", winner[2])
    grabs = db.session.scalar(select(func.count()).where(OrderEvent.order_id == order_id, OrderEvent.action == "grab"))
    assert grabs == 1
    latencies = sorted(o[4] for o in outcomes)
    with capsys.disabled():
        print(f"\n  grab under 50-way contention: median {statistics.median(latencies):.1f} ms, max {latencies[-1]:.1f} ms")


def test_twenty_processes_across_two_hundred_orders_leave_one_holder_each(contest, capsys):
    ns, staff, run = contest
    order_ids = post_many(ns, 200)
    assignments = []
    for n, user_id in enumerate(staff[:20]):
        mine = list(order_ids)
        random.Random(n).shuffle(mine)
        assignments.append((user_id, mine))
    began = time.perf_counter()
    by_user = run(assignments)
    elapsed = time.perf_counter() - began
    outcomes = [r for results in by_user.values() for r in results]
    assert not [o for o in outcomes if o[1] == "error"]
    wins = Counter(o[0] for o in outcomes if o[1] == "won")
    assert sorted(wins) == sorted(order_ids) and set(wins.values()) == {1}
    db.session.expire_all()
    rows = db.session.execute(select(Order.id, Order.status, Order.holder_user_id).where(Order.id.in_(order_ids))).all()
    winners = {o[0]: o[2] for o in outcomes if o[1] == "won"}
    assert all(status == "grabbed" and holder == winners[order_id] for order_id, status, holder in rows)
    grab_events = db.session.execute(
        select(OrderEvent.order_id, func.count()).where(OrderEvent.order_id.in_(order_ids), OrderEvent.action == "grab").group_by(OrderEvent.order_id)
    ).all()
    assert len(grab_events) == 200 and {count for _id, count in grab_events} == {1}
    with capsys.disabled():
        print(f"\n  20 processes × 200 orders: {len(outcomes)} grabs in {elapsed:.2f} s, {Counter(wins.values())}, per-user wins {sorted(Counter(winners.values()).values())}")
