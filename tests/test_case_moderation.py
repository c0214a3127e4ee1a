"""Moderation: officials redact a report's text or hide its photos; the original is kept and every edit logged."""
from __future__ import annotations

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case
from tests.support.cases import report_at
from tests.support.factories import auth_headers

ORIGINAL = "门口车牌蒙K12345的车堵路"
REDACTED = "门口车牌[已隐藏]的车堵路"


def test_officials_redact_text_and_hide_photos_and_the_original_is_kept(client, city, cats):
    resident, admin = city.users[Role.RESIDENT], auth_headers(city.users[Role.COMMUNITY_ADMIN])
    case = report_at(client, resident, cats["garbage"], description=ORIGINAL)
    photo_id = case["photos"][0]["id"]
    url = f"/api/v1/cases/{case['id']}/moderation"

    body = {"reason": "车牌号", "description": REDACTED, "hide_photo_ids": [photo_id]}
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF):
        assert client.post(url, json=body, headers=auth_headers(city.users[role])).status_code == 403, role
    moderated = client.post(url, json=body, headers=admin)
    assert moderated.status_code == 200, moderated.json
    assert moderated.json["description"] == REDACTED and moderated.json["photos"] == []

    seen = client.get(f"/api/v1/cases/{case['id']}", headers=auth_headers(resident)).json
    assert seen["description"] == REDACTED and seen["photos"] == []
    assert all(e["photos"] == [] for e in seen["events"])  # the report step's photo is hidden too
    assert "蒙K12345" not in str(seen)
    assert db.session.get(Case, case["id"]).description == REDACTED

    log = client.get(url, headers=admin).json
    assert [(e["action"], e["text_before"], e["photo_id"]) for e in log["items"]] == [
        ("redact_text", ORIGINAL, None), ("hide_photo", None, photo_id),
    ]  # the original text is kept for the record
    moderator = city.users[Role.COMMUNITY_ADMIN].id
    assert all(e["actor_user_id"] == moderator and e["reason"] == "车牌号" for e in log["items"])
    assert client.get(url, headers=auth_headers(resident)).status_code == 403

    nothing = client.post(url, json=dict(body, reason="再来"), headers=admin)
    assert nothing.status_code == 422 and nothing.json["code"] == "nothing_to_change"
    foreign = client.post(url, json={"reason": "x", "hide_photo_ids": [999999]}, headers=admin)
    assert foreign.status_code == 422

    street = auth_headers(city.users[Role.STREET_ADMIN])
    shown = client.post(url, json={"reason": "误隐藏", "show_photo_ids": [photo_id]}, headers=street)
    assert shown.status_code == 200 and [p["id"] for p in shown.json["photos"]] == [photo_id]
    assert client.get(url, headers=admin).json["meta"]["total"] == 3
