"""领导包案 and 联合处置 1+1+N: a leader owns a case with a task force, a joint handling has the locality, the
responsible department and co-handlers; each unit works its sub-task on its own clock; every step is an event; an
overdue sub-task alerts its unit and the owner once; only the owner, officials over it and member units read it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.jobs import task_forces as jobs
from gridapp.models import Department, DepartmentRegion, Notification, TaskForceEvent
from gridapp.services.task_forces import workflow
from tests.support.cases import report_at
from tests.support.factories import account, auth_headers


@pytest.fixture
def tf(city, cats, client):
    """A case in g1 (community c1), a second department (民政), and its staff."""
    case = report_at(client, city.users[Role.RESIDENT], cats["garbage"])
    civil = Department(city_id=city.city.id, code="mzj", name="民政局", kind="civil_affairs")
    db.session.add(civil)
    db.session.flush()
    db.session.add(DepartmentRegion(city_id=city.city.id, department_id=civil.id, region_id=city.d1.id))
    civil_staff = account(city.city.id, "civil1", Role.DEPARTMENT_STAFF, department=civil)
    db.session.commit()
    return type("TF", (), {"case_id": case["id"], "civil": civil, "civil_staff": civil_staff})


def iso(delta: timedelta) -> str:
    return (now() + delta).isoformat()


def leader_body(city, tf, **overrides):
    body = {
        "subject_kind": "case", "subject_id": tf.case_id, "title": "小区垃圾长期堆放包案", "measures": "每周两次联合清理",
        "deadline": iso(timedelta(days=10)), "lead_department_id": city.department.id, "lead_task": "清运并设置围挡",
        "lead_deadline": iso(timedelta(days=3)),
        "assisting": [{"department_id": tf.civil.id, "task": "走访困难户"}, {"region_id": city.c1.id, "task": "组织居民议事"}],
    }
    return body | overrides


def create_leader(client, user, body, key=None):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/task-forces/leader", json=body, headers=headers)


def step(client, user, member_id, action, note=""):
    return client.post(f"/api/v1/task-forces/subtasks/{member_id}/{action}", json={"note": note}, headers=auth_headers(user))


def test_a_leader_owns_a_case_and_sees_each_units_progress_until_it_closes(client, city, tf):
    leader = city.users[Role.STREET_ADMIN]
    body = leader_body(city, tf)
    made = create_leader(client, leader, body, key="tf-1")
    assert made.status_code == 201, made.json
    assert create_leader(client, leader, body, key="tf-1").json["id"] == made.json["id"]  # a retry
    tid = made.json["id"]
    members = {m["role"] + str(m["department_id"] or m["region_id"]): m for m in made.json["members"]}
    lead = members[f"lead{city.department.id}"]
    assert lead["unit_name"] == "城管局" and lead["status"] == "assigned" and lead["clock"] == "green"
    assert made.json["leader_name"] == leader.display_name and made.json["progress"] == {"done": 0, "overdue": 0, "total": 3}
    # Each unit's people heard of their sub-task.
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "task_force_assigned")))
    assert {city.users[Role.DEPARTMENT_STAFF].id, tf.civil_staff.id, city.users[Role.COMMUNITY_ADMIN].id} <= told

    # The lead department works its sub-task; another department may not touch it.
    assert step(client, tf.civil_staff, lead["id"], "start").status_code == 403
    assert step(client, city.users[Role.DEPARTMENT_STAFF], lead["id"], "start").json["status"] == "in_progress"
    assert step(client, city.users[Role.DEPARTMENT_STAFF], lead["id"], "progress").status_code == 422  # a note is needed
    assert step(client, city.users[Role.DEPARTMENT_STAFF], lead["id"], "finish", "已清运 3 车").json["status"] == "done"
    # Closing early is refused while sub-tasks are open; the leader may send one back.
    early = client.post(f"/api/v1/task-forces/{tid}/close", json={"note": "结案"}, headers=auth_headers(leader))
    assert early.status_code == 409 and early.json["code"] == "subtasks_open"
    assert step(client, city.users[Role.DEPARTMENT_STAFF], lead["id"], "return", "偷懒").status_code == 403  # only the owner
    assert step(client, leader, lead["id"], "return", "围挡未设置").json["status"] == "in_progress"
    assert step(client, city.users[Role.DEPARTMENT_STAFF], lead["id"], "finish", "围挡已设置").json["status"] == "done"
    assert step(client, tf.civil_staff, members[f"assist{tf.civil.id}"]["id"], "finish", "走访 5 户").status_code == 200
    # The community's admin acts for the community's sub-task.
    assert step(client, city.users[Role.COMMUNITY_ADMIN], members[f"assist{city.c1.id}"]["id"], "finish", "议事会已开").status_code == 200

    owned = client.get("/api/v1/task-forces/owned", headers=auth_headers(leader)).json
    assert [row["id"] for row in owned["items"]] == [tid] and owned["items"][0]["progress"]["done"] == 3
    closed = client.post(f"/api/v1/task-forces/{tid}/close", json={"note": "已长效治理"}, headers=auth_headers(leader))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert step(client, leader, lead["id"], "return", "再看看").status_code == 409
    events = db.session.scalars(select(TaskForceEvent).where(TaskForceEvent.task_force_id == tid).order_by(TaskForceEvent.id)).all()
    assert [e.action for e in events] == [
        "create", "assign", "assign", "assign", "start", "finish", "return", "finish", "finish", "finish", "close"]
    assert events[6].from_status == "done" and events[6].to_status == "in_progress" and events[6].note == "围挡未设置"


def test_joint_handling_one_plus_one_plus_n(client, city, tf):
    body = {
        "subject_kind": "case", "subject_id": tf.case_id, "title": "占道经营联合整治",
        "locality": {"region_id": city.c1.id, "task": "劝导摊贩"},
        "responsible": {"department_id": city.department.id, "task": "依法处置", "deadline": iso(timedelta(days=2))},
        "co_handlers": [{"department_id": tf.civil.id, "task": "帮扶安置"}],
    }
    made = client.post("/api/v1/task-forces/joint", json=body, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))
    assert made.status_code == 201, made.json
    assert made.json["kind"] == "joint" and [m["role"] for m in made.json["members"]] == ["locality", "responsible", "co"]
    # The locality must lie over the subject; N is at least one; a unit appears once; deadlines lie ahead.
    wrong = body | {"locality": {"region_id": city.c3.id, "task": "劝导"}}
    assert client.post("/api/v1/task-forces/joint", json=wrong, headers=auth_headers(city.users[Role.SUPER_ADMIN])).status_code == 422
    none = body | {"co_handlers": []}
    assert client.post("/api/v1/task-forces/joint", json=none, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 422
    twice = body | {"co_handlers": [{"department_id": city.department.id, "task": "再处置"}]}
    assert client.post("/api/v1/task-forces/joint", json=twice, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 422
    late = body | {"responsible": {"department_id": city.department.id, "task": "处置", "deadline": iso(-timedelta(hours=1))}}
    assert client.post("/api/v1/task-forces/joint", json=late, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 422
    # The coordinator's list and the department's own sub-tasks.
    assert made.json["id"] in [r["id"] for r in client.get("/api/v1/task-forces/owned", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).json["items"]]
    mine = client.get("/api/v1/task-forces/subtasks/mine", headers=auth_headers(tf.civil_staff)).json["items"]
    assert [m["task"] for m in mine] == ["帮扶安置"]


def test_scope_only_the_owner_officials_over_it_and_member_units_read_or_act(client, city, tf):
    made = create_leader(client, city.users[Role.STREET_ADMIN], leader_body(city, tf)).json
    tid, lead = made["id"], made["members"][0]["id"]
    other_street = account(city.city.id, "s2admin", Role.STREET_ADMIN, region=city.s2)
    other_community = account(city.city.id, "c3admin", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    # A leader outside the subject's subtree may not own it.
    assert create_leader(client, other_street, leader_body(city, tf)).status_code == 403
    # A community admin is no leader.
    assert create_leader(client, city.users[Role.COMMUNITY_ADMIN], leader_body(city, tf)).status_code == 403
    for user in (other_street, other_community, city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]):
        assert client.get(f"/api/v1/task-forces/{tid}", headers=auth_headers(user)).status_code == 403, user.username
        assert step(client, user, lead, "start").status_code == 403
        assert client.post(f"/api/v1/task-forces/{tid}/close", json={}, headers=auth_headers(user)).status_code == 403
    assert client.get("/api/v1/task-forces", headers=auth_headers(other_street)).json["items"] == []
    for user in (city.users[Role.DISTRICT_ADMIN], city.users[Role.DEPARTMENT_STAFF], tf.civil_staff, city.users[Role.SYSTEM_ADMIN]):
        assert client.get(f"/api/v1/task-forces/{tid}", headers=auth_headers(user)).status_code == 200
    assert [r["id"] for r in client.get(f"/api/v1/task-forces?subject_kind=case&subject_id={tf.case_id}",
                                        headers=auth_headers(city.users[Role.DISTRICT_ADMIN])).json["items"]] == [tid]
    # The district admin reads it but does not own it: closing is the leader's.
    assert client.post(f"/api/v1/task-forces/{tid}/close", json={}, headers=auth_headers(city.users[Role.DISTRICT_ADMIN])).status_code == 403


def test_an_overdue_subtask_alerts_its_unit_and_the_leader_once(client, city, tf, clock):
    leader = city.users[Role.DISTRICT_ADMIN]
    made = create_leader(client, leader, leader_body(city, tf)).json
    lead = made["members"][0]
    clock.advance(timedelta(days=2, hours=12))
    yellow = client.get(f"/api/v1/task-forces/{made['id']}", headers=auth_headers(leader)).json["members"][0]
    assert yellow["clock"] == "yellow"
    clock.advance(timedelta(days=1))
    assert jobs.sweep_task_forces() == 1
    assert jobs.sweep_task_forces() == 0  # once
    alerted = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "task_force_overdue")))
    assert alerted == {leader.id, city.users[Role.DEPARTMENT_STAFF].id, city.users[Role.DEPARTMENT_ADMIN].id}
    row = client.get(f"/api/v1/task-forces/{made['id']}", headers=auth_headers(leader)).json
    assert row["members"][0]["clock"] == "red" and row["members"][0]["overdue_at"] and row["progress"]["overdue"] == 1
    assert row["events"][-1]["action"] == "overdue" and row["events"][-1]["member_id"] == lead["id"]
    assert workflow.counts(city.city.id, city.d1.path) == {"open": 1, "overdue_subtasks": 1}
    # The leader's page shows the red clock.
    page = client.get("/h5/task-forces", headers=auth_headers(leader))
    assert page.status_code == 200 and "小区垃圾长期堆放包案" in page.text and "已超时" in page.text
