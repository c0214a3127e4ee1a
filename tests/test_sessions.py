"""Sessions on the web pages: where sign-in may lead afterwards, and the cookies that hold them."""
from __future__ import annotations

import html
import re

import pytest

from gridapp.authz import Role
from gridapp.web.redirects import same_site_path
from tests.conftest import make_app
from tests.support.factories import PASSWORD, auth_headers

OFF_SITE = [
    "//evil.example/", "/\\evil.example/", "/%5Cevil.example/", "/%09/evil.example/", "/\t/evil.example/",
    "/%0A/evil.example/", "/%2F/evil.example/", "/%252F/evil.example/", "https://evil.example/", "javascript:alert(1)",
    "/%E3%80%80/evil.example/", "evil.example", "",
]


def _next_of(response) -> str:
    return html.unescape(re.search(r'data-next="([^"]*)"', response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_pages_send_nobody_off_site(client, city, target):
    assert same_site_path(target) is None
    assert _next_of(client.get("/h5/login", query_string={"next": target})) == "/h5/"
    assert _next_of(client.get("/dashboard/login", query_string={"next": target})) == "/dashboard/"


def test_sign_in_pages_keep_a_path_on_the_site(client, city):
    assert _next_of(client.get("/h5/login", query_string={"next": "/h5/reports/7?page=2"})) == "/h5/reports/7?page=2"
    assert _next_of(client.get("/dashboard/login", query_string={"next": "/dashboard/cases"})) == "/dashboard/cases"
    assert _next_of(client.get("/dashboard/login", query_string={"next": "/h5/"})) == "/dashboard/"  # staff pages only


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _sign_in_with_cookies(client):
    body = {"city": "testcity", "username": "worker1", "password": PASSWORD, "cookie": True}
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.json
    return _set_cookies(response)


def test_session_cookies_live_no_longer_than_their_tokens(app, client, city):
    access, refresh = app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"], app.config["JWT_REFRESH_TOKEN_EXPIRES_SECONDS"]
    cookies = _sign_in_with_cookies(client)
    for name in ("access_token_cookie", "csrf_access_token"):
        assert f"Max-Age={access};" in cookies[name], cookies[name]
    for name in ("refresh_token_cookie", "csrf_refresh_token"):
        assert f"Max-Age={refresh};" in cookies[name], cookies[name]
    csrf = client.get_cookie("csrf_refresh_token").value
    renewed = client.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": csrf})
    assert renewed.status_code == 200, renewed.json
    assert f"Max-Age={access};" in _set_cookies(renewed)["access_token_cookie"]
    assert all("Secure" not in c for c in cookies.values())  # development over plain HTTP


def test_production_cookies_are_secure_whatever_the_public_url(database_url, tmp_path, city):
    production = make_app(
        database_url, tmp_path, GRIDAPP_ENV="production", PUBLIC_BASE_URL="http://grid.example.cn",
        SMS_SENDER="gridapp.integrations.sms:LogSmsSender",
    )
    cookies = _sign_in_with_cookies(production.test_client())
    assert len(cookies) == 4 and all("; Secure" in c for c in cookies.values()), cookies


@pytest.mark.parametrize("path", ["/h5/login", "/dashboard/login", "/api/docs", "/c/no-such-token"])
def test_pages_send_a_content_security_policy_with_their_own_nonce(client, city, path):
    policies = []
    for _ in range(2):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "'unsafe-inline' " not in policy
        for nonce in re.findall(r'<script nonce="([^"]+)"', response.get_data(as_text=True)):
            assert f"'nonce-{nonce}'" in policy
        assert "<script>" not in response.get_data(as_text=True)  # every inline script carries the nonce
        policies.append(policy)
    assert policies[0] != policies[1] or "nonce-" not in policies[0]  # a fresh nonce for every answer


def test_answers_with_personal_data_are_not_stored(client, city):
    worker = auth_headers(city.users[Role.GRID_WORKER])
    assert client.get("/api/v1/me", headers=worker).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/cases/999999", headers=worker).headers["Cache-Control"] == "no-store"  # errors too
    assert "no-store" not in client.get("/api/openapi.json").headers.get("Cache-Control", "")  # nobody's data
    assert "no-store" not in client.get("/static/h5.js", headers=worker).headers.get("Cache-Control", "")
    body = {"city": "testcity", "username": "worker1", "password": PASSWORD, "cookie": True}
    signing_in = client.post("/api/v1/auth/login", json=body)
    assert signing_in.headers["Cache-Control"] == "no-store"  # it sets the session cookies
    page = client.get("/h5/")  # with the cookies now
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in page.headers  # development over plain HTTP


def test_production_asks_for_https_only(database_url, tmp_path, city):
    production = make_app(
        database_url, tmp_path, GRIDAPP_ENV="production", SMS_SENDER="gridapp.integrations.sms:LogSmsSender"
    )
    for path in ("/h5/login", "/api/openapi.json", "/healthz"):
        assert production.test_client().get(path).headers["Strict-Transport-Security"].startswith("max-age="), path
