"""Risk and care and the heads in Chromium at a phone's size: the grid worker registers a key person, records a
visit with a photo and sets a tier; the grid's police officer reads the record whole and the street admin masked;
the worker appoints a building head by phone, who sees their building (names masked) and reports from it; the
street admin plans a patrol and records a round. Every page axe-clean."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import GridContact, Household, HouseholdMember, RoleGrant
from tests.support.browser import PHONE, axe_violations, device_page, sign_in_by_sms, snapshot
from tests.support.cases import jpeg
from tests.support.factories import account
from tests.support.staff_walk import worker_signs_in

pytestmark = pytest.mark.browser
HEAD_PHONE = "13600000031"
PATIENT_PHONE = "13600000032"


def test_key_persons_heads_and_patrols_on_the_phone(phone, browser, live_url, city, cats, tmp_path, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    cid = city.city.id
    household = Household(city_id=cid, grid_id=city.g1.id, building="5号楼", unit="1单元", floor=3, room="301")
    db.session.add(household)
    db.session.flush()
    db.session.add(HouseholdMember(city_id=cid, household_id=household.id, name="赵建国", relation="户主", phone=PATIENT_PHONE))
    account(cid, "楼长老王", Role.RESIDENT, phone=HEAD_PHONE)
    police = account(cid, "police1", Role.DEPARTMENT_STAFF, department=city.department)
    db.session.add(GridContact(city_id=cid, grid_id=city.g1.id, kind="police", display_name="李警官", user_id=police.id))
    db.session.add(RoleGrant(city_id=cid, user_id=police.id, role="grid_police", region_id=city.g1.id))
    worker, street = city.users[Role.GRID_WORKER].username, city.users[Role.STREET_ADMIN].username
    garbage = str(cats["garbage"].id)
    snap = tmp_path / "visit.jpg"
    snap.write_bytes(jpeg(1200, 900))
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server

    worker_signs_in(phone, live_url, worker)
    phone.click("text=重点人员")
    phone.wait_for_selector("#care-register")
    phone.select_option("#register-category", "severe_mental_illness")
    phone.select_option("#register-member", label="5号楼1单元301室 赵建国（户主）")
    phone.fill("#register-guardian", "赵小红")
    phone.fill("#register-note", "按时服药")
    assert axe_violations(phone) == []
    snapshot(phone, "care-list-worker")
    phone.click("#register-submit")
    phone.wait_for_selector("#care-record")
    assert "赵建国" in phone.inner_text("#record-title") and PATIENT_PHONE in phone.inner_text("#care-record")
    phone.fill("#visit-notes", "本人在家，情绪稳定")
    phone.set_input_files("#visit-photos input[type=file]", str(snap))
    with phone.expect_navigation():  # the page reloads with the visit
        phone.click("#visit-submit")
    phone.wait_for_selector("#care-visits .visit img")
    assert "本人在家，情绪稳定" in phone.inner_text("#care-visits")
    phone.check("#tier-form input[value=red]")
    phone.fill("#tier-note", "近期情绪波动")
    with phone.expect_navigation():
        phone.click("#tier-form button[type=submit]")
    phone.wait_for_selector("#care-record")
    assert axe_violations(phone) == []
    snapshot(phone, "care-record-worker")
    record_url = phone.url

    phone.goto(f"{live_url}/h5/neighbourhood/heads")
    phone.wait_for_selector("#appoint-form")
    phone.select_option("#appoint-kind", "building_head")
    phone.fill("#appoint-phone", HEAD_PHONE)
    phone.fill("#appoint-building", "5号楼")
    with phone.expect_navigation():
        phone.click("#appoint-form button[type=submit]")
    phone.wait_for_selector(".head-row >> text=楼长老王")
    assert axe_violations(phone) == []
    snapshot(phone, "heads-worker")

    with device_page(browser, live_url, PHONE) as other:
        worker_signs_in(other, live_url, "police1")
        other.goto(record_url)
        other.wait_for_selector("#care-record")
        assert "赵建国" in other.inner_text("#record-title")
        assert other.query_selector("#visit-form") is None and other.query_selector("#close-form") is None
        other.goto(f"{live_url}/h5/care")
        assert "赵建国" in other.inner_text("#care-list")
        assert axe_violations(other) == []
        snapshot(other, "care-list-police")

    with device_page(browser, live_url, PHONE) as above:
        worker_signs_in(above, live_url, street)
        above.goto(record_url)
        above.wait_for_selector("#care-record")
        text = above.inner_text("#care-record")
        assert "赵*国" in text and "赵建国" not in text and PATIENT_PHONE not in text and "按时服药" not in text
        assert axe_violations(above) == []
        snapshot(above, "care-record-masked")
        above.goto(f"{live_url}/h5/care/risk")  # red goes to the street admins until the city routes it elsewhere
        assert "红色" in above.inner_text("#risk-list") and "5号楼1单元301室" in above.inner_text("#risk-list")
        assert axe_violations(above) == []
        snapshot(above, "risk-street")
        above.goto(f"{live_url}/h5/neighbourhood/patrols")
        above.fill("#plan-name", "一街道月巡")
        with above.expect_navigation():
            above.click("#plan-form button[type=submit]")
        above.wait_for_selector(".plan .coverage")
        assert "0/3" in above.inner_text(".plan .coverage")
        above.fill(".round-form textarea", "垃圾站清洁")
        with above.expect_navigation():
            above.click(".round-form button[type=submit]")
        above.wait_for_selector(".plan .coverage >> text=1/3")
        assert axe_violations(above) == []
        snapshot(above, "patrols-street")

    with device_page(browser, live_url, PHONE) as head:
        head.goto(f"{live_url}/h5/login")
        sign_in_by_sms(head, caplog, HEAD_PHONE)
        head.wait_for_url(f"{live_url}/h5/")
        head.click("text=我负责的楼栋")
        head.wait_for_selector(".charge")
        text = head.inner_text(".charge")
        assert "5号楼1单元301室" in text and "赵*国" in text and "赵建国" not in text
        head.select_option("#head-report-category", garbage)
        head.fill("#head-report-description", "楼道堆物")
        head.set_input_files("#head-report-photos input[type=file]", str(snap))
        with head.expect_navigation():
            head.click("#head-report-submit")
        head.wait_for_selector(".case-row")
        assert axe_violations(head) == []
        snapshot(head, "charge-head")
