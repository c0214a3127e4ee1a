"""A resident's case and the order posted for it move together; the resident earns points
when the report is accepted and closed; reopening a paid case reverses the payout."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case
from gridapp.services.points import ledger
from tests.support.cases import act, jpeg, report_at
from tests.support.factories import auth_headers
from tests.support.orders import points_city


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
