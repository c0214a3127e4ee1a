"""Departments and categories set up over the API, and categories that route: a department's category reaches
the community's triage marked for its kind, its order takes kind and difficulty from it, its questions are
answered on the report, and an emergency's notice stops the report."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, Category, Department, Notification, Order, Region
from gridapp.services.accounts.cities import create_city
from gridapp.services.orders.eligibility import takers_of
from tests.support.cases import G1, post_report, report_at
from tests.support.factories import account, auth_headers, square
from tests.support.orders import fund, order_case

NEW_DEPARTMENT = {"code": "hbj", "name": "环保局", "kind": "environment", "region_ids": []}
NEW_CATEGORY = {
    "code": "smoke",
    "name": "油烟扰民",
    "default_route": "department",
    "department_kind": "city_management",
    "difficulty": "complex",
    "confirm_minutes": 60,
    "onsite_minutes": 120,
    "resolve_minutes": 1440,
    "working_time": True,
    "questions": [
        {"key": "floor", "label": "所在楼层", "type": "number", "required": True},
        {"key": "when", "label": "发生时段", "type": "choice", "choices": ["白天", "夜间"], "required": True},
        {"key": "note", "label": "补充说明", "type": "text"},
    ],
}


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_departments_are_created_and_edited_by_system_and_super_admins(client, city):
    body = {**NEW_DEPARTMENT, "region_ids": [city.d1.id, city.c3.id]}
    for role in (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.DEPARTMENT_ADMIN, Role.RESIDENT):
        assert (
            client.post("/api/v1/departments", json=body, headers=auth_headers(city.users[role])).status_code == 403
        ), role
    before = count(Department)
    for bad in ({**body, "kind": "Bad Kind"}, {**body, "region_ids": [999999]}, {**body, "code": city.department.code}):
        assert client.post(
            "/api/v1/departments", json=bad, headers=auth_headers(city.users[Role.SYSTEM_ADMIN])
        ).status_code in (409, 422)
    assert count(Department) == before

    headers = auth_headers(city.users[Role.SYSTEM_ADMIN]) | {"Idempotency-Key": "dept-1"}
    created = client.post("/api/v1/departments", json=body, headers=headers)
    assert created.status_code == 201
    again = client.post("/api/v1/departments", json=body, headers=headers)
    assert again.get_json()["id"] == created.get_json()["id"] and count(Department) == before + 1
    department_id = created.get_json()["id"]
    assert [r["id"] for r in created.get_json()["regions"]] == [city.d1.id, city.c3.id]
    taker = takers_of(city.city.id, [department_id])[0]
    assert taker.paths == (city.d1.path, city.c3.path)

    super_admin = auth_headers(city.users[Role.SUPER_ADMIN])
    edited = client.patch(
        f"/api/v1/departments/{department_id}",
        json={"region_ids": [city.d2.id], "name": "生态环境局"},
        headers=super_admin,
    )
    assert edited.status_code == 200 and [r["id"] for r in edited.get_json()["regions"]] == [city.d2.id]
    off = client.patch(f"/api/v1/departments/{department_id}", json={"is_active": False}, headers=super_admin)
    assert off.get_json()["is_active"] is False and takers_of(city.city.id, [department_id]) == []
    listed = client.get("/api/v1/departments", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).get_json()
    assert {d["code"] for d in listed["items"]} == {"cgj", "hbj"}
    history = client.get(f"/api/v1/departments/{department_id}/changes", headers=super_admin).get_json()
    assert [c["action"] for c in history["items"]] == ["edit", "edit", "create"]


def test_categories_are_set_up_city_wide_by_system_and_city_super_admins(client, city):
    for role in (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.GRID_WORKER, Role.RESIDENT):
        assert (
            client.post("/api/v1/categories", json=NEW_CATEGORY, headers=auth_headers(city.users[role])).status_code
            == 403
        ), role
    admin = auth_headers(city.users[Role.SYSTEM_ADMIN])
    for bad in (
        {**NEW_CATEGORY, "department_kind": "no_such_kind"},
        {**NEW_CATEGORY, "confirm_minutes": 0},
        {**NEW_CATEGORY, "questions": [{"key": "x", "label": "选", "type": "choice", "choices": ["一"]}]},
        {
            **NEW_CATEGORY,
            "questions": [{"key": "x", "label": "x", "type": "text"}, {"key": "x", "label": "y", "type": "text"}],
        },
    ):
        response = client.post("/api/v1/categories", json=bad, headers=admin)
        assert response.status_code == 422, bad
    assert count(Category) == 0

    response = client.post("/api/v1/categories", json=NEW_CATEGORY, headers=auth_headers(city.users[Role.SUPER_ADMIN]))
    assert response.status_code == 201, response.get_json()
    category = response.get_json()
    assert category["working_time"] is True and [q["key"] for q in category["questions"]] == ["floor", "when", "note"]
    edited = client.patch(
        f"/api/v1/categories/{category['id']}",
        json={"default_route": "grid_worker", "difficulty": "simple"},
        headers=admin,
    )
    assert edited.get_json()["department_kind"] is None and edited.get_json()["difficulty"] == "simple"
    retired = client.post(f"/api/v1/categories/{category['id']}/retire", json={"note": "合并"}, headers=admin)
    assert retired.get_json()["is_active"] is False
    assert client.get("/api/v1/categories", headers=auth_headers(city.users[Role.RESIDENT])).get_json()["items"] == []
    listed = client.get(
        "/api/v1/categories/all?retired=true", headers=auth_headers(city.users[Role.GRID_WORKER])
    ).get_json()
    assert [c["code"] for c in listed["items"]] == ["smoke"]
    refused = post_report(
        client, city.users[Role.RESIDENT], category=db.session.get(Category, category["id"]), lng=G1[0], lat=G1[1]
    )
    assert refused.status_code == 422


def _category(client, city, **overrides) -> Category:
    response = client.post(
        "/api/v1/categories", json={**NEW_CATEGORY, **overrides}, headers=auth_headers(city.users[Role.SYSTEM_ADMIN])
    )
    assert response.status_code == 201, response.get_json()
    return db.session.get(Category, response.get_json()["id"])


def test_a_department_category_reaches_triage_marked_and_its_order_takes_kind_and_difficulty(client, city):
    category = _category(client, city)
    resident = city.users[Role.RESIDENT]
    missing = post_report(client, resident, category=category, lng=G1[0], lat=G1[1], answers=json.dumps({"floor": 3}))
    assert missing.status_code == 422 and "when" in missing.get_json()["details"]["answers"]
    wrong = post_report(
        client, resident, category=category, lng=G1[0], lat=G1[1], answers=json.dumps({"floor": "三", "when": "凌晨"})
    )
    assert set(wrong.get_json()["details"]["answers"]) == {"floor", "when"}
    assert count(Case) == 0

    case = report_at(client, resident, category, answers=json.dumps({"floor": "3", "when": "夜间"}))
    assert case["department_kind"] == "city_management"
    assert [(a["label"], a["answer"]) for a in case["answers"]] == [("所在楼层", "3"), ("发生时段", "夜间")]
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "case_new")))
    assert told == {city.users[Role.COMMUNITY_ADMIN].id}  # the community's triage, not the grid worker

    fund(city)
    community_admin = city.users[Role.COMMUNITY_ADMIN]
    assert (
        client.post(f"/api/v1/cases/{case['id']}/accept", json={}, headers=auth_headers(community_admin)).status_code
        == 200
    )
    response = order_case(client, community_admin, case["id"])
    assert response.status_code == 201, response.get_json()
    order = db.session.get(Order, response.get_json()["id"])
    assert (order.department_kind, order.difficulty) == ("city_management", "complex")


def test_an_urgent_category_tells_grid_and_triage(client, city):
    category = _category(
        client, city, code="leak", default_route="grid_worker", department_kind=None, questions=[], is_urgent=True
    )
    report_at(client, city.users[Role.RESIDENT], category)
    rows = db.session.execute(
        select(Notification.user_id, Notification.title).where(Notification.kind == "case_new")
    ).all()
    assert {u for u, _t in rows} == {city.users[Role.GRID_WORKER].id, city.users[Role.COMMUNITY_ADMIN].id}
    assert all(t.startswith("【紧急】") for _u, t in rows)


def test_an_emergency_category_stops_the_report_with_its_notice(client, city):
    notice = "发现火情请立即拨打 119，本平台不受理紧急求助"
    category = _category(client, city, code="fire", questions=[], urgent_notice=notice)
    response = post_report(client, city.users[Role.RESIDENT], category=category, lng=G1[0], lat=G1[1])
    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "urgent_elsewhere" and error["message"] == notice and error["details"]["phones"] == ["119"]
    assert count(Case) == 0
    page = client.get("/h5/report", headers=auth_headers(city.users[Role.RESIDENT])).get_data(as_text=True)
    assert notice in page and "所在楼层" not in page


def test_editing_a_category_checks_its_department_kind_only_when_the_route_changes(client, city, cats):
    admin = auth_headers(city.users[Role.SYSTEM_ADMIN])
    wages = cats["wages"]  # routed to "labour", a kind no department of the test city has
    renamed = client.patch(
        f"/api/v1/categories/{wages.id}", json={"name": "拖欠工资", "department_kind": "labour"}, headers=admin
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "拖欠工资"
    moved = client.patch(f"/api/v1/categories/{wages.id}", json={"department_kind": "housing"}, headers=admin)
    assert moved.status_code == 422
    db.session.expire_all()
    assert db.session.get(Category, wages.id).department_kind == "labour"


def test_from_create_city_the_api_alone_sets_up_a_tree_departments_and_categories(client, app):
    create_city("fresh", "新城", "founder", "founder password 1")
    db.session.commit()
    signed_in = client.post(
        "/api/v1/auth/login", json={"city": "fresh", "username": "founder", "password": "founder password 1"}
    )
    assert signed_in.status_code == 200, signed_in.get_json()
    headers = {"Authorization": f"Bearer {signed_in.get_json()['access_token']}"}
    features = [
        {"type": "Feature", "properties": {"code": c, "name": n, "level": lv, "parent_code": p}, "geometry": g}
        for c, n, lv, p, g in (
            ("fd", "新区", "district", "", None),
            ("fs", "新街道", "street", "fd", None),
            ("fc", "新社区", "community", "fs", None),
            ("fg", "新网格", "grid", "fc", square(120.0, 30.0)),
        )
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    imported = client.post(
        "/api/v1/regions/import",
        data={"file": (io.BytesIO(body), "tree.geojson")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert imported.status_code == 201, imported.get_json()
    district = db.session.scalar(select(Region).where(Region.code == "fd"))
    department = client.post(
        "/api/v1/departments",
        json={**NEW_DEPARTMENT, "kind": "city_management", "region_ids": [district.id]},
        headers=headers,
    )
    assert department.status_code == 201, department.get_json()
    category = client.post("/api/v1/categories", json=NEW_CATEGORY, headers=headers)
    assert category.status_code == 201, category.get_json()


def test_a_district_super_admin_sets_up_departments_in_their_district_only(client, city):
    district_super = account(city.city.id, "dsuper", Role.SUPER_ADMIN, region=city.d2)
    db.session.commit()
    headers = auth_headers(district_super)
    outside = client.post("/api/v1/departments", json={**NEW_DEPARTMENT, "region_ids": [city.d1.id]}, headers=headers)
    assert outside.status_code == 403
    created = client.post("/api/v1/departments", json={**NEW_DEPARTMENT, "region_ids": [city.s2.id]}, headers=headers)
    assert created.status_code == 201
    not_theirs = client.patch(f"/api/v1/departments/{city.department.id}", json={"name": "改名"}, headers=headers)
    assert not_theirs.status_code == 403 and db.session.get(Department, city.department.id).name == "城管局"
    # Categories are city-wide: only a super admin of the city itself (or a system admin) sets them up.
    assert (
        client.post(
            "/api/v1/categories", json={**NEW_CATEGORY, "department_kind": "environment"}, headers=headers
        ).status_code
        == 403
    )
