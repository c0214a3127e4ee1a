"""The grid worker's rounds in Chromium at a phone's size: the reverse scan decodes a household's real door-plate
code from a photo, opens the household and its visit, records the visit, and the visit is in the history."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from qr.render import render_png
from qr.tokens import code_url
from tests.support.browser import PHONE, axe_violations, device_page, snapshot, with_camera, y4m
from tests.support.cases import G1, jpeg
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser
NOTES = "独居老人，身体良好，已提醒燃气安全"


def sign_in(page, city, user) -> None:
    """Staff sign in through the API with a cookie session, as the staff sign-in page will."""
    body = {"city": city.city.code, "username": user.username, "password": PASSWORD, "cookie": True}
    db.session.commit()  # end the read that loaded them: an open SQLite transaction would block the server
    response = page.request.post("/api/v1/auth/login", data=body)
    assert response.ok, response.text()


def test_a_worker_scans_a_household_code_records_a_visit_and_finds_it_in_the_history(phone, city, places, tmp_path):
    worker = city.users[Role.GRID_WORKER]
    worker_name, outdoor = worker.display_name, places.tokens["household_outdoor"]
    picture = tmp_path / "door-plate.png"
    picture.write_bytes(render_png(code_url("https://wangge.example.cn", places.tokens["household_indoor"]), caption="入户码"))
    snap = tmp_path / "visit.jpg"
    snap.write_bytes(jpeg(1200, 900))
    sign_in(phone, city, worker)  # and touch no ORM object below

    phone.goto("/h5/")
    phone.click("text=扫码走访")
    phone.wait_for_selector("#camera-start")
    assert axe_violations(phone) == []
    snapshot(phone, "patrol-scan")

    phone.set_input_files("#scan-photo", str(picture))
    phone.wait_for_selector("#visit-form:not([hidden])")
    assert phone.inner_text("#scanned-title") == "3号楼2单元502室"
    assert phone.locator("#scanned-members tbody tr").count() == 1
    assert phone.locator("#scanned-members a[href^='tel:']").count() == 1  # the grid's worker sees the number whole
    assert axe_violations(phone) == []
    snapshot(phone, "patrol-scan-household")

    phone.fill("#visit-notes", NOTES)
    phone.set_input_files("#visit-photos input[type=file]", str(snap))
    phone.click("#visit-submit")
    phone.wait_for_selector("#visit-message.ok >> text=走访记录已保存")
    phone.click("#history-link")
    phone.wait_for_selector(".visit")
    visits = phone.locator(".visit")
    assert visits.count() == 1
    assert NOTES in visits.first.inner_text() and worker_name in visits.first.inner_text()
    assert visits.first.locator("img").count() == 1
    assert axe_violations(phone) == []
    snapshot(phone, "patrol-visit-history")

    phone.click("text=扫码走访")
    phone.click("text=扫不出来？手动输入二维码链接")
    phone.fill("#manual-token", outdoor)  # typed: the outdoor plate opens no visit
    phone.click("#manual-open")
    phone.wait_for_selector("#scanned:not([hidden])")
    assert "室内码" in phone.inner_text("#scanned-note") and phone.is_hidden("#visit-form")
    assert axe_violations(phone) == []


def test_a_worker_files_a_patrol_report_at_their_position_and_finds_it_in_their_list(phone, city, cats, tmp_path):
    categories = len(cats)
    snap = tmp_path / "found.jpg"
    snap.write_bytes(jpeg(1200, 900))
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": G1[1], "longitude": G1[0]})
    sign_in(phone, city, city.users[Role.GRID_WORKER])
    phone.goto("/h5/")
    phone.click("text=巡查上报")
    phone.wait_for_selector("#location-status.ok")
    assert "一网格" in phone.inner_text("#location-status")
    assert phone.locator("#patrol-form .category").count() == categories
    assert "还没有巡查上报" in phone.inner_text("#my-patrols")
    assert axe_violations(phone) == []

    phone.click("#patrol-submit")
    assert "照片" in phone.inner_text("#patrol-message")
    phone.set_input_files("#patrol-photos input[type=file]", str(snap))
    phone.click("#patrol-form .category >> text=垃圾乱堆")
    phone.fill("#description", "3号楼北侧垃圾桶满溢")
    snapshot(phone, "patrol-report")
    phone.click("#patrol-submit")
    phone.wait_for_selector("#sent")
    rows = phone.locator("#my-patrols .case-row")
    assert rows.count() == 1
    assert "垃圾乱堆" in rows.first.inner_text() and "一网格" in rows.first.inner_text()
    assert axe_violations(phone) == []
    snapshot(phone, "patrol-report-sent")


def test_the_camera_decodes_a_household_code_and_opens_its_visit(browser, live_url, city, places, tmp_path):
    plate = render_png(code_url("https://wangge.example.cn", places.tokens["household_indoor"]), caption="入户码")
    video = tmp_path / "door-plate.y4m"
    video.write_bytes(y4m(plate))
    worker = city.users[Role.GRID_WORKER]
    with with_camera(browser, str(video)) as camera, device_page(camera, live_url, PHONE) as phone:
        phone.context.grant_permissions(["camera"])
        sign_in(phone, city, worker)
        phone.goto("/h5/visits/scan")
        phone.click("#camera-start")
        phone.wait_for_selector("#visit-form:not([hidden])", timeout=20_000)
        assert phone.inner_text("#scanned-title") == "3号楼2单元502室"
        assert phone.is_hidden("#camera")  # the camera is let go once a code is read
