"""One case walked entirely through the pages, on phones (Chromium, 390x844): the resident reports with a photo;
the grid worker accepts, checks in on site and hands it up; the community posts an order; a department's staff
grabs it while a second department's staff sees 手慢了; the winner resolves with an after-photo; the community
verifies with the photos side by side; the resident confirms and rates. Nothing here calls the API directly:
each step is the lane's own page step (tests/support/*_walk.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, CaseRating, Department, DepartmentRegion, Order
from gridapp.services.points import ledger
from tests.support.browser import PHONE, axe_violations, device_page, sign_in_by_sms, snapshot
from tests.support.cases import G1, jpeg
from tests.support.community_walk import cadre_posts_order, cadre_verifies, staff_sign_in
from tests.support.department_walk import (
    TOO_SLOW,
    open_pool,
    staff_grabs,
    staff_sees_too_slow,
    staff_signs_in,
    staff_starts_and_resolves,
)
from tests.support.factories import PASSWORD
from tests.support.orders import category, points_city, staff_user
from tests.support.staff_walk import worker_accepts_checks_in_and_hands_up, worker_signs_in

pytestmark = pytest.mark.browser


def resident_reports(page, caplog, number: str, category_id: int, photo: bytes) -> int:
    """On the 随手拍 page at the phone's position: a photo, the category, send; answers the new case's id."""
    page.goto("/h5/report")
    sign_in_by_sms(page, caplog, number)
    page.wait_for_url(lambda url: url.endswith("/h5/report"))
    page.wait_for_selector("#location-status.ok")
    page.set_input_files("#report-form input[type=file]", files=[{"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.wait_for_selector("#report-form .photo-tile.done")
    page.click(f".category:has(input[value='{category_id}'])")
    page.fill("#description", "楼道里堆满了杂物，影响通行")
    page.click("#report-submit")
    page.wait_for_url(lambda url: "/h5/reports?sent=" in url)
    return int(page.url.rsplit("sent=", 1)[1])


def resident_confirms_and_rates(page, case_id: int, stars: int, comment: str) -> None:
    page.goto(f"/h5/reports/{case_id}")
    page.wait_for_selector("#resident-actions")
    page.click("#choose-satisfied")
    page.click(f".star[data-stars='{stars}']")
    page.fill("#comment", comment)
    page.click("#send-satisfied")
    page.wait_for_selector("#case-state:has-text('已办结')")


def test_one_case_walks_through_every_staff_page(browser, live_url, city, caplog, tmp_path, app):
    caplog.set_level("INFO", logger="gridapp.sms")
    points_city(city)  # c1's budget is topped up
    # Piles in a stairwell: the grid worker's to take first, a 城管 job once ordered; two 城管 departments serve d1.
    walk = category(city.city.id, "stairwell", "city_management")
    walk.default_route, walk.name = "grid_worker", "楼道堆物"
    second = Department(city_id=city.city.id, code="cg2", name="城管二大队", kind="city_management")
    db.session.add(second)
    db.session.flush()
    db.session.add(DepartmentRegion(city_id=city.city.id, department_id=second.id, region_id=city.d1.id))
    rival = staff_user(city, "cg2staff", second)
    db.session.commit()
    category_id, number, city_code = walk.id, city.users[Role.RESIDENT].phone, city.city.code
    names = {"worker": "worker1", "cadre": "commadmin", "winner": city.users[Role.DEPARTMENT_STAFF].username, "loser": rival.username}
    budget_before = ledger.balance_of(city.city.id, "community", city.c1.id)
    db.session.commit()  # and read nothing more until the end: an open read would hold SQLite's lock against the server
    media = app.config["PUBLIC_BASE_URL"].rstrip("/")
    after = tmp_path / "after.jpg"
    after.write_bytes(jpeg(1600, 1200, color=(30, 150, 60)))
    spot = {"latitude": G1[1], "longitude": G1[0]}

    with device_page(browser, live_url, PHONE) as resident, device_page(browser, live_url, PHONE) as worker, \
            device_page(browser, live_url, PHONE) as cadre, device_page(browser, live_url, PHONE) as winner, \
            device_page(browser, live_url, PHONE) as loser:
        for phone in (resident, worker, cadre, winner, loser):  # photos are linked at PUBLIC_BASE_URL: fetch them here
            phone.route(f"{media}/media/**", lambda route: route.continue_(url=route.request.url.replace(media, live_url)))
        for phone in (resident, worker):
            phone.context.grant_permissions(["geolocation"])
            phone.context.set_geolocation(spot)

        case_id = resident_reports(resident, caplog, number, category_id, jpeg(2400, 1800))
        snapshot(resident, "walk-1-reported")

        worker_signs_in(worker, live_url, names["worker"])
        distance = worker_accepts_checks_in_and_hands_up(worker, live_url, case_id)
        assert distance.startswith("您距上报位置约")
        snapshot(worker, "walk-2-handed-up")
        assert axe_violations(worker) == []

        staff_sign_in(cadre, live_url, city_code, names["cadre"], PASSWORD)
        order_id = cadre_posts_order(cadre, live_url, case_id, bounty=50, expect_kind="city_management")
        snapshot(cadre, "walk-3-ordered")
        assert axe_violations(cadre) == []

        staff_signs_in(winner, live_url, names["winner"], city=city_code)
        staff_signs_in(loser, live_url, names["loser"], city=city_code)
        open_pool(winner, live_url, order_id)
        open_pool(loser, live_url, order_id)
        staff_grabs(winner, live_url, order_id)
        assert staff_sees_too_slow(loser, live_url, order_id).startswith(TOO_SLOW)
        snapshot(loser, "walk-4-too-slow")
        staff_starts_and_resolves(winner, live_url, order_id, str(after))
        snapshot(winner, "walk-5-resolved")

        cadre_verifies(cadre, live_url, order_id, note="现场已清理干净")
        snapshot(cadre, "walk-6-verified")
        assert axe_violations(cadre) == []

        resident_confirms_and_rates(resident, case_id, 5, "处理得又快又好")
        snapshot(resident, "walk-7-closed")
        assert axe_violations(resident) == []

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    order = db.session.scalar(select(Order).where(Order.id == order_id))
    assert case.state == "closed" and order.status == "paid"
    assert order.holder_department_id == city.department.id  # 城管局 won; 城管二大队 was told 手慢了
    assert len(order.after_photos) == 1
    actions = list(db.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
    for step in ("submit", "accept", "check_in", "hand_up", "order", "resolve", "verify", "confirm"):
        assert step in actions, (step, actions)
    rating = db.session.scalar(select(CaseRating).where(CaseRating.case_id == case_id))
    assert rating.stars == 5
    # The bounty moved through the ledger 2:8 and left the community's budget.
    staff_share = ledger.balance_of(city.city.id, "staff", city.users[Role.DEPARTMENT_STAFF].id)
    department_share = ledger.balance_of(city.city.id, "department", city.department.id)
    assert staff_share == 4 * department_share > 0
    assert ledger.balance_of(city.city.id, "community", city.c1.id) == budget_before - staff_share - department_share
