"""Open311 GeoReport v2: every method's XML and JSON against the spec's field lists, errors and status codes."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import ApiClient, Case, CaseEvent, Household, Open311Request
from gridapp.open311 import statuses as open311
from gridapp.services.cases import states as S
from gridapp.services.codes.issuing import new_code
from tests.support.cases import G1, G3, jpeg
from tests.support.factories import build_city
from tests.support.open311 import (
    ATTRIBUTE_FIELDS,
    CREATED_FIELDS,
    DEFINITION_FIELDS,
    DISCOVERY_FIELDS,
    ENDPOINT_FIELDS,
    REQUEST_FIELDS,
    SERVICE_FIELDS,
    TOKEN_FIELDS,
    UPDATE_FIELDS,
    VALUE_FIELDS,
    W3_UTC,
    errors_of,
    items,
    json_body,
    new_key,
    tags,
    xml_root,
)
from tests.support.places import MEMBER_NAME, build_places

V2 = "/open311/v2"


@pytest.fixture
def key(city, cats):
    return new_key(city)


def post(client, fmt="xml", **fields):
    data = {"service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]), "description": "楼道里堆满了垃圾", **fields}
    return client.post(f"{V2}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def created_id(response) -> int:
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(xml_root(response).find("request/service_request_id").text)


# --------------------------------------------------------------------------- #
# Discovery and services
# --------------------------------------------------------------------------- #


def test_discovery_lists_the_v2_endpoint_in_both_formats(client, city):
    root = xml_root(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery" and tags(root) == DISCOVERY_FIELDS
    assert W3_UTC.match(root.findtext("changeset"))
    endpoint, extension = root.find("endpoints")
    assert extension.tag == "endpoint" and tags(extension) == ENDPOINT_FIELDS
    assert extension.findtext("specification") == "http://wiki.open311.org/GeoReport_v2/Servicerequestupdates"
    assert extension.findtext("url") == "http://127.0.0.1:8000/open311/v2"
    assert endpoint.tag == "endpoint" and tags(endpoint) == ENDPOINT_FIELDS
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://127.0.0.1:8000/open311/v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]

    body = json_body(client.get("/open311/discovery.json"))
    assert list(body) == DISCOVERY_FIELDS and list(body["endpoints"][0]) == ENDPOINT_FIELDS
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert body["endpoints"][0]["type"] == "production"


def test_services_are_the_citys_categories(client, city, cats):
    root = xml_root(client.get(f"{V2}/services.xml"))
    services = items(root, "services", "service", SERVICE_FIELDS)
    assert [s["service_code"] for s in services] == ["garbage", "parking", "wages"]
    garbage = services[0]
    assert garbage["service_name"] == "垃圾乱堆" and garbage["metadata"] == "true" and garbage["type"] == "realtime"
    assert garbage["group"] == "grid" and services[1]["group"] == "city_management"
    assert "2 天" in garbage["description"] and "垃圾乱堆" in garbage["keywords"]

    body = json_body(client.get(f"{V2}/services.json?jurisdiction_id=testcity&unknown=1"))
    assert [list(s) for s in body] == [SERVICE_FIELDS] * 3
    assert body[0]["metadata"] is True and body[2]["keywords"].split(", ")[:2] == ["欠薪", "复杂疑难"]


def test_service_definition_lists_the_attributes(client, city, cats):
    root = xml_root(client.get(f"{V2}/services/garbage.xml"))
    assert root.tag == "service_definition" and tags(root) == DEFINITION_FIELDS
    assert root.findtext("service_code") == "garbage"
    [attribute] = root.find("attributes")
    assert attribute.tag == "attribute" and tags(attribute) == ATTRIBUTE_FIELDS
    assert attribute.findtext("variable") == "true" and attribute.findtext("datatype") == "singlevaluelist"
    assert attribute.findtext("required") == "false" and attribute.findtext("order") == "1"
    assert [tags(v) for v in attribute.find("values")] == [VALUE_FIELDS, VALUE_FIELDS]
    assert [v.findtext("key") for v in attribute.find("values")] == ["false", "true"]

    body = json_body(client.get(f"{V2}/services/garbage.json"))
    assert list(body) == DEFINITION_FIELDS and list(body["attributes"][0]) == ATTRIBUTE_FIELDS
    assert body["attributes"][0]["datatype_description"] is None and body["attributes"][0]["order"] == 1
    assert body["attributes"][0]["values"] == [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}]

    for fmt in ("xml", "json"):
        missing = client.get(f"{V2}/services/nothing.{fmt}")
        assert missing.status_code == 404
        assert "service_code" in errors_of(missing, fmt)[0]["description"]


def test_jurisdiction_is_the_city_code(client, city, cats):
    assert client.get(f"{V2}/services.xml?jurisdiction_id=").status_code == 200  # empty = absent
    unknown = client.get(f"{V2}/services.json?jurisdiction_id=nowhere.gov")
    assert unknown.status_code == 404 and "jurisdiction_id" in errors_of(unknown, "json")[0]["description"]
    build_city("othercity")  # two cities and no DEFAULT_CITY: the client must say which
    unnamed = client.get(f"{V2}/services.xml")
    assert unnamed.status_code == 400 and "jurisdiction_id" in errors_of(unnamed, "xml")[0]["description"]
    assert client.get(f"{V2}/services.xml?jurisdiction_id=othercity").status_code == 200


# --------------------------------------------------------------------------- #
# Creating requests
# --------------------------------------------------------------------------- #


def test_post_creates_a_case_through_intake_and_keeps_contacts_private(client, city, key, clock):
    response = post(
        client, api_key=key, email="zhang@example.cn", device_id="dev-1", account_id="acct-9", first_name="三",
        last_name="张", phone="13911112222", media_url="https://photos.example.org/1.jpg",
        **{"attribute[anonymous]": "false", "attribute[unknown_code]": "x"},
    )  # fmt: skip
    root = xml_root(response)
    [created] = items(root, "service_requests", "request", CREATED_FIELDS)
    assert response.status_code == 201 and created["account_id"] == "acct-9"
    assert created["service_notice"] == "受理后 2 天内处置完毕"
    case = db.session.get(Case, int(created["service_request_id"]))
    assert (case.channel, case.state, case.grid_id, case.reporter_user_id) == ("open311", S.SUBMITTED, city.g1.id, None)
    assert (case.contact_name, case.contact_phone, case.anonymous) == ("张三", "13911112222", False)
    client_row = db.session.scalar(select(ApiClient))
    assert case.entered_by_user_id == client_row.user_id
    extra = db.session.scalar(select(Open311Request).where(Open311Request.case_id == case.id))
    assert (extra.email, extra.device_id, extra.account_id, extra.api_client_id) == ("zhang@example.cn", "dev-1", "acct-9", client_row.id)
    [event] = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert "https://photos.example.org/1.jpg" in event.note  # staff see the client's link; it is not republished

    public = client.get(f"{V2}/requests/{case.id}.xml").get_data(as_text=True)
    for secret in ("zhang@example.cn", "13911112222", "dev-1", "acct-9", "张", "photos.example.org"):
        assert secret not in public

    as_json = post(client, "json", api_key=key, **{"attribute[anonymous]": "true"})
    assert as_json.status_code == 201
    [body] = json_body(as_json)
    assert list(body) == CREATED_FIELDS and isinstance(body["service_request_id"], str) and body["account_id"] is None
    assert db.session.get(Case, int(body["service_request_id"])).anonymous is True


def test_post_takes_the_api_key_from_the_query_string_too(client, city, key, clock):
    data = {"service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0])}
    response = client.post(f"{V2}/requests.json?api_key={key}", data=data)
    assert response.status_code == 201, response.get_data(as_text=True)
    wrong = client.post(f"{V2}/requests.json?api_key=testcity.wrong", data=data)
    assert wrong.status_code == 403 and "api_key" in errors_of(wrong, "json")[0]["description"]
    body_wins = client.post(f"{V2}/requests.json?api_key=testcity.wrong", data={**data, "api_key": key})
    assert body_wins.status_code == 201
    assert db.session.scalar(select(db.func.count(Case.id))) == 2


def test_ids_are_strings_in_every_answer(client, city, key, clock):
    """GeoReport v2's JSON schema types service_request_id, account_id and update_id as strings."""
    [created] = json_body(post(client, "json", api_key=key, account_id="42"))
    assert created["service_request_id"] == str(int(created["service_request_id"])) and created["account_id"] == "42"
    case_id = created["service_request_id"]
    [entry] = json_body(client.get(f"{V2}/requests/{case_id}.json"))
    [listed] = json_body(client.get(f"{V2}/requests.json"))
    token = db.session.scalar(select(Open311Request.token))
    [by_token] = json_body(client.get(f"{V2}/tokens/{token}.json"))
    [update] = json_body(client.get(f"{V2}/servicerequestupdates.json"))
    for found in (entry, listed, by_token, update):
        assert found["service_request_id"] == case_id
    assert isinstance(update["update_id"], str) and update["update_id"].isdigit()


def test_post_with_photos_and_an_idempotency_key(client, city, key, clock):
    data = {
        "api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]),
        "media": (io.BytesIO(jpeg(gps=True)), "p.jpg"),
    }  # fmt: skip
    first = client.post(f"{V2}/requests.json", data=data, content_type="multipart/form-data", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.get_data(as_text=True)
    data["media"] = (io.BytesIO(jpeg(gps=True)), "p.jpg")
    again = client.post(f"{V2}/requests.json", data=data, content_type="multipart/form-data", headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert json_body(again)[0]["service_request_id"] == json_body(first)[0]["service_request_id"]
    assert db.session.scalar(select(db.func.count(Case.id))) == 1
    [entry] = json_body(client.get(f"{V2}/requests/{json_body(first)[0]['service_request_id']}.json"))
    assert entry["media_url"].startswith("http://127.0.0.1:8000/media/photos/")
    photo = client.get(entry["media_url"].removeprefix("http://127.0.0.1:8000"))
    assert photo.status_code == 200 and b"Exif" not in photo.get_data() and b"PhoneMaker" not in photo.get_data()


def test_post_by_a_codes_token(client, city, key, clock):
    household = Household(city_id=city.city.id, grid_id=city.g1.id, building="3号楼", unit="2单元", floor=5, room="502")
    db.session.add(household)
    db.session.flush()
    token = new_code(city.city.id, "household", household, "household_outdoor").token
    db.session.commit()
    case_id = created_id(post(client, api_key=key, lat=None, long=None, address_id=token, address_string="3号楼门口"))
    case = db.session.get(Case, case_id)
    assert case.grid_id == city.g1.id and case.code_id is not None and case.place_label
    [entry] = json_body(client.get(f"{V2}/requests/{case_id}.json"))
    assert entry["address"] == case.place_label and entry["address_id"] is None  # the token is not published
    unknown = post(client, "json", api_key=key, lat=None, long=None, address_id="no-such-token")
    assert unknown.status_code == 404


@pytest.fixture
def registry(city):
    """The test city's places (all in g1: 老王面馆 at 康和路8号, 3号楼's stairwell and flat 2单元502), and
    another 3号楼 in g3."""
    places = build_places(city)
    db.session.add(Household(city_id=city.city.id, grid_id=city.g3.id, building="3号楼", unit="1单元", floor=1, room="101"))
    db.session.commit()
    return places


@pytest.mark.parametrize(
    "address, where",
    [
        ("老王面馆", "g1"),  # a shop's name, exactly
        (" 老王面馆 ", "g1"),  # normalised: spaces and full-width forms do not count
        ("康和路８号", "g1"),  # a shop's address
        ("康和路8号老王面馆门口，垃圾没人收", "g1"),  # contains a registered name
        ("面馆", "g1"),  # part of one registered name
        ("3号楼2单元502室", "g1"),  # a household's door
        ("二社区", "c2"),  # a community: the case waits in its queue
        ("一社区二网格", "g2"),  # community + grid
        ("二社区3号楼门前", "g3"),  # a community named narrows the buildings to its own
    ],
)
def test_address_string_alone_is_found_in_the_registry(client, city, key, registry, clock, address, where):
    response = post(client, "json", api_key=key, lat=None, long=None, address_string=address)
    assert response.status_code == 201, response.get_data(as_text=True)
    case = db.session.get(Case, int(json_body(response)[0]["service_request_id"]))
    region = getattr(city, where)
    if where.startswith("g"):
        assert (case.grid_id, case.community_id, case.region_path) == (region.id, region.parent_id, region.path)
    else:
        assert (case.grid_id, case.community_id, case.region_path) == (None, region.id, region.path)
    assert (case.lat, case.lng, case.address, case.outside_grid) == (None, None, address, False)  # registry entries have no position
    [entry] = json_body(client.get(f"{V2}/requests/{case.id}.json"))
    assert entry["address"] == address and entry["lat"] is None


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_address_string_that_names_nothing_or_several_places_is_a_400(client, city, key, registry, fmt):
    ambiguous = post(client, fmt, api_key=key, lat=None, long=None, address_string="3号楼")
    assert ambiguous.status_code == 400
    [error] = errors_of(ambiguous, fmt)
    assert "2 处" in error["description"] and "address_string" in error["description"]
    for nothing in ("火星基地", MEMBER_NAME, f"{MEMBER_NAME}家门口"):  # residents' names are never searched
        missing = post(client, fmt, api_key=key, lat=None, long=None, address_string=nothing)
        assert missing.status_code == 400
        [error] = errors_of(missing, fmt)
        assert "未能" in error["description"] and MEMBER_NAME not in error["description"]
    assert MEMBER_NAME not in ambiguous.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Case.id))) == 0


def test_address_string_is_searched_inside_the_keys_region(client, city, cats, registry, clock):
    scoped = new_key(city, "社区一的应用", region=city.c1)
    case_id = created_id(post(client, api_key=scoped, lat=None, long=None, address_string="3号楼"))
    assert db.session.get(Case, case_id).grid_id == city.g1.id  # the other 3号楼 is outside the key's region
    outside = post(client, "json", api_key=scoped, lat=None, long=None, address_string="二社区")
    assert outside.status_code == 400 and "未能" in errors_of(outside, "json")[0]["description"]


@pytest.mark.parametrize(
    "fields, status, mentions",
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "testcity.wrong"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),  # empty is absent
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nothing"}, 404, "service_code"),
        ({"long": None}, 400, "lat"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"lat": None, "long": None, "address_string": "3号楼"}, 400, "address_string"),  # nothing registered matches
        ({"lat": "95"}, 400, "lat"),
        ({"attribute[anonymous]": "maybe"}, 400, "attribute[anonymous]"),
        ({"attribute[anonymous]": "true", "phone": "13911112222"}, 400, "anonymous"),
        ({"description": "长" * 4001}, 400, "description"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"lat": "31.005", "long": "101.005", "jurisdiction_id": "othercity"}, 404, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_errors(client, city, key, fmt, fields, status, mentions):
    fields = {"api_key": key, **fields}
    response = post(client, fmt, **fields)
    assert response.status_code == status, response.get_data(as_text=True)
    assert any(mentions in e["description"] for e in errors_of(response, fmt))
    assert db.session.scalar(select(db.func.count(Case.id))) == 0


def test_a_key_bound_to_a_region_files_and_reads_only_inside_it(client, city, cats, key, clock):
    scoped = new_key(city, "社区一的应用", region=city.c1)
    inside = created_id(post(client, api_key=scoped))
    outside = post(client, "json", api_key=scoped, lat=str(G3[1]), long=str(G3[0]))
    assert outside.status_code == 403 and "范围" in errors_of(outside, "json")[0]["description"]
    elsewhere = created_id(post(client, api_key=key, lat=str(G3[1]), long=str(G3[0])))

    listed = json_body(client.get(f"{V2}/requests.json?api_key={scoped}"))
    assert [r["service_request_id"] for r in listed] == [str(inside)]
    assert client.get(f"{V2}/requests/{elsewhere}.json?api_key={scoped}").status_code == 404
    public = json_body(client.get(f"{V2}/requests.json"))
    assert {r["service_request_id"] for r in public} == {str(inside), str(elsewhere)}
    bad = client.get(f"{V2}/requests.xml?api_key=testcity.nope")
    assert bad.status_code == 403  # a bad key is refused, not silently ignored


# --------------------------------------------------------------------------- #
# Reading requests
# --------------------------------------------------------------------------- #


def test_get_requests_fields_and_times(client, city, key, clock):
    case_id = created_id(post(client, api_key=key))
    root = xml_root(client.get(f"{V2}/requests.xml"))
    [entry] = items(root, "service_requests", "request", REQUEST_FIELDS)
    assert entry["service_request_id"] == str(case_id) and entry["status"] == "open"
    assert entry["service_code"] == "garbage" and entry["service_name"] == "垃圾乱堆"
    assert entry["description"] == "楼道里堆满了垃圾" and entry["agency_responsible"] == "一社区一网格"
    assert entry["requested_datetime"] == entry["updated_datetime"] == "2026-11-23T09:00:00Z"
    assert entry["expected_datetime"] == "2026-11-25T09:00:00Z"  # not yet accepted: 2880 minutes from the report
    assert (entry["lat"], entry["long"]) == (str(G1[1]), str(G1[0]))
    assert entry["status_notes"] is None and entry["media_url"] is None and entry["zipcode"] is None

    [as_json] = json_body(client.get(f"{V2}/requests.json"))
    assert list(as_json) == REQUEST_FIELDS
    assert as_json["service_request_id"] == str(case_id) and as_json["lat"] == G1[1] and as_json["long"] == G1[0]
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3_UTC.match(as_json[field])
    [single] = items(xml_root(client.get(f"{V2}/requests/{case_id}.xml")), "service_requests", "request", REQUEST_FIELDS)
    assert single == entry
    for path in (f"{V2}/requests/999.json", f"{V2}/requests/abc.json"):
        missing = client.get(path)
        assert missing.status_code == 404 and errors_of(missing, "json")


def test_get_requests_filters_window_and_pages(client, city, key, clock):
    old = created_id(post(client, api_key=key))
    clock.advance(timedelta(days=100))
    parking = created_id(post(client, api_key=key, service_code="parking"))
    clock.advance(timedelta(hours=1))
    newest = created_id(post(client, api_key=key))
    db.session.get(Case, newest).state = S.CLOSED
    db.session.commit()

    def ids(query=""):
        response = client.get(f"{V2}/requests.json{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        found = [r["service_request_id"] for r in json_body(response)]
        assert all(isinstance(i, str) for i in found)
        return [int(i) for i in found]

    assert ids() == [newest, parking]  # the default window is the most recent 90 days
    assert ids("?page=&page_size=&status=&service_code=") == [newest, parking]  # empty parameters are absent
    assert ids(f"?service_request_id={old},{newest},424242") == [newest, old]  # ids override every other filter
    assert ids("?service_code=parking") == [parking]
    assert ids("?service_code=parking,garbage") == [newest, parking]
    assert ids("?status=open") == [parking] and ids("?status=closed") == [newest] and ids("?status=open,closed") == [newest, parking]
    assert ids("?start_date=2026-11-01T00:00:00Z&end_date=2026-11-30T00:00:00Z") == [old]
    assert ids("?start_date=2026-11-23T17:00:00%2B08:00&end_date=2026-11-23T17:00:01%2B08:00") == [old]  # offsets accepted
    assert ids("?end_date=2026-12-01T00:00:00Z") == [old]  # 90 days back from end_date
    assert ids("?page_size=1") == [newest] and ids("?page_size=1&page=2") == [parking] and ids("?page=3&page_size=1") == []
    for bad in ("?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z", "?start_date=2026-11-23T09:00:00",
                "?status=pending", "?page_size=1001", "?service_request_id=a,b", "?start_date=2026-11-30T00:00:00Z&end_date=2026-11-01T00:00:00Z"):  # fmt: skip
        response = client.get(f"{V2}/requests.xml{bad}")
        assert response.status_code == 400, bad
        assert errors_of(response, "xml")


def test_numbers_beyond_64_bits_are_refused_not_queried(client, city, key, clock):
    big = str(2**63)
    for path in (f"{V2}/requests.xml?service_request_id=1,{big}", f"{V2}/requests.xml?page={big}",
                 f"{V2}/servicerequestupdates.xml?service_request_id={big}"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 400, path
        assert errors_of(response, "xml")
    for path in (f"{V2}/requests/{big}.json", f"{V2}/requests/{'9' * 40}.json", f"{V2}/requests/².json"):
        missing = client.get(path)
        assert missing.status_code == 404 and errors_of(missing, "json"), path
    update = post_update(client, "json", api_key=key, service_request_id=big, description="x")
    assert update.status_code == 400 and "service_request_id" in errors_of(update, "json")[0]["description"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_text_no_column_can_hold_is_a_400_and_control_characters_keep_xml_well_formed(client, city, key, clock, fmt):
    for fields in ({"description": "a\x00b"}, {"first_name": "\x00"}, {"account_id": "x\x00"}, {"attribute[anonymous]\x00": "true"}):
        response = post(client, fmt, api_key=key, **fields)
        assert response.status_code == 400, fields
        assert "无法保存" in errors_of(response, fmt)[0]["description"]
    raw = f"api_key={key}&service_code=garbage&lat={G1[1]}&long={G1[0]}&description=%ED%A4%95".encode()  # not UTF-8
    assert client.post(f"{V2}/requests.{fmt}", data=raw, content_type="application/x-www-form-urlencoded").status_code == 201
    for path in (f"{V2}/tokens/%00.{fmt}", f"{V2}/services/%00.{fmt}"):
        missing = client.get(path)
        assert missing.status_code == 404 and "\x00" not in missing.get_data(as_text=True)
    assert client.get(f"{V2}/services.{fmt}?jurisdiction_id=%00").status_code == 400
    update = post_update(client, fmt, api_key=key, service_request_id="1", description="x\x00")
    assert update.status_code == 400
    assert db.session.scalar(select(db.func.count(Case.id))) == 1

    case_id = created_id(post(client, api_key=key, description="铃\x07声\x1b"))  # accepted: it can be stored
    [entry] = items(xml_root(client.get(f"{V2}/requests/{case_id}.xml")), "service_requests", "request", REQUEST_FIELDS)
    assert entry["description"] == "铃 声 "


def test_abusive_reports_are_not_published(client, city, key, clock):
    case_id = created_id(post(client, api_key=key))
    db.session.get(Case, case_id).abusive = True
    db.session.commit()
    assert json_body(client.get(f"{V2}/requests.json")) == []
    assert client.get(f"{V2}/requests/{case_id}.json").status_code == 404
    assert json_body(client.get(f"{V2}/servicerequestupdates.json")) == []


def test_tokens_resolve_to_the_request(client, city, key, clock):
    case_id = created_id(post(client, api_key=key))
    token = db.session.scalar(select(Open311Request.token).where(Open311Request.case_id == case_id))
    [entry] = items(xml_root(client.get(f"{V2}/tokens/{token}.xml")), "service_requests", "request", TOKEN_FIELDS)
    assert entry == {"service_request_id": str(case_id), "token": token}
    assert json_body(client.get(f"{V2}/tokens/{token}.json")) == [{"service_request_id": str(case_id), "token": token}]
    missing = client.get(f"{V2}/tokens/nope.xml")
    assert missing.status_code == 404 and "token" in errors_of(missing, "xml")[0]["description"]


def test_updates_fields_in_both_formats(client, city, key, clock):
    case_id = created_id(post(client, api_key=key))
    root = xml_root(client.get(f"{V2}/servicerequestupdates.xml"))
    [update] = items(root, "service_requests_updates", "request_update", UPDATE_FIELDS)
    assert update["service_request_id"] == str(case_id) and update["status"] == "open"
    assert update["updated_datetime"] == "2026-11-23T09:00:00Z" and update["description"] == "提交"
    [as_json] = json_body(client.get(f"{V2}/servicerequestupdates.json?start_date=2026-11-23T00:00:00Z"))
    assert list(as_json) == UPDATE_FIELDS and as_json["update_id"] == update["update_id"]
    assert as_json["service_request_id"] == str(case_id)
    assert json_body(client.get(f"{V2}/servicerequestupdates.json?start_date=2026-11-24T00:00:00Z")) == []


def post_update(client, fmt="xml", query="", **fields):
    return client.post(f"{V2}/servicerequestupdates.{fmt}{query}", data={k: v for k, v in fields.items() if v is not None})


def test_clients_post_updates_back_as_notes_on_the_timeline(client, city, key, clock):
    case_id = created_id(post(client, api_key=key))
    clock.advance(timedelta(minutes=5))
    sent = {
        "api_key": key, "service_request_id": str(case_id), "update_id": "fms-77", "description": "垃圾还在，已经发臭",
        "status": "OPEN", "updated_datetime": "2026-11-23T17:04:00+08:00", "media_url": "https://photos.example.org/2.jpg",
        "first_name": "三", "last_name": "张", "email": "zhang@example.cn", "account_id": "acct-9",
    }  # fmt: skip
    response = post_update(client, **sent)
    assert response.status_code == 201, response.get_data(as_text=True)
    [answer] = items(xml_root(response), "service_request_updates", "request_update", ["update_id"])
    event = db.session.get(CaseEvent, int(answer["update_id"]))
    case = db.session.get(Case, case_id)
    assert (event.case_id, event.action, event.from_state, event.to_state, case.state) == (case_id, "client_update", S.SUBMITTED, S.SUBMITTED, S.SUBMITTED)
    assert "垃圾还在，已经发臭" in event.note and "photos.example.org/2.jpg" in event.note and "open" in event.note
    assert "zhang@example.cn" not in event.note and "张" not in event.note  # the commenter's contact is not kept
    assert event.actor_user_id == db.session.scalar(select(ApiClient.user_id))

    again = post_update(client, "json", **sent)  # a resend with the same update_id is the same update
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert json_body(again) == [{"update_id": answer["update_id"]}]
    changed = post_update(client, "json", **{**sent, "description": "另一条"})
    assert changed.status_code == 400 and "update_id" in errors_of(changed, "json")[0]["description"]
    without_id = {**sent, "update_id": None, "description": "再补充一句"}
    assert post_update(client, "json", **without_id).status_code == 201
    assert post_update(client, "json", **without_id).status_code == 201  # no update_id: each post is new
    notes = db.session.scalars(select(CaseEvent.note).where(CaseEvent.case_id == case_id, CaseEvent.action == "client_update")).all()
    assert len(notes) == 3

    # Published like any step: the note's words stay private, the state's status shows.
    steps = [u for u in json_body(client.get(f"{V2}/servicerequestupdates.json")) if u["update_id"] == answer["update_id"]]
    assert steps == [{
        "update_id": answer["update_id"], "service_request_id": str(case_id), "status": "open",
        "updated_datetime": "2026-11-23T09:05:00Z", "description": "Open311 接口补充说明", "media_url": None,
    }]  # fmt: skip
    assert "发臭" not in client.get(f"{V2}/servicerequestupdates.xml").get_data(as_text=True)


def test_posting_updates_needs_a_key_and_a_request_it_may_see(client, city, key, clock):
    case_id = created_id(post(client, api_key=key))
    elsewhere = created_id(post(client, api_key=key, lat=str(G3[1]), long=str(G3[0])))
    hidden = created_id(post(client, api_key=key))
    db.session.get(Case, hidden).abusive = True
    db.session.commit()
    scoped = new_key(city, "社区一的应用", region=city.c1)
    base = {"service_request_id": str(case_id), "description": "补充说明"}
    for fmt in ("xml", "json"):
        for fields, status, mentions in (
            ({"api_key": None}, 403, "api_key"),
            ({"api_key": "testcity.wrong"}, 403, "api_key"),
            ({"description": None}, 400, "description"),
            ({"service_request_id": None}, 400, "service_request_id"),
            ({"service_request_id": "abc"}, 400, "service_request_id"),
            ({"service_request_id": "424242"}, 404, "service_request_id"),
            ({"service_request_id": str(hidden)}, 404, "service_request_id"),
            ({"service_request_id": str(elsewhere), "api_key": scoped}, 404, "service_request_id"),
            ({"status": "pending"}, 400, "status"),
            ({"update_id": "带中文"}, 400, "update_id"),
        ):
            response = post_update(client, fmt, **{**base, "api_key": key, **fields})
            assert response.status_code == status, (fields, response.get_data(as_text=True))
            assert any(mentions in e["description"] for e in errors_of(response, fmt)), fields
    assert db.session.scalar(select(db.func.count(CaseEvent.id)).where(CaseEvent.action == "client_update")) == 0
    assert post_update(client, "json", query=f"?api_key={key}", **base).status_code == 201  # the key in the query string
    assert post_update(client, "json", api_key=scoped, **base).status_code == 201  # inside the scoped key's region


def test_every_case_event_maps_to_an_extended_status():
    """Each transition and note in the state table, with every reject reason, lands on a known word."""
    actions = list(S.TRANSITIONS) + list(S.NOTES)
    for action in actions:
        targets = [S.TRANSITIONS[action].target] if action in S.TRANSITIONS else sorted(S.ALL_STATES)
        for state in targets:
            for reason in (None, *S.REJECT_REASONS):
                case = Case(state=state, reject_reason=reason)
                status = open311.extended_status(case, CaseEvent(action=action, to_state=state))
                assert status in open311.EXTENDED_STATUSES, (action, state, reason)
    assert set(open311.STATE_STATUS) == S.ALL_STATES


# --------------------------------------------------------------------------- #
# Errors everywhere
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_routes_and_methods_answer_in_the_spec_shape(client, city, fmt):
    for path in (f"{V2}/nothing.{fmt}", f"/open311/v3/services.{fmt}", f"{V2}/requests/1/extra.{fmt}"):
        response = client.get(path)
        assert response.status_code == 404, path
        errors_of(response, fmt)
    wrong_method = client.delete(f"{V2}/requests.{fmt}")
    assert wrong_method.status_code == 405 and errors_of(wrong_method, fmt)
    put_services = client.post(f"{V2}/services.{fmt}")
    assert put_services.status_code == 405 and errors_of(put_services, fmt)
    unknown_format = client.get(f"{V2}/services.csv")
    assert unknown_format.status_code == 404 and errors_of(unknown_format, "xml")  # XML is the required format


def test_a_bearer_token_that_is_not_a_session_is_a_403(client, city, cats):
    response = client.get(f"{V2}/services.json", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 403 and errors_of(response, "json")
