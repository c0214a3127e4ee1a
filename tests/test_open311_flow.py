"""A request filed through Open311 reaches the grid worker's inbox, follows the normal flow,
and every step shows up in requests and servicerequestupdates."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from gridapp.authz import Role
from gridapp.demo.city import CITY_CODE
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent
from gridapp.open311.entries import w3
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as case_service
from tests.support.cases import G1, act, add_categories, jpeg, resolve
from tests.support.factories import auth_headers
from tests.support.open311 import json_body, new_key

V2 = "/open311/v2"


def request_entry(client, case_id):
    [entry] = json_body(client.get(f"{V2}/requests/{case_id}.json"))
    return entry


def updates(client, case_id):
    return [u for u in json_body(client.get(f"{V2}/servicerequestupdates.json")) if u["service_request_id"] == str(case_id)]


def test_open311_case_follows_the_normal_flow(client, city, clock):
    add_categories(city)
    key = new_key(city)
    worker, admin = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    data = {
        "api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]),
        "description": "三号楼楼道堆放杂物", "phone": "13911112222", "first_name": "三", "last_name": "张",
        "media": (io.BytesIO(jpeg()), "before.jpg"),
    }  # fmt: skip
    response = client.post(f"{V2}/requests.json", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    case_id = int(json_body(response)[0]["service_request_id"])

    # The grid worker's inbox: the same case list and notifications the mobile API gives every case.
    inbox = client.get("/api/v1/cases?state=open", headers=auth_headers(worker)).json
    assert case_id in [item["id"] for item in inbox["items"]]
    told = client.get("/api/v1/notifications", headers=auth_headers(worker)).json["items"]
    assert any(n["link"] == f"/h5/reports/{case_id}" for n in told)
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(worker)).json
    assert detail["state"] == "submitted" and len(detail["photos"]) == 1
    assert "13911112222" not in str(request_entry(client, case_id))

    clock.advance(timedelta(minutes=10))
    assert act(client, worker, case_id, "accept", note="马上处理").status_code == 200
    entry = request_entry(client, case_id)
    assert entry["status"] == "open" and entry["status_notes"] == "受理：马上处理"
    assert entry["updated_datetime"] == "2026-11-23T09:10:00Z"
    assert entry["expected_datetime"] == "2026-11-25T09:10:00Z"  # the SLA due time set on acceptance

    assert act(client, worker, case_id, "assign").status_code == 200
    assert act(client, worker, case_id, "start", note="已到现场").status_code == 200
    clock.advance(timedelta(hours=2))
    assert resolve(client, worker, case_id, note="已清运").status_code == 200
    entry = request_entry(client, case_id)
    assert entry["status"] == "closed" and entry["status_notes"] == "处置完成：已清运"
    assert entry["updated_datetime"] == "2026-11-23T11:10:00Z"
    assert act(client, admin, case_id, "verify", note="已核实").status_code == 200

    clock.advance(timedelta(days=8))
    assert case_service.auto_close(city.city.id) == [case_id]

    steps = updates(client, case_id)
    assert [u["status"] for u in steps] == ["open", "investigating", "action_scheduled", "in_progress", "fixed", "fixed", "closed"]
    assert [int(u["update_id"]) for u in steps] == sorted(int(u["update_id"]) for u in steps)
    fixed = steps[4]
    assert fixed["description"] == "处置完成：已清运" and fixed["updated_datetime"] == "2026-11-23T11:10:00Z"
    assert fixed["media_url"].startswith("http://127.0.0.1:8000/media/photos/")  # the after-photo
    assert steps[0]["media_url"].startswith("http://127.0.0.1:8000/media/photos/")  # the client's photo
    assert request_entry(client, case_id)["status"] == "closed"


def test_rejected_and_merged_requests_close_with_their_reason(client, city, clock):
    add_categories(city)
    key = new_key(city)
    worker = city.users[Role.GRID_WORKER]

    def file():
        data = {"api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0])}
        return int(json_body(client.post(f"{V2}/requests.json", data=data))[0]["service_request_id"])

    first, second, third, fourth = file(), file(), file(), file()
    assert act(client, worker, first, "reject", reason="not_ours", note="属于物业").status_code == 200
    assert act(client, worker, second, "reject", reason="duplicate").status_code == 200
    assert act(client, worker, third, "merge", into_case_id=fourth).status_code == 200
    assert updates(client, third)[-1]["status"] == "duplicate"
    assert request_entry(client, third)["status"] == "closed"
    assert request_entry(client, fourth)["status"] == "open"
    assert request_entry(client, first)["status"] == "closed"
    assert request_entry(client, first)["status_notes"] == "不予受理：属于物业"
    assert updates(client, first)[-1]["status"] == "not_councils_responsibility"
    assert updates(client, second)[-1]["status"] == "duplicate"
    open_ones = json_body(client.get(f"{V2}/requests.json?status=open"))
    assert str(first) not in [r["service_request_id"] for r in open_ones]


def test_a_closed_request_carries_its_closing_update(client, city, clock):
    """A later step that moves nothing (a leader's instruction, a rating) does not replace the closing update."""
    add_categories(city)
    key = new_key(city)
    worker = city.users[Role.GRID_WORKER]
    data = {"api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0])}
    case_id = int(json_body(client.post(f"{V2}/requests.json", data=data))[0]["service_request_id"])
    for action in ("accept", "assign", "start"):
        assert act(client, worker, case_id, action).status_code == 200
    clock.advance(timedelta(hours=1))
    assert resolve(client, worker, case_id, note="已清运").status_code == 200
    clock.advance(timedelta(hours=3))
    case = db.session.get(Case, case_id)
    case_service.add_event(case, "instruct", None, case.state, "请注意复查")
    db.session.commit()
    entry = request_entry(client, case_id)
    assert entry["status"] == "closed" and entry["status_notes"] == "处置完成：已清运"
    assert entry["updated_datetime"] == "2026-11-23T10:00:00Z"


def test_the_demos_closed_requests_carry_their_closing_update(app, client, clock, demo_city):
    city_id = demo_city
    cases = {
        c.id: c for c in db.session.scalars(select(Case).where(Case.city_id == city_id, Case.state.in_(S.CLOSED_STATES | {S.RESOLVED})))
    }
    assert {c.state for c in cases.values()} == {S.CLOSED, S.REJECTED, S.RESOLVED}
    ids = ",".join(str(i) for i in cases)
    entries = json_body(client.get(f"{V2}/requests.json?jurisdiction_id={CITY_CODE}&service_request_id={ids}"))
    assert len(entries) == len(cases)
    for entry in entries:
        case = cases[int(entry["service_request_id"])]
        closing = case.closed_at or case.resolved_at
        assert entry["status"] == "closed" and entry["status_notes"], entry
        if closing is not None:
            assert entry["updated_datetime"] == w3(closing), entry
        else:  # rejected
            assert entry["updated_datetime"] != entry["requested_datetime"] and entry["status_notes"].startswith("不予受理")
    moves = db.session.scalars(select(CaseEvent.action).where(CaseEvent.city_id == city_id, CaseEvent.case_id.in_(cases))).all()
    assert {"reject", "resolve", "verify", "confirm"} <= set(moves)
