"""Supervision under a controlled clock: a case turns yellow, then red, climbs two levels of
the tree, is nudged and gets an instruction; every step is on the timeline and reaches
exactly the people it concerns."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.clock import CHINA
from gridapp.extensions import db
from gridapp.jobs import supervision as supervision_jobs
from gridapp.models import Case, DeliveryAttempt, Escalation, Notification
from gridapp.services.cases import states as S
from gridapp.services.supervision import sla
from tests.support.cases import act, report_at
from tests.support.factories import auth_headers

SUPERVISION_KINDS = {"sla_yellow", "sla_red", "escalation", "nudge", "instruction", "whistle", "report_in", "report_in_late"}


def kinds_by_user(city) -> dict[str, set[str]]:
    db.session.rollback()
    names = {user.id: role.value for role, user in city.users.items()}
    names[city.worker4.id] = "worker4"
    found = {name: set() for name in names.values()}
    for note in db.session.scalars(select(Notification).where(Notification.kind.in_(SUPERVISION_KINDS))):
        found[names[note.user_id]].add(note.kind)
    return found


def timeline(client, user, case_id) -> list[str]:
    return [e["action"] for e in client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(user)).json["events"]]


def test_yellow_red_two_levels_nudge_and_instruction(client, city, cats, clock):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    case_id = report_at(client, resident, cats["garbage"], description="楼道口垃圾")["id"]
    for action in ("accept", "assign", "start"):
        assert act(client, worker, case_id, action).status_code == 200
    accepted = clock.now()
    # garbage: resolve in 2880 calendar minutes; yellow at 75 % (2160), one level up per 50 % (1440) overdue.
    clock.set(accepted + timedelta(minutes=2159))
    assert supervision_jobs.sweep_sla() == 0
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(worker)).json["sla"]["colour"] == "green"

    clock.set(accepted + timedelta(minutes=2161))
    assert supervision_jobs.sweep_sla() == 1
    assert supervision_jobs.sweep_sla() == 0  # idempotent: nothing new at the same moment
    body = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(worker)).json
    assert body["sla"] == {
        "clock": "resolve", "clock_label": "办结", "due_at": (accepted + timedelta(minutes=2880)).isoformat(),
        "colour": "yellow", "colour_label": "临期预警", "escalation_level": 0, "paused": False,
    }
    assert kinds_by_user(city)["grid_worker"] == {"sla_yellow"}

    clock.set(accepted + timedelta(minutes=2881))
    assert supervision_jobs.sweep_sla() == 1
    found = kinds_by_user(city)
    assert found["grid_worker"] == {"sla_yellow", "sla_red"}
    assert found["community_admin"] == {"escalation"} and found["street_admin"] == set()

    clock.set(accepted + timedelta(minutes=2880 + 1440 + 1))
    assert supervision_jobs.sweep_sla() == 1
    assert supervision_jobs.sweep_sla() == 0
    found = kinds_by_user(city)
    assert found["street_admin"] == {"escalation"} and found["district_admin"] == set()
    levels = [e.level for e in db.session.scalars(select(Escalation).where(Escalation.case_id == case_id).order_by(Escalation.level))]
    assert levels == [1, 2]

    overdue = client.get("/api/v1/supervision/overdue", headers=auth_headers(city.users[Role.STREET_ADMIN])).json
    assert [c["id"] for c in overdue["items"]] == [case_id] and overdue["items"][0]["sla"]["escalation_level"] == 2
    assert client.get("/api/v1/supervision/overdue", headers=auth_headers(city.worker4)).status_code == 200
    assert client.get("/api/v1/supervision/overdue", headers=auth_headers(city.worker4)).json["items"] == []

    nudged = client.post(f"/api/v1/cases/{case_id}/nudge", json={"note": "抓紧"}, headers={**auth_headers(city.users[Role.SUPER_ADMIN]), "Idempotency-Key": "n1"})
    assert nudged.status_code == 201, nudged.json
    again = client.post(f"/api/v1/cases/{case_id}/nudge", json={"note": "抓紧"}, headers={**auth_headers(city.users[Role.SUPER_ADMIN]), "Idempotency-Key": "n1"})
    assert again.status_code == 201 and again.json["id"] == nudged.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert nudged.json["handler_user_id"] == worker.id
    instructed = client.post(f"/api/v1/cases/{case_id}/instructions", json={"text": "今日内清运完毕"}, headers=auth_headers(city.users[Role.DISTRICT_ADMIN]))
    assert instructed.status_code == 201, instructed.json

    found = kinds_by_user(city)
    assert found == {
        "resident": set(), "grid_worker": {"sla_yellow", "sla_red", "nudge", "instruction"},
        "department_staff": set(), "department_admin": set(), "community_admin": {"escalation", "instruction"},
        "street_admin": {"escalation"}, "district_admin": set(), "super_admin": set(), "system_admin": set(), "hotline_operator": set(), "worker4": set(),
        "mediator": set(), "petition_officer": set(), "petition_agent": set(),
    }
    steps = timeline(client, worker, case_id)
    assert steps[-6:] == ["sla_yellow", "sla_red", "escalate", "escalate", "nudge", "instruct"]
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(worker)).json
    assert [i["text"] for i in detail["instructions"]] == ["今日内清运完毕"]
    resident_view = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(resident)).json
    assert resident_view["instructions"] == []
    supervision = client.get(f"/api/v1/cases/{case_id}/supervision", headers=auth_headers(city.users[Role.SUPER_ADMIN])).json
    assert supervision["nudges"] == 1 and supervision["sla"]["colour"] == "red"

    # Every supervision notification went out through the push channel (the log channel accepts all).
    db.session.rollback()
    statuses = list(
        db.session.scalars(
            select(DeliveryAttempt.status)
            .join(Notification, Notification.id == DeliveryAttempt.notification_id)
            .where(Notification.kind.in_(SUPERVISION_KINDS))
        )
    )
    assert len(statuses) == 7 and set(statuses) == {"sent"}


def test_who_may_nudge_and_instruct(client, city, cats, clock):
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    worker = city.users[Role.GRID_WORKER]
    assert client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=auth_headers(worker)).status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/instructions", json={"text": "x"}, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 403
    other_district = client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=auth_headers(_official_of(city, city.d2)))
    assert other_district.status_code == 404
    # A case not yet accepted runs the confirm clock; its nudge goes to the grid's workers.
    assert client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=auth_headers(city.users[Role.STREET_ADMIN])).status_code == 201
    assert kinds_by_user(city)["grid_worker"] == {"nudge"}


def _official_of(city, region):
    from gridapp.services.accounts.users import grant_role, new_user
    from tests.support.factories import password_hash

    user = new_user(city.city.id, "d2admin", username="d2admin")
    user.password_hash = password_hash()
    grant_role(user, Role.DISTRICT_ADMIN, region=region)
    db.session.commit()
    return user


def test_whistle_report_in_on_time_and_late(client, city, cats, clock):
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    street = city.users[Role.STREET_ADMIN]
    blown = client.post(
        f"/api/v1/cases/{case_id}/whistles", json={"department_ids": [city.department.id], "grade": "emergency", "note": "速到"},
        headers=auth_headers(street),
    )
    assert blown.status_code == 201, blown.json
    target = blown.json["targets"][0]
    assert blown.json["report_by"] == (clock.now() + timedelta(minutes=30)).isoformat()
    assert kinds_by_user(city)["department_staff"] == {"whistle"} and kinds_by_user(city)["department_admin"] == {"whistle"}
    pending = client.get("/api/v1/whistle-targets", headers=auth_headers(city.users[Role.DEPARTMENT_STAFF])).json
    assert [t["id"] for t in pending["items"]] == [target["id"]]

    clock.advance(timedelta(minutes=31))
    assert supervision_jobs.sweep_whistles() == 1
    assert supervision_jobs.sweep_whistles() == 0
    reported = client.post(f"/api/v1/whistle-targets/{target['id']}/report-in", json={"note": "已到"}, headers=auth_headers(city.users[Role.DEPARTMENT_STAFF]))
    assert reported.status_code == 200 and reported.json["late"] is True
    twice = client.post(f"/api/v1/whistle-targets/{target['id']}/report-in", json={}, headers=auth_headers(city.users[Role.DEPARTMENT_ADMIN]))
    assert twice.status_code == 409
    assert kinds_by_user(city)["street_admin"] == {"report_in_late", "report_in"}
    steps = timeline(client, street, case_id)
    assert steps[-3:] == ["whistle", "report_in_late", "report_in"]
    # g4 lies in d2, which the 城管局 does not serve: it cannot be called there.
    far = report_at(client, city.users[Role.RESIDENT], cats["garbage"], point=(101.005, 31.005))["id"]
    refused = client.post(f"/api/v1/cases/{far}/whistles", json={"department_ids": [city.department.id], "grade": "quick"}, headers=auth_headers(_official_of(city, city.d2)))
    assert refused.status_code == 403  # district admins do not blow whistles


def test_clock_pauses_while_waiting_for_the_resident(client, city, cats, clock):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, resident, cats["garbage"])["id"]
    for action in ("accept", "assign", "start"):
        act(client, worker, case_id, action)
    due = db.session.get(Case, case_id).resolve_due_at
    from tests.support.cases import resolve

    clock.advance(timedelta(hours=10))
    assert resolve(client, worker, case_id).status_code == 200
    assert act(client, admin, case_id, "verify").status_code == 200
    clock.advance(timedelta(hours=30))  # the resident takes 30 hours to answer
    assert act(client, resident, case_id, "reopen", note="没清干净").status_code == 200
    db.session.rollback()
    assert db.session.get(Case, case_id).resolve_due_at == due + timedelta(hours=30)


def test_sql_lateness_agrees_with_the_running_clock_in_every_state(client, city, cats, clock):
    """The inbox order, the overdue list and the dashboard's count read SQL; the sweep and pages read Python."""
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    case = db.session.get(Case, case_id)
    at = clock.now()
    times = (None, at - timedelta(hours=1), at, at + timedelta(hours=1))
    due_sql, overdue_sql = sla.running_due_at(), sla.overdue_condition(at)
    combinations = itertools.product(sorted(S.ALL_STATES), (None, at - timedelta(days=1)), (None, at), times, times)
    for state, accepted, confirm, onsite, resolve in combinations:
        case.state, case.accepted_at = state, accepted
        case.confirm_due_at, case.onsite_due_at, case.resolve_due_at = confirm, onsite, resolve
        db.session.flush()
        due, overdue = db.session.execute(select(due_sql, overdue_sql).where(Case.id == case_id)).one()
        running = sla.running_clock(case)
        expected = (running.due if running else None, running is not None and running.colour(at) == "red")
        assert (due, bool(overdue)) == expected, (state, accepted, confirm, onsite, resolve)
    db.session.rollback()


def test_working_time_arithmetic():
    friday_1130 = datetime(2026, 11, 27, 11, 30, tzinfo=CHINA)
    # 30 minutes to noon, lunch, 4 hours in the afternoon, weekend, 30 minutes on Monday.
    assert sla.deadline(friday_1130, 30 + 240 + 30, True) == datetime(2026, 11, 30, 9, 0, tzinfo=CHINA)
    assert sla.deadline(friday_1130, 300, False) == friday_1130 + timedelta(minutes=300)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=CHINA)
    assert sla.deadline(saturday, 1, True) == datetime(2026, 11, 30, 8, 31, tzinfo=CHINA)
    assert sla.elapsed_minutes(friday_1130, datetime(2026, 11, 30, 9, 0, tzinfo=CHINA), True) == 300
    assert sla.elapsed_minutes(saturday, saturday + timedelta(hours=30), True) == 0
    for minutes in (1, 59, 210, 451, 2000, 7 * 450):
        end = sla.deadline(friday_1130, minutes, True)
        assert sla.elapsed_minutes(friday_1130, end, True) == pytest.approx(minutes)


def test_nudges_per_case_and_hour_are_limited(client, app, city, cats, clock):
    """NUDGE_LIMIT_PER_CASE_HOUR nudges from everyone together, then 429 `nudge_limit` until the oldest is an hour old."""
    app.config["NUDGE_LIMIT_PER_CASE_HOUR"] = 2
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    leaders = [city.users[Role.SUPER_ADMIN], city.users[Role.STREET_ADMIN]]

    def nudge(user):
        return client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=auth_headers(user))

    first = clock.now()
    assert nudge(leaders[0]).status_code == 201
    clock.set(first + timedelta(minutes=20))
    assert nudge(leaders[1]).status_code == 201
    refused = nudge(leaders[0])
    assert refused.status_code == 429, refused.json
    assert refused.json["code"] == "nudge_limit" and "上限 2 次" in refused.json["message"] and "40 分钟后" in refused.json["message"]
    assert refused.json["details"] == {"limit": 2, "retry_after": 40 * 60}
    assert timeline(client, leaders[0], case_id).count("nudge") == 2  # the refused one left no step
    clock.set(first + timedelta(minutes=60, seconds=1))
    assert nudge(leaders[1]).status_code == 201
    assert nudge(leaders[0]).status_code == 429
