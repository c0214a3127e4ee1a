"""Account links in Chromium at a phone's size: a resident signs in by SMS and asks to be linked to their
household, the grid worker confirms in the console, and the resident then sees the indoor record."""
from __future__ import annotations

import os

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember
from tests.support.browser import PHONE, device_page
from tests.support.factories import PASSWORD
from tests.support.fakes import sms_codes

pytestmark = pytest.mark.browser
NUMBER = "13600000011"
SHOTS = os.environ.get("GRIDAPP_SCREENSHOTS")  # a directory: save the pages as PNGs to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_resident_asks_the_grid_worker_confirms_in_the_console_the_resident_sees_the_household(
    phone, browser, live_url, city, caplog
):
    caplog.set_level("INFO", logger="gridapp.sms")
    worker = city.users[Role.GRID_WORKER].username
    household = Household(city_id=city.city.id, grid_id=city.g1.id, building="7号楼", unit="2单元", floor=6, room="602")
    db.session.add(household)
    db.session.flush()
    db.session.add_all([
        HouseholdMember(city_id=city.city.id, household_id=household.id, name="赵一鸣", relation="户主", phone=NUMBER),
        HouseholdMember(city_id=city.city.id, household_id=household.id, name="钱二丫", relation="子女"),
    ])
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server

    phone.goto("/h5/links")
    assert "/h5/login" in phone.url
    phone.fill("#phone", NUMBER)
    phone.click("#send-code")
    phone.wait_for_selector("#login-message.ok")
    phone.fill("#code", sms_codes(caplog, NUMBER)[-1])
    phone.click("#login-submit")
    phone.wait_for_selector("#candidates .ask")
    assert "7号楼2单元602室（户主）" in phone.inner_text("#candidates")
    shot(phone, "links-candidates")
    phone.click("#candidates .ask")
    phone.wait_for_selector("#my-links .status-pending")
    assert "待确认" in phone.inner_text("#my-links")
    assert phone.locator(".household").count() == 0

    with device_page(browser, live_url, PHONE) as console:
        console.goto("/console/links")
        assert "/console/login" in console.url
        console.fill("#username", worker)
        console.fill("#password", PASSWORD)
        console.click("#login-submit")
        console.wait_for_selector(".link-row")
        assert "赵一鸣" in console.inner_text(".link-row") and NUMBER in console.inner_text(".link-row")
        shot(console, "console-links")
        console.click(".link-row button[data-step=confirm]")
        console.wait_for_selector("#links-message.ok")
        assert console.inner_text(".link-row .status") == "已关联"

    phone.reload()
    phone.wait_for_selector(".household")
    text = phone.inner_text(".household")
    assert "7号楼2单元602室" in text and "赵一鸣" in text and "钱二丫" in text
    assert "已关联" in phone.inner_text("#my-links")
    shot(phone, "links-household")
