"""Deny by default: every route declares who may call it, and everybody else is refused."""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from gridapp.authz import SIGNED_IN, Permission, Role
from gridapp.errors import Forbidden
from gridapp.extensions import db
from gridapp.web.access import route_policies
from tests.support.factories import account, auth_headers, build_city


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
            section = rule.split("/")[1]
            login = f"/{section}/login?next=" if section in ("dashboard", "console") else "/h5/login?next="
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


# --------------------------------------------------------------------------- #
# The roles a route admits are the roles its service accepts
# --------------------------------------------------------------------------- #

SERVICE_PACKAGES = ("gridapp/services", "gridapp/authz.py")
HTTP_LAYERS = ("mobile_api", "gridapp/h5", "gridapp/dashboard", "gridapp/console", "gridapp/open311", "gridapp/web")


def _sources(*roots: str):
    base = Path(__file__).resolve().parents[1]
    for root in roots:
        path = base / root
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            module = ".".join(file.relative_to(base).with_suffix("").parts).removesuffix(".__init__")
            yield module, ast.parse(file.read_text(encoding="utf-8"))


def _permission_definitions() -> dict[int, tuple[str, str]]:
    """id(permission) -> (module, name) for every `NAME = Permission(...)` in the services and authz."""
    found = {}
    for module, tree in _sources(*SERVICE_PACKAGES):
        for node in tree.body:
            value = getattr(node, "value", None)
            if isinstance(node, ast.Assign) and isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Permission":
                name = node.targets[0].id
                found[id(getattr(importlib.import_module(module), name))] = (module, name)
    return found


def _names_checked_by_code(tree: ast.Module) -> set[str]:
    """Module names the module's functions read, directly or through module-level tables they read (WHO, GUARDS)."""

    def loads(node) -> set[str]:
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

    used = set().union(*(loads(f) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))))
    tables = {node.targets[0].id: loads(node.value) for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    grown = True
    while grown:
        reached = set().union(*(names for table, names in tables.items() if table in used)) - used
        grown = bool(reached)
        used |= reached
    return used


def test_every_protected_route_names_a_permission_its_service_checks(app):
    definitions = _permission_definitions()
    trees = dict(_sources(*SERVICE_PACKAGES))
    unowned, unchecked = [], []
    for rule, method, policy in protected_routes(app):
        owner = definitions.get(id(policy.permission))
        if owner is None:
            unowned.append((rule, method, policy.permission))
        elif policy.permission is not SIGNED_IN and owner[1] not in _names_checked_by_code(trees[owner[0]]):
            unchecked.append((rule, method, owner))
    assert unowned == []  # every route's roles come from a permission a service module defines
    assert [p for p in Permission.registry.values() if id(p) not in definitions] == []  # and none is made elsewhere
    assert unchecked == []  # and that module's own code checks callers with it, so the two cannot drift


def test_http_layers_define_no_role_sets(app):
    """Role sets live with the service rules; routes only name them."""
    spelled = []
    for module, tree in _sources(*HTTP_LAYERS):
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "Role" for n in ast.walk(node.value)
            ):
                spelled.append((module, ast.unparse(node)[:80]))
            if any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Permission" for n in ast.walk(node)):
                spelled.append((module, ast.unparse(node)[:80]))
    assert spelled == []


def test_no_admitted_role_is_refused_for_its_role(app, client, city, monkeypatch):
    """Call every protected route as each role it admits: no service permission check may refuse that caller."""
    refused = []
    check = Permission.require

    def recording(permission, actor):
        try:
            check(permission, actor)
        except Forbidden:
            refused.append(permission.name)
            raise

    monkeypatch.setattr(Permission, "require", recording)
    for role in set(Role) - set(city.users):  # the roles given at a grid below and beside its worker
        city.users[role] = account(city.city.id, role.value, role, region=city.g1)
    db.session.commit()
    drift, calls = [], 0
    for rule, method, policy in protected_routes(app):
        for role in sorted(policy.roles):
            refused.clear()
            headers = auth_headers(city.users[role], refresh=policy.token == "refresh")
            response = client.open(_concrete(rule), method=method, headers=headers, json={})
            calls += 1
            # Without ids in the path the caller names nothing outside their scope: any 403 is a refusal of the role.
            if refused or (response.status_code == 403 and "<" not in rule):
                drift.append((rule, method, role.value, response.status_code, list(refused)))
    assert drift == []
    assert calls > 100
