"""信访 pages at phone size: an officer looks a petitioner up, registers a first petition, opens it, accepts it,
records a hearing and a 访调 referral; an agent registers a repeat of it by proxy. The page reads are audited."""
from __future__ import annotations

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Petition, PetitionRead
from tests.support.browser import PHONE, axe_violations, device_page, snapshot
from tests.support.community_walk import staff_sign_in
from tests.support.factories import PASSWORD

ID_NUMBER = "15010219800101123X"


def sign_in(page, live_url, username):
    staff_sign_in(page, live_url, "testcity", username, PASSWORD)
    page.goto("/h5/petitions")


def test_an_officer_registers_and_handles_a_petition_and_an_agent_lodges_a_repeat(browser, live_url, city):
    db.session.commit()  # and read nothing while a page works: an open read would hold SQLite's lock against the server
    with device_page(browser, live_url, PHONE) as page:
        officer_walk(page, live_url)
    petition_id = db.session.scalar(select(Petition.id))
    actions = [r.action for r in db.session.scalars(select(PetitionRead).order_by(PetitionRead.id))]
    assert actions[0] == "list" and "lookup" in actions and "reveal" in actions and actions.count("view") >= 3
    db.session.commit()
    with device_page(browser, live_url, PHONE) as page:
        agent_walk(page, live_url, petition_id)


def officer_walk(page, live_url):
    sign_in(page, live_url, "petitionofficer")
    page.click("a.primary-action:text('登记信访')")
    page.fill("#lookup-id-number", ID_NUMBER)
    page.click("#petitioner-lookup button[type=submit]")
    page.wait_for_selector("#petition-form:not([hidden])")
    assert "未找到" in page.inner_text("#lookup-title")
    page.fill("#petitioner-name", "王建国")
    page.select_option("#region-id", label="一街道")
    page.fill("#petition-title", "拖欠工资")
    page.fill("#petition-content", "某工地拖欠三个月工资")
    page.select_option("#level", "city")
    page.fill("#people-count", "3")
    snapshot(page, "petition-intake")
    assert axe_violations(page) == []
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/h5/petitions/*?registered=1")
    assert "王*国" in page.inner_text("#petitioner") and "王建国" not in page.content()
    assert "越级访" in page.content()
    page.fill("#action-note", "符合受理条件")
    page.click("[data-action=accept]")
    page.wait_for_selector("text=已受理办理中")
    page.fill("#reveal-reason", "电话告知受理结果")
    page.click("#reveal-form button[type=submit]")
    page.wait_for_selector("#who-name:text('王建国')")
    page.fill("#hearing-held-at", "2020-05-01T10:00")
    page.fill("#hearing-place", "一街道信访接待室")
    page.fill("#hearing-chair", "张主任")
    page.fill("#hearing-participants", "信访人、施工方")
    page.fill("#hearing-conclusion", "十日内结清工资")
    page.click("#hearing-form button[type=submit]")
    page.wait_for_selector("text=十日内结清工资")
    page.fill("#referral-other-body", "一街道人民调解委员会")
    page.click("#referral-form button[type=submit]")
    page.wait_for_selector("text=待对方受理")
    snapshot(page, "petition-page")
    assert axe_violations(page) == []


def agent_walk(page, live_url, petition_id):
    sign_in(page, live_url, "petitionagent")
    page.goto("/h5/petitions/new")
    page.fill("#lookup-id-number", ID_NUMBER)
    page.fill("#lookup-reason", "代办登记查重")
    page.click("#petitioner-lookup button[type=submit]")
    page.click("text=登记重复访")
    page.fill("#people-count", "2")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url(f"**/h5/petitions/{petition_id}?registered=1")
    assert "2 批，5 人次" in page.content() and "代办" in page.content() and "重复访" in page.content()
    assert page.locator("#reveal-form").count() == 0 and page.locator("#action-form").count() == 0
    snapshot(page, "petition-agent")
    page.goto("/h5/referrals")
    assert 'data-code="forbidden"' in page.content()
