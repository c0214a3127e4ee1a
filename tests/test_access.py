"""Deny by default: every route declares who may call it, and everybody else is refused."""
from __future__ import annotations

import re

import pytest

from gridapp.authz import Role
from gridapp.web.access import route_policies
from tests.support.factories import auth_headers, build_city


def _concrete(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule)


def test_every_route_declares_a_policy(app):
    missing = [(rule, method, endpoint) for rule, method, endpoint, policy in route_policies(app) if policy is None]
    assert missing == []


def test_policy_table_lists_the_api(app):
    table = {(rule, method): policy for rule, method, _endpoint, policy in route_policies(app)}
    assert table[("/healthz", "GET")].public
    assert table[("/api/openapi.json", "GET")].public
    assert not table[("/api/v1/me", "GET")].public
    assert Role.RESIDENT not in table[("/api/v1/regions/<int:region_id>", "GET")].roles


def protected_routes(app):
    return [(rule, method, policy) for rule, method, _e, policy in route_policies(app) if not policy.public]


def test_roles_outside_a_routes_list_get_403(app, client, city):
    checked = 0
    for rule, method, policy in protected_routes(app):
        for role, user in city.users.items():
            if role in policy.roles:
                continue
            headers = auth_headers(user, refresh=policy.token == "refresh")
            response = client.open(_concrete(rule), method=method, headers=headers, json={})
            assert response.status_code == 403, (rule, method, role, response.get_data(as_text=True)[:200])
            if response.is_json:
                assert response.json["code"] == "forbidden"
            else:
                assert 'data-code="forbidden"' in response.get_data(as_text=True)
            checked += 1
    assert checked > 0


def test_protected_routes_need_a_token(app, client, city):
    """The API answers 401; pages people open in a browser send them to sign in instead."""
    for rule, method, _policy in protected_routes(app):
        response = client.open(_concrete(rule), method=method, json={})
        if rule.startswith("/api/"):
            assert response.status_code == 401, (rule, method, response.json)
            assert response.json["code"] == "token_invalid"
        else:
            assert response.status_code == 302, (rule, method)
            login = "/dashboard/login?next=" if rule.startswith("/dashboard") else "/h5/login?next="
            assert response.headers["Location"].startswith(login)


def test_undeclared_endpoint_is_refused(app, client, city):
    from flask import Flask

    assert isinstance(app, Flask)
    app.view_functions["health.healthz"].__dict__.pop("__gridapp_policy__")
    try:
        response = client.get("/healthz")
        assert response.status_code == 403
        assert response.json["code"] == "no_policy"
    finally:
        from gridapp.web.access import public

        public()(app.view_functions["health.healthz"])


@pytest.mark.parametrize(
    "role, visible, hidden",
    [
        (Role.GRID_WORKER, ["g1"], ["g2", "g3", "g4", "c1", "d1"]),
        (Role.COMMUNITY_ADMIN, ["c1", "g1", "g2"], ["g3", "c2", "s1", "g4"]),
        (Role.STREET_ADMIN, ["s1", "c1", "c2", "g3"], ["d1", "g4", "root"]),
        (Role.DEPARTMENT_STAFF, ["d1", "g1", "g3"], ["d2", "g4", "root"]),
        (Role.SUPER_ADMIN, ["root", "d2", "g4"], []),
        (Role.SYSTEM_ADMIN, ["root", "g4"], []),
    ],
)
def test_scope_follows_the_region_tree_not_the_ids_sent(client, city, role, visible, hidden):
    headers = auth_headers(city.users[role])
    for name in visible:
        response = client.get(f"/api/v1/regions/{getattr(city, name).id}", headers=headers)
        assert response.status_code == 200, (role, name, response.json)
    for name in hidden:
        response = client.get(f"/api/v1/regions/{getattr(city, name).id}", headers=headers)
        assert response.status_code == 403, (role, name, response.json)
        assert response.json["code"] == "forbidden"
        children = client.get(f"/api/v1/regions/{getattr(city, name).id}/children", headers=headers)
        assert children.status_code == 403


def test_grid_worker_sees_only_own_grid_data(client, city):
    headers = auth_headers(city.users[Role.GRID_WORKER])
    roots = client.get("/api/v1/regions", headers=headers).json
    assert [r["id"] for r in roots["items"]] == [city.g1.id]
    own = client.get(f"/api/v1/regions/{city.g1.id}", headers=headers).json
    assert [w["display_name"] for w in own["grid_workers"]] == ["worker1"]
    assert own["grid_workers"][0]["phone"] == "139****0002"
    assert [b["id"] for b in own["breadcrumb"]] == [city.root.id, city.d1.id, city.s1.id, city.c1.id]


def test_another_citys_region_is_not_found(client, city):
    other = build_city("othercity")
    headers = auth_headers(city.users[Role.SYSTEM_ADMIN])
    response = client.get(f"/api/v1/regions/{other.g1.id}", headers=headers)
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
