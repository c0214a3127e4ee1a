"""随手拍 in a real phone-sized Chromium: scan a code → sign in → photo → sent → listed; follow a repeat; rate."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseFollower, Household
from gridapp.services.codes.issuing import new_code
from tests.support.browser import sign_in_by_sms
from tests.support.cases import G1, act, add_categories, jpeg, report_at, resolve

pytestmark = pytest.mark.browser


def pick_category(phone, category_id: int) -> None:
    phone.click(f".category:has(input[value='{category_id}'])")


def test_scan_a_code_send_a_photo_and_find_it_in_my_reports(phone, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    household = Household(city_id=city.city.id, grid_id=city.g1.id, building="3号楼", unit="2单元", floor=5, room="502")
    db.session.add(household)
    db.session.flush()
    token = new_code(city.city.id, "household", household, "household_outdoor").token
    number, garbage_id = city.users[Role.RESIDENT].phone, cats["garbage"].id
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server

    phone.goto(f"/c/{token}")
    phone.click("#action-report")
    phone.wait_for_url(lambda url: "/h5/login?next=" in url)
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_url(lambda url: "/h5/report?code=" in url)
    assert "3号楼2单元" in phone.inner_text("#report-place")
    assert phone.get_attribute("#report-photos input[type=file]", "capture") == "environment"
    assert phone.get_attribute("#report-photos input[type=file]", "accept") == "image/*"

    phone.set_input_files("#report-photos input[type=file]", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg(1200, 900, gps=True)}])
    phone.wait_for_selector("#report-photos .photo-tile.done img")
    pick_category(phone, garbage_id)
    phone.fill("#description", "楼道口堆了很多纸箱")
    phone.click("#report-submit")
    phone.wait_for_url(lambda url: "/h5/reports?sent=" in url)
    assert "已提交" in phone.inner_text("#sent")
    row = phone.locator(".case-row").first
    assert "垃圾乱堆" in row.inner_text() and "待受理" in row.inner_text()
    assert row.locator("img").count() == 1

    row.click()
    phone.wait_for_selector("#timeline")
    assert "提交" in phone.inner_text("#timeline")
    assert phone.locator("#timeline img.photo-before").count() == 1

    db.session.rollback()
    case = db.session.scalar(select(Case))
    assert (case.channel, case.grid_id, case.description) == ("code", city.g1.id, "楼道口堆了很多纸箱")


def test_free_report_offers_to_follow_a_repeat_nearby(phone, city, caplog, client):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    from gridapp.services.accounts.users import grant_role, new_user

    neighbour = new_user(city.city.id, "邻居", phone="13900000096")
    grant_role(neighbour, Role.RESIDENT)
    db.session.commit()
    first = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    garbage_id, number, neighbour_id = cats["garbage"].id, neighbour.phone, neighbour.id
    db.session.commit()

    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": G1[1], "longitude": G1[0] + 0.0002})
    phone.goto("/h5/report")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_url(lambda url: url.endswith("/h5/report"))
    phone.wait_for_selector("#location-status.ok")
    pick_category(phone, garbage_id)
    phone.wait_for_selector("#similar:not([hidden]) li button")
    phone.click("#similar li button")
    phone.wait_for_url(lambda url: url.endswith(f"/h5/reports/{first}"))

    db.session.rollback()
    assert db.session.scalar(select(CaseFollower.user_id).where(CaseFollower.case_id == first)) == neighbour_id
    assert db.session.scalar(select(Case.id).where(Case.reporter_user_id == neighbour_id)) is None


def test_resident_confirms_with_stars_on_the_case_page(phone, city, caplog, client):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    cid = report_at(client, resident, cats["garbage"], G1)["id"]
    for who, action in ((worker, "accept"), (worker, "assign"), (worker, "start")):
        assert act(client, who, cid, action).status_code == 200
    assert resolve(client, worker, cid).status_code == 200
    assert act(client, admin, cid, "verify").status_code == 200
    number = resident.phone
    db.session.commit()

    phone.goto(f"/h5/reports/{cid}")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_selector("#resident-actions")
    assert phone.locator("#timeline img.photo-after").count() == 1
    phone.click("#choose-satisfied")
    phone.click(".star[data-stars='4']")
    phone.fill("#comment", "很及时")
    phone.click("#send-satisfied")
    phone.wait_for_selector("#case-state:has-text('已办结')")  # no string evaluation: the CSP forbids eval
    assert "★★★★☆ 很及时" in phone.inner_text("#ratings")
