"""直联 through the API: residents talk with their grid's worker, police officer and property staff; the other
side is told; each side has its own unread count; no phone number is ever shown; the staff side turns a
conversation into a case once; idle conversations are deleted after the retention; contacts are audited."""
from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import schedule
from gridapp.models import (
    Case,
    CaseEvent,
    CaseFollower,
    CasePhoto,
    Conversation,
    ConversationMessage,
    ConversationPhoto,
    DeliveryAttempt,
    GridContactEvent,
    Household,
    HouseholdMember,
    Notification,
)
from gridapp.services.codes.issuing import new_code
from gridapp.services.direct_line import conversations
from tests.support.cases import jpeg
from tests.support.factories import account, auth_headers

RESIDENT_PHONE = "13711110001"
OTHER_PHONE = "13711110002"
POLICE_PHONE = "13711110003"
API = "/api/v1/direct-line"


def _lives_in(cid: int, grid, user, room: str) -> Household:
    household = Household(city_id=cid, grid_id=grid.id, building="7号楼", unit="2单元", floor=1, room=room)
    db.session.add(household)
    db.session.flush()
    db.session.add(HouseholdMember(city_id=cid, household_id=household.id, name=user.display_name, relation="户主",
                                   phone=user.phone, user_id=user.id))
    return household


@pytest.fixture
def dl(city, cats, client):
    """A resident of g1 (with the household's outdoor code), a resident of g4, g1's police officer and g2's
    property staff named by the community admin through the API."""
    cid = city.city.id
    ns = SimpleNamespace()
    ns.resident = account(cid, "王居民", Role.RESIDENT, phone=RESIDENT_PHONE)
    ns.other = account(cid, "赵远方", Role.RESIDENT, phone=OTHER_PHONE)
    ns.police_user = account(cid, "police1", Role.DEPARTMENT_STAFF, phone=POLICE_PHONE, department=city.department)
    ns.property_user = account(cid, "property2", Role.DEPARTMENT_STAFF, department=city.department)
    household = _lives_in(cid, city.g1, ns.resident, "101")
    _lives_in(cid, city.g4, ns.other, "102")
    db.session.flush()
    ns.token = new_code(cid, "household", household, "household_outdoor").token
    db.session.commit()
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    police = client.post(f"{API}/contacts", headers=admin, json={
        "grid_id": city.g1.id, "kind": "police", "display_name": "李警官", "user_id": ns.police_user.id})
    assert police.status_code == 201, police.json
    ns.police = police.json
    prop = client.post(f"{API}/contacts", headers=admin, json={
        "grid_id": city.g2.id, "kind": "property", "display_name": "物业小刘", "user_id": ns.property_user.id})
    assert prop.status_code == 201, prop.json
    ns.property = prop.json
    ns.worker = city.users[Role.GRID_WORKER]
    return ns


def _open(client, user, **body):
    return client.post(f"{API}/conversations", headers=auth_headers(user), json=body)


def _no_phone(text: str, *phones: str) -> None:
    for phone in phones:
        assert phone not in text
        assert phone[-4:] not in text, "not even a masked number"


def test_the_resident_writes_from_a_code_and_the_grid_worker_answers(client, city, dl):
    choices = client.get(f"{API}/choices", query_string={"code": dl.token}, headers=auth_headers(dl.resident))
    assert choices.status_code == 200
    assert [(c["kind"], c["name"]) for c in choices.json["contacts"]] == [("grid_worker", "worker1"), ("police", "李警官")]
    assert choices.json["retention_days"] == 180

    opened = _open(client, dl.resident, code=dl.token, kind="grid_worker", body="楼道灯坏了")
    assert opened.status_code == 201, opened.json
    conversation_id = opened.json["id"]
    assert opened.json["side"] == "resident" and opened.json["staff_name"] == "worker1"

    # The worker is told, in the inbox and by push, and sees one unread message; unread comes first in their list.
    note = db.session.scalar(select(Notification).where(Notification.user_id == dl.worker.id, Notification.kind == "direct_line"))
    assert note.target_kind == "conversation" and note.target_id == conversation_id
    assert "楼道灯" not in note.title + note.body
    assert db.session.scalar(select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.notification_id == note.id)) == 1
    listed = client.get(f"{API}/conversations", headers=auth_headers(dl.worker)).json
    assert listed["meta"]["total"] == 1
    assert listed["items"][0]["unread"] == 1 and listed["items"][0]["resident_name"] == "王居民"

    answered = client.post(f"{API}/conversations/{conversation_id}/messages", headers=auth_headers(dl.worker), json={"body": "明天上午来修"})
    assert answered.status_code == 201 and answered.json["side"] == "staff" and answered.json["mine"]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == dl.resident.id, Notification.kind == "direct_line")) == 1

    mine = client.get(f"{API}/conversations/{conversation_id}", headers=auth_headers(dl.resident)).json
    assert mine["unread"] == 1
    read = client.post(f"{API}/conversations/{conversation_id}/read", headers=auth_headers(dl.resident))
    assert read.status_code == 200 and read.json["unread"] == 0
    assert client.post(f"{API}/conversations/{conversation_id}/read", headers=auth_headers(dl.worker)).json["unread"] == 0
    # The worker's side was not touched by the resident's reading, and the other way round.
    again = client.post(f"{API}/conversations/{conversation_id}/messages", headers=auth_headers(dl.resident), json={"body": "好的"})
    assert again.status_code == 201
    assert client.get(f"{API}/conversations/{conversation_id}", headers=auth_headers(dl.worker)).json["unread"] == 1
    assert client.get(f"{API}/conversations/{conversation_id}", headers=auth_headers(dl.resident)).json["unread"] == 0

    messages = client.get(f"{API}/conversations/{conversation_id}/messages", headers=auth_headers(dl.resident)).json
    assert [m["body"] for m in messages["items"]] == ["楼道灯坏了", "明天上午来修", "好的"]
    assert messages["meta"]["total"] == 3


def test_no_phone_number_on_either_side(client, city, dl):
    opened = _open(client, dl.resident, kind="police", contact_id=dl.police["id"], body="门口有人吵闹")
    cid = opened.json["id"]
    client.post(f"{API}/conversations/{cid}/messages", headers=auth_headers(dl.police_user), json={"body": "收到"})
    phones = (RESIDENT_PHONE, POLICE_PHONE, "13900000002")
    for user in (dl.resident, dl.police_user):
        for url in (f"{API}/conversations", f"{API}/conversations/{cid}", f"{API}/conversations/{cid}/messages"):
            _no_phone(client.get(url, headers=auth_headers(user)).get_data(as_text=True), *phones)
    _no_phone(client.get(f"{API}/choices", headers=auth_headers(dl.resident)).get_data(as_text=True), *phones)
    # The police officer is not the grid's worker: the resident's name is masked for them.
    seen = client.get(f"{API}/conversations/{cid}", headers=auth_headers(dl.police_user)).json
    assert seen["resident_name"] == "王*民" and seen["side"] == "staff" and seen["staff_name"] == "李警官"


def test_another_grids_people_can_neither_read_nor_write(client, city, dl):
    cid = _open(client, dl.resident, kind="grid_worker", body="你好").json["id"]
    for user in (dl.other, city.worker4, dl.police_user, city.users[Role.COMMUNITY_ADMIN]):
        headers = auth_headers(user)
        assert client.get(f"{API}/conversations/{cid}", headers=headers).status_code == 404
        assert client.get(f"{API}/conversations/{cid}/messages", headers=headers).status_code == 404
        assert client.post(f"{API}/conversations/{cid}/messages", headers=headers, json={"body": "x"}).status_code == 404
        assert client.post(f"{API}/conversations/{cid}/read", headers=headers).status_code == 404
    assert client.post(f"{API}/conversations/{cid}/case", headers=auth_headers(city.worker4), json={"category_id": 1}).status_code == 404
    # A resident of g4 cannot name g1, nor a contact of g2; a resident of g1 cannot choose g2's property staff.
    assert _open(client, dl.other, grid_id=city.g1.id, kind="grid_worker", body="x").status_code == 403
    assert client.get(f"{API}/choices", query_string={"grid_id": city.g1.id}, headers=auth_headers(dl.other)).status_code == 403
    wrong = _open(client, dl.resident, kind="property", contact_id=dl.property["id"], body="x")
    assert wrong.status_code == 422 and wrong.json["details"]["contact_id"] == ["not_of_grid"]
    assert db.session.scalar(select(func.count()).select_from(ConversationMessage)) == 1
    # Staff open no conversations; a resident converts none.
    assert _open(client, dl.worker, kind="grid_worker", body="x").status_code == 403
    assert client.post(f"{API}/conversations/{cid}/case", headers=auth_headers(dl.resident), json={"category_id": 1}).status_code == 403


def test_bad_input_is_422(client, city, dl):
    assert _open(client, dl.resident, kind="mayor", body="x").status_code == 422
    assert _open(client, dl.resident, kind="grid_worker", body="").status_code == 422
    assert _open(client, dl.resident, kind="grid_worker", body="x" * 1001).status_code == 422
    assert _open(client, dl.resident, kind="grid_worker", body="x", extra=1).status_code == 422
    assert _open(client, dl.resident, kind="police", body="x").json["details"]["contact_id"] == ["not_of_grid"]
    cid = _open(client, dl.resident, kind="grid_worker", body="x").json["id"]
    assert client.post(f"{API}/conversations/{cid}/messages", headers=auth_headers(dl.worker), json={"body": "  "}).status_code == 422
    assert client.post(f"{API}/conversations/{cid}/case", headers=auth_headers(dl.worker), json={}).status_code == 422
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    assert client.post(f"{API}/contacts", headers=admin, json={"grid_id": city.g1.id, "kind": "police", "display_name": "x",
                                                               "user_id": dl.resident.id}).status_code == 422
    assert client.post(f"{API}/contacts", headers=admin, json={"grid_id": city.c1.id, "kind": "police", "display_name": "x",
                                                               "user_id": dl.police_user.id}).status_code == 422
    assert client.patch(f"{API}/contacts/{dl.police['id']}", headers=admin, json={"is_active": 0}).status_code == 422


def test_contacts_are_managed_over_the_grid_and_audited(client, city, dl):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    outside = client.post(f"{API}/contacts", headers=admin, json={
        "grid_id": city.g4.id, "kind": "police", "display_name": "外区", "user_id": dl.police_user.id})
    assert outside.status_code == 403
    for role in (Role.GRID_WORKER, Role.RESIDENT, Role.STREET_ADMIN):
        assert client.get(f"{API}/contacts", query_string={"grid_id": city.g1.id},
                          headers=auth_headers(city.users[role])).status_code == 403
    retired = client.patch(f"{API}/contacts/{dl.police['id']}", headers=admin, json={"is_active": False, "display_name": "李警官（调离）"})
    assert retired.status_code == 200 and retired.json["is_active"] is False
    events = client.get(f"{API}/contacts/{dl.police['id']}/events", headers=admin).json["items"]
    assert [e["action"] for e in events] == ["create", "update"]
    assert events[1]["before"]["is_active"] is True and events[1]["after"]["is_active"] is False
    assert events[1]["actor_user_id"] == city.users[Role.COMMUNITY_ADMIN].id
    assert db.session.scalar(select(func.count()).select_from(GridContactEvent)) == 3
    # A retired contact is no longer offered nor reachable.
    choices = client.get(f"{API}/choices", headers=auth_headers(dl.resident)).json["contacts"]
    assert [c["kind"] for c in choices] == ["grid_worker"]
    assert _open(client, dl.resident, kind="police", contact_id=dl.police["id"], body="x").status_code == 422
    listed = client.get(f"{API}/contacts", query_string={"grid_id": city.g1.id}, headers=admin).json
    assert listed["meta"]["total"] == 1


def _upload(client, user) -> int:
    response = client.post("/api/v1/uploads", data={"photo": (io.BytesIO(jpeg(320, 240)), "a.jpg")},
                           headers=auth_headers(user), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_staff_side_turns_it_into_a_case_once(client, city, cats, dl):
    photo = _upload(client, dl.resident)
    opened = _open(client, dl.resident, kind="grid_worker", body="垃圾堆在楼下三天了", upload_ids=[photo])
    assert opened.status_code == 201, opened.json
    cid = opened.json["id"]
    message = client.get(f"{API}/conversations/{cid}/messages", headers=auth_headers(dl.worker)).json["items"][0]
    assert len(message["photos"]) == 1

    converted = client.post(f"{API}/conversations/{cid}/case", headers=auth_headers(dl.worker), json={"category_id": cats["garbage"].id})
    assert converted.status_code == 200, converted.json
    case = db.session.get(Case, converted.json["case_id"])
    assert case.description == "垃圾堆在楼下三天了" and case.grid_id == city.g1.id and case.channel == "patrol"
    assert case.handler_user_id == dl.worker.id
    assert db.session.scalar(select(func.count()).select_from(CasePhoto).where(CasePhoto.case_id == case.id)) == 1
    submit = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "submit"))
    assert "直联" in submit.note
    assert db.session.scalar(select(CaseFollower.user_id).where(CaseFollower.case_id == case.id)) == dl.resident.id
    assert client.get(f"/api/v1/cases/{case.id}", headers=auth_headers(dl.resident)).status_code == 200
    assert client.get(f"{API}/conversations/{cid}", headers=auth_headers(dl.resident)).json["case_id"] == case.id

    twice = client.post(f"{API}/conversations/{cid}/case", headers=auth_headers(dl.worker), json={"category_id": cats["garbage"].id})
    assert twice.json["case_id"] == case.id
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_police_file_it_for_the_grids_worker(client, city, cats, dl):
    cid = _open(client, dl.resident, kind="police", contact_id=dl.police["id"], body="夜里有人砸车").json["id"]
    converted = client.post(f"{API}/conversations/{cid}/case", headers=auth_headers(dl.police_user),
                            json={"category_id": cats["garbage"].id})
    assert converted.status_code == 200, converted.json
    case = db.session.get(Case, converted.json["case_id"])
    assert case.state == "submitted" and case.handler_user_id is None
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == dl.worker.id, Notification.target_kind == "case")) == 1


def test_idle_conversations_are_purged_after_the_retention(app, client, city, cats, clock, dl):
    photo = _upload(client, dl.resident)
    old = _open(client, dl.resident, kind="grid_worker", body="旧的", upload_ids=[photo]).json["id"]
    key = db.session.scalar(select(ConversationPhoto.original_key))
    clock.advance(timedelta(days=100))
    fresh = _open(client, dl.resident, kind="police", contact_id=dl.police["id"], body="新的").json["id"]
    clock.advance(timedelta(days=81))
    assert "purge_idle_conversations" in [p.name for p in schedule.PERIODIC_JOBS]
    schedule.enqueue_due()
    assert db.session.get(Conversation, old) is None
    assert db.session.get(Conversation, fresh) is not None
    assert db.session.scalar(select(func.count()).select_from(ConversationMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(ConversationPhoto)) == 0
    from gridapp.storage import media_storage

    assert not media_storage().exists(key)
    assert client.get(f"{API}/conversations/{old}", headers=auth_headers(dl.resident)).status_code == 404
    app.config["CONVERSATION_RETENTION_DAYS"] = 30
    try:
        assert conversations.purge_idle(city.city.id) == 1
    finally:
        app.config["CONVERSATION_RETENTION_DAYS"] = 180


def test_a_retried_message_is_written_once(client, city, dl):
    cid = _open(client, dl.resident, kind="grid_worker", body="你好").json["id"]
    headers = auth_headers(dl.worker) | {"Idempotency-Key": "k-1"}
    first = client.post(f"{API}/conversations/{cid}/messages", headers=headers, json={"body": "在"})
    second = client.post(f"{API}/conversations/{cid}/messages", headers=headers, json={"body": "在"})
    assert first.status_code == second.status_code == 201 and first.json["id"] == second.json["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert db.session.scalar(select(func.count()).select_from(ConversationMessage)) == 2


def test_the_console_names_the_grids_contacts(client, city, dl):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    page = client.get("/console/direct-line", query_string={"grid_id": city.g1.id}, headers=admin)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "网格民警 李警官" in html and "直联联系人" in html and 'id="contact-form"' in html
    assert "三网格" not in html  # another community's grid is not offered
    _no_phone(html, POLICE_PHONE)
    assert client.get("/console/direct-line", headers=auth_headers(city.users[Role.GRID_WORKER])).status_code == 403
