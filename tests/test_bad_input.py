"""Input no column can hold, or no parser should chew on, is a 4xx in the error shape and writes nothing."""
from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, Household, MobileStall
from gridapp.services.codes import sheets
from gridapp.storable import unstorable
from tests.support.cases import G1, jpeg, photo_files, post_report, report_at, resolve
from tests.support.errors import assert_error
from tests.support.factories import auth_headers
from tests.support.imports import upload

PAST_INT64 = 2**63


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_id_no_row_can_have_in_the_path_is_not_found(client, city, places):
    headers = auth_headers(city.users[Role.SUPER_ADMIN])
    assert_error(client.get(f"/api/v1/cases/{PAST_INT64}", headers=headers), 404, "not_found")
    assert_error(client.get(f"/api/v1/admin/households/{PAST_INT64}", headers=headers), 404, "not_found")
    assert_error(client.get(f"/api/v1/codes/{PAST_INT64 * 10}/image.png", headers=headers), 404, "not_found")


def test_integers_past_64_bits_in_a_query_are_refused_by_name(client, city, places):
    headers = auth_headers(city.users[Role.SUPER_ADMIN])
    body = assert_error(client.get(f"/api/v1/regions?page={PAST_INT64}", headers=headers), 422, "validation_failed")
    assert "page" in body["details"]["query"]
    body = assert_error(client.get(f"/api/v1/admin/households?region_id={PAST_INT64}", headers=headers), 422, "validation_failed")
    assert "region_id" in body["details"]["query"]
    body = assert_error(client.get(f"/api/v1/admin/households?region_id=-{PAST_INT64 + 1}", headers=headers), 422, "validation_failed")
    assert "region_id" in body["details"]["query"]


def test_integers_past_64_bits_in_a_body_are_refused_and_nothing_is_written(client, city, places):
    headers = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    before = count(Household)
    household = {"grid_id": PAST_INT64, "building": "8号楼", "unit": "1单元", "floor": 3, "room": "301"}
    body = assert_error(client.post("/api/v1/admin/households", headers=headers, json=household), 422, "validation_failed")
    assert body["details"]["json"] == {"grid_id": ["超出允许的数值范围"]}
    assert count(Household) == before


def stall(city, goods: str) -> bytes:
    return (
        '{"grid_id": %d, "vendor_name": "钱摊主", "goods": "%s", "permitted_area": "康和路北侧", "open_time": "17:00",'
        ' "close_time": "21:00", "valid_from": "2026-01-01", "valid_until": "2026-12-31"}' % (city.g1.id, goods)
    ).encode()


def test_text_no_database_can_store_is_refused_by_name(client, city, places):
    headers = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    before = count(MobileStall)
    for goods in (r"\ud915", r"\udc00水果", r"水果\u0000"):
        response = client.post("/api/v1/admin/stalls", headers=headers, data=stall(city, goods), content_type="application/json")
        body = assert_error(response, 422, "validation_failed")
        assert body["details"]["json"] == {"goods": ["包含无法保存的字符"]}, goods
    assert count(MobileStall) == before
    # A proper pair is one character (😀) and is stored like any other.
    response = client.post("/api/v1/admin/stalls", headers=headers, data=stall(city, r"水果\ud83d\ude00"), content_type="application/json")
    assert response.status_code == 201, response.json
    assert response.json["goods"] == "水果😀"


def test_json_nested_past_the_parsers_depth_is_refused(client, city):
    deep = b'{"city": "testcity", "username": ' + b"[" * 5000 + b"]" * 5000 + b', "password": "x"}'
    body = assert_error(client.post("/api/v1/auth/login", data=deep, content_type="application/json"), 422, "validation_failed")
    assert "json" in body["details"]
    # Deep but within what the parser takes: refused by the schema, like any wrong type.
    nested = b'{"city": "testcity", "username": ' + b"[" * 500 + b"]" * 500 + b', "password": "x"}'
    body = assert_error(client.post("/api/v1/auth/login", data=nested, content_type="application/json"), 422, "validation_failed")
    assert "username" in body["details"]["json"]


def test_a_photos_field_sent_as_text_is_refused(client, city, cats, places):
    resident = city.users[Role.RESIDENT]
    before = count(Case)
    response = post_report(client, resident, category=cats["garbage"], photos="{}", lng=G1[0], lat=G1[1])
    body = assert_error(response, 422, "validation_failed")
    assert "photos" in body["details"]["files"]

    hotline = {"category_id": str(cats["garbage"].id), "description": "占道", "lng": str(G1[0]), "lat": str(G1[1]), "photos": "{}"}
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    response = client.post("/api/v1/cases/hotline", data=hotline, headers=admin, content_type="multipart/form-data")
    assert "photos" in assert_error(response, 422, "validation_failed")["details"]["files"]
    assert count(Case) == before

    case = report_at(client, resident, cats["garbage"])
    response = resolve(client, city.users[Role.GRID_WORKER], case["id"], photos="{}")
    assert "photos" in assert_error(response, 422, "validation_failed")["details"]["files"]
    mixed = photo_files(jpeg()) + ["{}"]
    response = resolve(client, city.users[Role.GRID_WORKER], case["id"], photos=mixed)
    assert "photos" in assert_error(response, 422, "validation_failed")["details"]["files"]
    assert db.session.get(Case, case["id"]).state == case["state"]

    response = client.post(
        f"/api/v1/admin/cadres/{places.cadre.id}/photo", headers=admin, content_type="multipart/form-data", data={"photos": "{}"},
    )
    assert "photos" in assert_error(response, 422, "validation_failed")["details"]["files"]
    assert db.session.get(type(places.cadre), places.cadre.id).photo_path is None
    assert client.post(
        f"/api/v1/admin/cadres/{places.cadre.id}/photo", headers=admin, content_type="multipart/form-data",
        data={"photos": [(io.BytesIO(jpeg()), "me.jpg")]},
    ).status_code == 200


def test_record_text_the_caption_font_lacks_still_prints(client, city, places):
    """Fields take any storable text; a plate shows what the font lacks as a box instead of failing to print."""
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    edited = client.patch(f"/api/v1/admin/households/{places.household.id}", headers=admin, json={"building": "3号楼😀\t东"})
    assert edited.status_code == 200, edited.json
    assert client.patch(f"/api/v1/admin/shops/{places.shop.id}", headers=admin, json={"name": "老王面馆\u200d\x07"}).status_code == 200
    for kind in ("household_outdoor", "household_indoor", "shop"):
        code = places.codes[kind]
        png = client.get(f"/api/v1/codes/{code.id}/image.png", headers=admin)
        assert png.status_code == 200 and png.mimetype == "image/png", kind
        svg = client.get(f"/api/v1/codes/{code.id}/image.svg", headers=admin)
        assert svg.status_code == 200, kind
    assert "3号楼□ 东" in client.get(f"/api/v1/codes/{places.codes['household_outdoor'].id}/image.svg", headers=admin).get_data(as_text=True)

    sheet = client.post("/api/v1/code-sheets", headers=admin, json={"region_id": city.g1.id})
    assert sheet.status_code == 202 and sheet.json["status"] == "done", sheet.json
    titles = {p["code_id"]: p["title"] for p in sheets.plates(city.city.id, city.g1, list(sheets.PRINTABLE_KINDS), None)}
    assert titles[places.codes["shop"].id].startswith("老王面馆") and "\x07" not in titles[places.codes["shop"].id]
    assert titles[places.codes["household_outdoor"].id].startswith("3号楼□ 东")


def test_the_dashboard_answers_a_malformed_month_with_its_error_page(client, city):
    leader = auth_headers(city.users[Role.SUPER_ADMIN])
    for month in ("x", "2026-13", "0001-01", "2026-11-01", ""):
        response = client.get(f"/dashboard/departments?month={month}", headers=leader)
        if month == "":  # no month is this month
            assert response.status_code == 200
            continue
        assert response.status_code == 422 and response.mimetype == "text/html", month
        assert "月份格式应为 YYYY-MM" in response.get_data(as_text=True)
    assert client.get("/dashboard/departments?month=2026-11", headers=leader).status_code == 200
    # An id past 64 bits filters nothing, like any other id that is not a number.
    assert client.get(f"/dashboard/overdue?region={PAST_INT64}", headers=leader).status_code == 200
    assert client.get(f"/dashboard/regions/{PAST_INT64}", headers=leader).status_code == 404


def test_a_form_part_without_a_name_is_refused_in_the_error_shape(client, city, cats):
    boundary = "fuzz"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="category_id"\r\n\r\n{cats["garbage"].id}\r\n'
        f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="colour"\r\n\r\nred\r\n--{boundary}--\r\n'
    ).encode()
    headers = auth_headers(city.users[Role.RESIDENT])
    response = client.post("/api/v1/reports", data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")
    body = assert_error(response, 422, "validation_failed")
    assert body["details"]["files"]["None"] == body["details"]["files"]["colour"] == ["Unknown field."]


def test_unstorable_text_deep_in_a_body_is_told_at_a_shallow_ancestor():
    deep = "\ud800"
    for _ in range(900):
        deep = [deep]
    errors = unstorable({"boundary": deep, "name": "ok"})
    assert json.dumps(errors)
    node, depth = errors, 0
    while isinstance(node, dict):
        node, depth = next(iter(node.values())), depth + 1
    assert node == ["包含无法保存的字符"] and depth <= 8


def test_the_document_tells_what_is_accepted(client):
    """The fuzz test (tests/test_api_fuzz.py) holds the API to its document, so the document says what is refused."""
    paths = client.get("/api/openapi.json").json["paths"]
    page = next(p for p in paths["/api/v1/regions"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["minimum"] == 1 and page["schema"]["maximum"] == 2**63 - 1
    case_id = next(p for p in paths["/api/v1/cases/{case_id}"]["parameters"] if p["name"] == "case_id")
    assert case_id["schema"]["maximum"] == 2**63 - 1
    assert paths["/api/v1/auth/logout"]["post"]["requestBody"]["required"] is False  # the body is optional


def test_a_page_far_past_the_last_is_empty(client, city):
    headers = auth_headers(city.users[Role.SUPER_ADMIN])
    response = client.get(f"/api/v1/regions?page={2**63 - 1}&per_page=100", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["items"] == [] and response.json["meta"]["page"] == 2**63 - 1


def test_a_spreadsheet_cell_no_database_can_store_is_a_row_error(client, city):
    text = "grid_code,building,unit,floor,room,name,relation,phone,id_number\n"
    text += f"{city.g1.code},1号楼\x00,1单元,2,201,张三,户主,,\n"
    text += f"{city.g1.code},2号楼,1单元,{PAST_INT64},201,李四,户主,,\n"
    text += f"{city.g1.code},3号楼😀,1单元,3,301,王五,户主,,\n"  # any character a font may lack is stored, and printed as a box
    before = count(Household)
    response = upload(client, city, "households", "h.csv", text.encode())
    body = assert_error(response, 422, "import_invalid")
    assert [(e["row"], e["field"]) for e in body["details"]["errors"]] == [(2, "building"), (3, "floor")]
    assert count(Household) == before
    assert upload(client, city, "households", "h.csv", "\n".join(text.splitlines()[::3]).encode()).status_code == 201


def test_a_month_before_the_calendar_begins_is_refused(client, city):
    headers = auth_headers(city.users[Role.SUPER_ADMIN])
    for month in ("0001-01", "9999-12"):
        response = client.get(f"/api/v1/leaderboards/departments?month={month}", headers=headers)
        assert_error(response, 422, "validation_failed")


def test_a_single_value_sent_twice_is_refused(client, city, places):
    headers = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    body = assert_error(client.get("/api/v1/admin/shops?active=false&active=", headers=headers), 422, "validation_failed")
    assert body["details"]["query"] == {"active": ["只能提供一个值"]}
    assert client.get("/api/v1/admin/shops?active=false", headers=headers).status_code == 200


def test_a_json_boolean_is_true_or_false_not_a_number(client, city):
    headers = auth_headers(city.users[Role.SYSTEM_ADMIN])
    for wrong in (0, 1, "true"):
        body = assert_error(
            client.put("/api/v1/city/second-factor", json={"require_admin_totp": wrong}, headers=headers), 422, "validation_failed"
        )
        assert "require_admin_totp" in body["details"]["json"]
    assert client.put("/api/v1/city/second-factor", json={"require_admin_totp": False}, headers=headers).status_code == 200
