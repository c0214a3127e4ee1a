"""The orders, points and leaderboard API end to end: HTTP in, JSON (and CSV) out."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from PIL import Image

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Shop
from gridapp.services.accounts.users import grant_role, new_user
from gridapp.services.codes import issuing as codes
from gridapp.services.points import ledger
from tests.support.factories import auth_headers
from tests.support.orders import points_city


@pytest.fixture
def ns(city, clock):
    return points_city(city, budget=500)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def order_body(ns, clock, **overrides):
    body = {
        "community_id": ns.city.c1.id, "title": "小区门口占道经营", "category_id": ns.parking.id,
        "difficulty": "ordinary", "bounty": 37, "deadline": (clock.now() + timedelta(days=2)).isoformat(),
    }
    return body | overrides


def test_an_order_through_the_api_from_posting_to_payment(client, ns, city, clock):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    staff = auth_headers(city.users[Role.DEPARTMENT_STAFF])
    other = auth_headers(ns.staff2)

    posted = client.post("/api/v1/orders", json=order_body(ns, clock), headers=admin | {"Idempotency-Key": "order-1"})
    assert posted.status_code == 201, posted.json
    order_id = posted.json["id"]
    assert (posted.json["reserved"], posted.json["status_label"]) == (44, "待抢单")
    again = client.post("/api/v1/orders", json=order_body(ns, clock), headers=admin | {"Idempotency-Key": "order-1"})
    assert again.status_code == 201 and again.json["id"] == order_id and again.headers["Idempotent-Replayed"] == "true"
    assert client.get(f"/api/v1/points/communities/{city.c1.id}/budget", headers=admin).json == {
        "community_id": city.c1.id, "community_name": "一社区", "available": 456, "reserved": 44,
    }

    pool = client.get("/api/v1/orders/pool", headers=staff).json
    assert [o["id"] for o in pool["items"]] == [order_id] and pool["meta"]["total"] == 1
    assert client.post(f"/api/v1/orders/{order_id}/grab", headers=staff).json["holder_name"] == "staff"
    lost = client.post(f"/api/v1/orders/{order_id}/grab", headers=other)
    assert lost.status_code == 409
    assert lost.json["code"] == "order_taken"
    assert lost.json["details"]["holder_department_name"] == "城管局"
    assert "城管局" in lost.json["message"]

    assert client.post(f"/api/v1/orders/{order_id}/start", headers=staff).json["status"] == "in_progress"
    resolved = client.post(
        f"/api/v1/orders/{order_id}/resolve", headers=staff,
        data={"note": "已劝离", "photos": [(io.BytesIO(jpeg()), "after.jpg")]}, content_type="multipart/form-data",
    )
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["status"] == "resolved" and len(resolved.json["after_photos"]) == 1
    paid = client.post(f"/api/v1/orders/{order_id}/verify", json={"note": "现场已核实"}, headers=admin)
    assert paid.status_code == 200, paid.json
    assert (paid.json["payout_department"], paid.json["payout_staff"]) == (9, 35)
    detail = client.get(f"/api/v1/orders/{order_id}", headers=staff).json
    assert [e["action"] for e in detail["events"]] == ["post", "grab", "start", "resolve", "verify"]

    month = clock.now().strftime("%Y-%m")
    board = client.get(f"/api/v1/leaderboards/departments?month={month}", headers=staff).json
    assert board["items"] == [{"rank": 1, "id": city.department.id, "name": "城管局", "points": 44, "closed": 1, "on_time_rate": 1.0, "lapses": 0}]
    people = client.get(f"/api/v1/leaderboards/staff?month={month}&region_id={city.c1.id}", headers=admin).json
    assert [(p["name"], p["points"]) for p in people["items"]] == [("staff", 35)]
    assert client.get(f"/api/v1/leaderboards/staff?month={month}&region_id={city.d2.id}", headers=admin).status_code == 403


def test_order_api_refuses_what_the_service_refuses(client, ns, city, clock):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    short = client.post("/api/v1/orders", json=order_body(ns, clock, bounty=10_000), headers=admin)
    assert short.status_code == 409 and short.json["code"] == "insufficient_points"
    bad = client.post("/api/v1/orders", json=order_body(ns, clock, difficulty="easy", extra=1), headers=admin)
    assert bad.status_code == 422
    order_id = client.post("/api/v1/orders", json=order_body(ns, clock), headers=admin).json["id"]
    housing = client.post(f"/api/v1/orders/{order_id}/grab", headers=auth_headers(ns.housing_staff))
    assert housing.status_code == 403 and housing.json["code"] == "not_eligible"
    street = auth_headers(city.users[Role.STREET_ADMIN])
    assert client.get(f"/api/v1/orders/{order_id}", headers=street).status_code == 200
    assert client.get("/api/v1/orders", headers=street).json["meta"]["total"] == 1
    assert client.post(f"/api/v1/orders/{order_id}/release", json={"reason": "x"}, headers=auth_headers(city.users[Role.DEPARTMENT_STAFF])).status_code == 403


def test_top_up_is_idempotent_per_key(client, ns, city):
    sysadmin = auth_headers(city.users[Role.SYSTEM_ADMIN])
    body = {"community_id": city.c2.id, "amount": 300}
    first = client.post("/api/v1/points/top-ups", json=body, headers=sysadmin | {"Idempotency-Key": "q4-budget"})
    second = client.post("/api/v1/points/top-ups", json=body, headers=sysadmin | {"Idempotency-Key": "q4-budget"})
    assert first.status_code == second.status_code == 201 and first.json["id"] == second.json["id"]
    assert ledger.balance_of(ns.city_id, "community", city.c2.id) == 300
    other = client.post("/api/v1/points/top-ups", json=body | {"amount": 5}, headers=sysadmin | {"Idempotency-Key": "q4-budget"})
    assert other.status_code == 422
    district = auth_headers(city.users[Role.DISTRICT_ADMIN])
    assert client.post("/api/v1/points/top-ups", json={"community_id": city.c3.id, "amount": 1}, headers=district).status_code == 403


def test_residents_redeem_at_shops_and_the_statement_adds_up(client, ns, city, clock):
    resident = city.users[Role.RESIDENT]
    owner = new_user(ns.city_id, "李店主", phone="13900000077")
    grant_role(owner, Role.RESIDENT)
    db.session.flush()
    shop = Shop(city_id=ns.city_id, grid_id=city.g1.id, name="康城便利店", category="零售", address="康和路1号", owner_user_id=owner.id)
    db.session.add(shop)
    db.session.flush()
    shop_token = codes.new_code(ns.city_id, "shop", shop, "shop").token
    resident_token = codes.new_code(ns.city_id, "user", resident, "resident").token
    db.session.commit()
    ledger.transfer(ns.city_id, "award", "test-award", ledger.fund(ns.city_id), ledger.resident_account(ns.city_id, resident.id), 50)
    db.session.commit()
    me, shopkeeper = auth_headers(resident), auth_headers(owner)

    asked = client.post("/api/v1/points/redemptions", json={"shop_code": shop_token, "points": 20}, headers=me)
    assert asked.status_code == 201, asked.json
    assert client.get("/api/v1/points/me", headers=me).json == {"balance": 50}  # nothing moves before the shop confirms
    assert client.post(f"/api/v1/points/redemptions/{asked.json['id']}/confirm", headers=me).status_code == 403
    confirmed = client.post(f"/api/v1/points/redemptions/{asked.json['id']}/confirm", headers=shopkeeper)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert client.post(f"/api/v1/points/redemptions/{asked.json['id']}/confirm", headers=shopkeeper).status_code == 409
    charged = client.post(f"/api/v1/points/shops/{shop.id}/charge", json={"resident_code": resident_token, "points": 25}, headers=shopkeeper)
    assert charged.status_code == 201, charged.json
    too_much = client.post(f"/api/v1/points/shops/{shop.id}/charge", json={"resident_code": resident_token, "points": 6}, headers=shopkeeper)
    assert too_much.status_code == 409 and too_much.json["code"] == "insufficient_points"
    assert client.post("/api/v1/points/redemptions", json={"shop_code": resident_token, "points": 1}, headers=me).json["code"] == "wrong_code"

    assert client.get("/api/v1/points/me", headers=me).json == {"balance": 5}
    history = client.get("/api/v1/points/me/history", headers=me).json
    assert [(h["amount"], h["kind"]) for h in history["items"]] == [(-25, "redemption"), (-20, "redemption"), (50, "award")]
    assert ledger.balance_of(ns.city_id, "shop", shop.id) == 45

    month = clock.now().strftime("%Y-%m")
    statement = client.get(f"/api/v1/points/shops/{shop.id}/statement?month={month}", headers=shopkeeper).json
    assert statement["total_points"] == 45 and [line["points"] for line in statement["lines"]] == [20, 25]
    assert statement["lines"][0]["phone"] == "139****0001"
    exported = client.get(f"/api/v1/points/shops/{shop.id}/statement.csv?month={month}", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["商户", "康城便利店", "月份", month]
    assert rows[-1][0] == "合计" and rows[-1][4] == "45"
    assert client.get(f"/api/v1/points/shops/{shop.id}/statement.csv?month={month}", headers=me).status_code == 403
    assert client.get(f"/api/v1/points/shops/{shop.id}/statement?month=2026-13", headers=shopkeeper).status_code == 422
