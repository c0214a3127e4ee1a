"""Running a real city from `create_city` alone, over the HTTP API only: the founder imports the region tree and
sets up a department, a category and staff; the staff choose their passwords; the community admin imports the
registry; residents signed in by SMS are linked to a household member and a shop by the grid worker; a resident
earns points for an accepted report and spends them at the linked owner's shop. Refused steps on the way answer
403 or 422 in the error shape and change nothing. No factories and no database writes after `create_city`."""
from __future__ import annotations

import io
import json
import logging

from gridapp.extensions import db
from gridapp.services.accounts.cities import create_city
from tests.support.cases import jpeg
from tests.support.errors import assert_error
from tests.support.factories import feature_collection, square
from tests.support.fakes import sms_codes

CITY = "runcity"
FOUNDER_PASSWORD = "founder password 1"
RESIDENT_PHONE = "13800000001"
OWNER_PHONE = "13800000002"
GRID_LNG, GRID_LAT = 120.0, 30.0  # the grid "rg1" is the 0.01° square north-east of this corner

TREE = [
    ("rd", "临江区", "district", "", None),
    ("rs", "滨河街道", "street", "rd", None),
    ("rc", "柳岸社区", "community", "rs", None),
    ("rg1", "柳岸一网格", "grid", "rc", square(GRID_LNG, GRID_LAT)),
    ("rg2", "柳岸二网格", "grid", "rc", square(GRID_LNG + 0.01, GRID_LAT)),
]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def upload(client, url: str, headers: dict, name: str, data: bytes):
    return client.post(
        url, data={"file": (io.BytesIO(data), name)}, headers=headers, content_type="multipart/form-data"
    )


def sign_in(client, username: str, password: str) -> dict:
    response = client.post("/api/v1/auth/login", json={"city": CITY, "username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return bearer(response.get_json()["access_token"])


def first_sign_in(client, username: str, given: str) -> dict:
    """A staff member's first sign-in: the admin-set password is refused until the person chooses their own."""
    assert_error(
        client.post("/api/v1/auth/login", json={"city": CITY, "username": username, "password": given}),
        403, "password_change_required",
    )
    changed = client.post(
        "/api/v1/auth/password",
        json={"city": CITY, "username": username, "password": given, "new_password": f"{username} own password"},
    )
    assert changed.status_code == 200, changed.get_json()
    me = client.get("/api/v1/me", headers=bearer(changed.get_json()["access_token"])).get_json()
    assert me["username"] == username
    return sign_in(client, username, f"{username} own password")


def sms_sign_in(client, caplog, phone: str) -> dict:
    asked = client.post("/api/v1/auth/code", json={"city": CITY, "phone": phone, "agreed": True})
    assert asked.status_code == 202, asked.get_json()
    verified = client.post(
        "/api/v1/auth/code/verify", json={"city": CITY, "phone": phone, "code": sms_codes(caplog, phone)[-1]}
    )
    assert verified.status_code == 200, verified.get_json()
    return bearer(verified.get_json()["access_token"])


def regions_by_code(client, headers: dict) -> dict[str, int]:
    """Every node the caller sees, walking the tree down from their roots."""
    found: dict[str, int] = {}
    todo = client.get("/api/v1/regions", headers=headers).get_json()["items"]
    while todo:
        node = todo.pop()
        found[node["code"]] = node["id"]
        todo += client.get(f"/api/v1/regions/{node['id']}/children?per_page=100", headers=headers).get_json()["items"]
    return found


def staff_total(client, headers: dict) -> int:
    return client.get("/api/v1/staff", headers=headers).get_json()["meta"]["total"]


def staff_body(username: str, name: str, password: str, **grant) -> dict:
    return {"username": username, "display_name": name, "password": password, "grants": [grant]}


def create_staff(client, headers: dict, body: dict, key: str) -> int:
    made = client.post("/api/v1/staff", json=body, headers=headers | {"Idempotency-Key": key})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["must_change_password"] is True
    return made.get_json()["id"]


def ask_link(client, headers: dict, kind: str) -> int:
    candidates = client.get("/api/v1/links/candidates", headers=headers).get_json()["items"]
    record = next(c for c in candidates if c["kind"] == kind and c["available"])
    asked = client.post("/api/v1/links", json={"kind": kind, "record_id": record["record_id"]}, headers=headers)
    assert asked.status_code == 201, asked.get_json()
    assert asked.get_json()["status"] == "pending"
    return asked.get_json()["id"]


def test_a_city_is_set_up_staffed_linked_and_trading_over_the_api_alone(client, app, caplog):
    caplog.set_level(logging.WARNING, logger="gridapp.sms")
    create_city(CITY, "临江市", "founder", FOUNDER_PASSWORD)
    db.session.commit()
    founder = sign_in(client, "founder", FOUNDER_PASSWORD)

    # The region tree, from a GeoJSON FeatureCollection.
    tree = json.dumps(feature_collection(TREE)).encode()
    imported = upload(client, "/api/v1/regions/import", founder, "tree.geojson", tree)
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["created"] == 5 and imported.get_json()["warnings"] == []
    nodes = regions_by_code(client, founder)
    assert {"rd", "rs", "rc", "rg1", "rg2"} <= set(nodes)

    # A department serving the district and a category the grid worker handles.
    department = client.post(
        "/api/v1/departments",
        json={"code": "cgj", "name": "临江区城管局", "kind": "city_management", "region_ids": [nodes["rd"]]},
        headers=founder | {"Idempotency-Key": "dept-cgj"},
    )
    assert department.status_code == 201, department.get_json()
    category = client.post(
        "/api/v1/categories",
        json={
            "code": "garbage", "name": "垃圾乱堆", "default_route": "grid_worker", "difficulty": "simple",
            "confirm_minutes": 60, "onsite_minutes": 120, "resolve_minutes": 2880, "working_time": False,
        },
        headers=founder,
    )
    assert category.status_code == 201, category.get_json()

    # Staff, each signed in after choosing a password.
    department_id = department.get_json()["id"]
    for username, name, given, grant in (
        ("liuadmin", "柳社区管理员", "given-admin-1", {"role": "community_admin", "region_ids": [nodes["rc"]]}),
        ("grid1", "一网格员", "given-grid-1", {"role": "grid_worker", "region_ids": [nodes["rg1"]]}),
        ("cgstaff", "城管队员", "given-dept-1", {"role": "department_staff", "department_id": department_id}),
    ):
        create_staff(client, founder, staff_body(username, name, given, **grant), f"staff-{username}")
    community_admin = first_sign_in(client, "liuadmin", "given-admin-1")
    worker = first_sign_in(client, "grid1", "given-grid-1")
    department_staff = first_sign_in(client, "cgstaff", "given-dept-1")
    assert [g["role"] for g in client.get("/api/v1/me", headers=department_staff).get_json()["grants"]] == [
        "department_staff"
    ]

    # Refused: a community admin giving a role above their own, and a staff import with a bad row.
    before = staff_total(client, founder)
    higher = staff_body("streetboss", "街道管理员", "given-street-1", role="street_admin", region_ids=[nodes["rs"]])
    assert_error(client.post("/api/v1/staff", json=higher, headers=community_admin), 403, "grant_forbidden")
    sheet = (
        "用户名,姓名,手机号,初始密码,角色,范围编码,职务\n"
        "grid2,二网格员,13700000022,given-grid-2,网格员,rg2,专职\n"
        "badphone,号码错,1370000,given-grid-3,网格员,rg2,\n"
    ).encode()
    refused = upload(client, "/api/v1/staff/imports", community_admin, "staff.csv", sheet)
    body = assert_error(refused, 422, "import_invalid")
    assert [(e["row"], e["field"]) for e in body["details"]["errors"]] == [(3, "phone")]
    assert staff_total(client, founder) == before
    good = upload(client, "/api/v1/staff/imports", community_admin, "staff.csv", b"".join(sheet.splitlines(True)[:2]))
    assert good.status_code == 201 and good.get_json() == {"imported": 1, "rows": 1}
    other_worker = first_sign_in(client, "grid2", "given-grid-2")

    # The registry, imported by the community admin: a household with the resident on it, a shop with its owner.
    households = (
        "网格编码,楼栋,单元,楼层,房号,姓名,与户主关系,手机号,身份证号\n"
        f"rg1,3号楼,2单元,4,402,陈明,户主,{RESIDENT_PHONE},\n"
        "rg1,3号楼,2单元,4,402,陈小月,女儿,,\n"
    ).encode()
    made = upload(client, "/api/v1/admin/imports/households", community_admin, "households.csv", households)
    assert made.status_code == 201, made.get_json()
    shops = (
        "网格编码,店名,类别,地址,营业执照号,执照状态,经营者,经营者手机号\n"
        f"rg1,柳岸便利店,零售,滨河路8号,,valid,周老板,{OWNER_PHONE}\n"
    ).encode()
    made = upload(client, "/api/v1/admin/imports/shops?issue_codes=true", community_admin, "shops.csv", shops)
    assert made.status_code == 201 and made.get_json()["codes_issued"] == 1, made.get_json()
    shop_code = client.get("/api/v1/codes?kind=shop", headers=community_admin).get_json()["items"][0]
    assert shop_code["entity_type"] == "shop"

    # The resident asks to be linked to the household member; the grid worker of the other grid may not confirm.
    resident = sms_sign_in(client, caplog, RESIDENT_PHONE)
    link_id = ask_link(client, resident, "member")
    assert client.get("/api/v1/me/households", headers=resident).get_json()["items"] == []
    assert [i["id"] for i in client.get("/api/v1/links/review", headers=worker).get_json()["items"]] == [link_id]
    assert_error(client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=other_worker), 403, "forbidden")
    assert client.get(f"/api/v1/links/{link_id}", headers=resident).get_json()["status"] == "pending"
    confirmed = client.post(f"/api/v1/links/{link_id}/confirm", json={"note": "已上门核实"}, headers=worker)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed", confirmed.get_json()
    homes = client.get("/api/v1/me/households", headers=resident).get_json()["items"]
    assert len(homes) == 1
    record = client.get(f"/api/v1/me/households/{homes[0]['id']}", headers=resident).get_json()
    assert sorted(m["name"] for m in record["members"]) == ["陈小月", "陈明"]
    assert next(m for m in record["members"] if m["is_me"])["phone"] == RESIDENT_PHONE

    # The shop owner, another resident, is linked to the shop the same way.
    owner = sms_sign_in(client, caplog, OWNER_PHONE)
    shop_link = ask_link(client, owner, "shop")
    assert client.post(f"/api/v1/links/{shop_link}/confirm", json={}, headers=worker).status_code == 200
    owned = client.get("/api/v1/me/owned", headers=owner).get_json()["items"]
    assert [(o["kind"], o["record_id"]) for o in owned] == [("shop", shop_code["entity_id"])]

    # Points: the grid worker accepts the resident's report, which pays the award from the city's fund.
    reported = client.post(
        "/api/v1/reports",
        data={
            "category_id": str(category.get_json()["id"]), "lng": str(GRID_LNG + 0.005), "lat": str(GRID_LAT + 0.005),
            "description": "楼下垃圾堆了三天", "photos": [(io.BytesIO(jpeg()), "photo.jpg")],
        },
        headers=resident | {"Idempotency-Key": "report-1"},
        content_type="multipart/form-data",
    )
    assert reported.status_code == 201, reported.get_json()
    case_id = reported.get_json()["id"]
    assert client.post(f"/api/v1/cases/{case_id}/accept", json={"note": "马上处理"}, headers=worker).status_code == 200
    award = app.config["POINTS_REPORT_ACCEPTED"]
    assert client.get("/api/v1/points/me", headers=resident).get_json() == {"balance": award}

    # The resident redeems at the shop and its linked owner confirms.
    spend = award - 2
    redeem = "/api/v1/points/redemptions"
    assert_error(
        client.post(redeem, json={"shop_code": shop_code["token"], "points": award + 1}, headers=resident),
        409, "insufficient_points",
    )
    asked = client.post(redeem, json={"shop_code": shop_code["token"], "points": spend}, headers=resident)
    assert asked.status_code == 201 and asked.get_json()["payer"] == "resident", asked.get_json()
    shop_url = f"/api/v1/me/shops/{shop_code['entity_id']}/redemptions"
    assert [r["id"] for r in client.get(shop_url, headers=owner).get_json()["items"]] == [asked.get_json()["id"]]
    confirm = f"{redeem}/{asked.get_json()['id']}/confirm"
    assert_error(client.post(confirm, headers=resident), 403, "forbidden")
    assert client.get("/api/v1/points/me", headers=resident).get_json() == {"balance": award}
    confirmed = client.post(confirm, headers=owner)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed", confirmed.get_json()

    assert client.get("/api/v1/points/me", headers=resident).get_json() == {"balance": award - spend}
    history = client.get("/api/v1/points/me/history", headers=resident).get_json()["items"]
    assert sorted(e["amount"] for e in history) == sorted([award, -spend])
    assert client.get(f"{shop_url}?status=confirmed", headers=owner).get_json()["meta"]["total"] == 1
