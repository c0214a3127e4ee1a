"""Targeted notices in Chromium at a phone's size: a community admin composes a notice to the members living
alone, sees the count before sending and sends it; the tagged resident opens it from the inbox; the
admin then sees it read. Every page is axe clean."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember, MemberTag
from tests.support.browser import PHONE, axe_violations, device_page, sign_in_by_sms, snapshot
from tests.support.factories import PASSWORD, account

pytestmark = pytest.mark.browser
ALONE = "13610000021"


def _sign_in_staff(page, username: str) -> None:
    """Staff H5 sign-in is not built yet: the password sign-in API sets the same cookies."""
    answer = page.request.post(
        "/api/v1/auth/login", data={"city": "testcity", "username": username, "password": PASSWORD, "cookie": True}
    )
    assert answer.ok, answer.text()


def test_a_cadre_sends_to_a_tagged_group_the_resident_reads_it_the_cadre_sees_it_read(phone, browser, live_url, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    cid = city.city.id
    admin = city.users[Role.COMMUNITY_ADMIN]
    alone = account(cid, "独居住户", Role.RESIDENT, phone=ALONE)
    neighbour = account(cid, "邻居", Role.RESIDENT, phone="13610000022")
    for room, user, tagged in (("101", alone, True), ("102", neighbour, False)):
        household = Household(city_id=cid, grid_id=city.g1.id, building="7号楼", unit="1单元", floor=1, room=room)
        db.session.add(household)
        db.session.flush()
        member = HouseholdMember(city_id=cid, household_id=household.id, user_id=user.id, name=user.display_name, relation="户主")
        db.session.add(member)
        db.session.flush()
        if tagged:
            db.session.add(MemberTag(city_id=cid, member_id=member.id, tag="elderly_alone", set_by=admin.id))
    username = admin.username
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server

    with device_page(browser, live_url, PHONE) as cadre:
        _sign_in_staff(cadre, username)
        cadre.goto("/h5/")
        cadre.click("text=精准推送")
        cadre.click("text=发布通知")
        expect(cadre.locator("#recipient-count")).to_have_text("2")
        cadre.select_option("#region", label="一社区")
        cadre.check("input[name=tags][value=elderly_alone]")
        expect(cadre.locator("#recipient-count")).to_have_text("1")
        cadre.fill("#title", "独居老人冬季取暖提醒")
        cadre.fill("#body", "天气转冷，社区将于本周上门检查取暖设施，请保持电话畅通。")
        assert axe_violations(cadre) == []
        snapshot(cadre, "notices-compose")
        cadre.click("#send-notice")
        cadre.wait_for_url("**/h5/notices")
        row = cadre.locator(".sent-notice").first
        assert "独居老人冬季取暖提醒" in row.inner_text() and "长者独居" in row.inner_text()
        assert row.locator(".reach dd").all_inner_texts() == ["1", "1", "1", "0"]
        assert axe_violations(cadre) == []
        snapshot(cadre, "notices-sent")

        phone.goto("/h5/notifications")
        sign_in_by_sms(phone, caplog, ALONE)
        phone.wait_for_selector("article.note a")
        phone.click("text=独居老人冬季取暖提醒")
        phone.wait_for_selector(".notice-page")
        page_text = phone.inner_text("main")
        assert "上门检查取暖设施" in page_text and "一社区" in page_text
        assert "长者独居" not in phone.content() and "elderly_alone" not in phone.content()
        assert axe_violations(phone) == []
        snapshot(phone, "notices-resident")

        cadre.reload()
        assert cadre.locator(".sent-notice").first.locator(".reach dd").all_inner_texts() == ["1", "1", "1", "1"]
        cadre.click(".sent-notice h3 a")
        cadre.wait_for_selector(".by-grid")
        assert "一网格" in cadre.inner_text(".by-grid") and "100.0%" in cadre.inner_text(".by-grid")
        assert axe_violations(cadre) == []
        snapshot(cadre, "notices-reach")
