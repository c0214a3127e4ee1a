"""The staff H5 pages of the grid worker (网格员助手): sign-in on /h5/login, the home by role, the inbox by SLA
urgency, the case page with the actions the case allows, and the walk in Chromium at 390x844."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from gridapp import clock as clock_module
from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import CaseEvent, CasePhoto
from tests.support.browser import axe_violations, snapshot
from tests.support.cases import G3, act, jpeg, report_at
from tests.support.factories import PASSWORD, auth_headers
from tests.support.staff_walk import (
    open_case_from_inbox,
    worker_accepts_checks_in_and_hands_up,
    worker_resolves,
    worker_signs_in,
)

# Spots in grid g1 far enough apart not to be offered as repeats of each other.
SPOTS = [(100.001, 30.001), (100.009, 30.009), (100.001, 30.009), (100.009, 30.001)]


def _page(client, user, path):
    return client.get(path, headers=auth_headers(user))


def _listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'class="work-item[^"]*" href="[^"]*" data-case-id="(\d+)"', response.get_data(as_text=True))]


def test_sign_in_page_has_a_staff_tab(client, city):
    page = client.get("/h5/login").get_data(as_text=True)
    assert "工作人员登录" in page and 'id="h5-staff-login"' in page and 'id="login-form"' in page
    assert 'id="staff-login-section" role="tabpanel" aria-labelledby="tab-staff" hidden' in page  # residents first
    sent_by_a_staff_page = client.get("/h5/work")
    assert sent_by_a_staff_page.status_code == 302
    staff_first = client.get(sent_by_a_staff_page.headers["Location"]).get_data(as_text=True)
    assert 'id="resident-login" role="tabpanel" aria-labelledby="tab-resident" hidden' in staff_first
    assert 'data-next="/h5/work"' in staff_first


def test_staff_sign_in_with_cookies_opens_the_workers_home(client, city):
    body = {"city": "testcity", "username": "worker1", "password": PASSWORD, "cookie": True}
    assert client.post("/api/v1/auth/login", json=body).status_code == 200
    home = client.get("/h5/")
    assert home.status_code == 200
    assert '<a href="/h5/work">我的待办</a>' in home.get_data(as_text=True)


def test_home_fits_the_role(client, city):
    assert "我的待办" in _page(client, city.users[Role.GRID_WORKER], "/h5/").get_data(as_text=True)
    resident = _page(client, city.users[Role.RESIDENT], "/h5/").get_data(as_text=True)
    assert "随手拍" in resident and "我的待办" not in resident
    for role in (Role.DEPARTMENT_STAFF, Role.COMMUNITY_ADMIN):
        page = _page(client, city.users[role], "/h5/")
        assert page.status_code == 200 and "我的待办" not in page.get_data(as_text=True) and "随手拍" not in page.get_data(as_text=True)


def test_inbox_lists_the_grids_open_cases_most_urgent_first(client, city, cats, clock):
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    garbage = cats["garbage"]  # confirm in 60 minutes, on site in 120, resolved in 2 days
    yellow = report_at(client, resident, garbage, SPOTS[0])["id"]
    assert act(client, worker, yellow, "accept").status_code == 200  # on site by +120 min
    red = report_at(client, resident, garbage, SPOTS[1])["id"]  # to be confirmed by +60 min
    done = report_at(client, resident, garbage, SPOTS[2])["id"]
    assert act(client, worker, done, "reject", reason="invalid").status_code == 200
    elsewhere = report_at(client, resident, garbage, G3)["id"]  # another community's grid
    clock.advance(timedelta(minutes=100))
    green_soon = report_at(client, resident, garbage, SPOTS[3])["id"]  # to be confirmed by +160 min
    green_later = report_at(client, resident, garbage, (100.005, 30.005))["id"]
    assert act(client, worker, green_later, "accept").status_code == 200  # on site by +220 min

    response = _page(client, worker, "/h5/work")
    assert response.status_code == 200
    assert _listed(response) == [red, yellow, green_soon, green_later]
    text = response.get_data(as_text=True)
    for case_id, colour, label in ((red, "red", "已超时"), (yellow, "yellow", "临期预警"), (green_soon, "green", "正常")):
        item = re.search(rf'class="work-item sla-(\w+)" href="[^"]*" data-case-id="{case_id}">\s*<span class="sla-tag">([^<]+)<', text)
        assert item.groups() == (colour, label)  # a colour, and its words
    # Due times in China time (UTC+8): the yellow case's on-site deadline is 09:00 UTC + 120 minutes.
    assert "到场时限 2026-11-23 19:00" in text
    assert done not in _listed(response) and elsewhere not in _listed(response)


def test_inbox_is_paginated(client, city, cats, app, monkeypatch):
    import gridapp.h5.worker as worker_pages

    monkeypatch.setattr(worker_pages, "PER_PAGE", 2)
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    ids = [report_at(client, resident, cats["garbage"], spot)["id"] for spot in SPOTS[:3]]
    first, second = _page(client, worker, "/h5/work"), _page(client, worker, "/h5/work?page=2")
    assert len(_listed(first)) == 2 and len(_listed(second)) == 1
    assert sorted(_listed(first) + _listed(second)) == sorted(ids)
    assert "第 1 / 2 页" in first.get_data(as_text=True) and 'href="?page=2"' in first.get_data(as_text=True)


def test_staff_pages_refuse_residents_other_grids_and_departments(client, city, cats):
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    for role in (Role.RESIDENT, Role.DEPARTMENT_STAFF):
        assert _page(client, city.users[role], "/h5/work").status_code == 403, role
        assert _page(client, city.users[role], f"/h5/work/cases/{case_id}").status_code == 403, role
    other_grid = _page(client, city.worker4, f"/h5/work/cases/{case_id}")
    assert other_grid.status_code == 403 and 'data-code="forbidden"' in other_grid.get_data(as_text=True)
    assert case_id not in _listed(_page(client, city.worker4, "/h5/work"))


def _action_forms(response) -> list[str]:
    return re.findall(r'<details class="action" data-action="(\w+)"', response.get_data(as_text=True))


def test_case_page_offers_what_the_service_allows(client, city, cats):
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    case_id = report_at(client, resident, cats["garbage"], description="楼道堆满纸箱")["id"]
    page = _page(client, worker, f"/h5/work/cases/{case_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "楼道堆满纸箱" in text and "处理前" in text and 'class="timeline"' in text
    assert _action_forms(page) == ["accept", "reject", "abusive"]
    act(client, worker, case_id, "accept")
    assert _action_forms(_page(client, worker, f"/h5/work/cases/{case_id}")) == ["assign", "abusive", "hand_up"]
    act(client, worker, case_id, "assign")
    assert _action_forms(_page(client, worker, f"/h5/work/cases/{case_id}")) == ["assign", "start", "check_in", "abusive", "hand_up"]
    act(client, worker, case_id, "start")
    assert _action_forms(_page(client, worker, f"/h5/work/cases/{case_id}")) == ["check_in", "resolve", "abusive", "hand_up"]
    # The community's admin sees its own steps; the order form is the community pages' own.
    admin = _page(client, city.users[Role.COMMUNITY_ADMIN], f"/h5/work/cases/{case_id}")
    assert "check_in" in _action_forms(admin)



@pytest.mark.browser
def test_worker_walk_on_the_phone(phone, live_url, city, cats):
    case_id = report_at_live(city, cats)  # at (100.005, 30.005)
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 30.0052, "longitude": 100.005})  # about 22 m north of the spot

    worker_signs_in(phone, live_url, "worker1")
    assert phone.locator("a[href='/h5/work']").inner_text() == "我的待办"
    snapshot(phone, "staff-home")
    assert axe_violations(phone) == []
    phone.goto(f"{live_url}/h5/work")
    snapshot(phone, "worker-inbox")
    assert axe_violations(phone) == []
    open_case_from_inbox(phone, live_url, case_id)
    phone.locator("details.action[data-action='accept'] summary").click()
    snapshot(phone, "worker-case-new")
    assert axe_violations(phone) == []

    distance = worker_accepts_checks_in_and_hands_up(phone, live_url, case_id)
    assert distance.startswith("您距上报位置约 2") and distance.endswith(" 米")
    snapshot(phone, "worker-case-handed-up")
    assert axe_violations(phone) == []
    assert phone.inner_text("#case-state") == "处理中"
    assert errors == []

    db.session.rollback()
    steps = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
    assert [e.action for e in steps] == ["submit", "accept", "assign", "check_in", "hand_up"]
    assert 15 <= steps[3].distance_m <= 30


@pytest.mark.browser
def test_a_failed_action_keeps_the_form_and_says_why(phone, live_url, city, cats):
    case_id = report_at_live(city, cats)
    worker_signs_in(phone, live_url, "worker1")
    phone.goto(f"{live_url}/h5/work/cases/{case_id}")
    details = phone.locator("details.action[data-action='reject']")
    details.locator("summary").click()
    details.locator("select[name=reason]").select_option("invalid")
    details.locator("textarea[name=note]").fill("照片看不清")
    # Meanwhile someone else accepted it: the reject is refused and the form stays as written.
    db.session.rollback()
    from flask import current_app

    with current_app.test_client() as api:
        assert act(api, city.users[Role.COMMUNITY_ADMIN], case_id, "accept").status_code == 200
    db.session.remove()  # touch no ORM object while the page drives the live server
    details.locator("button[type=submit]").click()
    message = details.locator(".message:not(.ok)")
    message.wait_for()
    assert "不能不予受理" in message.inner_text()
    assert details.locator("textarea[name=note]").input_value() == "照片看不清"
    assert axe_violations(phone) == []


@pytest.mark.browser
def test_staff_tab_asks_for_a_new_password_then_for_the_second_factor(phone, live_url, city):
    worker = city.users[Role.GRID_WORKER]
    worker.must_change_password = True  # an admin reset it
    db.session.commit()
    db.session.remove()
    phone.goto(f"{live_url}/h5/login?as=staff")
    snapshot(phone, "staff-login")
    assert axe_violations(phone) == []
    phone.fill("#h5-username", "worker1")
    phone.fill("#h5-password", PASSWORD)
    phone.click("#h5-login-submit")
    phone.wait_for_selector("#h5-staff-login .new-password:not([hidden])")
    assert "须先修改" in phone.inner_text("#h5-login-message")
    phone.get_by_label("新密码（至少 8 位）").fill("my own password")
    phone.get_by_label("再次输入新密码").fill("not the same")
    phone.click("#h5-login-submit")
    assert phone.inner_text("#h5-login-message") == "两次输入的新密码不一致"
    phone.get_by_label("再次输入新密码").fill("my own password")
    snapshot(phone, "staff-login-new-password")
    assert axe_violations(phone) == []
    phone.click("#h5-login-submit")
    phone.wait_for_url(f"{live_url}/h5/")
    assert "我的待办" in phone.inner_text("main")

    setup = {"city": "testcity", "username": "worker1", "password": "my own password"}
    secret = phone.request.post(f"{live_url}/api/v1/auth/totp/setup", data=setup).json()["secret"]
    turned_on = phone.request.post(f"{live_url}/api/v1/auth/login", data={**setup, "totp": pyotp.TOTP(secret).now()})
    assert turned_on.ok
    phone.context.clear_cookies()
    phone.goto(f"{live_url}/h5/login?as=staff")
    phone.fill("#h5-username", "worker1")
    phone.fill("#h5-password", "my own password")
    phone.click("#h5-login-submit")
    phone.wait_for_selector("#h5-staff-login .totp-field:not([hidden])")
    assert phone.inner_text("#h5-login-message") == "请输入动态验证码"
    phone.get_by_label("动态验证码").fill(pyotp.TOTP(secret).at(clock_module.now() + timedelta(seconds=30)))
    phone.click("#h5-login-submit")
    phone.wait_for_url(f"{live_url}/h5/")

    for section in ("dashboard", "console"):  # the same form there: the extra fields wait until asked for
        phone.goto(f"{live_url}/{section}/login")
        assert phone.locator("#staff-login .totp-field").is_hidden() and phone.locator("#staff-login .new-password").is_hidden()
        assert phone.locator("#username").is_visible()


@pytest.mark.browser
def test_worker_resolves_with_an_after_photo(phone, live_url, city, cats, tmp_path, app):
    case_id = report_at_live(city, cats)
    base = app.config["PUBLIC_BASE_URL"]  # media URLs are built on it; here the live server serves the photos
    phone.route(f"{base}/media/**", lambda route: route.continue_(url=route.request.url.replace(base, live_url)))
    worker = city.users[Role.GRID_WORKER]
    from flask import current_app

    with current_app.test_client() as api:
        for action in ("accept", "assign", "start"):
            assert act(api, worker, case_id, action).status_code == 200, action
    db.session.remove()
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg(1600, 1200, color=(20, 160, 20)))
    worker_signs_in(phone, live_url, "worker1")
    phone.goto(f"{live_url}/h5/work/cases/{case_id}")
    resolve = phone.locator("details.action[data-action='resolve']")
    resolve.locator("summary").click()
    resolve.locator("textarea[name=note]").fill("已清理")
    resolve.locator("button[type=submit]").click()
    resolve.locator("form > .message:has-text('请上传处置后的照片')").wait_for()  # nothing sent without one
    snapshot(phone, "worker-case-resolve")
    assert axe_violations(phone) == []

    worker_resolves(phone, live_url, case_id, str(photo))
    assert phone.inner_text("#case-state") == "已处置"
    phone.wait_for_load_state("networkidle")
    for photo_class in ("pair-before", "pair-after"):
        assert phone.locator(f"#photos img.{photo_class}").evaluate("img => img.naturalWidth") > 0, photo_class
    snapshot(phone, "worker-case-resolved")
    db.session.rollback()
    after = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == case_id, CasePhoto.kind == "after")).all()
    assert len(after) == 1 and max(after[0].width, after[0].height) <= 1920  # shrunk on the phone, sent as an upload


@pytest.mark.browser
def test_inbox_colours_read_well_on_the_phone(phone, live_url, city, cats, clock):
    from flask import current_app

    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    with current_app.test_client() as api:
        late = report_at(api, resident, cats["garbage"], SPOTS[0])["id"]
        soon = report_at(api, resident, cats["garbage"], SPOTS[1])["id"]
        assert act(api, worker, soon, "accept").status_code == 200
        clock.advance(timedelta(minutes=100))
        report_at(api, resident, cats["garbage"], SPOTS[2])
    db.session.remove()
    worker_signs_in(phone, live_url, "worker1")
    phone.goto(f"{live_url}/h5/work")
    assert [phone.inner_text(f".work-item[data-case-id='{i}'] .sla-tag") for i in (late, soon)] == ["已超时", "临期预警"]
    assert phone.locator(".work-item.sla-green").count() == 1
    snapshot(phone, "worker-inbox-colours")
    assert axe_violations(phone) == []


def report_at_live(city, cats) -> int:
    from flask import current_app

    with current_app.test_client() as api:
        case_id = report_at(api, city.users[Role.RESIDENT], cats["garbage"])["id"]
    db.session.commit()
    return case_id


@pytest.mark.browser
def test_a_resolution_written_without_signal_is_kept_and_sent_when_it_returns(phone, live_url, city, cats, tmp_path):
    """In a basement: the after-photo cannot go up and the resolution is kept as a draft on the phone; with the signal
    back it is sent once, photo and all, and the page shows the case resolved."""
    case_id = report_at_live(city, cats)
    worker = city.users[Role.GRID_WORKER]
    from flask import current_app

    with current_app.test_client() as api:
        for action in ("accept", "assign", "start"):
            assert act(api, worker, case_id, action).status_code == 200, action
    db.session.remove()
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg(1200, 900, color=(20, 160, 20)))
    worker_signs_in(phone, live_url, "worker1")
    phone.goto(f"{live_url}/h5/work/cases/{case_id}")
    resolve = phone.locator("details.action[data-action='resolve']")
    resolve.locator("summary").click()
    resolve.locator("textarea[name=note]").fill("地下室堆物已清理")
    phone.context.set_offline(True)
    resolve.locator("input[type=file]").set_input_files(str(photo))
    resolve.locator(".photo-tile.failed").wait_for()  # the picker tried at once: no signal
    resolve.locator("button[type=submit]").click()
    resolve.locator("form .message:has-text('已保存草稿')").wait_for()
    phone.context.set_offline(False)  # the `online` event sends the draft; the page then shows the result
    phone.wait_for_selector("#case-state:has-text('已处置')", timeout=60_000)
    db.session.rollback()
    after = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == case_id, CasePhoto.kind == "after")).all()
    assert len(after) == 1
    resolved = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "resolve")).all()
    assert len(resolved) == 1
