"""A resident's case and the order posted for it move together; the resident earns points
when the report is accepted and closed; reopening a paid case reverses the payout."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent
from gridapp.services.points import ledger
from tests.support.cases import G1, act, jpeg, report_at
from tests.support.factories import auth_headers
from tests.support.orders import order_case, points_city


@pytest.fixture
def ns(city, clock):
    return points_city(city, budget=500)


def ordered_and_paid(client, ns, city, clock) -> tuple[int, int]:
    resident = city.users[Role.RESIDENT]
    admin_user = city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, resident, ns.parking)["id"]
    assert act(client, admin_user, case_id, "accept").status_code == 200
    assert ledger.balance_of(ns.city_id, "resident", resident.id) == 5
    admin, staff = auth_headers(admin_user), auth_headers(city.users[Role.DEPARTMENT_STAFF])
    body = {
        "community_id": city.c1.id, "title": "车辆乱停", "category_id": ns.parking.id, "difficulty": "simple",
        "bounty": 21, "deadline": (clock.now() + timedelta(days=1)).isoformat(), "case_id": case_id,
    }
    posted = client.post("/api/v1/orders", json=body, headers=admin)
    assert posted.status_code == 201, posted.json
    order_id = posted.json["id"]
    assert db.session.get(Case, case_id).state == "ordered"
    again = client.post("/api/v1/orders", json=body, headers=admin)
    assert again.status_code == 409 and again.json["code"] == "case_already_ordered"
    assert client.post(f"/api/v1/orders/{order_id}/grab", headers=staff).status_code == 200
    assert client.post(f"/api/v1/orders/{order_id}/start", headers=staff).status_code == 200
    db.session.expire_all()
    assert db.session.get(Case, case_id).state == "in_progress"
    resolved = client.post(
        f"/api/v1/orders/{order_id}/resolve", headers=staff,
        data={"note": "已拖离", "photos": [(io.BytesIO(jpeg()), "after.jpg")]}, content_type="multipart/form-data",
    )
    assert resolved.status_code == 200, resolved.json
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert case.state == "resolved" and [p.kind for p in case.photos][-1] == "after"
    assert client.post(f"/api/v1/orders/{order_id}/verify", json={}, headers=admin).status_code == 200
    db.session.expire_all()
    assert db.session.get(Case, case_id).state == "verified"
    assert ledger.balance_of(ns.city_id, "staff", city.users[Role.DEPARTMENT_STAFF].id) == 16  # 21 × 8 // 10
    return case_id, order_id


def test_confirming_the_case_pays_the_resident_once(client, ns, city, clock):
    case_id, _order_id = ordered_and_paid(client, ns, city, clock)
    resident = city.users[Role.RESIDENT]
    assert act(client, resident, case_id, "confirm").status_code == 200
    assert ledger.balance_of(ns.city_id, "resident", resident.id) == 15
    history = client.get("/api/v1/points/me/history", headers=auth_headers(resident)).json["items"]
    assert [(h["amount"], h["case_id"]) for h in history] == [(10, case_id), (5, case_id)]


def test_reopening_a_paid_case_reverses_the_payout(client, ns, city, clock):
    case_id, order_id = ordered_and_paid(client, ns, city, clock)
    clock.advance(timedelta(hours=3))
    assert act(client, city.users[Role.RESIDENT], case_id, "reopen", note="车又停回来了").status_code == 200
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).json
    assert order["status"] == "reversed"
    assert ledger.balance_of(ns.city_id, "staff", city.users[Role.DEPARTMENT_STAFF].id) == 0
    assert ledger.balance_of(ns.city_id, "department", city.department.id) == 0
    assert ledger.balance_of(ns.city_id, "community", city.c1.id) == 500
    assert ledger.audit(ns.city_id)["balance_drift"] == []


def test_ordering_a_case_posts_its_order_so_departments_see_it(client, ns, city, clock):
    admin_user, staff = city.users[Role.COMMUNITY_ADMIN], auth_headers(city.users[Role.DEPARTMENT_STAFF])
    case_id = report_at(client, city.users[Role.RESIDENT], ns.parking)["id"]
    assert act(client, admin_user, case_id, "accept").status_code == 200
    assert order_case(client, admin_user, case_id, bounty=None).status_code == 422
    ordered = order_case(client, admin_user, case_id, key="case-order-1", bounty=20)
    assert ordered.status_code == 201, ordered.json
    order = ordered.json
    assert (order["case_id"], order["status"], order["community_id"], order["category_id"]) == (case_id, "open", city.c1.id, ns.parking.id)
    assert (order["department_kind"], order["difficulty"], order["reserved"]) == ("city_management", "ordinary", 24)  # 20 × 120 %
    assert order["title"].startswith(ns.parking.name)
    assert db.session.get(Case, case_id).state == "ordered"
    assert ledger.balance_of(ns.city_id, "community", city.c1.id) == 500 - 24

    replayed = order_case(client, admin_user, case_id, key="case-order-1", bounty=20)
    assert replayed.status_code == 201 and replayed.json["id"] == order["id"] and replayed.headers["Idempotent-Replayed"] == "true"
    again = order_case(client, admin_user, case_id, bounty=20)
    assert again.status_code == 409 and again.json["code"] == "case_already_ordered"
    pool = client.get("/api/v1/orders/pool", headers=staff).json["items"]
    assert [o["id"] for o in pool] == [order["id"]]
    assert client.post(f"/api/v1/orders/{order['id']}/grab", headers=staff).status_code == 200


ON_SITE = {"check-in": {"lat": G1[1], "lng": G1[0]}}


@pytest.mark.parametrize("work", [["assign"], ["assign", "check-in"]], ids=["assigned", "in_progress"])
def test_a_case_handed_up_while_assigned_or_in_progress_can_be_ordered(client, ns, city, clock, work):
    worker, admin_user = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, city.users[Role.RESIDENT], ns.campaign)["id"]  # a grid worker's category: no department kind
    for step in ["accept", *work]:
        assert act(client, worker, case_id, step, **ON_SITE.get(step, {})).status_code == 200
    assert act(client, worker, case_id, "hand-up", note="需城管执法").status_code == 200

    unnamed = order_case(client, admin_user, case_id)
    assert unnamed.status_code == 422 and unnamed.json["details"] == {"department_kind": ["required"]}
    ordered = order_case(client, admin_user, case_id, department_kind="city_management")
    assert ordered.status_code == 201, ordered.json
    assert ordered.json["department_kind"] == "city_management"
    case = db.session.get(Case, case_id)
    assert (case.state, case.department_kind, case.handler_user_id) == ("ordered", "city_management", None)
    grabbed = client.post(f"/api/v1/orders/{ordered.json['id']}/grab", headers=auth_headers(city.users[Role.DEPARTMENT_STAFF]))
    assert grabbed.status_code == 200


def test_the_order_body_names_the_department_kind_of_a_handed_up_case(client, ns, city, clock):
    worker, admin = city.users[Role.GRID_WORKER], auth_headers(city.users[Role.COMMUNITY_ADMIN])
    case_id = report_at(client, city.users[Role.RESIDENT], ns.campaign)["id"]
    for step in ("accept", "assign", "check-in"):
        assert act(client, worker, case_id, step, **ON_SITE.get(step, {})).status_code == 200
    assert act(client, worker, case_id, "hand-up", note="需住建部门维修").status_code == 200
    body = {
        "community_id": city.c1.id, "title": "楼道墙皮脱落", "category_id": ns.campaign.id, "difficulty": "simple",
        "bounty": 10, "deadline": (clock.now() + timedelta(days=1)).isoformat(), "case_id": case_id,
    }
    unnamed = client.post("/api/v1/orders", json=body, headers=admin)
    assert unnamed.status_code == 422 and unnamed.json["details"] == {"department_kind": ["required"]}
    posted = client.post("/api/v1/orders", json=body | {"department_kind": "housing"}, headers=admin)
    assert posted.status_code == 201, posted.json
    assert posted.json["department_kind"] == "housing"
    assert db.session.get(Case, case_id).state == "ordered"
    housing = auth_headers(ns.housing_staff)
    assert [o["id"] for o in client.get("/api/v1/orders/pool", headers=housing).json["items"]] == [posted.json["id"]]


def test_a_department_case_assigned_to_the_grid_worker_and_handed_up_can_be_ordered(client, ns, city, clock):
    worker, admin = city.users[Role.GRID_WORKER], auth_headers(city.users[Role.COMMUNITY_ADMIN])
    case_id = report_at(client, city.users[Role.RESIDENT], ns.parking)["id"]
    for step in ("accept", "assign"):
        assert act(client, worker, case_id, step).status_code == 200
    assert act(client, worker, case_id, "hand-up", note="车主联系不上，需城管拖车").status_code == 200
    body = {
        "community_id": city.c1.id, "title": "车辆乱停", "category_id": ns.parking.id, "difficulty": "simple",
        "bounty": 10, "deadline": (clock.now() + timedelta(days=1)).isoformat(), "case_id": case_id,
    }
    posted = client.post("/api/v1/orders", json=body, headers=admin)
    assert posted.status_code == 201, posted.json
    assert posted.json["department_kind"] == "city_management"
    assert db.session.get(Case, case_id).state == "ordered"


def test_an_order_sent_back_sends_its_case_back_and_it_can_be_resolved_again(client, ns, city, clock):
    """The community is not satisfied with an order's work: the case goes back to in progress with it (it once stayed
    resolved, and the order's second resolution then failed inside the case)."""
    resident, admin_user = city.users[Role.RESIDENT], city.users[Role.COMMUNITY_ADMIN]
    admin, staff = auth_headers(admin_user), auth_headers(city.users[Role.DEPARTMENT_STAFF])
    case_id = report_at(client, resident, ns.parking)["id"]
    assert act(client, admin_user, case_id, "accept").status_code == 200
    body = {
        "community_id": city.c1.id, "title": "车辆乱停", "category_id": ns.parking.id, "difficulty": "simple",
        "bounty": 21, "deadline": (clock.now() + timedelta(days=1)).isoformat(), "case_id": case_id,
    }
    order_id = client.post("/api/v1/orders", json=body, headers=admin).json["id"]
    for step in ("grab", "start"):
        assert client.post(f"/api/v1/orders/{order_id}/{step}", headers=staff).status_code == 200

    def resolve():
        return client.post(
            f"/api/v1/orders/{order_id}/resolve", headers=staff,
            data={"note": "已拖离", "photos": [(io.BytesIO(jpeg()), "after.jpg")]}, content_type="multipart/form-data",
        )

    assert resolve().status_code == 200
    sent_back = client.post(f"/api/v1/orders/{order_id}/send-back", json={"reason": "车还在原处"}, headers=admin)
    assert sent_back.status_code == 200, sent_back.json
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.state == "in_progress" and case.resolved_at is None
    last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc()).limit(1))
    assert (last.action, last.note) == ("send_back", "车还在原处")
    clock.advance(timedelta(hours=1))
    assert resolve().status_code == 200
    assert client.post(f"/api/v1/orders/{order_id}/verify", json={}, headers=admin).status_code == 200
    db.session.expire_all()
    assert db.session.get(Case, case_id).state == "verified"
