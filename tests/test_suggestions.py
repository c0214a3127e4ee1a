"""码上纳谏: residents suggest to a community; its cadres answer in public or private and adopt or decline; an adopted
suggestion pays its author through the ledger; the community's list shows public answers and never an author."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import LedgerTransaction, Notification, SuggestionEvent
from gridapp.services.points import ledger
from tests.support.browser import axe_violations, sign_in_by_sms, snapshot
from tests.support.factories import PASSWORD, account, auth_headers

SECRET_TEXT = "建议在小区东门加装无障碍坡道"


def send(client, user, community_id, body=SECRET_TEXT, key=None):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/suggestions", json={"community_id": community_id, "body": body}, headers=headers)


def test_a_suggestion_is_answered_adopted_and_paid_once(app, client, city, places):
    author = places.member_user
    sent = send(client, author, city.c1.id, key="s-1")
    assert sent.status_code == 201 and sent.json["status"] == "submitted"
    assert send(client, author, city.c1.id, key="s-1").json["id"] == sent.json["id"]  # a retry, not a second
    sid = sent.json["id"]
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    answered = client.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "感谢建议，已报街道", "public": True}, headers=cadre)
    assert answered.status_code == 200 and answered.json["status"] == "answered"
    adopted = client.post(f"/api/v1/suggestions/{sid}/decision", json={"adopted": True, "note": "列入年度计划"}, headers=cadre)
    assert adopted.json["status"] == "adopted" and adopted.json["points_awarded"] == app.config["POINTS_SUGGESTION_ADOPTED"] == 20
    assert ledger.balance_of(author.city_id, "resident", author.id) == 20
    # Final: no second decision, no new answer, no second payment.
    again = client.post(f"/api/v1/suggestions/{sid}/decision", json={"adopted": True}, headers=cadre)
    assert again.status_code == 409
    assert client.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "再答", "public": False}, headers=cadre).status_code == 409
    assert ledger.balance_of(author.city_id, "resident", author.id) == 20
    assert len(db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.idempotency_key == f"suggestion:{sid}:adopted")).all()) == 1
    # Every step is an appended event, and the author heard of each.
    events = db.session.scalars(select(SuggestionEvent).where(SuggestionEvent.suggestion_id == sid).order_by(SuggestionEvent.id)).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("submit", None, "submitted"), ("answer", "submitted", "answered"), ("adopt", "answered", "adopted")]
    kinds = [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == author.id).order_by(Notification.id))]
    assert kinds == ["suggestion_answered", "suggestion_adopted"]
    mine = client.get("/api/v1/suggestions/mine", headers=auth_headers(author)).json
    assert mine["items"][0]["answer"] == "感谢建议，已报街道" and len(mine["items"][0]["events"]) == 3


def test_the_public_list_shows_public_answers_and_no_author(client, city, places):
    author = places.member_user
    public = send(client, author, city.c1.id).json["id"]
    private = send(client, author, city.c1.id, body="建议调整垃圾清运时间，早上太吵").json["id"]
    send(client, author, city.c1.id, body="还没有答复的建议内容")
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    client.post(f"/api/v1/suggestions/{public}/answer", json={"answer": "已安排施工", "public": True}, headers=cadre)
    client.post(f"/api/v1/suggestions/{private}/answer", json={"answer": "私下沟通", "public": False}, headers=cadre)
    client.post(f"/api/v1/suggestions/{private}/decision", json={"adopted": False, "note": "条件不具备"}, headers=cadre)
    listed = client.get(f"/api/v1/communities/{city.c1.id}/suggestions", headers=auth_headers(city.users[Role.RESIDENT]))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json["items"]] == [public]
    text = json.dumps(listed.json, ensure_ascii=False)
    for leak in (author.display_name, author.phone, "user_id", "events", "answer_public"):
        assert leak not in text
    # The author reads the private answer on their own suggestion.
    own = client.get(f"/api/v1/suggestions/{private}", headers=auth_headers(author)).json
    assert own["answer"] == "私下沟通" and own["status"] == "declined" and own["points_awarded"] == 0
    # The H5 public page says the same.
    page = client.get(f"/h5/communities/{city.c1.id}/suggestions", headers=auth_headers(city.users[Role.RESIDENT])).text
    assert SECRET_TEXT in page and "私下沟通" not in page and author.display_name not in page


def test_scope_other_communities_cadres_and_residents_can_neither_read_nor_answer(client, city, places):
    sid = send(client, places.member_user, city.c1.id).json["id"]
    other_cadre = account(city.city.id, "c3cadre", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    for user in (other_cadre, city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.DEPARTMENT_STAFF]):
        headers = auth_headers(user)
        assert client.get(f"/api/v1/suggestions/{sid}", headers=headers).status_code == 403, user.display_name
        answer = client.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "不该能答", "public": True}, headers=headers)
        assert answer.status_code == 403, user.display_name
        decision = client.post(f"/api/v1/suggestions/{sid}/decision", json={"adopted": True}, headers=headers)
        assert decision.status_code == 403, user.display_name
    assert client.get("/api/v1/suggestions/review", headers=auth_headers(other_cadre)).json["meta"]["total"] == 0
    assert client.get("/api/v1/suggestions/review", headers=auth_headers(city.users[Role.STREET_ADMIN])).json["meta"]["total"] == 1
    assert client.get("/api/v1/suggestions/review", headers=auth_headers(city.users[Role.RESIDENT])).status_code == 403
    # Staff do not send suggestions as residents do.
    assert send(client, city.users[Role.GRID_WORKER], city.c1.id).status_code == 403
    assert client.get(f"/api/v1/suggestions/{sid}").status_code == 401


def test_bad_input_is_refused(client, city, places):
    author = places.member_user
    for body in ({"community_id": city.c1.id, "body": "短"}, {"community_id": city.g1.id, "body": SECRET_TEXT},
                 {"community_id": city.c1.id}, {"body": SECRET_TEXT}, {"community_id": "c1", "body": SECRET_TEXT}):
        assert client.post("/api/v1/suggestions", json=body, headers=auth_headers(author)).status_code == 422, body
    assert send(client, author, 999999).status_code == 404
    sid = send(client, author, city.c1.id).json["id"]
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    assert client.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "好", "public": 1}, headers=cadre).status_code == 422
    assert client.post(f"/api/v1/suggestions/{sid}/decision", json={"adopted": "yes"}, headers=cadre).status_code == 422
    assert client.get("/api/v1/suggestions/review?status=lost", headers=cadre).status_code == 422
    assert client.post("/api/v1/suggestions/999999/answer", json={"answer": "好的", "public": False}, headers=cadre).status_code == 404


@pytest.mark.browser
def test_suggestion_pages_in_chromium(phone, live_url, city, places, caplog):
    """The resident sends from their page; the cadre answers in public and adopts; the community list shows it."""
    caplog.set_level("INFO", logger="gridapp.sms")
    number, city_code, community = places.member_user.phone, city.city.code, city.c1.id
    db.session.commit()  # touch no ORM object while the pages run: SQLite would block the live server
    phone.goto("/h5/suggestions")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_selector("#suggestion-form")
    assert phone.input_value("#suggestion-community") == str(community)
    phone.fill("#suggestion-body", SECRET_TEXT)
    phone.click("#suggestion-form button[type=submit]")
    phone.wait_for_url("**/h5/suggestions/*")
    assert SECRET_TEXT in phone.inner_text("#suggestion")
    assert axe_violations(phone) == []
    snapshot(phone, "suggestion-sent")
    suggestion_url = phone.url
    phone.context.clear_cookies()
    signed_in = phone.request.post("/api/v1/auth/login", data={"city": city_code, "username": "commadmin", "password": PASSWORD, "cookie": True})
    assert signed_in.ok
    phone.goto(suggestion_url)
    phone.fill("#answer-text", "感谢建议，已报街道")
    phone.check("#answer-public")
    phone.click("#answer-form button[type=submit]")
    phone.wait_for_selector(".state-answered")
    phone.click("#adopt")
    phone.wait_for_selector(".state-adopted")
    assert axe_violations(phone) == []
    snapshot(phone, "suggestion-adopted")
    phone.goto(f"/h5/communities/{community}/suggestions")
    assert SECRET_TEXT in phone.inner_text("#community-suggestions")
    assert axe_violations(phone) == []
    snapshot(phone, "suggestion-community-list")
