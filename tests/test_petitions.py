"""信访: intake from every channel with the petitioner found again by ID number or phone (stored only sealed),
batches and person-times, level-skipping, the statutory clocks and their sweep, 积案 with hearings, the
first-time resolution rate; only the region's petition officers (and the agent who entered it) read a petition,
and every read leaves an audit row."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import petitions as petition_jobs
from gridapp.models import Petition, Petitioner, PetitionRead
from tests.support.factories import account, auth_headers

ID_NUMBER = "15010219800101123X"
PHONE = "13912345678"


def officer(city):
    return city.users[Role.PETITION_OFFICER]


def register(client, user, key=None, **body):
    payload = {"name": "王建国", "id_number": ID_NUMBER, "region_id": None, "title": "拖欠工资", "content": "某工地拖欠三个月工资",
               "channel": "walk_in", "level": "township", "people_count": 1} | body  # fmt: skip
    payload = {k: v for k, v in payload.items() if v is not None}
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/petitions", json=payload, headers=headers)


def act(client, user, petition_id, action, note=""):
    return client.post(f"/api/v1/petitions/{petition_id}/actions", json={"action": action, "note": note}, headers=auth_headers(user))


def reads(petition_id=None):
    stmt = select(PetitionRead).order_by(PetitionRead.id)
    if petition_id is not None:
        stmt = stmt.where(PetitionRead.petition_id == petition_id)
    return list(db.session.scalars(stmt))


@pytest.fixture
def filed(client, city, clock):
    response = register(client, officer(city), region_id=city.s1.id, phone=PHONE)
    assert response.status_code == 201, response.json
    return response.json


def test_a_first_petition_is_registered_sealed_and_a_repeat_is_pulled_up(client, city, clock, filed):
    assert filed["is_repeat"] is False and filed["channel"] == "walk_in" and filed["people_count"] == 1
    # Nothing of the person is stored in clear.
    row = db.session.scalar(select(Petitioner))
    raw = " ".join(str(v) for v in db.session.execute(text("SELECT * FROM petitioners")).one())
    assert ID_NUMBER not in raw and PHONE not in raw and "王建国" not in raw
    assert row.name_masked == "王*国" and row.id_number_masked == "150***********123X" and row.phone_masked == "139****5678"

    lookup = client.post("/api/v1/petitioners/lookup", json={"id_number": ID_NUMBER.lower(), "reason": "来访登记查重"},
                         headers=auth_headers(officer(city)))  # fmt: skip
    assert lookup.status_code == 200
    assert lookup.json["found"] and lookup.json["petitioner"]["name"] == "王*国"
    assert [p["id"] for p in lookup.json["petitions"]] == [filed["petition_id"]] and lookup.json["elsewhere"] == 0
    by_phone = client.post("/api/v1/petitioners/lookup", json={"phone": PHONE, "reason": "来电登记查重"}, headers=auth_headers(officer(city)))
    assert by_phone.json["petitioner"]["id"] == row.id
    assert [r.action for r in reads()] == ["lookup", "lookup"] and reads()[0].reason == "来访登记查重"

    # The same matter lodged again, 20 people at the city level (two above the township: level-skipping).
    again = register(client, officer(city), name=None, petition_id=filed["petition_id"], region_id=None, title=None, content=None,
                     level="province", people_count=20)  # fmt: skip
    assert again.status_code == 201, again.json
    assert again.json["is_repeat"] and again.json["skips_levels"] and again.json["petition_id"] == filed["petition_id"]
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 1
    assert db.session.scalar(select(func.count()).select_from(Petition)) == 1


def test_intake_refuses_what_it_cannot_file(client, city, filed):
    user = officer(city)
    assert register(client, user, id_number="150102198001011234567", region_id=city.s1.id).json["details"]["id_number"] == ["invalid"]
    assert register(client, user, id_number=None, region_id=city.s1.id).status_code == 422  # neither ID nor phone
    assert register(client, user, name=None, id_number="110101199003077777", region_id=city.s1.id).status_code == 422  # a first needs a name
    assert register(client, user, region_id=city.s2.id).status_code == 403  # another district's street
    assert register(client, user, region_id=city.s1.id, channel="proxy").status_code == 422  # proxies are the agents'
    assert register(client, user, region_id=city.s1.id, channel="video").json["details"]["appointment_at"] == ["required"]
    assert register(client, user, region_id=city.s1.id, level="moon").status_code == 422
    other = register(client, user, name="李四", id_number="110101199003077777", region_id=city.s1.id).json
    assert register(client, user, petition_id=other["petition_id"], region_id=None).json["details"]["petition_id"] == ["other_petitioner"]


def test_a_retried_registration_answers_the_first(client, city, clock):
    first = register(client, officer(city), key="walk-in-1", region_id=city.c1.id)
    again = register(client, officer(city), key="walk-in-1", region_id=city.c1.id)
    assert again.status_code == 201 and again.json["id"] == first.json["id"] and again.headers["Idempotent-Replayed"] == "true"


def test_an_agent_enters_proxies_and_reads_only_their_own(client, city, clock, filed):
    agent = city.users[Role.PETITION_AGENT]
    mine = register(client, agent, name="赵六", id_number="110101199003071234", region_id=city.c1.id, channel="walk_in")
    assert mine.status_code == 201 and mine.json["channel"] == "proxy" and mine.json["by_agent"]
    assert register(client, agent, region_id=city.c2.id).status_code == 403  # outside the agent's community
    listed = client.get("/api/v1/petitions", headers=auth_headers(agent)).json
    assert [p["id"] for p in listed["items"]] == [mine.json["petition_id"]]
    assert client.get(f"/api/v1/petitions/{filed['petition_id']}", headers=auth_headers(agent)).status_code == 403
    # The street's petition shows up in the agent's lookup, so the agent lodges the repeat instead of a new one.
    lookup = client.post("/api/v1/petitioners/lookup", json={"id_number": ID_NUMBER, "reason": "代办登记查重"}, headers=auth_headers(agent)).json
    assert [p["id"] for p in lookup["petitions"]] == [filed["petition_id"]]
    repeat = register(client, agent, petition_id=filed["petition_id"], region_id=None)
    assert repeat.status_code == 201 and repeat.json["is_repeat"]
    # Agents never open the full identity nor move a petition.
    assert client.post(f"/api/v1/petitions/{mine.json['petition_id']}/identity", json={"reason": "核对身份信息"},
                       headers=auth_headers(agent)).status_code == 403  # fmt: skip
    assert act(client, agent, mine.json["petition_id"], "accept").status_code == 403


def test_only_the_regions_petition_officers_read_a_petition_and_every_read_is_audited(client, city, clock, filed):
    petition_id = filed["petition_id"]
    user = officer(city)
    view = client.get(f"/api/v1/petitions/{petition_id}?purpose=handling", headers=auth_headers(user))
    assert view.status_code == 200 and view.json["petitioner"] == {
        "id": view.json["petitioner"]["id"], "name": "王*国", "id_number": "150***********123X", "phone": "139****5678"}
    assert [(r.action, r.actor_user_id, r.reason) for r in reads(petition_id)] == [("view", user.id, "办理")]
    identity = client.post(f"/api/v1/petitions/{petition_id}/identity", json={"reason": "电话告知受理结果"}, headers=auth_headers(user))
    assert identity.json["name"] == "王建国" and identity.json["id_number"] == ID_NUMBER and identity.json["phone"] == PHONE
    assert client.post(f"/api/v1/petitions/{petition_id}/identity", json={"reason": ""}, headers=auth_headers(user)).status_code == 422
    client.get("/api/v1/petitions", headers=auth_headers(user))
    for path in ("events", "visits", "hearings"):
        assert client.get(f"/api/v1/petitions/{petition_id}/{path}", headers=auth_headers(user)).status_code == 200
    actions = [r.action for r in reads()]
    assert actions == ["view", "reveal", "list", "events", "visits", "hearings"]
    assert reads()[1].reason == "电话告知受理结果"

    # Everybody else: other roles are refused by the route, another district's officer by the region.
    for role, other in city.users.items():
        if role in (Role.PETITION_OFFICER, Role.PETITION_AGENT):
            continue
        for path in ("", "/events", "/visits", "/hearings"):
            assert client.get(f"/api/v1/petitions/{petition_id}{path}", headers=auth_headers(other)).status_code == 403, (role, path)
        assert client.get("/api/v1/petitions", headers=auth_headers(other)).status_code == 403
        assert client.post("/api/v1/petitioners/lookup", json={"id_number": ID_NUMBER, "reason": "查一下此人"},
                           headers=auth_headers(other)).status_code == 403  # fmt: skip
    far = account(city.city.id, "officer-d2", Role.PETITION_OFFICER, region=city.s2)
    db.session.commit()
    assert client.get(f"/api/v1/petitions/{petition_id}", headers=auth_headers(far)).status_code == 403
    assert client.post(f"/api/v1/petitions/{petition_id}/identity", json={"reason": "核对身份信息"}, headers=auth_headers(far)).status_code == 403
    assert client.get("/api/v1/petitions", headers=auth_headers(far)).json["meta"]["total"] == 0
    # The far officer's lookup finds the person, but their petitions here only as a count.
    far_lookup = client.post("/api/v1/petitioners/lookup", json={"id_number": ID_NUMBER, "reason": "来访登记查重"}, headers=auth_headers(far)).json
    assert far_lookup["petitions"] == [] and far_lookup["elsewhere"] == 1

    # The audit is append-only, and its readers are the officers over the region.
    log = client.get(f"/api/v1/petitions/reads?petition_id={petition_id}", headers=auth_headers(user)).json
    assert [e["action"] for e in log["items"]][-2:] == ["reveal", "view"] and log["items"][-1]["actor"] == "petitionofficer"
    row = reads()[0]
    row.reason = "篡改"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_the_statutory_clocks_run_and_the_sweep_marks_what_ran_out(app, client, city, clock, filed):
    petition_id, user = filed["petition_id"], officer(city)
    petition = db.session.get(Petition, petition_id)
    assert petition.due_at - petition.created_at == timedelta(days=15)
    clock.advance(timedelta(days=16))
    assert petition_jobs.sweep_petition_clocks() == 1
    view = client.get(f"/api/v1/petitions/{petition_id}", headers=auth_headers(user)).json
    assert view["overdue_at"] is not None and view["backlog_since"] is None
    assert petition_jobs.sweep_petition_clocks() == 0  # marked once

    accepted = act(client, user, petition_id, "accept", "符合受理条件").json
    assert accepted["state"] == "accepted" and accepted["overdue_at"] is None
    assert accepted["due_at"].startswith("2027-02-07")  # 60 days from 2026-12-09
    assert act(client, user, petition_id, "accept").status_code == 409
    # An extension: at most 30 days, approved by another officer.
    too_long = client.post(f"/api/v1/petitions/{petition_id}/extension", json={"days": 31, "reason": "涉及多部门"}, headers=auth_headers(user))
    assert too_long.status_code == 422
    asked = client.post(f"/api/v1/petitions/{petition_id}/extension", json={"days": 30, "reason": "涉及多部门"}, headers=auth_headers(user))
    assert asked.json["extension_requested_days"] == 30
    own = client.post(f"/api/v1/petitions/{petition_id}/extension/approval", json={}, headers=auth_headers(user))
    assert own.status_code == 409 and own.json["code"] == "own_extension"
    chief = account(city.city.id, "xfchief", Role.PETITION_OFFICER, region=city.d1)
    db.session.commit()
    approved = client.post(f"/api/v1/petitions/{petition_id}/extension/approval", json={"note": "同意"}, headers=auth_headers(chief)).json
    assert approved["extension_days"] == 30 and approved["due_at"].startswith("2027-03-09")
    assert client.post(f"/api/v1/petitions/{petition_id}/extension", json={"days": 1, "reason": "再延"}, headers=auth_headers(user)).status_code == 422

    # Past the extended handling deadline: overdue and a long-running case (积案); a hearing is recorded.
    clock.advance(timedelta(days=91))
    assert petition_jobs.sweep_petition_clocks() == 1
    view = client.get(f"/api/v1/petitions/{petition_id}", headers=auth_headers(user)).json
    assert view["overdue_at"] and view["backlog_since"]
    backlog = client.get("/api/v1/petitions?backlog=true", headers=auth_headers(user)).json
    assert [p["id"] for p in backlog["items"]] == [petition_id]
    hearing = {"held_at": "2027-03-09T02:00:00Z", "place": "一街道信访接待室", "chair": "张主任", "participants": "信访人、施工方、人社局",
               "conclusion": "施工方十日内结清工资"}  # fmt: skip
    held = client.post(f"/api/v1/petitions/{petition_id}/hearings", json=hearing, headers=auth_headers(user))
    assert held.status_code == 201 and held.json["chair"] == "张主任"
    future = client.post(f"/api/v1/petitions/{petition_id}/hearings", json=hearing | {"held_at": "2030-01-01T00:00:00Z"}, headers=auth_headers(user))
    assert future.status_code == 422
    assert client.post(f"/api/v1/petitions/{petition_id}/hearings", json=hearing, headers=auth_headers(city.users[Role.PETITION_AGENT])).status_code == 403

    assert act(client, user, petition_id, "answer").status_code == 422  # an answer needs its text
    answered = act(client, user, petition_id, "answer", "已督促施工方结清工资").json
    assert answered["state"] == "answered" and answered["overdue_at"] is None
    # The petitioner asks for review within 30 days; the review is answered; no re-review within 30 days closes it.
    assert act(client, user, petition_id, "request_review", "对处理意见不服").json["state"] == "reviewing"
    assert act(client, user, petition_id, "review", "维持原处理意见").json["state"] == "reviewed"
    clock.advance(timedelta(days=31))
    assert act(client, user, petition_id, "request_rereview").status_code == 409
    assert petition_jobs.sweep_petition_clocks() == 1
    events = client.get(f"/api/v1/petitions/{petition_id}/events?per_page=100", headers=auth_headers(user)).json["items"]
    assert [e["action"] for e in events] == [
        "register", "overdue", "accept", "request_extension", "approve_extension", "overdue", "backlog", "hearing",
        "answer", "request_review", "review", "window_passed"]
    assert events[-1]["to_state"] == "closed" and events[-1]["actor_user_id"] is None
    assert events[2]["actor_user_id"] == user.id and events[2]["from_state"] == "registered"


def test_the_figures_count_batches_levels_repeats_skipping_and_first_time_resolution(client, city, clock):
    user = officer(city)
    first = register(client, user, region_id=city.s1.id, people_count=3).json  # township, 3 person-times
    register(client, user, name=None, petition_id=first["petition_id"], region_id=None, level="city", people_count=2)  # repeat; a street's matter at 市 skips 区
    second = register(client, user, name="李四", id_number="110101199003077777", region_id=city.c1.id, level="national").json  # skips
    third = register(client, user, name="钱七", id_number="110101199003075555", region_id=city.c2.id, level="district").json
    for petition in (second, third):
        act(client, user, petition["petition_id"], "accept")
        act(client, user, petition["petition_id"], "answer", "已解决")
    act(client, user, second["petition_id"], "close", "信访人满意")
    act(client, user, third["petition_id"], "request_review", "不服")

    for viewer in (user, city.users[Role.DISTRICT_ADMIN], city.users[Role.SUPER_ADMIN], city.users[Role.SYSTEM_ADMIN]):
        figures = client.get("/api/v1/petitions/figures", headers=auth_headers(viewer))
        assert figures.status_code == 200, figures.json
    figures = client.get(f"/api/v1/petitions/figures?region_id={city.s1.id}", headers=auth_headers(city.users[Role.STREET_ADMIN])).json
    assert (figures["batches"], figures["person_times"], figures["repeat_batches"]) == (4, 7, 1)
    assert figures["repeat_share"] == 0.25 and figures["skipping_batches"] == 2 and figures["skipping_person_times"] == 3
    levels = {row["level"]: (row["batches"], row["person_times"]) for row in figures["by_level"]}
    assert levels == {"township": (1, 3), "district": (1, 1), "city": (1, 2), "province": (0, 0), "national": (1, 1)}
    assert figures["first_time"] == {"answered": 2, "settled_first_time": 1, "rate": 0.5}
    assert figures["open"] == 2  # the first (registered) and the third (reviewing)
    assert "王" not in str(figures)
    for role in (Role.COMMUNITY_ADMIN, Role.GRID_WORKER, Role.PETITION_AGENT, Role.RESIDENT):
        assert client.get("/api/v1/petitions/figures", headers=auth_headers(city.users[role])).status_code == 403
    far = client.get(f"/api/v1/petitions/figures?region_id={city.s2.id}", headers=auth_headers(city.users[Role.STREET_ADMIN]))
    assert far.status_code == 403
