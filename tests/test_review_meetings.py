"""会商研判: officials record a meeting with action items (an owner and a deadline each); an item is closed only with
evidence (台账销号): its owner hands in text and photos, the convener closes it or sends it back; an open item past its
deadline alerts its owner and the convener once; only officials over the meeting and the items' owners read it."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.jobs import task_forces as jobs
from gridapp.models import ActionItemPhoto, Notification, ReviewEvent
from tests.support.cases import jpeg
from tests.support.factories import account, auth_headers


def upload(client, user) -> int:
    response = client.post("/api/v1/uploads", data={"photo": (io.BytesIO(jpeg(320, 240)), "a.jpg")},
                           headers=auth_headers(user), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json["id"]


def meeting_body(city, **overrides) -> dict:
    body = {
        "region_id": city.s1.id, "title": "一街道矛盾纠纷月度会商", "held_at": (now() - timedelta(hours=2)).isoformat(),
        "participants": "街道、城管局、社区", "summary": "重点关注一社区垃圾堆放问题",
        "items": [
            {"description": "城管局两周内清理并设置围挡", "owner_department_id": city.department.id,
             "deadline": (now() + timedelta(days=3)).isoformat()},
            {"description": "社区召开居民议事会", "owner_user_id": city.users[Role.COMMUNITY_ADMIN].id},
        ],
    }
    return body | overrides


@pytest.fixture
def meeting(client, city):
    made = client.post("/api/v1/review-meetings", json=meeting_body(city), headers=auth_headers(city.users[Role.STREET_ADMIN]))
    assert made.status_code == 201, made.json
    return made.json


def test_an_item_is_closed_only_with_evidence_and_every_step_is_an_event(client, city, meeting):
    convener, staff = city.users[Role.STREET_ADMIN], city.users[Role.DEPARTMENT_STAFF]
    item = meeting["items"][0]
    assert item["status"] == "open" and item["owner_name"] == "城管局" and item["clock"] == "green"
    assert meeting["items"][1]["owner_name"] == city.users[Role.COMMUNITY_ADMIN].display_name
    # The owners were told.
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "action_item_assigned")))
    assert {staff.id, city.users[Role.DEPARTMENT_ADMIN].id, city.users[Role.COMMUNITY_ADMIN].id} <= told
    # Nothing closes without evidence: no 销号 of an open item, no evidence without a photo.
    assert client.post(f"/api/v1/action-items/{item['id']}/review", json={"accept": True}, headers=auth_headers(convener)).status_code == 409
    no_photo = client.post(f"/api/v1/action-items/{item['id']}/evidence", json={"evidence": "已清理完毕", "upload_ids": []},
                           headers=auth_headers(staff))
    assert no_photo.status_code == 422
    # Another owner's item is not the department's to hand in.
    other = client.post(f"/api/v1/action-items/{meeting['items'][1]['id']}/evidence",
                        json={"evidence": "已召开议事会", "upload_ids": [upload(client, staff)]}, headers=auth_headers(staff))
    assert other.status_code == 403
    sent = client.post(f"/api/v1/action-items/{item['id']}/evidence", json={"evidence": "已清理并设置围挡", "upload_ids": [upload(client, staff)]},
                       headers=auth_headers(staff))
    assert sent.status_code == 200 and sent.json["status"] == "submitted" and len(sent.json["photos"]) == 1
    # Sent back needs a reason; then handed in again and closed.
    assert client.post(f"/api/v1/action-items/{item['id']}/review", json={"accept": False}, headers=auth_headers(convener)).status_code == 422
    back = client.post(f"/api/v1/action-items/{item['id']}/review", json={"accept": False, "note": "围挡照片不清楚"}, headers=auth_headers(convener))
    assert back.json["status"] == "open"
    client.post(f"/api/v1/action-items/{item['id']}/evidence", json={"evidence": "补拍围挡照片", "upload_ids": [upload(client, staff)]},
                headers=auth_headers(staff))
    closed = client.post(f"/api/v1/action-items/{item['id']}/review", json={"accept": True, "note": "同意销号"}, headers=auth_headers(convener))
    assert closed.status_code == 200 and closed.json["status"] == "closed" and closed.json["clock"] == "done"
    assert client.post(f"/api/v1/action-items/{item['id']}/review", json={"accept": True}, headers=auth_headers(convener)).status_code == 409
    assert len(db.session.scalars(select(ActionItemPhoto).where(ActionItemPhoto.item_id == item["id"])).all()) == 2
    events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.item_id == item["id"]).order_by(ReviewEvent.id)).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("assign", None, "open"), ("submit", "open", "submitted"), ("return", "submitted", "open"),
        ("submit", "open", "submitted"), ("close", "submitted", "closed")]
    assert events[2].note == "围挡照片不清楚"
    # The owner's list and the meeting page show it.
    mine = client.get("/api/v1/action-items/mine", headers=auth_headers(staff)).json["items"]
    assert [(i["id"], i["status"]) for i in mine] == [(item["id"], "closed")]
    page = client.get(f"/h5/review-meetings/{meeting['id']}", headers=auth_headers(convener))
    assert page.status_code == 200 and "已销号" in page.text and "补拍围挡照片" in page.text


def test_bad_input_is_refused_and_records_nothing(client, city):
    street = auth_headers(city.users[Role.STREET_ADMIN])
    future = meeting_body(city, held_at=(now() + timedelta(days=1)).isoformat())
    resident_owner = meeting_body(city, items=[{"description": "走访", "owner_user_id": city.users[Role.RESIDENT].id}])
    two_owners = meeting_body(city, items=[{"description": "走访", "owner_user_id": city.users[Role.COMMUNITY_ADMIN].id,
                                            "owner_department_id": city.department.id}])
    past = meeting_body(city, items=[{"description": "走访", "owner_department_id": city.department.id,
                                      "deadline": (now() - timedelta(hours=1)).isoformat()}])
    for body in (future, resident_owner, two_owners, past, meeting_body(city, items=[])):
        assert client.post("/api/v1/review-meetings", json=body, headers=street).status_code == 422
    assert client.get("/api/v1/review-meetings", headers=street).json["items"] == []


def test_scope_only_officials_over_it_and_item_owners_read_or_act(client, city, meeting):
    other_street = account(city.city.id, "s2admin", Role.STREET_ADMIN, region=city.s2)
    other_community = account(city.city.id, "c2admin", Role.COMMUNITY_ADMIN, region=city.c2)
    db.session.commit()
    # A meeting at a node outside one's part of the city may not be recorded.
    assert client.post("/api/v1/review-meetings", json=meeting_body(city), headers=auth_headers(other_street)).status_code == 403
    item = meeting["items"][0]["id"]
    for user in (other_street, other_community, city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.HOTLINE_OPERATOR]):
        assert client.get(f"/api/v1/review-meetings/{meeting['id']}", headers=auth_headers(user)).status_code == 403, user.username
        assert client.post(f"/api/v1/action-items/{item}/review", json={"accept": True}, headers=auth_headers(user)).status_code == 403
        assert client.post(f"/api/v1/review-meetings/{meeting['id']}/items", json={"description": "再办", "owner_department_id": city.department.id},
                           headers=auth_headers(user)).status_code == 403
    assert client.get("/api/v1/review-meetings", headers=auth_headers(other_street)).json["items"] == []
    # Owners (the department, the community admin named) and officials above read it.
    for user in (city.users[Role.DEPARTMENT_STAFF], city.users[Role.COMMUNITY_ADMIN], city.users[Role.DISTRICT_ADMIN], city.users[Role.SUPER_ADMIN]):
        assert client.get(f"/api/v1/review-meetings/{meeting['id']}", headers=auth_headers(user)).status_code == 200
    # The district admin over the street may add an item.
    added = client.post(f"/api/v1/review-meetings/{meeting['id']}/items", json={"description": "区里督导", "owner_department_id": city.department.id},
                        headers=auth_headers(city.users[Role.DISTRICT_ADMIN]))
    assert added.status_code == 201


def test_an_overdue_item_alerts_its_owner_and_the_convener_once(client, city, clock, meeting):
    clock.advance(timedelta(days=4))
    assert jobs.sweep_action_items() == 1  # the department's 3-day item; the other has ACTION_ITEM_DAYS
    assert jobs.sweep_action_items() == 0
    alerted = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "action_item_overdue")))
    assert alerted == {city.users[Role.STREET_ADMIN].id, city.users[Role.DEPARTMENT_STAFF].id, city.users[Role.DEPARTMENT_ADMIN].id}
    clock.advance(timedelta(days=4))
    assert jobs.sweep_action_items() == 1
    row = client.get(f"/api/v1/review-meetings/{meeting['id']}", headers=auth_headers(city.users[Role.STREET_ADMIN])).json
    assert [i["clock"] for i in row["items"]] == ["red", "red"] and row["events"][-1]["action"] == "overdue"
    page = client.get("/h5/action-items", headers=auth_headers(city.users[Role.DEPARTMENT_STAFF]))
    assert page.status_code == 200 and "已超时" in page.text
