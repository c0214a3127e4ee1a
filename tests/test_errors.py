"""One JSON error shape for every 4xx and 5xx."""
from __future__ import annotations

from gridapp.authz import Role
from tests.support.errors import assert_error
from tests.support.factories import auth_headers


def test_unknown_route_is_404_json(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/no/such/page"), 404, "not_found")


def test_wrong_method_is_405_json(client):
    response = client.delete("/api/v1/auth/login")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_too_large_body_is_413_json(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/auth/login", data=b"x" * (limit + 1), content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_malformed_json_is_400(client, city):
    response = client.post("/api/v1/auth/login", data=b'{"city": "testcity", ', content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_wrong_types_are_422_with_field_details(client, city):
    response = client.post("/api/v1/auth/login", json={"city": "testcity", "username": 5, "password": ["x"]})
    body = assert_error(response, 422, "validation_failed")
    assert set(body["details"]["json"]) == {"username", "password"}


def test_unknown_fields_are_422(client, city):
    response = client.post("/api/v1/auth/login", json={"city": "testcity", "username": "a", "password": "b", "is_admin": True})
    body = assert_error(response, 422, "validation_failed")
    assert "is_admin" in body["details"]["json"]


def test_missing_fields_are_422(client, city):
    body = assert_error(client.post("/api/v1/auth/login", json={}), 422, "validation_failed")
    assert set(body["details"]["json"]) == {"city", "username", "password"}


def test_bad_query_parameters_are_422(client, city):
    headers = auth_headers(city.users[Role.SYSTEM_ADMIN])
    body = assert_error(client.get("/api/v1/regions?per_page=1000", headers=headers), 422, "validation_failed")
    assert "per_page" in body["details"]["query"]
    assert_error(client.get("/api/v1/regions?page=abc", headers=headers), 422, "validation_failed")
    assert_error(client.get("/api/v1/regions?colour=red", headers=headers), 422, "validation_failed")


def test_garbage_token_is_401(client, city):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert_error(response, 401, "token_invalid")


def test_unexpected_crash_is_500_json(app, client, city, monkeypatch):
    from gridapp.services.regions import tree as regions

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(regions, "roots_for", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/api/v1/regions", headers=auth_headers(city.users[Role.SYSTEM_ADMIN]))
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    body = assert_error(response, 500, "internal_error")
    assert "boom" not in str(body)


def test_pagination_envelope(client, city):
    headers = auth_headers(city.users[Role.SYSTEM_ADMIN])
    first = client.get(f"/api/v1/regions/{city.s1.id}/children?per_page=1", headers=headers).json
    assert first["meta"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    second = client.get(f"/api/v1/regions/{city.s1.id}/children?per_page=1&page=2", headers=headers).json
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [city.c1.id, city.c2.id]
