"""Handlers' tools: changing a case's category or place, internal notes and public updates, reply templates."""
from __future__ import annotations

from datetime import timedelta

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case
from tests.support.cases import G1, G3, act, add_categories, report_at
from tests.support.factories import account, auth_headers
from tests.support.open311 import json_body

G2 = (100.015, 30.005)  # inside g2 (community c1)
SECRET = "内部：当事人系城管熟人，注意回避"


@pytest.fixture
def cats(city):
    return add_categories(city)


@pytest.fixture
def worker2(city):
    user = account(city.city.id, "worker2", Role.GRID_WORKER, phone="13900000003", region=city.g2)
    db.session.commit()
    return user


def recategorise(client, user, case_id, **body):
    return client.post(f"/api/v1/cases/{case_id}/recategorise", json=body, headers=auth_headers(user))


def note(client, user, case_id, body, public, key=None):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1/cases/{case_id}/notes", json={"body": body, "public": public}, headers=headers)


def detail(client, user, case_id):
    response = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(user))
    assert response.status_code == 200, response.json
    return response.json


# --------------------------------------------------------------------------- #
# Category and place
# --------------------------------------------------------------------------- #


def test_a_new_category_retimes_the_sla_and_residents_read_a_neutral_line(client, city, cats, clock):
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    case_id = report_at(client, resident, cats["garbage"], G1)["id"]
    clock.advance(timedelta(minutes=10))
    assert act(client, worker, case_id, "accept").status_code == 200
    accepted = db.session.get(Case, case_id).accepted_at
    clock.advance(timedelta(hours=1))

    response = recategorise(client, worker, case_id, category_id=cats["parking"].id, note="实为占道停车")
    assert response.status_code == 200, response.json
    assert response.json["category"]["name"] == "车辆乱停"
    # Counted from the acceptance in the new category's minutes, as acceptance counts them.
    assert response.json["resolve_due_at"] == (accepted + timedelta(minutes=1440)).isoformat()
    assert response.json["onsite_due_at"] == (accepted + timedelta(minutes=60)).isoformat()

    [step] = [e for e in detail(client, worker, case_id)["events"] if e["action"] == "recategorise"]
    assert step["note"] == "分类：垃圾乱堆 → 车辆乱停。说明：实为占道停车" and step["to_state"] == "accepted"
    [seen] = [e for e in detail(client, resident, case_id)["events"] if e["action"] == "recategorise"]
    assert seen["note"] == "问题分类已调整为“车辆乱停”" and seen["action_label"] == "调整分类或位置"


def test_a_calmer_category_takes_the_red_off_and_a_stricter_one_is_left_to_the_sweep(client, city, cats, clock):
    from gridapp.services.supervision import oversight

    worker = city.users[Role.GRID_WORKER]
    late = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    assert act(client, worker, late, "accept").status_code == 200
    clock.advance(timedelta(hours=3))  # past garbage's two hours on site
    oversight.sweep_sla(city.city.id)
    assert db.session.get(Case, late).sla_colour == "red"
    assert recategorise(client, worker, late, category_id=cats["wages"].id).status_code == 200  # a day on site
    case = db.session.get(Case, late)
    assert case.sla_colour == "green" and case.sla_next_at > clock.now()

    fresh = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    assert act(client, worker, fresh, "accept").status_code == 200
    clock.advance(timedelta(minutes=61))  # green under garbage's two hours, late under parking's one
    assert recategorise(client, worker, fresh, category_id=cats["parking"].id).status_code == 200
    case = db.session.get(Case, fresh)
    assert case.sla_colour == "green" and case.sla_next_at <= clock.now()
    oversight.sweep_sla(city.city.id)
    assert db.session.get(Case, fresh).sla_colour == "red"
    assert "sla_red" in [e["action"] for e in detail(client, worker, fresh)["events"]]


def test_a_new_place_moves_the_grid_and_the_grid_workers_case_to_its_worker(client, city, cats, worker2):
    worker, admin = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "accept").status_code == 200
    assert act(client, worker, case_id, "assign").status_code == 200

    response = recategorise(client, admin, case_id, place={"lat": G2[1], "lng": G2[0], "address": "二网格菜场门口"})
    assert response.status_code == 200, response.json
    case = response.json
    assert case["grid"]["name"] == "二网格" and case["handler"]["id"] == worker2.id
    assert case["place_label"] == "二网格菜场门口" and case["lat"] == G2[1]
    told = client.get("/api/v1/notifications", headers=auth_headers(worker2)).json["items"]
    assert [n["title"] for n in told] == ["您有新的案件待处理"]
    [step] = [e for e in detail(client, admin, case_id)["events"] if e["action"] == "recategorise"]
    assert step["note"] == "位置：一网格 → 二网格菜场门口，二网格"
    # The old grid's worker no longer covers it; the new one does.
    assert recategorise(client, worker, case_id, category_id=cats["parking"].id).status_code == 403
    assert recategorise(client, worker2, case_id, category_id=cats["parking"].id).status_code == 200


def test_a_submitted_case_moved_to_another_grid_is_announced_there(client, city, cats, worker2):
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    response = recategorise(client, city.users[Role.GRID_WORKER], case_id, place={"lat": G2[1], "lng": G2[0]})
    assert response.status_code == 200 and response.json["handler"] is None
    told = client.get("/api/v1/notifications", headers=auth_headers(worker2)).json["items"]
    assert [n["title"] for n in told] == ["案件转入本网格：垃圾乱堆"]


def test_who_may_change_a_case(client, city, cats):
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    body = {"category_id": cats["parking"].id}
    for user in (city.worker4, city.users[Role.RESIDENT], city.users[Role.DEPARTMENT_STAFF], city.users[Role.SYSTEM_ADMIN]):
        response = recategorise(client, user, case_id, **body)
        assert response.status_code == 403, (user.display_name, response.json)
    for user in (city.users[Role.STREET_ADMIN], city.users[Role.COMMUNITY_ADMIN]):
        body["category_id"] = cats["wages"].id if body["category_id"] == cats["parking"].id else cats["parking"].id
        assert recategorise(client, user, case_id, **body).status_code == 200
    assert db.session.get(Case, case_id).department_kind == "city_management"  # a submitted case routes anew


def test_bad_changes_are_refused(client, city, cats):
    worker = city.users[Role.GRID_WORKER]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    for body in ({}, {"note": "只写说明"}, {"category_id": 0}, {"place": {"lat": 30.0}}, {"place": {}}, {"colour": "red"}):
        assert recategorise(client, worker, case_id, **body).status_code == 422, body
    unknown = recategorise(client, worker, case_id, category_id=999_999)
    assert unknown.status_code == 422 and unknown.json["details"] == {"category_id": ["unknown"]}
    same = recategorise(client, worker, case_id, category_id=cats["garbage"].id)
    assert same.status_code == 422 and same.json["code"] == "nothing_to_change"
    assert [e["action"] for e in detail(client, worker, case_id)["events"]] == ["submit"]


def test_finished_cases_are_not_changed(client, city, cats):
    worker = city.users[Role.GRID_WORKER]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "reject", reason="invalid").status_code == 200
    response = recategorise(client, worker, case_id, category_id=cats["parking"].id)
    assert response.status_code == 409 and response.json["code"] == "case_finished"


def test_an_ordered_case_stays_in_its_community(client, city, cats):
    from tests.support.orders import fund, order_case

    fund(city, 100_000)
    worker, admin = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "accept").status_code == 200
    assert order_case(client, admin, case_id, department_kind="city_management", bounty=10).status_code == 201
    response = recategorise(client, admin, case_id, place={"lat": G3[1], "lng": G3[0]})
    assert response.status_code == 409 and response.json["code"] == "ordered_in_community"


# --------------------------------------------------------------------------- #
# Notes
# --------------------------------------------------------------------------- #


def test_internal_notes_never_reach_residents_open311_or_the_map(client, city, cats, clock):
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    case_id = report_at(client, resident, cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "accept", note="马上处理").status_code == 200
    clock.advance(timedelta(minutes=5))
    posted = note(client, worker, case_id, SECRET, False, key="n-1")
    assert posted.status_code == 201, posted.json
    assert posted.json["action"] == "internal_note" and posted.json["note"] == SECRET

    # Staff over the case read it; so does the department serving the district.
    for user in (worker, city.users[Role.COMMUNITY_ADMIN], city.users[Role.DEPARTMENT_STAFF]):
        assert SECRET in [e["note"] for e in detail(client, user, case_id)["events"]]

    resident_view = detail(client, resident, case_id)
    assert "internal_note" not in [e["action"] for e in resident_view["events"]] and SECRET not in str(resident_view)
    page = client.get(f"/h5/reports/{case_id}", headers=auth_headers(resident))
    assert page.status_code == 200 and "马上处理" in page.get_data(as_text=True)
    assert SECRET not in page.get_data(as_text=True) and "内部备注" not in page.get_data(as_text=True)
    [entry] = json_body(client.get(f"/open311/v2/requests/{case_id}.json"))
    assert entry["updated_datetime"] == "2026-11-23T09:00:00Z"  # the note does not even move the update time
    updates = [u for u in json_body(client.get("/open311/v2/servicerequestupdates.json")) if u["service_request_id"] == str(case_id)]
    assert len(updates) == 2 and SECRET not in str(updates) and "内部备注" not in str(updates)
    pins = client.get(f"/api/v1/map/communities/{city.c1.id}/reports", headers=auth_headers(resident))
    assert pins.status_code == 200 and SECRET not in pins.get_data(as_text=True)
    assert client.get("/api/v1/notifications", headers=auth_headers(resident)).json["meta"]["total"] == 1  # accepted only


def test_a_public_update_is_read_by_the_reporter_and_told_to_them(client, city, cats):
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    case_id = report_at(client, resident, cats["garbage"], G1)["id"]
    update = "已联系环卫公司，明早八点清运"
    first = note(client, worker, case_id, update, True, key="p-1")
    again = note(client, worker, case_id, update, True, key="p-1")
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert first.json["id"] == again.json["id"] and first.json["action_label"] == "处理进展"
    assert [e["note"] for e in detail(client, resident, case_id)["events"] if e["action"] == "public_note"] == [update]
    [told] = client.get("/api/v1/notifications", headers=auth_headers(resident)).json["items"]
    assert told["title"] == "您反映的问题有新进展" and told["body"] == update
    updates = [u for u in json_body(client.get("/open311/v2/servicerequestupdates.json")) if u["service_request_id"] == str(case_id)]
    assert update in str(updates)


def test_who_may_write_notes_and_what_they_must_send(client, city, cats):
    worker = city.users[Role.GRID_WORKER]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    for user in (city.worker4, city.users[Role.RESIDENT], city.users[Role.SYSTEM_ADMIN]):
        assert note(client, user, case_id, "看看", False).status_code == 403
    for body in ({"body": "", "public": False}, {"body": "  ", "public": True}, {"body": "x"}, {"body": "x", "public": "yes"},
                 {"body": "x", "public": 1}, {"body": "x" * 2001, "public": False}):
        response = client.post(f"/api/v1/cases/{case_id}/notes", json=body, headers=auth_headers(worker))
        assert response.status_code == 422, body
    assert client.post("/api/v1/cases/999999/notes", json={"body": "x", "public": False}, headers=auth_headers(worker)).status_code == 404


# --------------------------------------------------------------------------- #
# Reply templates
# --------------------------------------------------------------------------- #


def test_admins_manage_reply_templates_and_staff_get_them_filled_for_a_case(client, city, cats, clock):
    admin, worker = city.users[Role.COMMUNITY_ADMIN], city.users[Role.GRID_WORKER]
    headers = auth_headers(admin)

    def create(**body):
        return client.post("/api/v1/reply-templates", json=body, headers=headers)

    accepted = create(title="已受理", body="您在{地点}反映的{分类}问题已受理，将于{时限}前处理完毕（编号{编号}）。",
                      category_id=cats["garbage"].id, state="accepted")
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["category"]["name"] == "垃圾乱堆" and accepted.json["state_label"] == "已受理"
    assert create(title="通用", body="感谢您的反映，{社区}社区正在跟进。").status_code == 201
    assert create(title="停车", body="车辆已挪走。", category_id=cats["parking"].id).status_code == 201
    assert create(title="提交", body="收到。", state="submitted").status_code == 201

    listed = client.get(f"/api/v1/reply-templates?category_id={cats['garbage'].id}&state=accepted&per_page=1", headers=headers).json
    assert listed["meta"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    everything = client.get("/api/v1/reply-templates", headers=headers).json
    assert everything["meta"]["total"] == 4

    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    assert act(client, worker, case_id, "accept").status_code == 200
    filled = client.get(f"/api/v1/cases/{case_id}/reply-templates", headers=auth_headers(worker))
    assert filled.status_code == 200
    assert [t["title"] for t in filled.json] == ["已受理", "通用"]
    assert filled.json[0]["text"] == f"您在一网格反映的垃圾乱堆问题已受理，将于11月25日 17:00前处理完毕（编号{case_id}）。"
    assert filled.json[1]["text"] == "感谢您的反映，一社区社区正在跟进。"

    template_id = accepted.json["id"]
    changed = client.patch(f"/api/v1/reply-templates/{template_id}", json={"state": None, "title": "受理回复"}, headers=headers)
    assert changed.status_code == 200 and changed.json["state"] is None and changed.json["body"].startswith("您在{地点}")
    assert client.get(f"/api/v1/reply-templates/{template_id}", headers=headers).json["title"] == "受理回复"
    assert client.delete(f"/api/v1/reply-templates/{template_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/reply-templates/{template_id}", headers=headers).status_code == 404


def test_reply_templates_refuse_bad_input_and_other_roles(client, city, cats):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    bad = client.post("/api/v1/reply-templates", json={"title": "错", "body": "您在{地址}的问题"}, headers=admin)
    assert bad.status_code == 422 and "{地址}" in bad.json["message"]
    for body in ({"title": "", "body": "x"}, {"title": "x"}, {"title": "x", "body": "y", "state": "done"},
                 {"title": "x", "body": "y", "category_id": 999_999}):
        assert client.post("/api/v1/reply-templates", json=body, headers=admin).status_code == 422, body
    assert client.get("/api/v1/reply-templates?state=nope", headers=admin).status_code == 422
    for role in (Role.GRID_WORKER, Role.RESIDENT, Role.DEPARTMENT_STAFF):
        assert client.get("/api/v1/reply-templates", headers=auth_headers(city.users[role])).status_code == 403
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    for user in (city.worker4, city.users[Role.RESIDENT]):
        assert client.get(f"/api/v1/cases/{case_id}/reply-templates", headers=auth_headers(user)).status_code == 403


def test_the_console_section_lists_templates_for_admins_only(client, city, cats):
    headers = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    assert client.post("/api/v1/reply-templates", json={"title": "已受理", "body": "{分类}已受理"}, headers=headers).status_code == 201
    page = client.get("/console/replies", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "已受理" in html and 'id="reply-form"' in html and "{地点}" in html and "console/replies.js" in html
    assert 'href="/console/replies"' in client.get("/console/", headers=headers).get_data(as_text=True)
    assert client.get("/console/replies", headers=auth_headers(city.users[Role.GRID_WORKER])).status_code == 403
