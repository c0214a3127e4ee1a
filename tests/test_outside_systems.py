"""City admins connect categories to outside Open311 systems over the API and in the console: created once per
Idempotency-Key, the api_key written but never read back (masked, and only a fingerprint in the audit), every
change audited, disabled systems sent nothing and not asked; everyone else gets 403."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, ExternalEndpoint, ExternalRequest, SetupChange
from gridapp.services.open311 import outside
from tests.support.cases import G1, add_categories
from tests.support.factories import account, auth_headers
from tests.support.open311 import json_body, new_key
from tests.support.outside_open311 import KEY, outside_system

URL = "/api/v1/outside-systems"
SECRET = "their-very-secret-key-7781"


@pytest.fixture
def their_system():
    with outside_system() as fake:
        yield fake


def body(categories, base_url, **extra):
    return {"name": "环卫公司系统", "category_id": categories["garbage"].id, "base_url": base_url, "api_key": SECRET,
            "jurisdiction_id": "hw", "service_code": "RUBBISH", **extra}  # fmt: skip


def admin(city, key: str | None = None):
    headers = auth_headers(city.users[Role.SYSTEM_ADMIN])
    return headers | ({"Idempotency-Key": key} if key else {})


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def file_request(client, city, key, description="路边垃圾未清运"):
    data = {"api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]), "description": description}
    return int(json_body(client.post("/open311/v2/requests.json", data=data))[0]["service_request_id"])


def test_only_the_citys_admins_may_touch_outside_systems(client, city, their_system):
    categories = add_categories(city)
    made = client.post(URL, json=body(categories, their_system.base_url), headers=admin(city, "os-1"))
    assert made.status_code == 201, made.json
    system_id = made.json["id"]
    district_super = account(city.city.id, "super_d1", Role.SUPER_ADMIN, region=city.d1)
    db.session.commit()
    calls = [
        ("GET", URL, None), ("POST", URL, body(categories, their_system.base_url, category_id=categories["parking"].id)),
        ("GET", f"{URL}/{system_id}", None), ("PATCH", f"{URL}/{system_id}", {"name": "改名"}),
        ("POST", f"{URL}/{system_id}/disable", {}), ("GET", f"{URL}/{system_id}/changes", None),
    ]  # fmt: skip
    others = [user for role, user in city.users.items() if role not in (Role.SYSTEM_ADMIN, Role.SUPER_ADMIN)]
    for user in [*others, district_super]:
        for method, url, payload in calls:
            answer = client.open(url, method=method, json=payload, headers=auth_headers(user) | {"Idempotency-Key": "x"})
            assert answer.status_code == 403, (user.username, method, url, answer.json)
            assert answer.json["code"] == "forbidden"
        page = client.get("/console/outside-systems", headers=auth_headers(user))
        assert page.status_code == 403, user.username
    assert count(ExternalEndpoint) == 1 and db.session.get(ExternalEndpoint, system_id).name == "环卫公司系统"
    city_super = auth_headers(city.users[Role.SUPER_ADMIN])
    assert client.get(f"{URL}/{system_id}", headers=city_super).status_code == 200


def test_create_read_update_disable_with_the_key_never_read_back(client, city, their_system):
    categories = add_categories(city)
    first = client.post(URL, json=body(categories, their_system.base_url + "/"), headers=admin(city, "os-1"))
    assert first.status_code == 201
    again = client.post(URL, json=body(categories, their_system.base_url + "/"), headers=admin(city, "os-1"))
    assert again.status_code in (200, 201) and again.json["id"] == first.json["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = client.post(URL, json=body(categories, "https://elsewhere.example/v2"), headers=admin(city, "os-1"))
    assert other.status_code == 422  # the same key with another body
    assert count(ExternalEndpoint) == 1
    system = first.json
    assert "api_key" not in system and system["api_key_hint"] == "••••7781"
    assert system["base_url"] == their_system.base_url and system["category_name"] == categories["garbage"].name
    assert system["is_active"] is True

    listed = client.get(URL, headers=admin(city)).json
    assert listed["meta"]["total"] == 1 and listed["items"][0]["id"] == system["id"]
    patched = client.patch(f"{URL}/{system['id']}", json={"api_key": "short", "service_code": "WASTE", "note": "换密钥"},
                           headers=admin(city))  # fmt: skip
    assert patched.status_code == 200 and patched.json["api_key_hint"] == "••••" and patched.json["service_code"] == "WASTE"
    assert db.session.get(ExternalEndpoint, system["id"]).api_key == "short"  # sent to them in clear, so kept so
    disabled = client.post(f"{URL}/{system['id']}/disable", json={"note": "对方系统升级"}, headers=admin(city))
    assert disabled.status_code == 200 and disabled.json["is_active"] is False
    twice = client.post(f"{URL}/{system['id']}/disable", json={}, headers=admin(city))
    assert twice.status_code == 422 and twice.json["code"] == "outside_system_disabled"

    changes = client.get(f"{URL}/{system['id']}/changes", headers=admin(city)).json["items"]
    assert [c["action"] for c in changes] == ["disable", "edit", "create"]
    assert all(c["actor"] == city.users[Role.SYSTEM_ADMIN].display_name for c in changes)
    edit = changes[1]
    assert json.loads(edit["before"])["service_code"] == "RUBBISH" and json.loads(edit["after"])["service_code"] == "WASTE"
    assert set(json.loads(edit["after"])) == {"service_code", "api_key_fingerprint"} and edit["note"] == "换密钥"
    every_answer = json.dumps([system, listed, patched.json, changes], ensure_ascii=False)
    stored = json.dumps([(c.before_json, c.after_json) for c in db.session.scalars(select(SetupChange))])
    for secret in (SECRET, "short"):
        assert secret not in every_answer and secret not in stored


@pytest.mark.parametrize(
    "change, status, field",
    [
        ({"base_url": "ftp://example.org/v2"}, 422, "base_url"),
        ({"base_url": "https://user:pw@example.org/v2"}, 422, "base_url"),
        ({"base_url": "https://example.org/v2?x=1"}, 422, "base_url"),
        ({"category_id": 999999}, 422, "category_id"),
        ({"service_code": "   "}, 422, "service_code"),
        ({"api_key": ""}, 422, "api_key"),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(client, city, change, status, field):
    categories = add_categories(city)
    answer = client.post(URL, json={**body(categories, "https://example.org/v2"), **change}, headers=admin(city))
    assert answer.status_code == status, answer.json
    assert field in json.dumps(answer.json["details"])
    assert count(ExternalEndpoint) == 0 and count(SetupChange) == 0


def test_one_system_per_category(client, city):
    categories = add_categories(city)
    assert client.post(URL, json=body(categories, "https://a.example/v2"), headers=admin(city)).status_code == 201
    taken = client.post(URL, json=body(categories, "https://b.example/v2"), headers=admin(city))
    assert taken.status_code == 409 and taken.json["code"] == "outside_system_exists"
    assert client.get(f"{URL}/999999", headers=admin(city)).status_code == 404


def test_a_disabled_system_is_sent_nothing_and_enabling_it_sends_what_waited(client, city, their_system):
    categories = add_categories(city)
    system_id = client.post(URL, json=body(categories, their_system.base_url, api_key=KEY), headers=admin(city)).json["id"]
    key = new_key(city)
    sent_case = file_request(client, city, key)
    assert [p["service_code"] for p in their_system.posted] == ["RUBBISH"]

    assert client.post(f"{URL}/{system_id}/disable", json={}, headers=admin(city)).status_code == 200
    later_case = file_request(client, city, key, "停用后的案件")
    assert db.session.scalar(select(ExternalRequest).where(ExternalRequest.case_id == later_case)) is None
    # a send owed from before the disable (its job ran after it) finds it disabled: the row waits, unsent
    waiting = ExternalRequest(city_id=city.city.id, case_id=later_case, endpoint_id=system_id)
    db.session.add(waiting)
    db.session.commit()
    assert outside.send(city.city.id, waiting.id) is None
    their_system.updates = [{"update_id": "u1", "service_request_id": "EXT-1", "status": "closed", "description": "已清运"}]
    assert outside.endpoints_with_requests(city.city.id) == []
    assert outside.fetch_updates(city.city.id, system_id) == 0
    assert len(their_system.posted) == 1 and their_system.asked == []

    enabled = client.patch(f"{URL}/{system_id}", json={"is_active": True}, headers=admin(city))
    assert enabled.status_code == 200 and enabled.json["is_active"] is True
    db.session.expire_all()
    assert db.session.get(ExternalRequest, waiting.id).service_request_id == "EXT-2"
    assert outside.endpoints_with_requests(city.city.id) == [system_id]
    assert outside.fetch_updates(city.city.id, system_id) == 1
    assert [p["description"] for p in their_system.posted] == ["路边垃圾未清运", "停用后的案件"]
    assert db.session.get(Case, sent_case).id == sent_case


def test_the_console_page_lists_systems_masked_and_offers_the_form(client, city, their_system):
    categories = add_categories(city)
    client.post(URL, json=body(categories, their_system.base_url), headers=admin(city))
    home = client.get("/console/", headers=admin(city)).get_data(as_text=True)
    assert 'href="/console/outside-systems"' in home
    page = client.get("/console/outside-systems", headers=admin(city))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="outside-system-form"' in html and "环卫公司系统" in html
    assert "••••7781" in html and SECRET not in html and "变更记录" in html
    assert "console/outside_systems.js" in html
    community = client.get("/console/", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).get_data(as_text=True)
    assert "/console/outside-systems" not in community
