"""Department staff on their phones (Chromium, 390x844): two staff of two eligible departments race for one order
from their pool pages; one wins, the other sees 手慢了; the winner starts and resolves with an after-photo.
Every page passes axe-core's WCAG A/AA rules."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Order
from tests.support.browser import PHONE, axe_violations, device_page, snapshot
from tests.support.cases import jpeg
from tests.support.department_walk import (
    TOO_SLOW,
    open_pool,
    staff_grabs,
    staff_resolves,
    staff_sees_too_slow,
    staff_signs_in,
    staff_starts,
)
from tests.support.orders import points_city, post

pytestmark = pytest.mark.browser


def test_two_departments_race_for_one_order_and_the_winner_resolves_it(browser, live_url, city, clock, tmp_path):
    ns = points_city(city)
    order = post(ns, title="创文：楼道杂物清理", category=ns.campaign, bounty=30)  # no kind: both departments may take it
    post(ns, title="人行道乱停车")
    order_id, staff_id = order.id, city.users[Role.DEPARTMENT_STAFF].id
    names = city.users[Role.DEPARTMENT_STAFF].username, ns.housing_staff.username
    db.session.commit()  # and read nothing more until the end: an open read would hold SQLite's lock against the server
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg(1600, 1200, color=(30, 150, 60)))
    with device_page(browser, live_url, PHONE) as winner, device_page(browser, live_url, PHONE) as loser:
        staff_signs_in(winner, live_url, names[0])
        staff_signs_in(loser, live_url, names[1])
        open_pool(winner, live_url, order_id)
        open_pool(loser, live_url, order_id)
        snapshot(loser, "department-pool")
        assert axe_violations(loser) == []

        staff_grabs(winner, live_url, order_id)
        said = staff_sees_too_slow(loser, live_url, order_id)
        assert said == f"{TOO_SLOW}，该订单已被城管局抢走"
        assert loser.locator("#pool-list .order-card").count() == 0  # the list was read again: 住建局 sees nothing left
        snapshot(loser, "department-pool-too-slow")
        snapshot(winner, "department-order-grabbed")
        assert axe_violations(winner) == []

        staff_starts(winner, live_url, order_id)
        assert axe_violations(winner) == []  # the resolve form with its photo picker
        staff_resolves(winner, live_url, order_id, str(photo))
        snapshot(winner, "department-order-resolved")
        assert axe_violations(winner) == []

        for path, ready in (("/h5/orders/mine", "#mine-list"), ("/h5/points/staff", "#balance")):
            winner.goto(live_url + path)
            winner.wait_for_selector(ready)
            snapshot(winner, "department" + path.replace("/", "-"))
            assert axe_violations(winner) == [], path
    db.session.expire_all()
    done = db.session.scalar(select(Order).where(Order.id == order_id))
    assert done.status == "resolved" and done.holder_user_id == staff_id
    assert len(done.after_photos) == 1
