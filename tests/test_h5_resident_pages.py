"""The resident pages in Chromium (390x844, and the report page at 1024x768): the map on the report page over
tiles from a local tile server and without tiles, the GCJ-02 pin sent and stored as WGS-84, the case page's one
decision, consent before a sign-in code, the public community map, and axe-core on every page."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import AgreementConsent, Case, Household
from gridapp.services.accounts import agreements
from gridapp.services.codes.issuing import new_code
from gridapp.services.regions import coordinates
from gridapp.services.regions.geo import distance_m
from tests.support.browser import (
    TABLET,
    axe_violations,
    device_page,
    open_report_page,
    sign_in_by_sms,
    snapshot,
    tile_server,
)
from tests.support.cases import G1, act, add_categories, jpeg, report_at, resolve
from tests.support.fakes import sms_codes

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    assert axe_violations(page) == []


def place_requests(page) -> list[dict]:
    """The spots the report page asked /api/v1/map/place about, as sent."""
    seen = []
    page.on("request", lambda r: "/api/v1/map/place?" in r.url and seen.append({k: v[0] for k, v in parse_qs(urlsplit(r.url).query).items()}))
    return seen


def test_report_on_gcj02_tiles_stores_the_picked_point_as_wgs84(phone, city, caplog, app, monkeypatch):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    garbage_id, number = cats["garbage"].id, city.users[Role.RESIDENT].phone
    db.session.commit()
    with tile_server() as (tiles_url, asked):
        monkeypatch.setitem(app.config, "MAP_TILE_URL", tiles_url + "/{z}/{x}/{y}.png?tk={key}")
        monkeypatch.setitem(app.config, "MAP_TILE_KEY", "test-key")
        monkeypatch.setitem(app.config, "MAP_TILE_COORDS", "gcj02")
        spots = place_requests(phone)
        console = []
        phone.on("console", lambda m: console.append(m.text))
        open_report_page(phone, caplog, number)
        phone.wait_for_selector("#report-map .leaflet-tile-loaded")
        assert asked and all(path.endswith("?tk=test-key") for path in asked)
        # The phone's WGS-84 position is drawn shifted onto the GCJ-02 tiles, and sent back as GCJ-02.
        first = spots[0]
        assert first["coord_system"] == "gcj02"
        shifted = coordinates.wgs84_to_gcj02(*G1)
        assert distance_m(float(first["lat"]), float(first["lng"]), shifted[1], shifted[0]) < 1
        # Pick another point: a tap on the map moves the pin there.
        box = phone.locator("#report-map").bounding_box()
        asked_before = len(spots)
        phone.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
        for _ in range(50):
            if len(spots) > asked_before:
                break
            phone.wait_for_timeout(100)
        assert phone.locator("#report-map .leaflet-marker-icon").count() == 1
        picked = spots[-1]
        assert picked != first
        phone.set_input_files("#report-photos input[type=file]", files=[{"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": jpeg(2400, 1800)}])
        phone.wait_for_selector("#report-photos .photo-tile.done")
        phone.click(f".category:has(input[value='{garbage_id}'])")
        snapshot(phone, "report-gcj02-tiles")
        assert_accessible(phone)
        phone.click("#report-submit")
        phone.wait_for_url(lambda url: "/h5/reports?sent=" in url)
    assert [m for m in console if "Content Security Policy" in m] == []  # tiles, Leaflet and the shrinking all allowed

    db.session.rollback()
    case = db.session.scalar(select(Case))
    wgs = coordinates.gcj02_to_wgs84(float(picked["lng"]), float(picked["lat"]))
    assert distance_m(case.lat, case.lng, wgs[1], wgs[0]) < 1  # stored as WGS-84 ...
    assert distance_m(case.lat, case.lng, float(picked["lat"]), float(picked["lng"])) > 100  # ... not as drawn
    assert case.photos[0].width <= 1920  # shrunk in the browser before sending


def test_report_without_tiles_draws_the_grids_as_the_map(phone, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    number, name, garbage_id = city.users[Role.RESIDENT].phone, city.users[Role.RESIDENT].display_name, cats["garbage"].id
    db.session.commit()
    open_report_page(phone, caplog, number)
    phone.wait_for_selector("#report-map.map-no-tiles path.leaflet-interactive")
    assert phone.locator("#report-map .leaflet-tile").count() == 0
    assert phone.locator("#report-map path.leaflet-interactive").count() == 2  # the community's two grids
    assert "一网格" in phone.inner_text("#report-map")
    assert "一社区 · 一网格" in phone.inner_text("#location-status")
    # Contact details come filled in; photos first, then the category picker with icons and words.
    assert phone.input_value("#contact_name") == name
    assert phone.input_value("#contact_phone") == number
    assert phone.locator(".category svg.icon").count() == len(cats)
    photos_top = phone.locator("#report-photos").bounding_box()["y"]
    assert photos_top < phone.locator("#category-picker").bounding_box()["y"] < phone.locator("#report-map").bounding_box()["y"]
    # On a slow line: each photo is sent on its own as soon as it is picked, with its own bar, while the form is filled.
    slow = phone.context.new_cdp_session(phone)
    slow.send("Network.enable")
    slow.send("Network.emulateNetworkConditions", {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 16 * 1024})
    files = [{"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(800, 600)} for i in range(10)]
    phone.set_input_files("#report-photos input[type=file]", files=files)
    assert phone.locator("#report-photos .photo-tile").count() == 9
    assert phone.locator("#report-photos .photo-add").is_hidden()
    assert "最多 9 张，多出的没有加入" in phone.inner_text("#report-photos .hint")
    phone.click("#report-photos .photo-tile .remove >> nth=0")
    assert phone.locator("#report-photos .photo-tile").count() == 8 and phone.locator("#report-photos .photo-add").is_visible()
    phone.locator("#report-photos .progress-label:has-text('上传中')").first.wait_for()
    assert phone.locator("#report-photos .progress-label:has-text('上传中')").count() == 1  # one photo at a time ...
    assert phone.locator("#report-photos .progress-label:has-text('等待上传')").count() >= 1  # ... the rest wait their turn
    snapshot(phone, "report-no-tiles")
    assert_accessible(phone)
    phone.click(f".category:has(input[value='{garbage_id}'])")
    phone.click("#report-submit")
    assert phone.is_disabled("#report-submit")
    snapshot(phone, "report-uploading")
    phone.wait_for_url(lambda url: "/h5/reports?sent=" in url, timeout=60_000)


def test_report_page_on_a_tablet(browser, live_url, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    add_categories(city)
    number = city.users[Role.RESIDENT].phone
    db.session.commit()
    with device_page(browser, live_url, TABLET) as page:
        open_report_page(page, caplog, number)
        page.wait_for_selector("#report-map path.leaflet-interactive")
        width = page.locator("#report-map").bounding_box()["width"]
        assert 500 < width <= 640
        snapshot(page, "report-tablet")
        assert_accessible(page)


def test_case_page_step_bar_photos_and_one_decision(phone, city, caplog, client, app, live_url):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    cid = report_at(client, resident, cats["garbage"], G1, contact_name="王小明", contact_phone="13912345678")["id"]
    for who, action in ((worker, "accept"), (worker, "assign"), (worker, "start")):
        assert act(client, who, cid, action).status_code == 200
    number, worker_name = resident.phone, worker.display_name
    db.session.commit()

    # Media URLs are built on PUBLIC_BASE_URL; here the photos are served by the live server.
    base = app.config["PUBLIC_BASE_URL"]
    phone.route(f"{base}/media/**", lambda route: route.continue_(url=route.request.url.replace(base, live_url)))
    phone.goto(f"/h5/reports/{cid}")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_selector("#steps")
    assert phone.inner_text("#case-number") == str(cid)
    assert phone.locator("#steps li.done").count() == 2 and "处置" in phone.inner_text("#steps li.current")
    assert f"由 {worker_name} 办理" in phone.inner_text("#next-step") and "前" in phone.inner_text("#next-step")
    assert "王小明" in phone.inner_text("#reporter") and "13912345678" in phone.inner_text("#reporter")  # unmasked to oneself
    assert phone.locator("#resident-actions").count() == 0
    assert_accessible(phone)

    assert resolve(client, worker, cid).status_code == 200
    assert act(client, admin, cid, "verify").status_code == 200
    db.session.commit()
    phone.reload()
    phone.wait_for_selector("#resident-actions")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("img.pair-before").evaluate("img => img.naturalWidth") > 0
    assert phone.locator("img.pair-after").evaluate("img => img.naturalWidth") > 0
    assert "自动办结" in phone.inner_text("#next-step")
    assert phone.locator("#satisfied").is_hidden() and phone.locator("#unsatisfied").is_hidden()
    phone.click("#choose-unsatisfied")
    assert phone.locator("#unsatisfied").is_visible() and phone.locator("#satisfied").is_hidden()
    phone.click("#reopen")
    assert "原因" in phone.inner_text("#action-message")
    snapshot(phone, "case-decision")
    assert_accessible(phone)
    phone.fill("#reopen-note", "只清理了一半")
    phone.click("#reopen")
    phone.wait_for_selector("#case-state:has-text('群众退回')")
    assert phone.locator("#resident-actions").count() == 0  # answered: the decision goes away
    assert "只清理了一半" in phone.inner_text("#timeline")
    snapshot(phone, "case-reopened")


def test_sign_in_needs_consent_before_a_code_is_sent(phone, city, caplog, client):
    caplog.set_level("INFO", logger="gridapp.sms")
    number = city.users[Role.RESIDENT].phone
    user_id = city.users[Role.RESIDENT].id
    db.session.commit()
    refused = client.post("/api/v1/auth/code", json={"city": city.city.code, "phone": number, "agreed": False})
    assert refused.status_code == 422 and refused.json["code"] == "consent_required"
    assert client.post("/api/v1/auth/code", json={"city": city.city.code, "phone": number}).status_code == 422
    db.session.commit()

    phone.goto("/h5/login")
    assert phone.locator("link[rel=icon]").count() == 1
    phone.fill("#phone", number)
    phone.click("#send-code")
    assert "同意" in phone.inner_text("#login-message") and sms_codes(caplog, number) == []
    snapshot(phone, "login-consent")
    assert_accessible(phone)
    for page in ("terms", "privacy"):
        link = phone.locator(f"#agree-text a[href='/h5/{page}']")
        assert link.count() == 1
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_url(lambda url: url.endswith("/h5/"))
    db.session.rollback()
    consent = db.session.scalar(select(AgreementConsent).where(AgreementConsent.user_id == user_id))
    assert consent.version == agreements.VERSION and consent.agreed_at is not None


@pytest.mark.parametrize("path", ["/h5/terms", "/h5/privacy", "/h5/login", "/h5/no-such-page"])
def test_public_resident_pages_are_accessible(phone, path):
    phone.goto(path)
    phone.wait_for_selector("main .card")
    if path.endswith("no-such-page"):
        assert "页面不存在" in phone.inner_text("main") and "not_found" not in phone.inner_text("main")
        snapshot(phone, "error-404")
    else:
        snapshot(phone, path.strip("/").replace("/", "-"))
    assert_accessible(phone)


def test_signed_in_resident_pages_are_accessible(phone, city, caplog, client):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    resident = city.users[Role.RESIDENT]
    cid = report_at(client, resident, cats["garbage"], G1)["id"]
    household = Household(city_id=city.city.id, grid_id=city.g1.id, building="3号楼", unit="2单元", floor=5, room="502")
    db.session.add(household)
    db.session.flush()
    token = new_code(city.city.id, "household", household, "household_outdoor").token
    number, community = resident.phone, city.c1.id
    db.session.commit()
    phone.goto("/h5/reports")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_url(lambda url: url.endswith("/h5/reports"))
    phone.wait_for_selector(".case-row")
    for path in ["/h5/reports", "/h5/", "/h5/notifications", f"/h5/reports/{cid}", f"/h5/map?community={community}", "/h5/reports/999999", "/h5/my-code", f"/c/{token}",
                 f"/h5/report?code={token}"]:
        phone.goto(path)
        phone.wait_for_selector("main .card")
        if "/h5/map" in path:
            phone.wait_for_selector("#reports-map path.leaflet-interactive")
            phone.wait_for_selector("#report-pins li")
        snapshot(phone, "page" + path.replace("/", "-").replace("?", "-").replace("=", "-")[:40])
        assert axe_violations(phone) == [], path


def test_community_map_shows_recent_reports_without_identities(phone, city, caplog, client):
    caplog.set_level("INFO", logger="gridapp.sms")
    cats = add_categories(city)
    resident = city.users[Role.RESIDENT]
    report_at(client, resident, cats["garbage"], G1, description="张三家门口的垃圾", contact_name="张三")
    number = resident.phone
    db.session.commit()
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": G1[1], "longitude": G1[0]})
    phone.goto("/h5/map")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_selector("#report-pins li")
    assert "一社区近期反映" in phone.inner_text("#map-title")
    assert phone.locator("#reports-map path.leaflet-interactive").count() == 3  # two grids and one report
    shown = phone.inner_text("main")
    assert "垃圾乱堆 · 待受理" in shown and "张三" not in shown
