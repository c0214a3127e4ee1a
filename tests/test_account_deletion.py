"""A resident deletes their account: reports stay, anonymous; personal data goes; every session ends."""
from __future__ import annotations

import json

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, HouseholdMember, Notification, User
from gridapp.services.notifications.inbox import notify
from tests.support.cases import report_at
from tests.support.factories import auth_headers
from tests.support.places import MEMBER_NAME


def test_a_resident_deletes_their_account_and_their_reports_stay_anonymous(client, city, cats, places):
    resident = places.member_user
    headers = auth_headers(resident)
    case_id = report_at(client, resident, cats["garbage"], contact_name="周住户", contact_phone="13799998888")["id"]
    my_code = client.get("/api/v1/me/code", headers=headers).json["token"]
    notify(city.city.id, [resident.id], "case", "您反映的问题已受理", "", ("case", case_id))
    db.session.commit()

    refused = client.delete("/api/v1/me", json={}, headers=headers)
    assert refused.status_code == 422 and client.get("/api/v1/me", headers=headers).status_code == 200  # nothing done
    assert client.delete("/api/v1/me", json={"confirm": True}, headers=headers).status_code == 204

    db.session.expire_all()
    user = db.session.get(User, resident.id)
    scrubbed = (user.display_name, user.phone, user.username, user.wechat_openid, user.is_active)
    assert scrubbed == ("已注销用户", None, None, None, False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # every session has ended
    case = db.session.get(Case, case_id)
    assert case.anonymous is True and case.contact_name is None and case.contact_phone is None
    seen = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).json
    assert seen["contact"] is None and "周住户" not in json.dumps(seen, ensure_ascii=False)
    member = db.session.get(HouseholdMember, places.member.id)
    assert member.user_id is None and member.name == MEMBER_NAME  # the community's registry keeps its record
    assert db.session.query(Notification).filter_by(user_id=resident.id).count() == 0
    assert client.get(f"/api/v1/scan/{my_code}").status_code == 410  # the personal code is gone
    again = client.post("/api/v1/auth/code", json={"city": "testcity", "phone": "13700000009", "agreed": True})
    assert again.status_code == 202  # the number is free for a new account


def test_staff_accounts_are_closed_by_their_admins(client, city):
    for role in (Role.GRID_WORKER, Role.COMMUNITY_ADMIN):
        response = client.delete("/api/v1/me", json={"confirm": True}, headers=auth_headers(city.users[role]))
        assert response.status_code == 403, role
    assert db.session.get(User, city.users[Role.GRID_WORKER].id).is_active is True
