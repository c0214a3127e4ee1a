"""Open311 API keys: issued by the CLI or an admin, shown once, stored as a digest, scoped, revocable, rate limited."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import ApiClient, User
from tests.support.cases import G1, add_categories
from tests.support.factories import auth_headers, build_city
from tests.support.open311 import errors_of, json_body

KEYS = "/api/v1/open311/keys"


def file_request(client, key, fmt="json", **extra):
    data = {"api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]), **extra}
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


def test_cli_issues_a_key_shown_once_and_stored_as_a_digest(app, client, city):
    add_categories(city)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["open311", "issue-key", "市政 311 应用", "--city", "testcity", "--region", "testcity-c1"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("testcity.") and len(key) > 40
    row = db.session.scalar(select(ApiClient))
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and row.region_id == city.c1.id
    assert key not in repr([getattr(row, c.key) for c in ApiClient.__table__.columns])
    assert row.key_prefix == key[: len(row.key_prefix)] and row.user.display_name == "Open311·市政 311 应用"
    assert db.session.get(User, row.user_id).grants == []  # the key's account holds no role
    assert file_request(client, key).status_code == 201

    for args, message in (
        (["--city", "nowhere"], "城市不存在"),
        (["--city", "testcity", "--region", "nowhere"], "区域不存在"),
    ):
        failed = runner.invoke(args=["open311", "issue-key", "x", *args])
        assert failed.exit_code != 0 and message in failed.output


def test_admins_issue_list_and_revoke_keys_in_their_scope(client, city):
    add_categories(city)
    sysadmin = auth_headers(city.users[Role.SYSTEM_ADMIN])
    district = auth_headers(city.users[Role.DISTRICT_ADMIN])  # d1

    citywide = client.post(KEYS, json={"name": "全市研究机构"}, headers=sysadmin)
    assert citywide.status_code == 201, citywide.json
    assert set(citywide.json) == {"client", "key"} and citywide.json["client"]["region_id"] is None
    city_key = citywide.json["key"]

    assert client.post(KEYS, json={"name": "区应用"}, headers=district).status_code == 403  # whole city: system admins only
    assert client.post(KEYS, json={"name": "区应用", "region_id": city.c3.id}, headers=district).status_code == 403  # d2
    ours = client.post(KEYS, json={"name": "区应用", "region_id": city.s1.id}, headers=district)
    assert ours.status_code == 201 and ours.json["client"]["region_name"] == "一街道"

    everything = client.get(KEYS, headers=sysadmin).json
    assert [k["name"] for k in everything["items"]] == ["区应用", "全市研究机构"]
    assert all("key" not in k and "key_hash" not in k for k in everything["items"])
    assert [k["name"] for k in client.get(KEYS, headers=district).json["items"]] == ["区应用"]

    city_key_id = citywide.json["client"]["id"]
    assert client.post(f"{KEYS}/{city_key_id}/revoke", headers=district).status_code == 403
    assert file_request(client, city_key).status_code == 201
    revoked = client.post(f"{KEYS}/{city_key_id}/revoke", headers=sysadmin)
    assert revoked.status_code == 200 and revoked.json["active"] is False and revoked.json["revoked_at"]
    refused = file_request(client, city_key)
    assert refused.status_code == 403 and "api_key" in errors_of(refused, "json")[0]["description"]
    assert client.post(f"{KEYS}/{city_key_id}/revoke", headers=sysadmin).status_code == 409
    assert client.post(f"{KEYS}/424242/revoke", headers=sysadmin).status_code == 404


def test_a_key_works_only_in_its_own_city(client, city):
    add_categories(city)
    other = build_city("othercity")
    add_categories(other)
    other_key = client.post(KEYS, json={"name": "外市应用"}, headers=auth_headers(other.users[Role.SYSTEM_ADMIN])).json["key"]
    forged = "testcity." + other_key.split(".", 1)[1]  # same secret, another city's prefix
    assert file_request(client, forged).status_code == 403
    assert file_request(client, other_key, jurisdiction_id="testcity").status_code == 404
    assert file_request(client, other_key).status_code == 201  # filed in othercity (its grids lie at the same spot)
    assert json_body(client.get("/open311/v2/requests.json?jurisdiction_id=testcity")) == []


@pytest.fixture
def limited_app(rate_limited_app):
    return rate_limited_app(OPEN311_RATE_LIMIT="2/minute")


def test_requests_are_rate_limited_per_key(limited_app):
    city = build_city("limits")
    add_categories(city)
    from tests.support.open311 import new_key

    first, second = new_key(city, "甲"), new_key(city, "乙")
    client = limited_app.test_client()
    assert client.get(f"/open311/v2/requests.json?api_key={first}").status_code == 200
    assert file_request(client, first).status_code == 201
    blocked = client.get(f"/open311/v2/requests.xml?api_key={first}")
    assert blocked.status_code == 429 and errors_of(blocked, "xml")
    assert client.get(f"/open311/v2/requests.json?api_key={second}").status_code == 200  # another key is not held up


def test_posted_updates_share_the_keys_rate_limit(limited_app):
    city = build_city("limits")
    add_categories(city)
    from tests.support.open311 import new_key

    key = new_key(city)
    client = limited_app.test_client()
    case_id = json_body(file_request(client, key))[0]["service_request_id"]
    update = {"api_key": key, "service_request_id": case_id, "description": "补充说明"}
    assert client.post("/open311/v2/servicerequestupdates.json", data=update).status_code == 201
    blocked = client.post("/open311/v2/servicerequestupdates.json", data=update)
    assert blocked.status_code == 429 and errors_of(blocked, "json")
