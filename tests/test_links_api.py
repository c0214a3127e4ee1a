"""Account links through the HTTP API: a resident asks, staff over the grid decide, the linked member reads
their household and corrects their details, an owner confirms redemptions (a resident's and a staff
member's), a head invites a member; refused steps answer 403 or 422 and change nothing."""
from __future__ import annotations

import logging
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import schedule
from gridapp.models import (
    AccountLink,
    AccountLinkEvent,
    ContactRequest,
    EBike,
    Household,
    HouseholdMember,
    MobileStall,
    Notification,
    Shop,
)
from gridapp.services.codes.issuing import new_code
from gridapp.services.points import ledger
from tests.support.factories import account, auth_headers

HEAD_PHONE = "13600000001"
SPOUSE_PHONE = "13600000002"
OWNER_PHONE = "13600000003"


@pytest.fixture
def reg(city):
    """In grid g1: a household (head and spouse on the registry, nobody linked), a shop and an e-bike whose
    owner has the app; the resident accounts that signed in with those phones."""
    cid = city.city.id
    ns = SimpleNamespace()
    ns.head = account(cid, "户主账号", Role.RESIDENT, phone=HEAD_PHONE)
    ns.spouse = account(cid, "配偶账号", Role.RESIDENT, phone=SPOUSE_PHONE)
    ns.owner = account(cid, "店主账号", Role.RESIDENT, phone=OWNER_PHONE)
    ns.household = Household(city_id=cid, grid_id=city.g1.id, building="5号楼", unit="1单元", floor=3, room="301")
    db.session.add(ns.household)
    db.session.flush()
    ns.head_member = HouseholdMember(city_id=cid, household_id=ns.household.id, name="张大山", relation="户主",
                                     phone=HEAD_PHONE, id_number="150603198001011234")
    ns.spouse_member = HouseholdMember(city_id=cid, household_id=ns.household.id, name="李小花", relation="配偶")
    ns.shop = Shop(city_id=cid, grid_id=city.g1.id, name="便民超市", category="零售", address="康和路9号",
                   owner_name="王店主", owner_phone=OWNER_PHONE)
    ns.bike = EBike(city_id=cid, grid_id=city.g1.id, plate_no="康B00001", owner_name="王店主", owner_phone=OWNER_PHONE)
    ns.stall = MobileStall(
        city_id=cid, grid_id=city.g1.id, vendor_name="王店主", vendor_phone=OWNER_PHONE, goods="早点", permitted_area="康和路口",
        open_time="06:00", close_time="09:00", valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
    )
    db.session.add_all([ns.head_member, ns.spouse_member, ns.shop, ns.bike, ns.stall])
    db.session.flush()
    ns.shop_token = new_code(cid, "shop", ns.shop, "shop").token
    ns.bike_token = new_code(cid, "ebike", ns.bike, "ebike").token
    db.session.commit()
    return ns


def link_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccountLink))


def ask(client, user, kind, record_id, key=None):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/links", json={"kind": kind, "record_id": record_id}, headers=headers)


def test_a_resident_is_linked_by_the_grid_worker_reads_the_household_corrects_and_unlinks(client, city, reg, clock):
    head = auth_headers(reg.head)
    worker = auth_headers(city.users[Role.GRID_WORKER])
    candidates = client.get("/api/v1/links/candidates", headers=head).json
    assert [(c["kind"], c["record_id"], c["available"]) for c in candidates["items"]] == [("member", reg.head_member.id, True)]
    assert candidates["items"][0]["label"] == "5号楼1单元301室（户主）"

    asked = ask(client, reg.head, "member", reg.head_member.id, key="link-1")
    assert asked.status_code == 201, asked.json
    link_id = asked.json["id"]
    again = ask(client, reg.head, "member", reg.head_member.id, key="link-1")
    assert again.status_code == 201 and again.json["id"] == link_id and again.headers["Idempotent-Replayed"] == "true"
    assert ask(client, reg.head, "member", reg.head_member.id).json["code"] == "link_waiting"
    assert client.get(f"/api/v1/me/households/{reg.household.id}", headers=head).status_code == 403

    queue = client.get("/api/v1/links/review", headers=worker).json
    assert [i["id"] for i in queue["items"]] == [link_id]
    assert (queue["items"][0]["registry_name"], queue["items"][0]["account_name"]) == ("张大山", "户主账号")
    note = db.session.scalar(select(Notification).where(Notification.user_id == city.users[Role.GRID_WORKER].id))
    assert (note.kind, note.target_kind, note.target_id) == ("link_requested", "link_review", link_id)

    # Staff of another grid, and roles outside the rule, are refused; nothing moves.
    outside = client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=auth_headers(city.worker4))
    assert outside.status_code == 403 and outside.json["code"] == "forbidden"
    assert client.get("/api/v1/links/review", headers=auth_headers(city.worker4)).json["items"] == []
    for role in (Role.STREET_ADMIN, Role.DEPARTMENT_STAFF, Role.RESIDENT):
        assert client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=auth_headers(city.users[role])).status_code == 403
    assert client.post(f"/api/v1/links/{link_id}/confirm", json={"note": 5}, headers=worker).status_code == 422
    db.session.expire_all()
    assert db.session.get(AccountLink, link_id).status == "pending" and reg.head_member.user_id is None

    confirmed = client.post(f"/api/v1/links/{link_id}/confirm", json={"note": "已当面核实"}, headers=worker)
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "confirmed"
    db.session.expire_all()
    assert reg.head_member.user_id == reg.head.id
    assert client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=worker).status_code == 409

    homes = client.get("/api/v1/me/households", headers=head).json
    assert [h["id"] for h in homes["items"]] == [reg.household.id]
    record = client.get(f"/api/v1/me/households/{reg.household.id}", headers=head).json
    me = next(m for m in record["members"] if m["is_me"])
    assert (me["name"], me["phone"]) == ("张大山", HEAD_PHONE)
    assert client.get(f"/api/v1/me/households/{reg.household.id}", headers=auth_headers(reg.spouse)).status_code == 403

    member_url = f"/api/v1/me/household-members/{reg.head_member.id}"
    for bad in ({"phone": "12345"}, {"name": ""}, {"relation": "户主"}, {"id_number": "x"}):
        refused = client.patch(member_url, json=bad, headers=head)
        assert refused.status_code == 422, (bad, refused.json)
    assert client.patch(f"/api/v1/me/household-members/{reg.spouse_member.id}", json={"name": "某"}, headers=head).status_code == 404
    db.session.expire_all()
    assert (reg.head_member.name, reg.head_member.phone) == ("张大山", HEAD_PHONE)
    corrected = client.patch(member_url, json={"name": "张大三"}, headers=head)
    assert corrected.status_code == 200 and next(m for m in corrected.json["members"] if m["is_me"])["name"] == "张大三"

    trail = client.get(f"/api/v1/links/{link_id}/events", headers=head).json["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [
        ("request", None, "pending"), ("confirm", "pending", "confirmed"), ("correct", "confirmed", None),
    ]
    assert trail[1]["actor_name"] == "worker1" and trail[1]["note"] == "已当面核实"
    assert (trail[1]["before"], trail[1]["after"]) == ({"user_id": None}, {"user_id": reg.head.id})
    assert (trail[2]["before"], trail[2]["after"]) == ({"name": "张大山"}, {"name": "张大三"})
    assert client.get(f"/api/v1/links/{link_id}/events", headers=auth_headers(reg.spouse)).status_code == 403

    ended = client.post(f"/api/v1/links/{link_id}/unlink", json={}, headers=head)
    assert ended.status_code == 200 and ended.json["status"] == "ended"
    db.session.expire_all()
    assert reg.head_member.user_id is None
    assert client.get(f"/api/v1/me/households/{reg.household.id}", headers=head).status_code == 403
    assert db.session.scalars(select(AccountLinkEvent.action).order_by(AccountLinkEvent.id)).all()[-1] == "unlink"


def test_refused_requests_change_nothing(client, city, reg):
    # The registry's phone is not the caller's: 422, no link.
    mismatch = ask(client, reg.spouse, "member", reg.head_member.id)
    assert mismatch.status_code == 422 and mismatch.json["code"] == "phone_mismatch"
    for body in ({"kind": "car", "record_id": 1}, {"kind": "member"}, {"kind": "member", "record_id": "x"},
                 {"kind": "member", "record_id": reg.head_member.id, "extra": 1}):
        assert client.post("/api/v1/links", json=body, headers=auth_headers(reg.head)).status_code == 422
    assert ask(client, reg.head, "shop", 999999).status_code == 404
    staff = city.users[Role.GRID_WORKER]
    assert ask(client, staff, "member", reg.head_member.id).status_code == 403
    assert link_count() == 0

    # The community admin refuses; the resident may ask again.
    link_id = ask(client, reg.head, "member", reg.head_member.id).json["id"]
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    refused = client.post(f"/api/v1/links/{link_id}/refuse", json={"note": "信息不符"}, headers=admin)
    assert refused.status_code == 200 and refused.json["status"] == "refused"
    assert client.post(f"/api/v1/links/{link_id}/cancel", headers=auth_headers(reg.head)).status_code == 409
    db.session.expire_all()
    assert reg.head_member.user_id is None
    assert ask(client, reg.head, "member", reg.head_member.id).status_code == 201
    assert client.get(f"/api/v1/links/{link_id}", headers=auth_headers(reg.owner)).status_code == 403


def test_staff_end_a_link_and_a_head_invites_a_member(client, city, reg):
    head = auth_headers(reg.head)
    link_id = ask(client, reg.head, "member", reg.head_member.id).json["id"]
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    assert client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=admin).status_code == 200

    invite = {"member_id": reg.spouse_member.id, "phone": SPOUSE_PHONE}
    assert client.post("/api/v1/links/invitations", json=invite, headers=auth_headers(reg.spouse)).status_code == 403
    assert client.post("/api/v1/links/invitations", json={**invite, "phone": "123"}, headers=head).status_code == 422
    sent = client.post("/api/v1/links/invitations", json=invite, headers=head | {"Idempotency-Key": "inv-1"})
    assert sent.status_code == 201 and sent.json["status"] == "invited"
    invitation = sent.json["id"]
    assert client.post(f"/api/v1/links/{invitation}/accept", headers=auth_headers(reg.owner)).status_code == 403
    mine = client.get("/api/v1/links", headers=auth_headers(reg.spouse)).json["items"]
    assert [(i["id"], i["status"], i["asked_by_me"]) for i in mine] == [(invitation, "invited", False)]
    accepted = client.post(f"/api/v1/links/{invitation}/accept", headers=auth_headers(reg.spouse))
    assert accepted.status_code == 200 and accepted.json["status"] == "confirmed"
    db.session.expire_all()
    assert (reg.spouse_member.user_id, reg.spouse_member.phone) == (reg.spouse.id, SPOUSE_PHONE)

    # Staff over the grid end the head's link; staff of another grid may not.
    assert client.post(f"/api/v1/links/{link_id}/unlink", json={}, headers=auth_headers(city.worker4)).status_code == 403
    ended = client.post(f"/api/v1/links/{link_id}/unlink", json={"note": "已搬离"}, headers=admin)
    assert ended.status_code == 200 and ended.json["status"] == "ended"
    db.session.expire_all()
    assert reg.head_member.user_id is None and reg.spouse_member.user_id == reg.spouse.id


def link_owner(client, city, reg):
    link_id = ask(client, reg.owner, "shop", reg.shop.id).json["id"]
    worker = auth_headers(city.users[Role.GRID_WORKER])
    assert client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=worker).status_code == 200


def test_a_linked_owner_confirms_redemptions_of_a_resident_and_of_staff(client, city, reg, clock):
    cid = city.city.id
    staff_user = city.users[Role.DEPARTMENT_STAFF]
    ledger.transfer(cid, "award", "test:resident", ledger.fund(cid), ledger.resident_account(cid, reg.head.id), 50)
    ledger.transfer(cid, "payout", "test:staff", ledger.fund(cid), ledger.staff_account(cid, staff_user.id), 80)
    db.session.commit()
    owner = auth_headers(reg.owner)
    shop_url = f"/api/v1/me/shops/{reg.shop.id}"

    # Before the link nobody can confirm or read the shop.
    asked = client.post("/api/v1/points/redemptions", json={"shop_code": reg.shop_token, "points": 20}, headers=auth_headers(reg.head))
    assert asked.status_code == 201 and asked.json["payer"] == "resident"
    assert client.post(f"/api/v1/points/redemptions/{asked.json['id']}/confirm", headers=owner).status_code == 403
    assert client.get(f"{shop_url}/redemptions", headers=owner).status_code == 403

    assert {c["kind"] for c in client.get("/api/v1/links/candidates", headers=owner).json["items"]} == {"shop", "ebike", "stall"}
    link_owner(client, city, reg)
    stall_link = ask(client, reg.owner, "stall", reg.stall.id).json["id"]
    assert client.post(f"/api/v1/links/{stall_link}/confirm", json={}, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 200
    owned = client.get("/api/v1/me/owned", headers=owner).json["items"]
    # The bike is not asked for yet.
    assert {(o["kind"], o["record_id"]) for o in owned} == {("shop", reg.shop.id), ("stall", reg.stall.id)}
    db.session.expire_all()
    assert reg.stall.vendor_user_id == reg.owner.id
    pending = client.get(f"{shop_url}/redemptions", headers=owner).json["items"]
    assert [(r["id"], r["points"], r["payer_name"]) for r in pending] == [(asked.json["id"], 20, "户**号")]
    confirmed = client.post(f"/api/v1/points/redemptions/{asked.json['id']}/confirm", headers=owner)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"

    staff_paid = client.post(
        "/api/v1/points/redemptions", json={"shop_code": reg.shop_token, "points": 30}, headers=auth_headers(staff_user)
    )
    assert staff_paid.status_code == 201 and staff_paid.json["payer"] == "staff"
    too_much = client.post(
        "/api/v1/points/redemptions", json={"shop_code": reg.shop_token, "points": 81}, headers=auth_headers(staff_user)
    )
    assert too_much.status_code == 409 and too_much.json["code"] == "insufficient_points"
    wrong_account = client.post(
        "/api/v1/points/redemptions", json={"shop_code": reg.shop_token, "points": 1, "payer": "resident"},
        headers=auth_headers(staff_user),
    )
    assert wrong_account.status_code == 403
    assert client.post(f"/api/v1/points/redemptions/{staff_paid.json['id']}/confirm", headers=owner).status_code == 200

    assert ledger.balance_of(cid, "resident", reg.head.id) == 30
    assert ledger.balance_of(cid, "staff", staff_user.id) == 50
    assert ledger.balance_of(cid, "shop", reg.shop.id) == 50
    assert ledger.audit(cid)["balance_drift"] == []
    month = clock.now().strftime("%Y-%m")
    statement = client.get(f"/api/v1/points/shops/{reg.shop.id}/statement?month={month}", headers=owner).json
    assert statement["total_points"] == 50 and [line["payer"] for line in statement["lines"]] == ["resident", "staff"]
    assert client.get(f"{shop_url}/redemptions?status=confirmed", headers=owner).json["meta"]["total"] == 2

    assert client.post(f"/api/v1/scan/{reg.shop_token}/rating", json={"stars": 4, "comment": "实惠"}, headers=auth_headers(reg.head)).status_code == 200
    ratings = client.get(f"{shop_url}/ratings", headers=owner).json["items"]
    assert [(r["stars"], r["comment"], r["rater"]) for r in ratings] == [(4, "实惠", "户**号")]
    assert client.get(f"{shop_url}/ratings", headers=auth_headers(reg.head)).status_code == 403
    assert client.get(f"{shop_url}/redemptions?status=lost", headers=owner).status_code == 422


def sms_to(caplog, phone: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "gridapp.sms" and phone in r.getMessage()]


def test_please_move_reaches_the_inbox_first_and_goes_by_sms_when_unread(client, app, city, reg, clock, caplog):
    caplog.set_level(logging.WARNING, logger="gridapp.sms")
    passer_by = auth_headers(reg.head)
    after = app.config["MOVE_SMS_AFTER_MINUTES"]

    # An owner without a linked account gets the text at once.
    assert client.post(f"/api/v1/scan/{reg.bike_token}/contact", json={}, headers=passer_by).status_code == 202
    assert len(sms_to(caplog, OWNER_PHONE)) == 1

    link_id = ask(client, reg.owner, "ebike", reg.bike.id).json["id"]
    assert client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=auth_headers(city.users[Role.GRID_WORKER])).status_code == 200

    clock.advance(timedelta(minutes=11))  # past the anti-harassment window
    assert client.post(f"/api/v1/scan/{reg.bike_token}/contact", json={}, headers=passer_by).status_code == 202
    inbox = client.get("/api/v1/notifications", headers=auth_headers(reg.owner)).json["items"]
    assert [n["title"] for n in inbox if n["kind"] == "code_move"] == ["请您挪车"]
    clock.advance(timedelta(minutes=after - 1))
    schedule.enqueue_due()
    assert len(sms_to(caplog, OWNER_PHONE)) == 1  # still waiting for the owner to look
    clock.advance(timedelta(minutes=2))
    schedule.enqueue_due()
    assert len(sms_to(caplog, OWNER_PHONE)) == 2 and "康B00001" in sms_to(caplog, OWNER_PHONE)[-1]
    clock.advance(timedelta(minutes=1))
    schedule.enqueue_due()
    assert len(sms_to(caplog, OWNER_PHONE)) == 2  # once per request

    # Read in time: no text.
    clock.advance(timedelta(minutes=11))
    assert client.post(f"/api/v1/scan/{reg.bike_token}/contact", json={}, headers=passer_by).status_code == 202
    unread = client.get("/api/v1/notifications?unread=true", headers=auth_headers(reg.owner)).json["items"]
    assert client.post(f"/api/v1/notifications/{unread[0]['id']}/read", headers=auth_headers(reg.owner)).status_code == 200
    clock.advance(timedelta(minutes=after + 1))
    schedule.enqueue_due()
    assert len(sms_to(caplog, OWNER_PHONE)) == 2


def test_deleting_an_account_ends_its_links_and_keeps_the_requests_it_received(client, city, reg):
    link_id = ask(client, reg.owner, "ebike", reg.bike.id).json["id"]
    assert client.post(f"/api/v1/links/{link_id}/confirm", json={}, headers=auth_headers(city.users[Role.GRID_WORKER])).status_code == 200
    assert client.post(f"/api/v1/scan/{reg.bike_token}/contact", json={}, headers=auth_headers(reg.head)).status_code == 202
    pending = ask(client, reg.owner, "shop", reg.shop.id).json["id"]

    gone = client.delete("/api/v1/me", json={"confirm": True}, headers=auth_headers(reg.owner))
    assert gone.status_code == 204
    db.session.expire_all()
    assert reg.bike.owner_user_id is None
    assert (db.session.get(AccountLink, link_id).status, db.session.get(AccountLink, pending).status) == ("ended", "cancelled")
    request = db.session.scalar(select(ContactRequest))
    assert request.notification_id is None and request.sms_due_at is None
    notes = db.session.scalars(select(AccountLinkEvent.note).where(AccountLinkEvent.link_id == link_id)).all()
    assert notes[-1] == "注销账号"
