"""Work orders pushed in by a 12345 platform: idempotent by its order number, every step called back in order,
retried after a failure and given up after WORK_ORDER_CALLBACK_MAX_ATTEMPTS; scope and bad input refused with
the Open311 surface's own statuses (403 for a missing or wrong key, 400 for bad parameters)."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, ExternalEndpoint, ExternalRequest, WorkOrder, WorkOrderCallback
from gridapp.services.open311 import outside, work_orders
from tests.conftest import make_app
from tests.support import servers
from tests.support.cases import G1, act, add_categories
from tests.support.factories import build_city
from tests.support.local_http import serving
from tests.support.open311 import json_body, new_key
from tests.support.outside_open311 import KEY, outside_system

URL = "/open311/v2/work_orders.json"


class Platform:
    """A 12345 platform's callback receiver; `fail` answers 500 that many times first."""

    def __init__(self):
        self.received: list[dict] = []
        self.fail = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if platform.fail:
                    platform.fail -= 1
                    self.send_response(500)
                else:
                    platform.received.append(body)
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.handler = Handler


@pytest.fixture
def platform():
    fake = Platform()
    with serving(fake.handler) as base:
        fake.url = f"{base}/callback"
        yield fake


def order(key, platform, order_no="12345-0001", **extra):
    return {"api_key": key, "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]),
            "description": "12345 转办：楼道堆物", "order_no": order_no, "callback_url": platform.url, **extra}  # fmt: skip


def push(client, data):
    return client.post(URL, data=data, content_type="multipart/form-data")


def test_a_repush_answers_the_same_case_and_every_step_is_called_back_in_order(client, city, platform):
    add_categories(city)
    key = new_key(city, "12345 平台")
    first = push(client, order(key, platform))
    assert first.status_code == 201, first.get_data(as_text=True)
    again = push(client, order(key, platform))
    assert again.status_code == 200
    [entry], [same] = json_body(first), json_body(again)
    assert same["service_request_id"] == entry["service_request_id"] and same["order_no"] == "12345-0001"
    case_id = int(entry["service_request_id"])

    worker = city.users[Role.GRID_WORKER]
    assert act(client, worker, case_id, "accept", note="马上处理").status_code == 200
    assert act(client, worker, case_id, "assign").status_code == 200
    assert [(c["order_no"], c["status"], c["action"]) for c in platform.received] == [
        ("12345-0001", "accepted", "accept"), ("12345-0001", "assigned", "assign")
    ]  # fmt: skip
    assert platform.received[0]["note"] == "马上处理" and platform.received[0]["at"].endswith("Z")


def test_a_failed_callback_is_retried_after_its_back_off_and_later_steps_wait(client, city, platform, clock):
    add_categories(city)
    key = new_key(city, "12345 平台")
    case_id = int(json_body(push(client, order(key, platform)))[0]["service_request_id"])
    worker = city.users[Role.GRID_WORKER]
    platform.fail = 1
    assert act(client, worker, case_id, "accept").status_code == 200
    assert act(client, worker, case_id, "assign").status_code == 200
    assert platform.received == []  # the accept is backing off; the assign waits behind it

    clock.advance(timedelta(seconds=31))
    for work_order_id in work_orders.due_work_orders(city.city.id):
        work_orders.send_due(city.city.id, work_order_id)
    assert [c["action"] for c in platform.received] == ["accept", "assign"]
    rows = db.session.scalars(select(WorkOrderCallback).order_by(WorkOrderCallback.event_id)).all()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("sent", 0)]


def test_a_callback_is_dead_after_the_last_attempt_and_the_next_step_goes(app, client, city, platform, clock):
    app.config["WORK_ORDER_CALLBACK_MAX_ATTEMPTS"] = 3
    add_categories(city)
    key = new_key(city, "12345 平台")
    case_id = int(json_body(push(client, order(key, platform)))[0]["service_request_id"])
    worker = city.users[Role.GRID_WORKER]
    platform.fail = 3
    assert act(client, worker, case_id, "accept").status_code == 200
    assert act(client, worker, case_id, "assign").status_code == 200
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        for work_order_id in work_orders.due_work_orders(city.city.id):
            work_orders.send_due(city.city.id, work_order_id)
    rows = db.session.scalars(select(WorkOrderCallback).order_by(WorkOrderCallback.event_id)).all()
    assert [(r.status, r.attempts) for r in rows] == [("dead", 3), ("sent", 0)]
    assert "500" in rows[0].last_error
    assert [c["action"] for c in platform.received] == ["assign"]


def test_pushing_needs_a_key_of_this_city(client, city, platform):
    add_categories(city)
    assert push(client, order("", platform)).status_code == 403
    assert push(client, order(f"{city.city.code}.wrong", platform)).status_code == 403
    other = build_city("othercity")
    foreign = new_key(other, "外市平台")
    refused = push(client, order(foreign, platform, jurisdiction_id=city.city.code))
    assert refused.status_code in (403, 404), refused.get_data(as_text=True)
    assert db.session.scalars(select(WorkOrderCallback)).all() == []


def test_bad_work_orders_are_refused_with_400(client, city, platform):
    add_categories(city)
    key = new_key(city, "12345 平台")
    assert push(client, {k: v for k, v in order(key, platform).items() if k != "order_no"}).status_code == 400
    assert push(client, order(key, platform, callback_url="ftp://example.org/x")).status_code == 400
    assert push(client, order(key, platform, order_no="x" * 65)).status_code == 400


@pytest.mark.slow
def test_the_same_order_pushed_twice_at_once_on_postgresql_makes_one_case(pg_admin_url, tmp_path, platform):
    """Two threads, each with its own connection, push one order_no. Both are held just before writing the work
    order until the other has filed its case too, so both passed the look-up: the unique key picks the winner."""
    url = servers.create_database(pg_admin_url, f"gridapp_wo_{uuid.uuid4().hex[:8]}")
    app = make_app(url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 5, "pool_pre_ping": True})
    both_filed = threading.Barrier(2, timeout=10)

    def hold_until_both_filed(session, _context, _instances):
        if any(isinstance(row, WorkOrder) for row in session.new) and not session.info.get("held"):
            session.info["held"] = True
            try:
                both_filed.wait()
            except threading.BrokenBarrierError:  # the other never got this far: nothing to race
                pass

    try:
        with app.app_context():
            city = build_city("wocity")
            add_categories(city)
            key = new_key(city, "12345 平台")
            db.session.remove()
        start = threading.Barrier(2)
        answers, lock = [], threading.Lock()

        def send():
            client = app.test_client()
            start.wait()
            response = push(client, order(key, platform, order_no="12345-RACE"))
            with lock:
                answers.append((response.status_code, json.loads(response.get_data(as_text=True))))

        event.listen(Session, "before_flush", hold_until_both_filed)
        try:
            threads = [threading.Thread(target=send) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        finally:
            event.remove(Session, "before_flush", hold_until_both_filed)
        assert sorted(status for status, _ in answers) == [200, 201], answers
        assert len({body[0]["service_request_id"] for _, body in answers}) == 1, answers
        assert {body[0]["order_no"] for _, body in answers} == {"12345-RACE"}
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 1
            assert db.session.scalar(select(func.count()).select_from(Case)) == 1
            [case_id] = db.session.scalars(select(WorkOrder.case_id)).all()
            assert str(case_id) == answers[0][1][0]["service_request_id"]
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_pushed_case_sent_on_outside_calls_back_its_steps_and_the_outside_updates_in_order(client, city, platform):
    categories = add_categories(city)
    with outside_system() as their_system:
        db.session.add(
            ExternalEndpoint(
                city_id=city.city.id, name="环卫公司系统", category_id=categories["garbage"].id,
                base_url=their_system.base_url, api_key=KEY, service_code="RUBBISH",
            )
        )  # fmt: skip
        db.session.commit()
        key = new_key(city, "12345 平台")
        case_id = int(json_body(push(client, order(key, platform)))[0]["service_request_id"])
        assert [p["description"] for p in their_system.posted] == ["12345 转办：楼道堆物"]
        row = db.session.scalar(select(ExternalRequest).where(ExternalRequest.case_id == case_id))
        assert row.service_request_id == "EXT-1"

        worker = city.users[Role.GRID_WORKER]
        assert act(client, worker, case_id, "accept", note="已转环卫公司").status_code == 200
        their_system.updates = [  # listed newest first: they land oldest first
            {"update_id": "u2", "service_request_id": "EXT-1", "status": "closed", "description": "已清运",
             "updated_datetime": "2026-12-02T10:00:00Z"},
            {"update_id": "u1", "service_request_id": "EXT-1", "status": "in_progress", "description": "已派车",
             "updated_datetime": "2026-12-02T09:00:00Z"},
        ]  # fmt: skip
        assert outside.fetch_updates(city.city.id, row.endpoint_id) == 2
        assert act(client, worker, case_id, "assign").status_code == 200
        assert outside.fetch_updates(city.city.id, row.endpoint_id) == 0

    assert [(c["action"], c["note"]) for c in platform.received] == [
        ("accept", "已转环卫公司"),
        (outside.UPDATE_ACTION, "环卫公司系统（in_progress）：已派车"),
        (outside.UPDATE_ACTION, "环卫公司系统（closed）：已清运"),
        ("assign", "派给网格员worker1"),
    ]  # fmt: skip
    assert all(c["order_no"] == "12345-0001" and c["service_request_id"] == str(case_id) for c in platform.received)
    timeline = db.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
    assert timeline[-4:] == ["accept", outside.UPDATE_ACTION, outside.UPDATE_ACTION, "assign"]
    sent = db.session.scalars(select(WorkOrderCallback.status).order_by(WorkOrderCallback.event_id)).all()
    assert sent == ["sent"] * 4
