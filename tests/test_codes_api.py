"""Codes over HTTP for admins: issue, revoke, reissue, images that decode, and printable sheets."""
from __future__ import annotations

import uuid

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.services.codes import sheets
from gridapp.services.regions.tree import get_region
from tests.conftest import make_app
from tests.support import servers
from tests.support.factories import auth_headers, build_city
from tests.support.qr import decode_png, decode_svg, plates_of_pdf
from tests.support.workers import isolated_redis, run_worker


def test_images_decode_to_exactly_the_code_url(client, city, places, app):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    for kind, code in places.codes.items():
        if kind == "resident":
            assert client.get(f"/api/v1/codes/{code.id}/image.png", headers=admin).status_code == 404
            continue
        url = f"{app.config['PUBLIC_BASE_URL']}/c/{code.token}"
        png = client.get(f"/api/v1/codes/{code.id}/image.png?size=400&ec=H", headers=admin)
        assert png.status_code == 200 and png.mimetype == "image/png"
        assert decode_png(png.data) == [url], kind
        svg = client.get(f"/api/v1/codes/{code.id}/image.svg?size=300", headers=admin)
        assert svg.mimetype == "image/svg+xml" and decode_svg(svg.get_data(as_text=True)) == [url], kind
    outdoor = client.get(f"/api/v1/codes/{places.codes['household_outdoor'].id}/image.svg", headers=admin).get_data(as_text=True)
    assert "3号楼2单元5层" in outdoor and "欧阳" not in outdoor  # the caption names the landing, not who lives there
    assert client.get(f"/api/v1/codes/{places.codes['shop'].id}/image.png?size=10", headers=admin).status_code == 422
    assert client.get(f"/api/v1/codes/{places.codes['shop'].id}/image.png", headers=auth_headers(city.worker4)).status_code == 403


def test_issue_revoke_reissue_over_http_and_counts_in_lists(client, city, places):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    shop_code = places.codes["shop"]
    again = client.post("/api/v1/codes", headers=admin, json={"entity_type": "shop", "entity_id": places.shop.id, "kind": "shop"})
    assert again.status_code == 409 and again.json["code"] == "code_exists"
    client.get(f"/c/{shop_code.token}")
    listed = client.get(f"/api/v1/codes?region_id={city.g1.id}", headers=admin).json
    assert listed["items"][0]["id"] == shop_code.id and listed["items"][0]["scan_count"] == 1
    assert listed["meta"]["total"] == 6  # the cadre's is the community's; the resident's personal code is not an admin's
    fresh = client.post(f"/api/v1/codes/{shop_code.id}/reissue", headers=admin)
    assert fresh.status_code == 201 and fresh.json["token"] != shop_code.token
    assert fresh.json["url"].endswith(f"/c/{fresh.json['token']}")
    assert client.get(f"/c/{shop_code.token}").status_code == 410
    assert client.get(f"/c/{fresh.json['token']}").status_code == 200
    assert client.post(f"/api/v1/codes/{shop_code.id}/reissue", headers=admin).status_code == 409
    assert client.post(f"/api/v1/codes/{fresh.json['id']}/revoke", headers=admin).json["status"] == "revoked"
    assert client.get(f"/api/v1/scan/{fresh.json['token']}").status_code == 410
    issued = client.post("/api/v1/codes", headers=admin, json={"entity_type": "shop", "entity_id": places.shop.id, "kind": "shop"})
    assert issued.status_code == 201
    assert client.post("/api/v1/codes/bulk", headers=admin, json={"region_id": city.c1.id}).json == {"issued": 0}
    assert client.get("/api/v1/codes?status=replaced", headers=admin).json["meta"]["total"] == 1


def test_small_sheet_is_made_inline_and_every_plate_decodes(client, city, places, app):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    response = client.post("/api/v1/code-sheets", headers=admin, json={"region_id": city.g1.id})
    assert response.status_code == 202, response.json
    job = response.json
    assert job["status"] == "done" and job["done"] == job["total"] == 6 and job["download_url"]
    pdf = client.get(job["download_url"], headers=admin)
    assert pdf.mimetype == "application/pdf"
    expected = sheets.plates(city.city.id, get_region(city.city.id, city.g1.id), list(sheets.PRINTABLE_KINDS), None)
    assert plates_of_pdf(pdf.data, 6) == [[p["url"]] for p in expected]
    assert all("欧阳" not in p["title"] + p["subtitle"] for p in expected)
    one_building = client.post("/api/v1/code-sheets", headers=admin, json={"region_id": city.c1.id, "building": "3号楼"}).json
    assert one_building["total"] == 3  # the household's two codes and the stairwell
    nothing = client.post("/api/v1/code-sheets", headers=admin, json={"region_id": city.g2.id})
    assert nothing.status_code == 422 and nothing.json["code"] == "nothing_to_print"
    assert client.get(f"/api/v1/code-sheets/{job['id']}", headers=auth_headers(city.worker4)).status_code == 403


def _many_shops(city, count):
    from gridapp.models import Shop
    from gridapp.services.codes.issuing import issue_for

    shops = [Shop(city_id=city.city.id, grid_id=city.g2.id, name=f"商铺{i}", category="零售", address=f"二路{i}号") for i in range(count)]
    db.session.add_all(shops)
    db.session.flush()
    issue_for(city.city.id, "shop", shops)
    db.session.commit()


def test_large_sheet_goes_to_the_job_which_reports_progress(client, city, monkeypatch):
    _many_shops(city, sheets.INLINE_LIMIT + 30)
    seen = []
    original = sheets.record_progress
    monkeypatch.setattr(sheets, "record_progress", lambda c, j, done: (seen.append(done), original(c, j, done)))
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    job = client.post("/api/v1/code-sheets", headers=admin, json={"region_id": city.g2.id}).json
    # No Redis here: the same job ran inline after the request's commit.
    assert seen == [*range(12, sheets.INLINE_LIMIT + 30, 12), sheets.INLINE_LIMIT + 30]
    polled = client.get(f"/api/v1/code-sheets/{job['id']}", headers=admin).json
    assert polled["status"] == "done" and polled["done"] == polled["total"] == sheets.INLINE_LIMIT + 30
    assert client.get(polled["download_url"], headers=admin).data.startswith(b"%PDF")


def test_large_sheet_through_redis_and_a_real_worker(pg_admin_url, redis_url, tmp_path):
    queue_url = isolated_redis(redis_url, 9)
    database_url = servers.create_database(pg_admin_url, f"gridapp_sheets_{uuid.uuid4().hex[:8]}")
    app = make_app(database_url, tmp_path, REDIS_URL=queue_url)
    with app.app_context():
        city = build_city("sheetcity")
        _many_shops(city, 150)
        client = app.test_client()
        admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
        job = client.post("/api/v1/code-sheets", headers=admin, json={"region_id": city.g2.id}).json
        assert job["status"] == "pending" and job["total"] == 150
        worker = run_worker(queue_url, database_url, tmp_path, timeout=300, MEDIA_ROOT=str(tmp_path / "media"))
        assert worker.returncode == 0, worker.stdout
        polled = client.get(f"/api/v1/code-sheets/{job['id']}", headers=admin).json
        assert polled["status"] == "done" and polled["done"] == 150, (polled, worker.stdout[-2000:])
        pdf = client.get(polled["download_url"], headers=admin).data
        expected = sheets.plates(city.city.id, city.g2, list(sheets.PRINTABLE_KINDS), None)
        assert plates_of_pdf(pdf, 150) == [[p["url"]] for p in expected]
        db.session.remove()


def test_a_resident_shows_their_own_code_and_the_grid_worker_scans_it(client, city, places, app):
    me = auth_headers(places.member_user)
    mine = client.get("/api/v1/me/code", headers=me).json
    assert mine["token"] == places.tokens["resident"]  # the code issued earlier, not a new one each time
    png = client.get("/h5/my-code.png", headers=me)
    assert png.mimetype == "image/png" and decode_png(png.data) == [mine["url"]]
    assert "居民个人码" in client.get("/h5/my-code", headers=me).get_data(as_text=True)
    fresh = client.get("/api/v1/me/code", headers=auth_headers(city.users[Role.RESIDENT])).json
    assert fresh["token"] != mine["token"]
    view = client.get(f"/api/v1/scan/{fresh['token']}", headers=auth_headers(city.users[Role.GRID_WORKER])).json
    assert "household" not in view  # this resident is in no household of the worker's grid
