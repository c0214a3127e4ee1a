"""The grid worker's assistant: an inbox in SLA order, and checking in on site."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Notification
from tests.support.cases import G1, act, report_at
from tests.support.factories import auth_headers
from tests.support.orders import fund, order_case


def inbox(client, worker, **query):
    response = client.get("/api/v1/cases", query_string={"state": "open", "sort": "urgency", **query}, headers=auth_headers(worker))
    assert response.status_code == 200, response.json
    return [c["id"] for c in response.json["items"]]


def test_inbox_puts_the_most_urgent_first(client, city, cats, clock):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    slow = report_at(client, resident, cats["garbage"], G1)["id"]  # on site first: 2 days to resolve
    for action in ("accept", "assign"):
        assert act(client, worker, slow, action).status_code == 200
    assert act(client, worker, slow, "check-in", lat=G1[1], lng=G1[0]).status_code == 200
    clock.advance(timedelta(hours=1))
    waiting = report_at(client, resident, cats["garbage"], G1)["id"]  # not yet confirmed: 1 hour to confirm
    clock.advance(timedelta(hours=1))
    newest = report_at(client, resident, cats["garbage"], G1)["id"]

    assert inbox(client, worker)[:3] == [waiting, newest, slow]  # earliest running deadline first
    newest_first = client.get("/api/v1/cases?state=open", headers=auth_headers(worker)).json["items"]
    assert [c["id"] for c in newest_first][:3] == [newest, waiting, slow]

    clock.advance(timedelta(hours=3))  # both confirmations are now overdue, and lead
    assert inbox(client, worker)[:2] == [waiting, newest]
    assert client.get("/api/v1/cases?sort=oldest", headers=auth_headers(worker)).status_code == 422


def test_check_in_records_time_place_and_distance(client, city, cats, clock):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    case_id = report_at(client, resident, cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "check-in", lat=G1[1], lng=G1[0]).status_code == 409  # not assigned yet
    for action in ("accept", "assign"):
        assert act(client, worker, case_id, action).status_code == 200

    assert act(client, worker, case_id, "check-in", lat=91, lng=G1[0]).status_code == 422
    assert act(client, worker, case_id, "check-in").status_code == 422
    far = act(client, worker, case_id, "check-in", lat=G1[1] + 0.01, lng=G1[0], note="到达小区门口")
    assert far.status_code == 200, far.json
    assert far.json["state"] == "in_progress"
    clock.advance(timedelta(minutes=5))
    near = act(client, worker, case_id, "check-in", lat=G1[1], lng=G1[0])
    assert near.status_code == 200

    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(worker)).json
    check_ins = [e for e in detail["events"] if e["action"] == "check_in"]
    assert [(e["from_state"], e["to_state"]) for e in check_ins] == [("assigned", "in_progress"), ("in_progress", "in_progress")]
    assert 1000 < check_ins[0]["distance_m"] < 1200 and check_ins[1]["distance_m"] == 0
    assert check_ins[0]["action_label"] == "到场签到"


def test_only_the_cases_grid_staff_check_in(client, city, cats):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    case_id = report_at(client, resident, cats["garbage"], G1)["id"]
    for action in ("accept", "assign"):
        assert act(client, worker, case_id, action).status_code == 200
    assert act(client, city.worker4, case_id, "check-in", lat=G1[1], lng=G1[0]).status_code == 403
    assert act(client, resident, case_id, "check-in", lat=G1[1], lng=G1[0]).status_code == 403


def test_hand_up_asks_the_community_for_an_order(client, city, cats):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, resident, cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "hand-up", note="需要城管").status_code == 409  # not accepted yet
    assert act(client, worker, case_id, "accept").status_code == 200
    assert act(client, worker, case_id, "hand-up").status_code == 422  # say why
    handed = act(client, worker, case_id, "hand-up", note="占道堆放建材，需城管执法")
    assert handed.status_code == 200 and handed.json["state"] == "accepted"
    assert act(client, city.worker4, case_id, "hand-up", note="x").status_code == 403

    notes = db.session.scalars(select(Notification).where(Notification.kind == "case_hand_up")).all()
    assert [n.user_id for n in notes] == [admin.id]
    fund(city)
    ordered = order_case(client, admin, case_id, title="下单给城管", department_kind="city_management")
    assert ordered.status_code == 201 and ordered.json["department_kind"] == "city_management", ordered.json
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(admin)).json["state"] == "ordered"
