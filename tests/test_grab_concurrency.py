"""Grabbing under real concurrency on PostgreSQL: separate processes, separate connections.

(The embedded SQLite default serialises every writer on its one file lock, so fifty racing processes there
test the lock's patience, not the grab; tests/test_orders.py runs the same grab rules on SQLite.)

One pool of 50 spawned processes serves both tests (starting a Python process with
the app costs more than everything the tests then do). How fast a grab answers under
contention is bench/grab.py's to say.
"""
from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import Order, OrderEvent
from tests.conftest import make_app
from tests.support import servers
from tests.support.grab_workers import contest_city, grab_pool, post_many
from tests.support.orders import post

WORKERS = 50

pytestmark = pytest.mark.slow  # fifty processes


@pytest.fixture(scope="module")
def contest(pg_admin_url, tmp_path_factory):
    database_url = servers.create_database(pg_admin_url, f"gridapp_grab_{uuid.uuid4().hex[:8]}")
    app = make_app(database_url, tmp_path_factory.mktemp("grab"))
    with app.app_context():
        ns, staff = contest_city(WORKERS)
        try:
            with grab_pool(database_url, ns.city_id, WORKERS) as run:
                yield ns, staff, run
        finally:
            db.session.remove()
            db.engine.dispose()


def test_fifty_processes_grab_one_order_and_exactly_one_wins(contest):
    ns, staff, run = contest
    order_id = post(ns, bounty=20).id
    db.session.commit()
    outcomes = [r for results in run([(u, [order_id]) for u in staff]).values() for r in results]
    kinds = Counter(o[1] for o in outcomes)
    assert kinds == {"won": 1, "taken": WORKERS - 1}, [o for o in outcomes if o[1] == "error"]
    (winner,) = [o for o in outcomes if o[1] == "won"]
    # A loser names the winner's department, or none when the winner's grab was not yet committed (it skipped the lock).
    assert all(o[2] == 409 and o[3] in (ns.city.department.id, None) for o in outcomes if o[1] == "taken")
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert (order.status, order.holder_user_id) == ("grabbed", winner[2])
    grabs = db.session.scalar(select(func.count()).where(OrderEvent.order_id == order_id, OrderEvent.action == "grab"))
    assert grabs == 1


def test_twenty_processes_across_two_hundred_orders_leave_one_holder_each(contest):
    ns, staff, run = contest
    order_ids = post_many(ns, 200)
    assignments = []
    for n, user_id in enumerate(staff[:20]):
        mine = list(order_ids)
        random.Random(n).shuffle(mine)
        assignments.append((user_id, mine))
    by_user = run(assignments)
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
