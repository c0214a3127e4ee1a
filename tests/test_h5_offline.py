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
from gridapp.h5 import offline
from tests.support.browser import axe_violations, snapshot
from tests.support.factories import auth_headers


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
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
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
