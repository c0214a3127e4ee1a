"""Targeted notices (精准推送) through the HTTP API: tags kept by the grid's worker and the community's admin
and audited, a notice sent to a tagged group of a region subtree, read receipts and the sender's reach;
other communities can neither target nor read, residents never see a tag, the fan-out sends nobody twice."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import (
    DeliveryAttempt,
    Household,
    HouseholdAccessLog,
    HouseholdMember,
    MemberTag,
    MemberTagEvent,
    Notice,
    NoticeRecipient,
    Notification,
    Shop,
)
from gridapp.services.notices import publishing
from gridapp.services.notices.tags import CATALOGUE
from tests.support.factories import account, auth_headers

TAG_WORDS = [word for tag in CATALOGUE.values() for word in (tag.key, tag.label)]


def _member(cid, grid, room, user, name):
    household = Household(city_id=cid, grid_id=grid.id, building="7号楼", unit="1单元", floor=1, room=room)
    db.session.add(household)
    db.session.flush()
    member = HouseholdMember(city_id=cid, household_id=household.id, user_id=user.id if user else None, name=name, relation="户主")
    db.session.add(member)
    db.session.flush()
    return member


@pytest.fixture
def town(city):
    """Linked residents: two in g1 (one of them living alone), one in g2 (disability), one in g3 (community c2);
    a linked shop owner in g1; a resident linked nowhere."""
    cid = city.city.id
    ns = SimpleNamespace(city=city)
    ns.alone = account(cid, "独居住户", Role.RESIDENT, phone="13610000001")
    ns.plain = account(cid, "普通住户", Role.RESIDENT, phone="13610000002")
    ns.g2res = account(cid, "二网格住户", Role.RESIDENT, phone="13610000003")
    ns.c2res = account(cid, "二社区住户", Role.RESIDENT, phone="13610000004")
    ns.owner = account(cid, "店主", Role.RESIDENT, phone="13610000005")
    ns.nobody = city.users[Role.RESIDENT]
    ns.m_alone = _member(cid, city.g1, "101", ns.alone, "王独居")
    ns.m_plain = _member(cid, city.g1, "102", ns.plain, "赵普通")
    ns.m_g2 = _member(cid, city.g2, "201", ns.g2res, "钱二网")
    ns.m_c2 = _member(cid, city.g3, "301", ns.c2res, "孙二社")
    ns.m_unlinked = _member(cid, city.g1, "103", None, "李未关联")
    db.session.add(Shop(city_id=cid, grid_id=city.g1.id, name="小店", category="零售", address="康和路1号", owner_user_id=ns.owner.id))
    db.session.commit()
    return ns


def h(user):
    return auth_headers(user)


def tag(client, user, member, key, method="PUT"):
    return client.open(f"/api/v1/household-members/{member.id}/tags/{key}", method=method, headers=h(user))


def send(client, user, **body):
    payload = {"region_id": body.pop("region_id"), "title": "重阳节慰问", "body": "社区将于本周六上门慰问，请留意。", **body}
    return client.post("/api/v1/notices", json=payload, headers=h(user))


def test_grid_worker_and_community_admin_set_and_clear_tags_audited(client, city, town):
    worker, admin = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    added = tag(client, worker, town.m_alone, "elderly_alone")
    assert added.status_code == 200, added.json
    assert added.json == {"changed": True, "tags": [{"key": "elderly_alone", "label": "长者独居", "sensitivity": "sensitive"}]}
    assert tag(client, worker, town.m_alone, "elderly_alone").json["changed"] is False
    assert tag(client, admin, town.m_alone, "veteran").json["changed"] is True
    removed = tag(client, admin, town.m_alone, "veteran", "DELETE")
    assert removed.json == {"changed": True, "tags": [{"key": "elderly_alone", "label": "长者独居", "sensitivity": "sensitive"}]}
    assert tag(client, admin, town.m_alone, "veteran", "DELETE").json["changed"] is False

    events = client.get(f"/api/v1/household-members/{town.m_alone.id}/tag-events", headers=h(admin)).json
    assert [(e["tag"], e["action"], e["user_id"]) for e in events["items"]] == [
        ("veteran", "removed", admin.id), ("veteran", "added", admin.id), ("elderly_alone", "added", worker.id),
    ]
    assert events["meta"]["total"] == 3
    logged = db.session.scalars(
        select(HouseholdAccessLog.action).where(HouseholdAccessLog.household_id == town.m_alone.household_id)
    ).all()
    assert logged.count("update") == 3


def test_tags_scope_other_grid_other_community_and_sensitivity(client, city, town):
    worker, admin = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    assert tag(client, worker, town.m_g2, "disability").status_code == 403  # worker1 keeps g1, not g2
    assert tag(client, admin, town.m_c2, "disability").status_code == 403  # c1's admin, member of c2
    assert tag(client, city.users[Role.STREET_ADMIN], town.m_alone, "veteran").status_code == 403
    assert tag(client, city.worker4, town.m_alone, "veteran").status_code == 403
    assert tag(client, admin, town.m_g2, "no_such_tag").status_code == 422
    assert tag(client, admin, HouseholdMember(id=999999), "veteran").status_code == 404
    tag(client, admin, town.m_g2, "disability")
    tag(client, admin, town.m_g2, "veteran")
    street = client.get(f"/api/v1/household-members/{town.m_g2.id}/tags", headers=h(city.users[Role.STREET_ADMIN]))
    assert [t["key"] for t in street.json["items"]] == ["veteran"]  # the sensitive tag stays in the community
    keeper = client.get(f"/api/v1/household-members/{town.m_g2.id}/tags", headers=h(admin))
    assert [t["key"] for t in keeper.json["items"]] == ["disability", "veteran"]
    for role in (Role.RESIDENT, Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN):
        assert client.get(f"/api/v1/household-members/{town.m_g2.id}/tags", headers=h(city.users[role])).status_code == 403
        assert tag(client, city.users[role], town.m_g2, "veteran").status_code == 403


def _tag_town(client, city, town):
    admin = city.users[Role.COMMUNITY_ADMIN]
    tag(client, admin, town.m_alone, "elderly_alone")
    tag(client, admin, town.m_alone, "veteran")
    tag(client, admin, town.m_g2, "disability")
    tag(client, admin, town.m_g2, "veteran")
    tag(client, admin, town.m_unlinked, "elderly_alone")


def preview(client, user, **body):
    return client.post("/api/v1/notices/preview", json=body, headers=h(user))


def test_preview_counts_the_audience(client, city, town):
    _tag_town(client, city, town)
    admin, street = city.users[Role.COMMUNITY_ADMIN], city.users[Role.STREET_ADMIN]
    count = lambda user, **body: preview(client, user, **body).json["recipients"]  # noqa: E731
    assert count(admin, region_id=city.c1.id) == 3  # alone, plain, g2res (linked household members)
    assert count(admin, region_id=city.c1.id, audience="everyone") == 4  # and the shop owner
    assert count(admin, region_id=city.g1.id) == 2
    assert count(admin, region_id=city.c1.id, tags=["elderly_alone"]) == 1  # the unlinked member reaches nobody
    assert count(admin, region_id=city.c1.id, tags=["elderly_alone", "disability"]) == 2
    assert count(admin, region_id=city.c1.id, tags=["veteran", "disability"], tag_match="all") == 1
    assert count(street, region_id=city.s1.id) == 4  # and c2's resident
    assert preview(client, admin, region_id=city.c2.id).status_code == 403
    assert preview(client, admin, region_id=city.s1.id).status_code == 403
    assert preview(client, admin, region_id=999999).status_code == 404
    assert preview(client, admin, region_id=city.c1.id, tags=["nope"]).status_code == 422
    assert preview(client, admin, region_id=city.c1.id, tags=["veteran"], audience="everyone").status_code == 422
    assert preview(client, admin, region_id=city.c1.id, tag_match="some").status_code == 422
    assert preview(client, admin).status_code == 422
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_ADMIN):
        assert preview(client, city.users[role], region_id=city.c1.id).status_code == 403


def test_a_tagged_group_gets_the_notice_and_the_sender_sees_reach(client, city, town):
    _tag_town(client, city, town)
    admin = city.users[Role.COMMUNITY_ADMIN]
    sent = send(client, admin, region_id=city.c1.id, tags=["elderly_alone", "disability"])
    assert sent.status_code == 201, sent.json
    notice = sent.json
    assert notice["recipient_count"] == 2
    assert notice["tags"] == [{"key": "elderly_alone", "label": "长者独居"}, {"key": "disability", "label": "残疾"}]
    # inline jobs ran after the commit: inbox and push for both
    reach = client.get(f"/api/v1/notices/{notice['id']}/reach", headers=h(admin)).json
    assert (reach["recipients"], reach["delivered"], reach["pushed"], reach["read"]) == (2, 2, 2, 0)
    assert reach["delivered_at"] is not None

    inbox = client.get("/api/v1/notifications", headers=h(town.alone)).json["items"]
    assert [(n["kind"], n["title"]) for n in inbox] == [("notice", "重阳节慰问")]
    assert inbox[0]["link"] == f"/h5/notices/{notice['id']}"
    assert client.get("/api/v1/notifications", headers=h(town.plain)).json["items"] == []

    opened = client.get(f"/api/v1/notices/{notice['id']}", headers=h(town.alone))
    assert opened.status_code == 200
    first_read = opened.json["read_at"]
    assert first_read is not None and opened.json["area"] == "一社区"
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=h(town.alone)).json["read_at"] == first_read
    assert db.session.scalar(select(Notification.read_at).where(Notification.user_id == town.alone.id)) is not None

    reach = client.get(f"/api/v1/notices/{notice['id']}/reach", headers=h(admin)).json
    assert reach["read"] == 1
    assert [(g["grid_name"], g["recipients"], g["read"], g["read_share"]) for g in reach["by_grid"]] == [
        ("一网格", 1, 1, 1.0), ("二网格", 1, 0, 0.0),
    ]
    listed = client.get("/api/v1/notices", headers=h(admin)).json
    assert [(n["id"], n["recipients"], n["read"]) for n in listed["items"]] == [(notice["id"], 2, 1)]
    street = client.get("/api/v1/notices", headers=h(city.users[Role.STREET_ADMIN])).json
    assert [n["id"] for n in street["items"]] == [notice["id"]]
    # the sender reading it records nothing
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=h(admin)).json["read_at"] is None
    assert client.get(f"/api/v1/notices/{notice['id']}/reach", headers=h(admin)).json["read"] == 1


def test_outsiders_can_neither_target_nor_read(client, city, town):
    _tag_town(client, city, town)
    admin = city.users[Role.COMMUNITY_ADMIN]
    notice_id = send(client, admin, region_id=city.c1.id, tags=["elderly_alone"]).json["id"]
    other = account(city.city.id, "c2admin", Role.COMMUNITY_ADMIN, region=city.c2)
    db.session.commit()
    assert send(client, other, region_id=city.c1.id).status_code == 403
    assert client.get(f"/api/v1/notices/{notice_id}", headers=h(other)).status_code == 403
    assert client.get(f"/api/v1/notices/{notice_id}/reach", headers=h(other)).status_code == 403
    assert client.get("/api/v1/notices", headers=h(other)).json["items"] == []
    for outsider in (town.plain, town.c2res, town.nobody, town.owner):
        assert client.get(f"/api/v1/notices/{notice_id}", headers=h(outsider)).status_code == 404
        assert client.get(f"/h5/notices/{notice_id}", headers=h(outsider)).status_code == 404
    assert client.get(f"/h5/notices/{notice_id}", headers=h(other)).status_code == 403
    assert client.get(f"/h5/notices/{notice_id}", headers=h(admin)).status_code == 200
    assert client.get("/api/v1/notices/999999", headers=h(town.alone)).status_code == 404
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_STAFF):
        assert client.get(f"/api/v1/notices/{notice_id}", headers=h(city.users[role])).status_code == 403
    assert client.get(f"/api/v1/notices/{notice_id}/reach", headers=h(town.alone)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(NoticeRecipient).where(NoticeRecipient.read_at.is_not(None))) == 0


def test_bad_notices_are_refused_with_422(client, city, town):
    admin = city.users[Role.COMMUNITY_ADMIN]
    assert send(client, admin, region_id=city.c1.id, title="").status_code == 422
    assert send(client, admin, region_id=city.c1.id, body="").status_code == 422
    assert send(client, admin, region_id=city.c1.id, title="长" * 65).status_code == 422
    assert send(client, admin, region_id=city.c1.id, tags="elderly_alone").status_code == 422
    assert send(client, admin, region_id=city.c1.id, colour="red").status_code == 422
    assert send(client, admin, region_id="c1").status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_idempotency_key_sends_once(client, city, town):
    admin = city.users[Role.COMMUNITY_ADMIN]
    body = {"region_id": city.c1.id, "title": "停水通知", "body": "周三停水"}
    headers = {**h(admin), "Idempotency-Key": "notice-1"}
    first = client.post("/api/v1/notices", json=body, headers=headers)
    again = client.post("/api/v1/notices", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json["id"] == first.json["id"]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "notice")) == 3


def test_fan_out_job_sends_nobody_twice(client, city, town):
    notice_id = send(client, city.users[Role.STREET_ADMIN], region_id=city.s1.id).json["id"]
    cid = city.city.id
    notes = lambda: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(Notification).where(Notification.target_kind == "notice", Notification.target_id == notice_id)
    )
    assert notes() == 4
    assert publishing.fan_out(cid, notice_id) == 0  # a retried job finds everyone served
    assert notes() == 4
    # a job that died half way: one recipient not yet served gets it, the others nothing more
    row = db.session.scalar(select(NoticeRecipient).where(NoticeRecipient.user_id == town.plain.id))
    note_id = row.notification_id
    row.notification_id = None
    db.session.delete(db.session.scalar(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == note_id)))
    db.session.delete(db.session.get(Notification, note_id))
    db.session.commit()
    assert publishing.fan_out(cid, notice_id) == 1
    assert notes() == 4
    assert db.session.scalar(select(func.count()).select_from(NoticeRecipient).where(NoticeRecipient.notice_id == notice_id)) == 4


def test_residents_never_see_a_tag(client, city, town):
    """No resident-facing answer names a tag, not even to the tagged person."""
    _tag_town(client, city, town)
    admin = city.users[Role.COMMUNITY_ADMIN]
    notice_id = send(client, admin, region_id=city.c1.id, tags=["elderly_alone"], title="通知", body="请留意").json["id"]
    assert db.session.scalar(select(func.count()).select_from(MemberTag)) > 0
    answers = [
        client.get(path, headers=h(town.alone))
        for path in (
            f"/api/v1/notices/{notice_id}", "/api/v1/notifications", "/api/v1/me/households", "/api/v1/me",
            "/api/v1/me/household-reads", f"/h5/notices/{notice_id}", "/h5/notifications", "/h5/links",
        )
    ]
    assert all(a.status_code in (200, 404) for a in answers), [(a.request.path, a.status_code) for a in answers]
    assert answers[0].status_code == 200 and answers[5].status_code == 200
    for answer in answers:
        text = answer.get_data(as_text=True) if not answer.is_json else json.dumps(answer.json, ensure_ascii=False)
        leaked = [word for word in TAG_WORDS if word in text]
        assert leaked == [], (answer.request.path, leaked)
    assert db.session.scalar(select(func.count()).select_from(MemberTagEvent)) == 5


def test_a_deleted_account_takes_its_notice_copies_along(client, city, town):
    """The copy says the person was in a tagged group: it goes with the account, and the figures follow."""
    _tag_town(client, city, town)
    admin = city.users[Role.COMMUNITY_ADMIN]
    notice_id = send(client, admin, region_id=city.c1.id, tags=["elderly_alone", "disability"]).json["id"]
    assert client.delete("/api/v1/me", json={"confirm": True}, headers=h(town.alone)).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(NoticeRecipient).where(NoticeRecipient.user_id == town.alone.id)) == 0
    reach = client.get(f"/api/v1/notices/{notice_id}/reach", headers=h(admin)).json
    assert (reach["recipient_count"], reach["recipients"], reach["delivered"]) == (2, 1, 1)
