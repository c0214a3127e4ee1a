"""What people must hear at once is pushed, to them and nobody else: a worker's new, assigned and
reopened cases, nudges and instructions; a department's new orders in the pool and direct assignments;
a resident's report accepted, resolved and closed. Other steps stay in the inbox."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs.cases import auto_close_cases
from gridapp.models import DeliveryAttempt, Notification
from gridapp.services.orders import workflow as orders
from tests.support.cases import act, report_at, resolve
from tests.support.factories import auth_headers
from tests.support.orders import points_city, post


def pushed() -> dict[str, set[int]]:
    """Who got a push delivery, by notification kind (every delivery through the log channel is sent)."""
    db.session.rollback()
    found: dict[str, set[int]] = {}
    rows = db.session.execute(
        select(Notification.kind, Notification.user_id, DeliveryAttempt.status)
        .join(DeliveryAttempt, DeliveryAttempt.notification_id == Notification.id)
    )
    for kind, user_id, status in rows:
        assert status == "sent"
        found.setdefault(kind, set()).add(user_id)
    return found


def test_a_case_pushes_to_the_worker_and_the_resident(client, city, cats, clock):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, resident, cats["garbage"])["id"]
    assert pushed() == {"case_new": {worker.id}}  # the grid's worker, not worker4 of another grid

    assert act(client, worker, case_id, "accept").status_code == 200
    assert act(client, admin, case_id, "assign", handler_user_id=worker.id).status_code == 200
    assert act(client, worker, case_id, "start").status_code == 200
    assert resolve(client, worker, case_id).status_code == 200
    found = pushed()
    assert found["case_accepted"] == {resident.id} and found["case_resolved"] == {resident.id}
    assert found["case_assigned"] == {worker.id}
    assert set(found) == {"case_new", "case_accepted", "case_assigned", "case_resolved"}  # started: inbox only

    assert act(client, resident, case_id, "reopen", note="还有垃圾").status_code == 200
    assert pushed()["case_reopened"] == {worker.id}

    nudged = client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=auth_headers(city.users[Role.STREET_ADMIN]))
    assert nudged.status_code == 201, nudged.json
    instructed = client.post(
        f"/api/v1/cases/{case_id}/instructions", json={"text": "今日内清运"}, headers=auth_headers(city.users[Role.DISTRICT_ADMIN])
    )
    assert instructed.status_code == 201, instructed.json
    found = pushed()
    assert found["nudge"] == {worker.id} and found["instruction"] == {worker.id, admin.id}

    assert act(client, worker, case_id, "start").status_code == 200
    assert resolve(client, worker, case_id).status_code == 200
    assert act(client, admin, case_id, "verify").status_code == 200
    clock.advance(timedelta(days=30))
    auto_close_cases()
    assert pushed()["case_closed"] == {resident.id}


def test_an_order_pushes_to_the_departments_that_may_take_it(city, clock):
    ns = points_city(city)
    order = post(ns, hours=1)  # 城管 kind: the 城管局's people, not the 住建局's
    department_people = {city.users[Role.DEPARTMENT_STAFF].id, city.users[Role.DEPARTMENT_ADMIN].id, ns.staff2.id}
    assert pushed() == {"order_posted": department_people}

    post(ns, category=ns.campaign, title="清理小广告")  # no kind: every department serving the place
    assert pushed()["order_posted"] == department_people | {ns.housing_staff.id}

    clock.advance(timedelta(hours=2))
    assert orders.sweep_deadlines(ns.city_id) == [order.id]  # nobody grabbed it: the community assigns it
    orders.assign(ns.admin, order.id, city.department.id, clock.now() + timedelta(days=1), user_id=ns.staff2.id)
    assert pushed()["order_assigned"] == {ns.staff2.id}
