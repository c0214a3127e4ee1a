"""直联 in Chromium at a phone's size: a resident opens a conversation from their household's outdoor code,
the grid worker answers on the staff pages and turns it into a case, and the resident sees the answer and the
case; every page axe-clean and free of phone numbers."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember
from gridapp.services.codes.issuing import new_code
from tests.support.browser import PHONE, axe_violations, device_page, sign_in_by_sms, snapshot
from tests.support.factories import PASSWORD
from tests.support.staff_walk import worker_signs_in

pytestmark = pytest.mark.browser
NUMBER = "13600000021"


def test_a_resident_writes_from_a_code_the_worker_answers_and_files_a_case(phone, browser, live_url, city, cats, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    household = Household(city_id=city.city.id, grid_id=city.g1.id, building="8号楼", unit="1单元", floor=2, room="201")
    db.session.add(household)
    db.session.flush()
    db.session.add(HouseholdMember(city_id=city.city.id, household_id=household.id, name="孙小梅", relation="户主", phone=NUMBER))
    token = new_code(city.city.id, "household", household, "household_outdoor").token
    worker = city.users[Role.GRID_WORKER].username
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server

    phone.goto(f"/c/{token}")
    phone.click("#actions .login-to >> text=直联")
    sign_in_by_sms(phone, caplog, NUMBER)
    phone.wait_for_selector("#action-direct-line")
    phone.click("#action-direct-line")
    phone.wait_for_selector("#direct-open")
    assert "一网格" in phone.inner_text("#direct-start h1")
    assert "保留 180 天" in phone.inner_text("#direct-page")
    assert axe_violations(phone) == []
    snapshot(phone, "direct-line-start")
    phone.fill("#direct-open textarea[name=body]", "单元门的门禁坏了，进不去")
    phone.click("#direct-open button[type=submit]")
    phone.wait_for_selector("#conversation")
    assert "单元门的门禁坏了" in phone.inner_text("#messages")
    snapshot(phone, "direct-line-resident")

    with device_page(browser, live_url, PHONE) as staff:
        worker_signs_in(staff, live_url, worker)
        staff.goto(f"{live_url}/h5/direct")
        staff.wait_for_selector(".conversation.unread")
        assert axe_violations(staff) == []
        snapshot(staff, "direct-line-staff-list")
        staff.click(".conversation a")
        staff.wait_for_selector("#direct-convert")
        text = staff.inner_text("#conversation")
        assert NUMBER not in text and NUMBER[-4:] not in text and "本网格居民" in text
        staff.fill("#direct-reply textarea[name=body]", "已收到，马上安排维修")
        staff.click("#direct-reply button[type=submit]")
        staff.wait_for_selector("#messages li:nth-child(2)")
        staff.click("#direct-convert button[type=submit]")
        staff.wait_for_selector("#conversation-case")
        assert axe_violations(staff) == []
        snapshot(staff, "direct-line-staff-converted")

    phone.reload()
    phone.wait_for_selector("#conversation-case a")
    assert "已收到，马上安排维修" in phone.inner_text("#messages")
    assert axe_violations(phone) == []
    snapshot(phone, "direct-line-resident-case")
    phone.click("#conversation-case a")
    phone.wait_for_url("**/h5/reports/*")
    assert "单元门的门禁坏了" in phone.inner_text("main")


def test_the_console_page_names_a_police_officer(browser, live_url, city):
    admin = city.users[Role.COMMUNITY_ADMIN].username
    db.session.rollback()  # end the read: an open SQLite transaction would block the server
    with device_page(browser, live_url, PHONE) as console:
        console.goto(f"{live_url}/console/direct-line")
        console.fill("#username", admin)
        console.fill("#password", PASSWORD)
        console.click("#login-submit")
        console.wait_for_selector("#contact-form")
        console.fill("#c-name", "李警官")
        console.select_option("#c-user", label="staff（staff）")
        console.click("#contact-form button[type=submit]")
        console.wait_for_selector("#contact-list .row")
        assert "网格民警 李警官" in console.inner_text("#contact-list")
        assert axe_violations(console) == []
        snapshot(console, "direct-line-console")
