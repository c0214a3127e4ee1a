"""The H5 pages installable and usable without signal: the manifest, the service worker's headers and shell, the
offline page; in Chromium, a report written offline kept as a draft and sent once when the signal returns."""
from __future__ import annotations

import io
import json
import re
import shutil

import pytest
from PIL import Image

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.h5 import offline
from tests.support.browser import axe_violations, open_report_page, snapshot
from tests.support.cases import G1, add_categories, jpeg
from tests.support.factories import auth_headers

PHOTO_INPUT = "#report-photos input[type=file]"


# Waits in the page (wait_for_function evaluates strings, which the pages' CSP forbids), 60 s at the most: the
# worker precaches every static file first, which a loaded machine takes a while over.
UNDER_THE_WORKER = """Promise.race([
    navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise(
        done => navigator.serviceWorker.addEventListener("controllerchange", done, {once: true}))),
    new Promise(done => setTimeout(done, 60000)),
])"""


def under_the_worker(page) -> None:
    """Wait until the service worker controls the page. The page that first registered it is claimed when the worker
    activates; if that claim came before the page listened, the page is loaded again, which a live worker controls."""
    page.evaluate(UNDER_THE_WORKER)
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
        page.evaluate(UNDER_THE_WORKER)
        if page.locator("#location-status").count():
            page.wait_for_selector("#location-status.ok")
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def shell_of(body: str) -> dict:
    return json.loads(re.match(r"self\.GRIDAPP_SHELL = (\{.*?\});\n", body).group(1))


def test_the_manifest_names_the_app_in_chinese_with_its_icons(client):
    answer = client.get("/h5/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.get_data(as_text=True))
    assert (manifest["name"], manifest["short_name"], manifest["lang"]) == ("网格通", "网格通", "zh-CN")
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/h5/", "/h5/", "standalone")
    assert [icon["sizes"] for icon in manifest["icons"]] == ["192x192", "512x512"]
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        with Image.open(io.BytesIO(image.data)) as png:
            assert f"{png.width}x{png.height}" == icon["sizes"]


def test_the_service_worker_is_served_for_the_h5_scope_and_never_kept_stale(client):
    answer = client.get("/h5/sw.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Service-Worker-Allowed"] == "/h5/"
    assert answer.headers["Cache-Control"] == "no-cache"
    shell = shell_of(answer.get_data(as_text=True))
    assert re.fullmatch(r"[0-9a-f]{16}", shell["version"])
    assert shell["offline"] == "/h5/offline"
    for url in ["/static/h5.css", "/static/h5.js", "/static/drafts.js", "/static/reports.js", "/h5/offline",
                "/static/vendor/leaflet/leaflet.js", "/static/vendor/browser-image-compression/browser-image-compression.js"]:
        assert url in shell["files"]
    assert not [url for url in shell["files"] if url.startswith("/api/") or url.startswith("/media/")]
    for url in shell["files"]:
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        fetched.close()


def test_a_changed_shell_file_changes_the_workers_version(app, client, tmp_path, monkeypatch):
    """A deploy that changes a shell file changes the worker's bytes, so browsers install it and drop the old cache."""
    before = shell_of(client.get("/h5/sw.js").get_data(as_text=True))["version"]
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    (static / "h5.css").write_text((static / "h5.css").read_text() + "\n/* a deploy */\n")
    monkeypatch.setattr(app, "static_folder", str(static))
    app.extensions.pop(offline.SHELL_KEY, None)
    after = shell_of(client.get("/h5/sw.js").get_data(as_text=True))["version"]
    app.extensions.pop(offline.SHELL_KEY, None)
    assert after != before


def test_the_offline_page_is_the_same_for_everyone_and_names_no_one(client, city):
    resident = city.users[Role.RESIDENT]
    anonymous = client.get("/h5/offline")
    signed_in = client.get("/h5/offline", headers=auth_headers(resident))
    assert anonymous.status_code == signed_in.status_code == 200
    page = signed_in.get_data(as_text=True)
    assert "网络未连接" in page and resident.display_name not in page and "gridapp-user" not in page
    assert page == anonymous.get_data(as_text=True)


def test_h5_pages_link_the_manifest_and_name_the_signed_in_account_for_its_drafts(client, city):
    resident = city.users[Role.RESIDENT]
    page = client.get("/h5/", headers=auth_headers(resident)).get_data(as_text=True)
    assert '<link rel="manifest" href="/h5/manifest.webmanifest">' in page
    assert f'<meta name="gridapp-user" content="{resident.city_id}:{resident.id}">' in page
    assert "/static/drafts.js" in page


@pytest.mark.browser
def test_the_worker_registers_and_a_page_asked_for_offline_shows_the_offline_page(phone):
    phone.goto("/h5/login")
    scope = phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope.endswith("/h5/")
    under_the_worker(phone)
    cached = phone.evaluate("caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))")
    assert len(cached) == 1
    phone.context.set_offline(True)
    phone.goto("/h5/reports")
    assert "网络未连接" in phone.inner_text("#offline")
    assert phone.evaluate("getComputedStyle(document.querySelector('.bar')).backgroundColor") == "rgb(179, 20, 27)"  # h5.css from the cache
    snapshot(phone, "offline-page")
    phone.context.set_offline(False)
    assert axe_violations(phone) == []  # axe itself is not in the shell
    phone.click("#offline a.button")
    phone.wait_for_url(lambda url: "/h5/login" in url)  # the page asked for, back with the signal


def resident_at_the_form(phone, city, caplog) -> tuple[int, dict]:
    """A resident signed in on the report form, the worker in control: the garbage category's id and API headers."""
    caplog.set_level("INFO", logger="gridapp.sms")
    resident = city.users[Role.RESIDENT]
    number, garbage_id, headers = resident.phone, add_categories(city)["garbage"].id, auth_headers(resident)
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server
    phone.context.grant_permissions(["background-sync"])  # Chrome grants it unless the user blocks it
    open_report_page(phone, caplog, number)
    under_the_worker(phone)
    return garbage_id, headers


def write_report(phone, category_id: int, description: str, photos: int = 1) -> None:
    files = [{"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(800, 600)} for i in range(photos)]
    phone.set_input_files(PHOTO_INPUT, files=files)
    phone.click(f".category:has(input[value='{category_id}'])")
    phone.fill("#description", description)


def my_reports(client, headers: dict) -> list[dict]:
    """The resident's reports through the API; the test's session is left without a transaction (SQLite's lock)."""
    answer = client.get("/api/v1/reports/mine", headers=headers)
    db.session.rollback()
    assert answer.status_code == 200
    return answer.get_json()["items"]


@pytest.mark.browser
def test_a_report_written_offline_is_kept_as_a_draft_and_sent_once_when_the_signal_returns(phone, city, caplog, client):
    garbage_id, headers = resident_at_the_form(phone, city, caplog)
    phone.context.set_offline(True)
    write_report(phone, garbage_id, "地下车库入口堆满杂物")
    phone.wait_for_selector("#report-photos .photo-tile.failed")  # the picker tried at once; no signal
    phone.click("#report-submit")
    phone.wait_for_selector("#report-message:has-text('已保存草稿，恢复网络后自动发送')")
    snapshot(phone, "report-draft-saved")
    drafts = phone.evaluate("gridDrafts.list().then(ds => ds.map(d => [d.title, d.photos.length, d.photos[0].blob.size > 0]))")
    assert drafts == [["随手拍：垃圾乱堆", 1, True]]
    assert "gridapp-drafts" in phone.evaluate("navigator.serviceWorker.ready.then(r => r.sync.getTags())")  # Background Sync
    assert my_reports(client, headers) == []

    phone.context.set_offline(False)  # the `online` event and Background Sync both send it: one report
    phone.wait_for_url(lambda url: "/h5/reports?sent=" in url)
    assert "已提交" in phone.inner_text("#sent")
    assert phone.is_hidden("#drafts")
    assert phone.evaluate("gridDrafts.list().then(ds => ds.length)") == 0
    phone.reload()  # a page load sends pending drafts again: there are none left
    phone.wait_for_timeout(500)
    assert [(r["description"], len(r["photos"])) for r in my_reports(client, headers)] == [("地下车库入口堆满杂物", 1)]


@pytest.mark.browser
def test_a_photo_that_fails_once_is_sent_again_alone_and_the_report_goes_through(phone, city, caplog, client):
    garbage_id, headers = resident_at_the_form(phone, city, caplog)
    tries = []

    def first_fails(route):
        tries.append(route.request.headers.get("idempotency-key"))
        route.abort() if len(tries) == 1 else route.continue_()

    phone.route("**/api/v1/uploads", first_fails)
    write_report(phone, garbage_id, "路灯不亮", photos=2)
    phone.wait_for_selector("#report-photos .photo-tile.failed .retry:visible")
    phone.locator("#report-photos .photo-tile.done").wait_for()  # the other photo went through
    snapshot(phone, "report-photo-failed")
    phone.click("#report-submit")  # the failed photo is sent again, alone; nothing typed is lost
    phone.wait_for_url(lambda url: "/h5/reports?sent=" in url)
    assert len(tries) == 3 and tries.count(tries[0]) == 2  # one retry, under the photo's own key
    assert [(r["description"], len(r["photos"])) for r in my_reports(client, headers)] == [("路灯不亮", 2)]


@pytest.mark.browser
def test_drafts_are_listed_on_my_reports_and_sent_or_deleted_by_hand(phone, city, caplog, client):
    garbage_id, headers = resident_at_the_form(phone, city, caplog)
    phone.context.route("**/api/v1/uploads", lambda route: route.abort())  # a signal too weak for any photo
    for text in ("楼道灯坏了", "井盖松动"):
        write_report(phone, garbage_id, text)
        phone.click("#report-submit")
        phone.wait_for_selector("#report-message:has-text('已保存草稿')")
        if text == "楼道灯坏了":
            phone.reload()
            phone.wait_for_selector("#location-status.ok")

    phone.goto("/h5/reports")
    phone.locator("#drafts .draft").nth(1).wait_for()
    assert phone.locator("#drafts .draft").count() == 2
    assert "随手拍：垃圾乱堆" in phone.inner_text("#drafts .draft >> nth=0")
    snapshot(phone, "my-reports-drafts")
    assert axe_violations(phone) == []
    phone.click("#drafts .draft >> nth=1 >> text=删除")
    phone.wait_for_selector("#drafts [data-drafts-status]:has-text('草稿已删除')")
    assert phone.locator("#drafts .draft").count() == 1
    phone.context.unroute("**/api/v1/uploads")
    phone.click("#drafts .draft >> nth=0 >> text=发送")
    phone.wait_for_url(lambda url: "/h5/reports?sent=" in url)
    reports = my_reports(client, headers)
    assert [r["description"] for r in reports] == ["楼道灯坏了"]
    assert phone.is_hidden("#drafts")


@pytest.mark.browser
def test_a_draft_left_behind_is_sent_by_the_workers_background_sync(phone, city, caplog, client):
    """The page is gone when the signal returns: Background Sync wakes the worker, which sends the draft itself."""
    garbage_id, headers = resident_at_the_form(phone, city, caplog)
    devtools = phone.context.new_cdp_session(phone)
    registrations = []
    devtools.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    devtools.send("ServiceWorker.enable")
    phone.context.set_offline(True)
    write_report(phone, garbage_id, "电梯里没有信号")
    phone.click("#report-submit")
    phone.wait_for_selector("#report-message:has-text('已保存草稿')")
    phone.goto("about:blank")  # no H5 page left to send it
    phone.context.set_offline(False)
    registration = next(r for r in registrations if r["scopeURL"].endswith("/h5/") and not r["isDeleted"])
    origin = registration["scopeURL"].removesuffix("/h5/")
    devtools.send("ServiceWorker.dispatchSyncEvent", {
        "origin": origin, "registrationId": registration["registrationId"], "tag": "gridapp-drafts", "lastChance": False,
    })  # fmt: skip
    for _ in range(100):
        reports = my_reports(client, headers)
        if reports:
            break
        phone.wait_for_timeout(100)
    assert [(r["description"], len(r["photos"])) for r in reports] == [("电梯里没有信号", 1)]


QUEUE_A_DAY_OLD_DRAFT = """async ([category, lat, lng]) => {
    const blob = await (await fetch("/static/icons/h5-192.png")).blob();
    await gridDrafts.queue({
        key: crypto.randomUUID(), title: "随手拍：垃圾乱堆", url: "/api/v1/reports", photoField: "upload_ids",
        fields: [["category_id", String(category)], ["lat", String(lat)], ["lng", String(lng)], ["description", "一天后才有信号"]],
        photos: [{blob: blob, name: "photo-1.png"}], uploadIds: [987654321],
    });
}"""


@pytest.mark.browser
def test_a_draft_whose_uploads_expired_sends_its_photos_again(phone, city, caplog, client):
    """Uploads are kept a day: a draft older than that is refused once for them, then uploads its photos anew."""
    garbage_id, headers = resident_at_the_form(phone, city, caplog)
    phone.evaluate(QUEUE_A_DAY_OLD_DRAFT, [garbage_id, G1[1], G1[0]])
    for _ in range(100):
        kept = phone.evaluate("gridDrafts.list().then(ds => ds.map(d => [d.error, d.uploadIds, d.uploadRound || 0]))")
        if kept and kept[0][2]:
            break
        phone.wait_for_timeout(100)
    assert kept == [[None, None, 1]]  # not a refusal to show: the photos go again, under new keys
    phone.evaluate("gridDrafts.sendAll()")
    assert [(r["description"], len(r["photos"])) for r in my_reports(client, headers)] == [("一天后才有信号", 1)]
    assert phone.evaluate("gridDrafts.list().then(ds => ds.length)") == 0
