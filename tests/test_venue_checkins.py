"""Venue check-in (店铺/场所登记码): visitors check in by scanning, see and delete their own; check-ins are gone
after the retention window; only officials over the venue may look up its visitors, with a reason, each look audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import codes as code_jobs
from gridapp.models import VenueCheckIn, VenueLookup
from tests.support.browser import PHONE, axe_violations, device_page, sign_in_by_sms, snapshot
from tests.support.factories import PASSWORD, account, auth_headers

LOOKUPS = "/api/v1/venues/visitor-lookups"


def check_in(client, token, user, key=None):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1/scan/{token}/check-in", headers=headers)


def test_a_visitor_checks_in_once_per_visit_and_sees_their_own(client, city, places, clock):
    resident = city.users[Role.RESIDENT]
    first = check_in(client, places.tokens["shop"], resident)
    assert first.status_code == 201
    assert first.json["venue_name"] == "老王面馆" and first.json["venue_type"] == "shop"
    # Scanning again on the same visit answers the same check-in; a retried request with its key too.
    assert check_in(client, places.tokens["shop"], resident).json["id"] == first.json["id"]
    clock.advance(timedelta(minutes=31))
    second = check_in(client, places.tokens["shop"], resident, key="visit-2")
    replay = check_in(client, places.tokens["shop"], resident, key="visit-2")
    assert second.json["id"] != first.json["id"] and replay.json["id"] == second.json["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    place = check_in(client, places.tokens["place"], resident)
    assert place.status_code == 201 and place.json["venue_name"] == "楼道"

    mine = client.get("/api/v1/me/check-ins", headers=auth_headers(resident)).json
    assert [row["id"] for row in mine["items"]] == [place.json["id"], second.json["id"], first.json["id"]]
    assert mine["meta"]["total"] == 3
    # Another person sees none of them, and cannot delete them.
    other = places.member_user
    assert client.get("/api/v1/me/check-ins", headers=auth_headers(other)).json["meta"]["total"] == 0
    assert client.delete(f"/api/v1/me/check-ins/{first.json['id']}", headers=auth_headers(other)).status_code == 404
    assert client.delete(f"/api/v1/me/check-ins/{first.json['id']}", headers=auth_headers(resident)).status_code == 204
    assert client.get("/api/v1/me/check-ins", headers=auth_headers(resident)).json["meta"]["total"] == 2


def test_only_venue_codes_take_check_ins(client, city, places):
    resident = city.users[Role.RESIDENT]
    for kind in ("household_outdoor", "ebike", "cadre", "stall"):
        response = check_in(client, places.tokens[kind], resident)
        assert response.status_code == 422 and response.json["code"] == "not_a_venue", kind
    assert check_in(client, "nosuchtoken0000000000", resident).status_code == 404
    assert client.post(f"/api/v1/scan/{places.tokens['shop']}/check-in").status_code == 401


def test_the_scan_page_offers_check_in_at_shops_and_places(client, city, places):
    for kind in ("shop", "place"):
        view = client.get(f"/api/v1/scan/{places.tokens[kind]}", headers=auth_headers(city.users[Role.RESIDENT])).json
        assert view["actions"][0]["action"] == "check_in" and not view["actions"][0]["login_required"]
        anonymous = client.get(f"/api/v1/scan/{places.tokens[kind]}").json
        assert anonymous["actions"][0] == {"action": "check_in", "label": "扫码登记", "href": None, "login_required": True}


def test_check_ins_are_purged_after_the_retention_window(app, client, city, places, clock):
    resident = city.users[Role.RESIDENT]
    old = check_in(client, places.tokens["shop"], resident).json
    clock.advance(timedelta(days=10))
    recent = check_in(client, places.tokens["shop"], resident).json
    clock.advance(timedelta(days=4, minutes=1))  # the first is now past 14 days, the second is not
    assert code_jobs.purge_check_ins() == 1
    assert [row.id for row in db.session.scalars(select(VenueCheckIn))] == [recent["id"]]
    assert old["expires_at"].startswith("2026-12-07")
    clock.advance(timedelta(days=11))
    app.config["CHECKIN_RETENTION_DAYS"] = 30  # a longer setting keeps them
    assert code_jobs.purge_check_ins() == 0
    app.config["CHECKIN_RETENTION_DAYS"] = 14
    assert code_jobs.purge_check_ins() == 1
    assert db.session.scalar(select(func.count()).select_from(VenueCheckIn)) == 0


def test_officials_over_the_venue_look_up_visitors_with_a_reason_and_every_look_is_audited(client, city, places, clock):
    resident = city.users[Role.RESIDENT]
    check_in(client, places.tokens["shop"], resident)
    clock.advance(timedelta(hours=1))
    check_in(client, places.tokens["shop"], places.member_user)
    check_in(client, places.tokens["place"], places.owner_user)
    official = city.users[Role.COMMUNITY_ADMIN]

    body = {"code": places.tokens["shop"], "reason": "密接人员流调排查"}
    found = client.post(LOOKUPS, json=body, headers=auth_headers(official))
    assert found.status_code == 201
    assert [v["phone"] for v in found.json["visitors"]] == ["13700000009", "13900000001"]  # newest first, whole phones
    assert found.json["lookup"]["visitors_shown"] == 2 and found.json["lookup"]["reason"] == "密接人员流调排查"
    # A window: only the first hour.
    early = client.post(LOOKUPS, json={**body, "until": "2026-11-23T09:30:00+00:00"}, headers=auth_headers(official)).json
    assert [v["phone"] for v in early["visitors"]] == ["13900000001"]

    audit = client.get(LOOKUPS, headers=auth_headers(official)).json
    assert audit["meta"]["total"] == 2 and audit["items"][0]["looked_up_by"] == "commadmin"
    assert audit["items"][0]["visitors_shown"] == 1 and audit["items"][1]["visitors_shown"] == 2
    # Officials higher up read the same audit; another community's official reads none of it.
    assert client.get(LOOKUPS, headers=auth_headers(city.users[Role.DISTRICT_ADMIN])).json["meta"]["total"] == 2
    other = account(city.city.id, "c3admin", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    assert client.get(LOOKUPS, headers=auth_headers(other)).json["meta"]["total"] == 0
    assert client.post(LOOKUPS, json=body, headers=auth_headers(other)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(VenueLookup)) == 2  # a refused look records nothing


def test_nobody_else_may_look_up_visitors(client, city, places):
    check_in(client, places.tokens["shop"], city.users[Role.RESIDENT])
    body = {"code": places.tokens["shop"], "reason": "想看看谁来过"}
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.DEPARTMENT_ADMIN):
        assert client.post(LOOKUPS, json=body, headers=auth_headers(city.users[role])).status_code == 403, role
        assert client.get(LOOKUPS, headers=auth_headers(city.users[role])).status_code == 403, role
    assert client.post(LOOKUPS, json=body).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(VenueLookup)) == 0


def test_a_lookup_needs_a_reason_and_a_window_inside_retention(client, city, places, clock):
    official = auth_headers(city.users[Role.STREET_ADMIN])
    shop = places.tokens["shop"]
    for body in ({"code": shop}, {"code": shop, "reason": "查"}, {"reason": "流调排查需要"},
                 {"code": shop, "reason": "流调排查需要", "since": "yesterday"},
                 {"code": shop, "reason": "流调排查需要", "since": "2026-11-23T09:00:00"}):  # no offset
        assert client.post(LOOKUPS, json=body, headers=official).status_code == 422, body
    backwards = {"code": shop, "reason": "流调排查需要", "since": "2026-11-23T08:00:00+00:00", "until": "2026-11-23T07:00:00+00:00"}
    assert client.post(LOOKUPS, json=backwards, headers=official).status_code == 422
    # Asking further back than retention gets the retention window, and the audit says so.
    clock.advance(timedelta(days=30))
    wide = client.post(LOOKUPS, json={"code": shop, "reason": "流调排查需要", "since": "2026-01-01T00:00:00+00:00"}, headers=official)
    assert wide.status_code == 201 and wide.json["lookup"]["since"].startswith("2026-12-09")
    not_a_venue = {"code": places.tokens["ebike"], "reason": "流调排查需要"}
    assert client.post(LOOKUPS, json=not_a_venue, headers=official).status_code == 422


def test_h5_pages(client, city, places):
    resident = city.users[Role.RESIDENT]
    check_in(client, places.tokens["shop"], resident)
    page = client.get("/h5/check-ins", headers=auth_headers(resident))
    assert page.status_code == 200 and "老王面馆" in page.text and "保留 14 天" in page.text
    lookup_page = client.get("/h5/venues/visitors", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))
    assert lookup_page.status_code == 200 and "查询并留痕" in lookup_page.text
    assert client.get("/h5/venues/visitors", headers=auth_headers(resident)).status_code == 403
    scan_page = client.get(f"/c/{places.tokens['shop']}", headers=auth_headers(resident))
    assert 'id="action-check_in"' in scan_page.text


@pytest.mark.browser
def test_check_in_and_lookup_in_chromium(phone, browser, live_url, city, places, caplog):
    """A resident checks in from the shop's code page, sees and deletes it; an official looks up with a reason."""
    caplog.set_level("INFO", logger="gridapp.sms")
    shop, number, city_code = places.tokens["shop"], city.users[Role.RESIDENT].phone, city.city.code
    member = auth_headers(places.member_user)
    db.session.commit()  # touch no ORM object while the pages run: SQLite would block the live server
    phone.goto(f"/c/{shop}")
    phone.click("a.login-to")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_selector("#action-check_in")
    phone.click("#action-check_in")
    phone.wait_for_selector("#action-message.ok")
    assert "已登记：老王面馆" in phone.inner_text("#action-message")
    assert axe_violations(phone) == []
    snapshot(phone, "venue-check-in")
    phone.goto("/h5/check-ins")
    assert "老王面馆" in phone.inner_text("#my-check-ins")
    assert axe_violations(phone) == []
    snapshot(phone, "venue-my-check-ins")
    phone.click(".delete-check-in")
    phone.wait_for_selector("#check-in-message.ok")
    assert phone.locator(".check-in").count() == 0

    assert requests.post(f"{live_url}/api/v1/scan/{shop}/check-in", headers=member, timeout=30).status_code == 201
    with device_page(browser, live_url, PHONE) as official:
        signed_in = official.request.post("/api/v1/auth/login", data={"city": city_code, "username": "commadmin", "password": PASSWORD, "cookie": True})
        assert signed_in.ok
        official.goto(f"/h5/venues/visitors?code={shop}")
        official.fill("#lookup-reason", "密接人员流调排查")
        official.click("#visitor-lookup button[type=submit]")
        official.wait_for_selector("#lookup-result:not([hidden])")
        assert official.inner_text("#visitor-rows").count("137") == 1  # the member only: the resident deleted theirs
        assert axe_violations(official) == []
        snapshot(official, "venue-visitor-lookup")
    assert db.session.scalar(select(func.count()).select_from(VenueLookup)) == 1
