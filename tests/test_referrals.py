"""Referrals both ways (诉调/警调/访调对接): a case or petition sent to or received from a court, the police or a
petition bureau, with the other body's case number, status and deadline; every change an appended event; the
deadline sweep marks the late ones once; only those who may act on the subject see its referrals."""
from __future__ import annotations

from datetime import timedelta

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import petitions as petition_jobs
from tests.support.cases import report_at
from tests.support.factories import account, auth_headers

REFERRALS = "/api/v1/referrals"


def refer(client, user, key=None, **body):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post(REFERRALS, json={"direction": "out", "kind": "court", "other_body": "一区人民法院"} | body, headers=headers)


def petition_of(client, city):
    body = {"name": "王建国", "id_number": "15010219800101123X", "region_id": city.s1.id, "title": "邻里纠纷", "content": "噪音扰民",
            "channel": "letter", "level": "township"}  # fmt: skip
    return client.post("/api/v1/petitions", json=body, headers=auth_headers(city.users[Role.PETITION_OFFICER])).json["petition_id"]


def test_a_case_goes_to_court_and_back_with_the_courts_number_status_and_deadline(client, city, cats, clock):
    case = report_at(client, city.users[Role.RESIDENT], cats["garbage"])
    admin = city.users[Role.COMMUNITY_ADMIN]
    sent = refer(client, admin, key="court-1", subject_kind="case", subject_id=case["id"], note="物业费纠纷，诉前调解")
    assert sent.status_code == 201, sent.json
    assert sent.json["status"] == "pending" and sent.json["kind_label"] == "诉调对接（法院）"
    assert sent.json["deadline_at"].startswith("2026-12-23")  # REFERRAL_DEFAULT_DAYS after 2026-11-23
    assert refer(client, admin, key="court-1", subject_kind="case", subject_id=case["id"], note="物业费纠纷，诉前调解").json["id"] == sent.json["id"]
    rid = sent.json["id"]
    accepted = client.patch(f"{REFERRALS}/{rid}", json={"status": "accepted", "other_case_number": "(2026)蒙0602民诉前调1234号",
                                                       "other_status": "已立案诉前调解"}, headers=auth_headers(admin))  # fmt: skip
    assert accepted.json["status"] == "accepted" and accepted.json["other_case_number"].endswith("1234号")
    assert client.patch(f"{REFERRALS}/{rid}", json={"status": "pending"}, headers=auth_headers(admin)).status_code == 409
    assert client.patch(f"{REFERRALS}/{rid}", json={}, headers=auth_headers(admin)).status_code == 422
    assert client.patch(f"{REFERRALS}/{rid}", json={"deadline_at": "2020-01-01T00:00:00Z"}, headers=auth_headers(admin)).status_code == 422
    done = client.patch(f"{REFERRALS}/{rid}", json={"status": "completed", "other_status": "调解成功"}, headers=auth_headers(admin))
    assert done.json["status"] == "completed"
    assert client.patch(f"{REFERRALS}/{rid}", json={"other_status": "再改"}, headers=auth_headers(admin)).status_code == 409
    events = client.get(f"{REFERRALS}/{rid}/events", headers=auth_headers(admin)).json["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("create", None, "pending"), ("status", "pending", "accepted"), ("status", "accepted", "completed")]
    assert events[1]["other_case_number"].endswith("1234号") and events[2]["actor_user_id"] == admin.id

    # One received from the police (警调), listed by subject; the officials above see both.
    received = refer(client, admin, direction="in", kind="police", subject_kind="case", subject_id=case["id"], other_body="一区公安分局",
                     other_case_number="JQ20261123001", deadline_at="2026-11-30T00:00:00Z")  # fmt: skip
    assert received.status_code == 201 and received.json["direction"] == "in"
    listed = client.get(f"{REFERRALS}?subject_kind=case&subject_id={case['id']}", headers=auth_headers(city.users[Role.DISTRICT_ADMIN])).json
    assert [r["id"] for r in listed["items"]] == [received.json["id"], rid]
    # Past its deadline the open one is marked overdue once.
    clock.advance(timedelta(days=8))
    assert petition_jobs.sweep_referral_deadlines() == 1
    assert petition_jobs.sweep_referral_deadlines() == 0
    overdue = client.get(f"{REFERRALS}?overdue=true", headers=auth_headers(admin)).json["items"]
    assert [r["id"] for r in overdue] == [received.json["id"]] and overdue[0]["overdue_at"]

    # Out of scope: another district's official; residents, workers and petition officers by role or subject.
    far = account(city.city.id, "far-admin", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    assert client.get(f"{REFERRALS}/{rid}", headers=auth_headers(far)).status_code == 403
    assert refer(client, far, subject_kind="case", subject_id=case["id"]).status_code == 403
    assert client.get(REFERRALS, headers=auth_headers(far)).json["meta"]["total"] == 0
    assert refer(client, city.users[Role.PETITION_OFFICER], subject_kind="case", subject_id=case["id"]).status_code == 403
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN, Role.PETITION_AGENT):
        assert client.get(REFERRALS, headers=auth_headers(city.users[role])).status_code == 403


def test_a_petition_goes_to_mediation_only_through_its_petition_officers(client, city, clock):
    petition_id = petition_of(client, city)
    officer = city.users[Role.PETITION_OFFICER]
    assert refer(client, officer, subject_kind="petition", subject_id=petition_id, kind="court").json["details"]["kind"] == ["petition_only"]
    sent = refer(client, officer, subject_kind="petition", subject_id=petition_id, kind="petition", other_body="一街道人民调解委员会")
    assert sent.status_code == 201 and sent.json["kind_label"] == "访调对接（信访）"
    assert [r["id"] for r in client.get(REFERRALS, headers=auth_headers(officer)).json["items"]] == [sent.json["id"]]
    # The officials over the street do not see a petition's referrals, nor can they refer the petition.
    street = city.users[Role.STREET_ADMIN]
    assert client.get(REFERRALS, headers=auth_headers(street)).json["meta"]["total"] == 0
    assert client.get(f"{REFERRALS}/{sent.json['id']}", headers=auth_headers(street)).status_code == 403
    assert refer(client, street, subject_kind="petition", subject_id=petition_id, kind="petition").status_code == 403
    assert refer(client, officer, subject_kind="petition", subject_id=999999, kind="petition").status_code == 404
    assert refer(client, officer, subject_kind="household", subject_id=1, kind="petition").status_code == 422
