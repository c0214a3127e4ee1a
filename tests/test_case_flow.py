"""A case's whole life through the API: from a scanned outdoor code to closed and rated, reopened,
merged, refused transitions, and the scheduler's automatic closing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs.cases import auto_close_cases
from gridapp.models import Case, CaseEvent, CaseFollower, CaseRating, Household, Notification
from gridapp.services.cases import workflow as case_service
from gridapp.services.codes.issuing import new_code
from tests.support.cases import G1, act, post_report, report_at, resolve
from tests.support.factories import auth_headers
from tests.support.orders import fund, order_case


@pytest.fixture
def outdoor_code(city):
    household = Household(city_id=city.city.id, grid_id=city.g1.id, building="3号楼", unit="2单元", floor=5, room="502")
    db.session.add(household)
    db.session.flush()
    code = new_code(city.city.id, "household", household, "household_outdoor")
    db.session.commit()
    return code.token


def steps(case_id: int) -> list[tuple]:
    db.session.rollback()
    return [
        (e.action, e.from_state, e.to_state, e.actor_user_id)
        for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
    ]


def test_scanned_outdoor_code_to_closed_with_a_rating(client, city, cats, outdoor_code, clock):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    sent = post_report(client, resident, category=cats["garbage"], code=outdoor_code, description="楼道口垃圾", key="k-flow-1")
    assert sent.status_code == 201, sent.json
    case = sent.json
    cid = case["id"]
    assert case["channel"] == "code" and case["grid"]["id"] == city.g1.id
    assert case["place_label"].startswith("一社区3号楼2单元")  # from the code: where, never who
    assert case["actions"] == []  # the resident waits

    as_worker = client.get(f"/api/v1/cases/{cid}", headers=auth_headers(worker)).json
    assert set(as_worker["actions"]) >= {"accept", "reject", "merge", "abusive"}

    clock.advance(timedelta(minutes=10))
    accepted = act(client, worker, cid, "accept", note="马上处理")
    assert accepted.status_code == 200, accepted.json
    body = accepted.json
    assert body["state"] == "accepted"
    # SLA from the category (garbage: confirm 60, on site 120, resolve 2880 minutes)
    created = case_service.get_case(city.city.id, cid).created_at
    assert body["confirm_due_at"] == (created + timedelta(minutes=60)).isoformat()
    assert body["resolve_due_at"] == (clock.now() + timedelta(minutes=2880)).isoformat()

    assert act(client, worker, cid, "assign").json["handler"]["id"] == worker.id
    assert act(client, worker, cid, "start", note="已到现场").json["state"] == "in_progress"
    no_photo = resolve(client, worker, cid, photos=[])
    assert no_photo.status_code == 422 and no_photo.json["code"] == "photos_required"
    resolved = resolve(client, worker, cid, note="已清运")
    assert resolved.status_code == 200, resolved.json
    assert [p["kind"] for p in resolved.json["photos"]] == ["before", "after"]

    early = act(client, resident, cid, "confirm")
    assert early.status_code == 409 and early.json["code"] == "invalid_transition"
    assert "社区核实" not in early.json["message"] and "不能群众确认办结" in early.json["message"]
    assert act(client, worker, cid, "verify").status_code == 403  # the community verifies, not the worker
    assert act(client, admin, cid, "verify", note="已核实").json["state"] == "verified"

    closed = act(client, resident, cid, "confirm", stars=5, comment="处理很快")
    assert closed.status_code == 200, closed.json
    assert closed.json["state"] == "closed" and closed.json["closed_at"]

    timeline = client.get(f"/api/v1/cases/{cid}", headers=auth_headers(resident)).json
    assert [(e["action"], e["to_state"]) for e in timeline["events"]] == [
        ("submit", "submitted"), ("accept", "accepted"), ("assign", "assigned"), ("start", "in_progress"),
        ("resolve", "resolved"), ("verify", "verified"), ("confirm", "closed"), ("rate", "closed"),
    ]  # fmt: skip
    resolve_event = timeline["events"][4]
    assert resolve_event["note"] == "已清运" and [p["kind"] for p in resolve_event["photos"]] == ["after"]
    assert timeline["events"][0]["photos"][0]["kind"] == "before"
    assert timeline["ratings"] == [{"round": 0, "stars": 5, "comment": "处理很快", "created_at": timeline["ratings"][0]["created_at"]}]
    assert steps(cid)[-2][3] == resident.id and steps(cid)[1][3] == worker.id
    again = act(client, resident, cid, "rate", stars=1)
    assert again.status_code == 409 and again.json["code"] == "already_rated"

    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == resident.id).order_by(Notification.id)).all()
    assert titles == ["您反映的问题已受理", "您反映的问题已派网格员", "您反映的问题处理中", "您反映的问题已处置", "您反映的问题社区已核实"]


def test_reopened_by_the_resident_then_closed_again(client, city, cats, clock):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    cid = report_at(client, resident, cats["garbage"], G1)["id"]
    for who, action in ((worker, "accept"), (admin, "assign"), (worker, "start")):
        assert act(client, who, cid, action).status_code == 200
    assert resolve(client, worker, cid).status_code == 200
    low = act(client, resident, cid, "rate", stars=2, comment="没清干净")
    assert low.status_code == 201

    assert act(client, resident, cid, "reopen").status_code == 422  # a reason is required
    reopened = act(client, resident, cid, "reopen", note="角落里还有")
    assert reopened.status_code == 200 and reopened.json["state"] == "reopened" and reopened.json["reopen_count"] == 1
    reopen_event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.action == "reopen"))
    assert reopen_event.handler_user_id == worker.id  # counts against the handler
    assert db.session.scalar(select(Notification).where(Notification.user_id == worker.id, Notification.kind == "case_reopened"))

    assert act(client, worker, cid, "start").status_code == 200
    assert resolve(client, worker, cid, note="彻底清理").status_code == 200
    assert act(client, admin, cid, "verify").status_code == 200
    assert act(client, resident, cid, "confirm", stars=4, comment="这次好了").json["state"] == "closed"
    assert act(client, resident, cid, "reopen", note="再看看").status_code == 409  # closed stays closed

    assert [s[:3] for s in steps(cid)] == [
        ("submit", None, "submitted"), ("accept", "submitted", "accepted"), ("assign", "accepted", "assigned"),
        ("start", "assigned", "in_progress"), ("resolve", "in_progress", "resolved"), ("rate", "resolved", "resolved"),
        ("reopen", "resolved", "reopened"), ("start", "reopened", "in_progress"), ("resolve", "in_progress", "resolved"),
        ("verify", "resolved", "verified"), ("confirm", "verified", "closed"), ("rate", "closed", "closed"),
    ]  # fmt: skip
    ratings = db.session.scalars(select(CaseRating).where(CaseRating.case_id == cid).order_by(CaseRating.round)).all()
    assert [(r.round, r.stars, r.handler_user_id) for r in ratings] == [(0, 2, worker.id), (1, 4, worker.id)]


def test_illegal_and_unauthorised_transitions_are_refused(client, city, cats):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    cid = report_at(client, resident, cats["garbage"], G1)["id"]
    skipped = act(client, worker, cid, "start")
    assert skipped.status_code == 409
    assert skipped.json == {
        "code": "invalid_transition",
        "message": "案件当前状态为“待受理”，不能开始处理",
        "details": {"state": "submitted", "action": "start"},
    }
    other_grid = act(client, city.worker4, cid, "accept")
    assert other_grid.status_code == 403
    bad_reason = act(client, worker, cid, "reject", reason="lazy")
    assert bad_reason.status_code == 422
    rejected = act(client, worker, cid, "reject", reason="not_ours", note="属于物业")
    assert rejected.json["state"] == "rejected" and rejected.json["reject_reason"] == "not_ours"
    assert act(client, worker, cid, "accept").status_code == 409
    assert db.session.scalar(select(Case.state).where(Case.id == cid)) == "rejected"


def test_order_sends_the_case_to_departments(client, city, cats):
    resident, admin, worker = city.users[Role.RESIDENT], city.users[Role.COMMUNITY_ADMIN], city.users[Role.GRID_WORKER]
    cid = report_at(client, resident, cats["parking"], G1)["id"]
    act(client, worker, cid, "accept")
    fund(city)
    assert order_case(client, worker, cid).status_code == 403  # route: the community's admins only
    ordered = order_case(client, admin, cid)
    assert ordered.status_code == 201 and ordered.json["case_id"] == cid, ordered.json
    case = client.get(f"/api/v1/cases/{cid}", headers=auth_headers(admin)).json
    assert case["state"] == "ordered"
    assert case["department_kind"] == ordered.json["department_kind"] == "city_management"


def test_repeats_are_offered_then_merged_and_reporters_follow_the_survivor(client, city, cats, app):
    from gridapp.services.accounts.users import grant_role, new_user

    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    neighbour = new_user(city.city.id, "邻居", phone="13900000099")
    grant_role(neighbour, Role.RESIDENT)
    db.session.commit()
    first = report_at(client, resident, cats["garbage"], G1)["id"]
    near = {"category_id": cats["garbage"].id, "lng": G1[0] + 0.0003, "lat": G1[1]}  # about 30 m east
    offered = client.get("/api/v1/reports/similar", query_string=near, headers=auth_headers(neighbour))
    assert [c["id"] for c in offered.json] == [first]
    assert set(offered.json[0]) == {"id", "category", "state", "state_label", "place_label", "created_at"}
    far = dict(near, lng=G1[0] + 0.003)  # about 290 m
    assert client.get("/api/v1/reports/similar", query_string=far, headers=auth_headers(neighbour)).json == []
    other_kind = dict(near, category_id=cats["parking"].id)
    assert client.get("/api/v1/reports/similar", query_string=other_kind, headers=auth_headers(neighbour)).json == []

    # The neighbour sends one anyway; staff see the repeat and merge it.
    second = report_at(client, neighbour, cats["garbage"], (near["lng"], near["lat"]))["id"]
    staff_view = client.get(f"/api/v1/cases/{second}", headers=auth_headers(worker)).json
    assert [c["id"] for c in staff_view["similar"]] == [first]
    merged = act(client, worker, second, "merge", into_case_id=first)
    assert merged.status_code == 200 and merged.json["state"] == "merged" and merged.json["merged_into_id"] == first
    assert db.session.scalar(select(CaseFollower.user_id).where(CaseFollower.case_id == first)) == neighbour.id

    mine = client.get("/api/v1/reports/mine", headers=auth_headers(neighbour)).json
    assert {c["id"] for c in mine["items"]} == {first, second}
    act(client, worker, first, "accept")
    heard = db.session.scalars(select(Notification.title).where(Notification.user_id == neighbour.id)).all()
    assert "您反映的问题已受理" in heard and "您反映的问题已与其他群众的反映合并" in heard
    # The follower may read the surviving case but not act as its reporter.
    assert client.get(f"/api/v1/cases/{first}", headers=auth_headers(neighbour)).status_code == 200
    assert act(client, neighbour, first, "reopen", note="x").status_code in (403, 409)


def test_follow_instead_of_reporting_again(client, city, cats):
    from gridapp.services.accounts.users import grant_role, new_user

    resident = city.users[Role.RESIDENT]
    neighbour = new_user(city.city.id, "邻居", phone="13900000098")
    grant_role(neighbour, Role.RESIDENT)
    db.session.commit()
    first = report_at(client, resident, cats["garbage"], G1)["id"]
    stranger = act(client, neighbour, first, "follow")  # no matching spot: not offered, so not found
    assert stranger.status_code == 404
    followed = act(client, neighbour, first, "follow", lng=G1[0], lat=G1[1])
    assert followed.status_code == 200
    assert act(client, neighbour, first, "follow", lng=G1[0], lat=G1[1]).status_code == 200  # once only
    events = db.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == first)).all()
    assert events.count("follow") == 1


def test_abusive_reports_are_flagged_and_rejected(client, city, cats):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    cid = report_at(client, resident, cats["garbage"], G1)["id"]
    flagged = act(client, worker, cid, "abusive", note="重复恶意骚扰")
    assert flagged.status_code == 200
    assert flagged.json["abusive"] is True and flagged.json["state"] == "rejected" and flagged.json["reject_reason"] == "abusive"
    assert act(client, worker, cid, "abusive").status_code == 409
    listed = client.get("/api/v1/cases", query_string={"abusive": "true"}, headers=auth_headers(worker)).json
    assert [c["id"] for c in listed["items"]] == [cid]


def test_auto_close_after_n_days_without_objection_is_idempotent(client, city, cats, clock, app):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    cid = report_at(client, resident, cats["garbage"], G1)["id"]
    for who, action in ((worker, "accept"), (worker, "assign"), (worker, "start")):
        act(client, who, cid, action)
    resolve(client, worker, cid)
    act(client, admin, cid, "verify")
    days = app.config["CASE_AUTO_CLOSE_DAYS"]
    clock.advance(timedelta(days=days) - timedelta(minutes=1))
    assert case_service.auto_close(city.city.id) == []
    clock.advance(timedelta(minutes=2))
    assert case_service.auto_close(city.city.id) == [cid]
    assert case_service.auto_close(city.city.id) == []
    auto_close_cases()  # the scheduler's job: every city, nothing left to do here
    assert steps(cid)[-1] == ("auto_close", "verified", "closed", None)
    rated = act(client, resident, cid, "rate", stars=3)
    assert rated.status_code == 201  # closed cases can still be rated


def test_case_events_are_append_only(city, cats, client):
    cid = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == cid))
    event.note = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
