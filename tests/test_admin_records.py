"""Admin records: CRUD with search, scoped to the admin's subtree, masked personal data, logged reads."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import HouseholdAccessLog
from gridapp.services.accounts.users import load_actor
from gridapp.services.codes import record_views, records
from gridapp.storage import media_storage
from tests.support.cases import jpeg, media_files
from tests.support.factories import auth_headers
from tests.support.places import CADRE_PHONE, MEMBER_ID, MEMBER_PHONE, SHOP_OWNER_PHONE


def test_community_admin_manages_households_with_members_and_every_read_is_logged(client, city, places):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    created = client.post("/api/v1/admin/households", headers=admin, json={
        "grid_id": city.g2.id, "building": "8号楼", "unit": "1单元", "floor": 3, "room": "301",
        "members": [{"name": "周新户", "relation": "户主", "phone": "13600000001", "id_number": "15060319800101123X"}],
    })
    assert created.status_code == 201, created.json
    hid = created.json["id"]
    assert created.json["members"][0]["phone"] == "13600000001"  # the records keeper sees whole numbers
    dup = client.post("/api/v1/admin/households", headers=admin, json={"grid_id": city.g2.id, "building": "8号楼", "unit": "1单元", "floor": 3, "room": "301"})
    assert dup.status_code == 409
    found = client.get("/api/v1/admin/households?q=周新户", headers=admin).json
    assert [h["id"] for h in found["items"]] == [hid] and found["items"][0]["member_count"] == 1
    assert "members" not in found["items"][0]  # lists carry no personal data
    edited = client.patch(f"/api/v1/admin/households/{hid}", headers=admin, json={"room": "302"})
    assert edited.json["room"] == "302"
    member_id = created.json["members"][0]["id"]
    client.patch(f"/api/v1/admin/households/{hid}/members/{member_id}", headers=admin, json={"phone": "13600000002"})
    street = client.get(f"/api/v1/admin/households/{hid}", headers=auth_headers(city.users[Role.STREET_ADMIN])).json
    assert street["members"][0]["phone"] == "136****0002" and street["members"][0]["id_number"] == "150***********123X"
    log = db.session.scalars(select(HouseholdAccessLog).where(HouseholdAccessLog.household_id == hid).order_by(HouseholdAccessLog.id)).all()
    assert [(l.user_id, l.action) for l in log] == [
        (city.users[Role.COMMUNITY_ADMIN].id, "create"), (city.users[Role.COMMUNITY_ADMIN].id, "update"),
        (city.users[Role.COMMUNITY_ADMIN].id, "update"), (city.users[Role.STREET_ADMIN].id, "read"),
    ]
    history = client.get(f"/api/v1/admin/households/{hid}/access-log", headers=admin).json
    assert history["meta"]["total"] == 4


def test_admins_act_only_within_their_subtree(client, city, places):
    other = auth_headers(city.users[Role.DISTRICT_ADMIN])  # d1 — g4 is in d2
    assert client.post("/api/v1/admin/shops", headers=other, json={
        "grid_id": city.g4.id, "name": "越界店", "category": "零售", "address": "某路1号"}).status_code == 403
    commadmin = auth_headers(city.users[Role.COMMUNITY_ADMIN])  # c1
    assert client.get(f"/api/v1/admin/households/{places.household.id}", headers=commadmin).status_code == 200
    assert client.get("/api/v1/admin/shops", headers=commadmin).json["meta"]["total"] == 1
    assert client.get(f"/api/v1/admin/shops?region_id={city.g3.id}", headers=commadmin).status_code == 403
    assert client.post("/api/v1/admin/cadres", headers=commadmin, json={
        "community_id": city.g1.id, "name": "错层", "post": "主任"}).status_code == 422
    from gridapp.services.accounts.users import grant_role

    user = city.users[Role.COMMUNITY_ADMIN]
    user.grants.clear()
    grant_role(user, Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    assert client.get(f"/api/v1/admin/households/{places.household.id}", headers=commadmin).status_code == 403
    assert client.patch(f"/api/v1/admin/shops/{places.shop.id}", headers=commadmin, json={"name": "x"}).status_code == 403
    assert client.get("/api/v1/admin/shops", headers=commadmin).json["meta"]["total"] == 0


def test_each_record_type_can_be_created_listed_and_deactivated_with_its_codes_revoked(client, city, places):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    bodies = {
        "shops": {"grid_id": city.g1.id, "name": "新店", "category": "零售", "address": "文化路1号", "owner_phone": "13700000000"},
        "cadres": {"community_id": city.c1.id, "name": "新主任", "post": "居委会主任", "phone": "13700000001"},
        "ebikes": {"grid_id": city.g1.id, "plate_no": "康B00001", "owner_name": "车主乙", "owner_phone": "13700000002"},
        "stalls": {"grid_id": city.g1.id, "vendor_name": "摊主乙", "goods": "早餐", "permitted_area": "文化路口",
                   "open_time": "06:00", "close_time": "09:00", "valid_from": "2026-01-01", "valid_until": "2026-06-30"},
        "places": {"grid_id": city.g1.id, "kind": "bin_station", "name": "东门垃圾站"},
    }
    for name, body in bodies.items():
        created = client.post(f"/api/v1/admin/{name}", headers=admin, json=body)
        assert created.status_code == 201, (name, created.json)
        term = {"shops": "新店", "cadres": "新主任", "ebikes": "B00001", "stalls": "早餐", "places": "东门"}[name]
        assert client.get(f"/api/v1/admin/{name}?q={term}", headers=admin).json["meta"]["total"] == 1, name
    bad = dict(bodies["stalls"], open_time="10:00", close_time="09:00")
    assert client.post("/api/v1/admin/stalls", headers=admin, json=bad).status_code == 422
    listed = client.get("/api/v1/admin/shops?q=老王", headers=admin).json["items"][0]
    assert listed["owner_phone"] == SHOP_OWNER_PHONE and listed["codes"][0]["kind"] == "shop"
    client.get(f"/api/v1/scan/{places.tokens['shop']}")
    assert client.get("/api/v1/admin/shops?q=老王", headers=admin).json["items"][0]["codes"][0]["scan_count"] == 1
    district = client.get("/api/v1/admin/shops?q=老王", headers=auth_headers(city.users[Role.DISTRICT_ADMIN])).json["items"][0]
    assert district["owner_phone"] == "135****2222"
    gone = client.post(f"/api/v1/admin/shops/{places.shop.id}/deactivate", headers=admin)
    assert gone.status_code == 200 and gone.json["is_active"] is False and gone.json["codes"] == []
    assert client.get(f"/api/v1/scan/{places.tokens['shop']}").status_code == 410
    assert client.get("/api/v1/admin/shops?q=老王", headers=admin).json["meta"]["total"] == 0


def test_household_detail_never_leaks_whole_numbers_above_the_community(client, city, places):
    for role in (Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN):
        body = client.get(f"/api/v1/admin/households/{places.household.id}", headers=auth_headers(city.users[role])).get_data(as_text=True)
        assert MEMBER_PHONE not in body and MEMBER_ID not in body, role
    body = client.get(f"/api/v1/admin/households/{places.household.id}", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).json
    assert body["members"][0]["phone"] == MEMBER_PHONE


def test_creating_with_an_idempotency_key_twice_makes_one_record(client, city):
    headers = {**auth_headers(city.users[Role.COMMUNITY_ADMIN]), "Idempotency-Key": "3b1f2c9e-shop-1"}
    body = {"grid_id": city.g1.id, "name": "重试店", "category": "零售", "address": "文化路9号"}
    first = client.post("/api/v1/admin/shops", headers=headers, json=body)
    again = client.post("/api/v1/admin/shops", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/admin/shops", headers=headers, json=dict(body, name="别的店"))
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"


def test_a_cadres_photo_is_cleaned_and_shown_on_the_code_page(app, client, city, places):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    cadre = places.cadre
    before = media_files(app)

    def post(files):
        return client.post(
            f"/api/v1/admin/cadres/{cadre.id}/photo", headers=admin, content_type="multipart/form-data",
            data={"photos": [(io.BytesIO(blob), name) for blob, name in files]},
        )

    assert post([(b"not an image", "a.jpg")]).status_code in (400, 415, 422)
    assert post([]).status_code == 422
    assert media_files(app) == before  # refused uploads leave nothing behind

    first = post([(jpeg(gps=True), "me.jpg")])
    assert first.status_code == 200, first.json
    key = db.session.get(type(cadre), cadre.id).photo_path
    stored = Image.open(io.BytesIO(media_storage().read(key)))
    assert not stored.getexif()  # no EXIF, no GPS
    assert first.json["photo_url"].endswith(key)

    assert post([(jpeg(color=(0, 0, 200)), "new.jpg")]).status_code == 200
    db.session.expire_all()
    assert not media_storage().exists(key)  # the replaced photo is gone

    outsider = auth_headers(city.users[Role.DEPARTMENT_STAFF])
    assert client.post(f"/api/v1/admin/cadres/{cadre.id}/photo", headers=outsider, data={}).status_code == 403


def test_what_a_viewer_sees_is_built_for_that_viewer_and_leaves_the_records_alone(client, city, places):
    """Masking is decided per viewer in record_views, never by marking the model objects."""
    spec = records.SPECS["households"]
    household = db.session.get(type(places.household), places.household.id)
    keeper = record_views.record(load_actor(city.city.id, city.users[Role.COMMUNITY_ADMIN].id), spec, household)
    above = record_views.record(load_actor(city.city.id, city.users[Role.STREET_ADMIN].id), spec, household)
    assert keeper["members"][0]["phone"] == MEMBER_PHONE and keeper["members"][0]["id_number"] == MEMBER_ID
    assert MEMBER_PHONE not in str(above) and MEMBER_ID not in str(above)
    assert not hasattr(household, "reveal_personal") and not hasattr(household, "active_codes")


def test_every_answer_about_a_record_shows_the_same_view(app, client, city, places):
    """The photo answer is the same record the detail shows the same viewer (whole phone for its keeper, codes too)."""
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    photo = client.post(
        f"/api/v1/admin/cadres/{places.cadre.id}/photo", headers=admin, content_type="multipart/form-data",
        data={"photos": [(io.BytesIO(jpeg()), "me.jpg")]},
    )
    assert photo.status_code == 200, photo.json
    detail = client.get(f"/api/v1/admin/cadres/{places.cadre.id}", headers=admin).json
    assert photo.json == detail and detail["phone"] == CADRE_PHONE


def test_search_matches_percent_and_underscore_as_typed(client, city, places):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    for name in ("满100%减20", "A_B 小卖部"):
        body = {"grid_id": city.g1.id, "name": name, "category": "零售", "address": "文化路1号"}
        assert client.post("/api/v1/admin/shops", headers=admin, json=body).status_code == 201

    def names(q):
        return sorted(s["name"] for s in client.get("/api/v1/admin/shops", query_string={"q": q}, headers=admin).json["items"])

    assert names("%") == ["满100%减20"]
    assert names("_") == ["A_B 小卖部"]
    assert names("100%减") == ["满100%减20"]
    assert names("A_B") == ["A_B 小卖部"]
    assert names("%%") == [] and names("__") == []
    household = client.get("/api/v1/admin/households", query_string={"q": "_"}, headers=admin).json
    assert household["meta"]["total"] == 0  # nobody's name has an underscore; before, "_" matched every member
