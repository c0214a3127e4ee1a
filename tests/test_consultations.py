"""码上协商: a community consults the households of an area; one answer per household (or resident); results sealed
until the deadline; cadres follow participation by grid; residents elsewhere can neither read nor answer."""
from __future__ import annotations

from datetime import timedelta

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember
from tests.support.browser import axe_violations, sign_in_by_sms, snapshot
from tests.support.factories import account, auth_headers

DEADLINE = "2026-11-30T09:00:00+00:00"  # a week after the test clock's now


def household(city, grid, building, room, *users):
    home = Household(city_id=city.city.id, grid_id=grid.id, building=building, unit="1单元", floor=1, room=room)
    db.session.add(home)
    db.session.flush()
    for user in users:
        db.session.add(HouseholdMember(city_id=city.city.id, household_id=home.id, user_id=user.id, name=user.display_name, relation="户主"))
    db.session.commit()
    return home


def people(city):
    cid = city.city.id
    ns = {name: account(cid, name, Role.RESIDENT, phone=phone) for name, phone in
          (("甲", "13600000001"), ("甲妻", "13600000002"), ("乙", "13600000003"), ("丙", "13600000004"), ("丁", "13600000005"))}
    household(city, city.g1, "1号楼", "101", ns["甲"], ns["甲妻"])
    household(city, city.g2, "2号楼", "201", ns["乙"])
    household(city, city.g3, "3号楼", "301", ns["丙"])  # another community
    household(city, city.g1, "5号楼", "501", ns["丁"])
    return ns


def open_one(client, city, **overrides):
    body = {"region_id": city.c1.id, "title": "小区加装电梯", "question": "是否同意在本单元加装电梯？", "answer_kind": "choice",
            "options": ["同意", "不同意", "无所谓"], "per": "household", "deadline": DEADLINE} | overrides
    return client.post("/api/v1/consultations", json=body, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))


def answer(client, user, cid, **body):
    return client.post(f"/api/v1/consultations/{cid}/answers", json=body, headers=auth_headers(user))


def test_one_answer_per_household_results_sealed_until_the_deadline(client, city, clock):
    ns = people(city)
    opened = open_one(client, city)
    assert opened.status_code == 201 and opened.json["options"] == ["同意", "不同意", "无所谓"] and opened.json["results"] is None
    cid = opened.json["id"]
    assert answer(client, ns["甲"], cid, option=0).status_code == 201
    assert answer(client, ns["甲"], cid, option=0).status_code == 201  # a retry: the same answer back
    spouse = answer(client, ns["甲妻"], cid, option=1)
    assert spouse.status_code == 409 and spouse.json["code"] == "already_answered"
    seen = client.get(f"/api/v1/consultations/{cid}", headers=auth_headers(ns["甲妻"])).json
    assert seen["my_answer"] == {"option": 0, "text": None, "answered_at": seen["my_answer"]["answered_at"], "by_me": False}
    assert seen["consultation"]["results"] is None  # sealed
    assert answer(client, ns["乙"], cid, option=1).status_code == 201
    participation = client.get(f"/api/v1/consultations/{cid}/participation", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).json
    assert [(g["grid_name"], g["households_answered"], g["households"]) for g in participation] == [("一网格", 1, 2), ("二网格", 1, 1)]
    clock.advance(timedelta(days=8))
    assert answer(client, ns["丁"], cid, option=2).status_code == 409  # closed
    closed = client.get(f"/api/v1/consultations/{cid}", headers=auth_headers(ns["丁"])).json["consultation"]
    assert closed["closed"] and closed["results"] == {
        "answers": 2, "tallies": [{"option": "同意", "count": 1}, {"option": "不同意", "count": 1}, {"option": "无所谓", "count": 0}],
        "texts": []}


def test_per_resident_free_answers_by_building_and_no_names_in_results(client, city, clock):
    ns = people(city)
    cid = open_one(client, city, region_id=city.g1.id, building="1号楼", answer_kind="free", options=[], per="resident").json["id"]
    assert answer(client, ns["甲"], cid, text="同意，但要注意噪音").status_code == 201
    assert answer(client, ns["甲妻"], cid, text="希望晚上不施工").status_code == 201
    assert answer(client, ns["丁"], cid, text="我不是1号楼的").status_code == 403  # another building of the grid
    assert client.get("/api/v1/consultations/mine", headers=auth_headers(ns["丁"])).json["meta"]["total"] == 0
    assert client.get("/api/v1/consultations/mine", headers=auth_headers(ns["甲"])).json["meta"]["total"] == 1
    assert answer(client, ns["甲"], cid, option=0).status_code == 422  # a free consultation takes text
    clock.advance(timedelta(days=8))
    results = client.get(f"/api/v1/consultations/{cid}", headers=auth_headers(ns["甲"])).json["consultation"]["results"]
    assert results["texts"] == ["同意，但要注意噪音", "希望晚上不施工"]
    assert "甲" not in str(results)


def test_scope_other_communities_residents_and_cadres_neither_read_nor_answer(client, city, clock):
    ns = people(city)
    cid = open_one(client, city).json["id"]
    stranger = ns["丙"]  # lives in c2
    assert client.get(f"/api/v1/consultations/{cid}", headers=auth_headers(stranger)).status_code == 403
    assert answer(client, stranger, cid, option=0).status_code == 403
    assert client.get("/api/v1/consultations/mine", headers=auth_headers(stranger)).json["meta"]["total"] == 0
    other_cadre = account(city.city.id, "c3cadre", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    assert client.get(f"/api/v1/consultations/{cid}", headers=auth_headers(other_cadre)).status_code == 403
    assert client.get(f"/api/v1/consultations/{cid}/participation", headers=auth_headers(other_cadre)).status_code == 403
    assert client.get("/api/v1/consultations", headers=auth_headers(other_cadre)).json["meta"]["total"] == 0
    assert client.post("/api/v1/consultations", json={"region_id": city.c1.id, "title": "越权", "question": "越权发起",
                       "answer_kind": "free", "per": "resident", "deadline": DEADLINE}, headers=auth_headers(other_cadre)).status_code == 403
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_STAFF):
        assert client.get(f"/api/v1/consultations/{cid}", headers=auth_headers(city.users[role])).status_code == 403
        assert open_one(client, city).status_code == 201  # (the community admin still can)
        assert client.post("/api/v1/consultations", json={}, headers=auth_headers(city.users[role])).status_code == 403
    assert client.get(f"/api/v1/consultations/{cid}").status_code == 401


def test_bad_input_is_refused(client, city, clock):
    people(city)
    for overrides in ({"options": ["同意"]}, {"options": ["同意", "同意"]}, {"answer_kind": "free"},
                      {"deadline": "2026-11-01T00:00:00+00:00"}, {"deadline": "2026-12-01T00:00:00"},
                      {"region_id": city.g1.id, "building": "1号楼", "per": "family"}, {"building": "1号楼"},
                      {"title": ""}):
        assert open_one(client, city, **overrides).status_code == 422, overrides
    whole_city = {"region_id": city.root.id, "title": "全市", "question": "全市协商", "answer_kind": "free", "per": "resident", "deadline": DEADLINE}
    assert client.post("/api/v1/consultations", json=whole_city, headers=auth_headers(city.users[Role.SUPER_ADMIN])).status_code == 422
    assert open_one(client, city, region_id=999999).status_code == 404


@pytest.mark.browser
def test_consultation_pages_in_chromium(phone, live_url, client, city, caplog, clock):
    caplog.set_level("INFO", logger="gridapp.sms")
    ns = people(city)
    cid = open_one(client, city).json["id"]
    number = ns["甲"].phone
    db.session.commit()  # touch no ORM object while the pages run: SQLite would block the live server
    phone.goto("/h5/consultations")
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_selector("#consultations")
    phone.click(f"a[href='/h5/consultations/{cid}']")
    phone.check("#answer-form input[value='0']")
    phone.click("#answer-form button[type=submit]")
    phone.wait_for_selector("#my-answer")
    assert "同意" in phone.inner_text("#my-answer")
    assert axe_violations(phone) == []
    snapshot(phone, "consultation-answered")
