"""Below and beside the grid through the API: the grid worker appoints building, unit and ten-household heads, who
hold the role at the grid while appointed and see and report in their own charge only (names masked); patrol plans
default to their level's cadence and count which grids each period's rounds covered."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, Household, HouseholdMember, NeighbourhoodEvent, Place, RoleGrant
from gridapp.privacy import mask_name
from tests.support.cases import jpeg
from tests.support.factories import account, auth_headers

API = "/api/v1"


@pytest.fixture
def block(city):
    """Building 5 (units 1 and 2) and building 6 in g1, a door in g2; two residents to appoint."""
    cid = city.city.id
    ns = SimpleNamespace(doors={})
    for building, unit, room, grid in (("5号楼", "1单元", "101", city.g1), ("5号楼", "1单元", "102", city.g1),
                                       ("5号楼", "2单元", "201", city.g1), ("6号楼", "1单元", "101", city.g1),
                                       ("7号楼", "1单元", "101", city.g2)):
        household = Household(city_id=cid, grid_id=grid.id, building=building, unit=unit, floor=int(room[0]), room=room)
        db.session.add(household)
        db.session.flush()
        db.session.add(HouseholdMember(city_id=cid, household_id=household.id, name=f"住户{building}{room}", relation="户主",
                                       phone="13800001111"))
        ns.doors[(building, unit, room)] = household
    ns.head = account(cid, "楼长老王", Role.RESIDENT, phone="13755550001")
    ns.neighbour = account(cid, "邻居小李", Role.RESIDENT, phone="13755550002")
    db.session.commit()
    ns.worker = city.users[Role.GRID_WORKER]
    return ns


def _appoint(client, user, **body):
    return client.post(f"{API}/neighbourhood/heads", headers=auth_headers(user), json=body)


def test_a_building_head_sees_their_building_only_with_names_masked(client, city, block):
    made = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.head.id, kind="building_head", building="5号楼")
    assert made.status_code == 201, made.json
    assert made.json["kind_label"] == "楼栋长" and made.json["display_name"] == "楼长老王"
    assert db.session.scalar(select(RoleGrant.region_id).where(RoleGrant.user_id == block.head.id,
                                                               RoleGrant.role == "building_head")) == city.g1.id
    charge = client.get(f"{API}/neighbourhood/my-charge", headers=auth_headers(block.head))
    assert charge.status_code == 200
    [mine] = charge.json["items"]
    assert [h["place_label"] for h in mine["households"]] == ["5号楼1单元101室", "5号楼1单元102室", "5号楼2单元201室"]
    text = charge.get_data(as_text=True)
    assert "住户5号楼101" not in text and "13800001111" not in text
    assert mine["households"][0]["names"] == [mask_name("住户5号楼101")] and mine["households"][0]["members"] == 1
    # Not the grid's staff: no case lists, no key persons, no risk tiers, no other heads.
    for path in ("/care/records", "/risk/ratings", f"/neighbourhood/heads?grid_id={city.g1.id}", "/patrol-plans"):
        assert client.get(API + path, headers=auth_headers(block.head)).status_code == 403, path
    # Anyone else has no charge.
    assert client.get(f"{API}/neighbourhood/my-charge", headers=auth_headers(block.neighbour)).status_code == 403
    assert client.get(f"{API}/neighbourhood/my-charge", headers=auth_headers(block.worker)).status_code == 403


def test_unit_and_ten_household_heads_cover_their_own_doors(client, city, block):
    unit = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.head.id, kind="unit_head", building="5号楼", unit="2单元")
    assert unit.status_code == 201, unit.json
    ids = [block.doors[("5号楼", "1单元", "101")].id, block.doors[("6号楼", "1单元", "101")].id]
    ten = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.neighbour.id, kind="ten_household_head", household_ids=ids)
    assert ten.status_code == 201, ten.json
    unit_charge = client.get(f"{API}/neighbourhood/my-charge", headers=auth_headers(block.head)).json["items"][0]
    assert [h["place_label"] for h in unit_charge["households"]] == ["5号楼2单元201室"]
    ten_charge = client.get(f"{API}/neighbourhood/my-charge", headers=auth_headers(block.neighbour)).json["items"][0]
    assert sorted(h["place_label"] for h in ten_charge["households"]) == ["5号楼1单元101室", "6号楼1单元101室"]


def test_appointments_are_checked_and_only_the_grids_own(client, city, block):
    g2_door = block.doors[("7号楼", "1单元", "101")].id
    cases = [
        (block.worker, {"kind": "building_head", "building": "99号楼"}, 422),
        (block.worker, {"kind": "unit_head", "building": "5号楼"}, 422),
        (block.worker, {"kind": "ten_household_head", "household_ids": []}, 422),
        (block.worker, {"kind": "ten_household_head", "household_ids": [g2_door]}, 422),
        (block.worker, {"kind": "building_head", "building": "5号楼", "household_ids": [g2_door]}, 422),
        (block.worker, {"kind": "mayor", "building": "5号楼"}, 422),
        (city.worker4, {"kind": "building_head", "building": "5号楼"}, 403),
        (city.users[Role.STREET_ADMIN], {"kind": "building_head", "building": "5号楼"}, 403),
        (block.head, {"kind": "building_head", "building": "5号楼"}, 403),
    ]
    for user, body, status in cases:
        got = _appoint(client, user, grid_id=city.g1.id, user_id=block.head.id, **body)
        assert got.status_code == status, (body, got.json)
    assert _appoint(client, block.worker, grid_id=city.c1.id, user_id=block.head.id, kind="building_head",
                    building="5号楼").status_code == 422
    assert _appoint(client, block.worker, grid_id=city.g1.id, user_id=99999, kind="building_head",
                    building="5号楼").status_code == 422
    community = city.users[Role.COMMUNITY_ADMIN]
    assert _appoint(client, community, grid_id=city.g1.id, user_id=block.head.id, kind="building_head",
                    building="5号楼").status_code == 201
    again = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.head.id, kind="building_head", building="5号楼")
    assert again.status_code == 409


def test_ending_the_last_appointment_takes_the_role_and_is_an_event(client, city, block):
    first = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.head.id, kind="building_head", building="5号楼").json
    second = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.head.id, kind="building_head", building="6号楼").json
    has_role = lambda: db.session.scalar(select(RoleGrant.id).where(  # noqa: E731
        RoleGrant.user_id == block.head.id, RoleGrant.role == "building_head")) is not None
    assert client.post(f"{API}/neighbourhood/heads/{first['id']}/end", headers=auth_headers(city.worker4)).status_code == 403
    ended = client.post(f"{API}/neighbourhood/heads/{first['id']}/end", headers=auth_headers(block.worker))
    assert ended.status_code == 200 and not ended.json["is_active"] and has_role()
    client.post(f"{API}/neighbourhood/heads/{second['id']}/end", headers=auth_headers(block.worker))
    db.session.expire_all()
    assert not has_role()
    assert client.get(f"{API}/neighbourhood/my-charge", headers=auth_headers(block.head)).status_code == 403
    history = client.get(f"{API}/neighbourhood/heads/{first['id']}/events", headers=auth_headers(block.worker)).json["items"]
    assert [e["action"] for e in history] == ["appoint", "end"]
    assert history[1]["before"]["is_active"] and not history[1]["after"]["is_active"]
    listed = client.get(f"{API}/neighbourhood/heads", query_string={"grid_id": city.g1.id}, headers=auth_headers(block.worker)).json
    assert listed["meta"]["total"] == 2
    assert db.session.query(NeighbourhoodEvent).count() == 4


def test_a_head_reports_from_their_charge_and_the_grid_hears(client, city, cats, block):
    head = _appoint(client, block.worker, grid_id=city.g1.id, user_id=block.head.id, kind="building_head", building="5号楼").json
    form = {"category_id": str(cats["garbage"].id), "description": "5号楼楼道堆物", "photos": (io.BytesIO(jpeg()), "a.jpg")}
    sent = client.post(f"{API}/neighbourhood/my-charge/{head['id']}/reports", data=form, content_type="multipart/form-data",
                       headers={**auth_headers(block.head), "Idempotency-Key": "head-1"})
    assert sent.status_code == 201, sent.json
    case = db.session.get(Case, sent.json["id"])
    assert case.grid_id == city.g1.id and case.reporter_user_id == block.head.id
    assert db.session.scalar(select(CaseEvent.note).where(CaseEvent.case_id == case.id)) == "楼栋长（5号楼）上报"
    mine = client.get(f"{API}/neighbourhood/my-charge/{head['id']}/reports", headers=auth_headers(block.head)).json
    assert [c["id"] for c in mine["items"]] == [case.id]
    # Only in one's own appointment.
    other = client.post(f"{API}/neighbourhood/my-charge/{head['id'] + 100}/reports", content_type="multipart/form-data",
                        data={"category_id": str(cats["garbage"].id), "photos": (io.BytesIO(jpeg()), "a.jpg")},
                        headers=auth_headers(block.head))
    assert other.status_code == 403


def test_patrol_plans_default_to_their_levels_cadence_and_count_coverage(client, city, block, clock):
    clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))  # a Wednesday
    street = auth_headers(city.users[Role.STREET_ADMIN])
    community = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    weekly = client.post(f"{API}/patrol-plans", headers=community, json={"region_id": city.c1.id, "name": "一社区周巡"})
    assert weekly.status_code == 201 and weekly.json["cadence"] == "weekly" and weekly.json["cadence_label"] == "每周"
    monthly = client.post(f"{API}/patrol-plans", headers=street, json={"region_id": city.s1.id, "name": "一街道月巡",
                                                                       "patroller_user_id": block.worker.id})
    assert monthly.json["cadence"] == "monthly"
    district = client.post(f"{API}/patrol-plans", headers=auth_headers(city.users[Role.DISTRICT_ADMIN]),
                           json={"region_id": city.d1.id, "name": "一区季巡"})
    assert district.json["cadence"] == "quarterly"
    assert client.post(f"{API}/patrol-plans", headers=community, json={"region_id": city.g1.id, "name": "x"}).status_code == 422
    assert client.post(f"{API}/patrol-plans", headers=community, json={"region_id": city.s1.id, "name": "x"}).status_code == 403
    assert client.post(f"{API}/patrol-plans", headers=auth_headers(block.worker),
                       json={"region_id": city.c1.id, "name": "x"}).status_code == 403

    place = Place(city_id=city.city.id, grid_id=city.g1.id, kind="other", name="1号垃圾站")
    db.session.add(place)
    db.session.commit()
    plan_id = monthly.json["id"]
    walked = client.post(f"{API}/patrol-plans/{plan_id}/rounds", headers=auth_headers(block.worker),
                         json={"grid_id": city.g1.id, "place_id": place.id, "notes": "垃圾站清洁"})
    assert walked.status_code == 201, walked.json
    assert client.post(f"{API}/patrol-plans/{plan_id}/rounds", headers=auth_headers(block.worker),
                       json={"grid_id": city.g4.id}).status_code == 422, "outside the plan"
    assert client.post(f"{API}/patrol-plans/{plan_id}/rounds", headers=auth_headers(block.worker),
                       json={"grid_id": city.g2.id, "place_id": place.id}).status_code == 422, "place of another grid"
    assert client.post(f"{API}/patrol-plans/{weekly.json['id']}/rounds", headers=auth_headers(block.worker),
                       json={"grid_id": city.g1.id}).status_code == 403, "not the patroller of that plan"
    assert client.post(f"{API}/patrol-plans/{plan_id}/rounds", headers=auth_headers(city.worker4),
                       json={"grid_id": city.g1.id}).status_code == 403

    coverage = client.get(f"{API}/patrol-plans/{plan_id}/coverage", headers=street).json
    assert (coverage["grids_total"], coverage["grids_covered"], coverage["coverage_percent"]) == (3, 1, 33.3)
    assert coverage["places_patrolled"] == 1 and not coverage["overdue"]
    assert [g["grid"] for g in coverage["uncovered"]] == ["二网格", "三网格"]
    assert coverage["period_start"].startswith("2026-10-31T16:00")
    # The patroller sees their plan; another grid's worker sees none.
    assert client.get(f"{API}/patrol-plans/{plan_id}/coverage", headers=auth_headers(block.worker)).status_code == 200
    assert client.get(f"{API}/patrol-plans/{plan_id}", headers=auth_headers(city.worker4)).status_code == 403
    assert client.get(f"{API}/patrol-plans", headers=auth_headers(city.worker4)).json["meta"]["total"] == 0

    # Next month, last month's figures stay and show it unfinished; the new month starts empty.
    clock.advance(timedelta(days=10))
    assert client.get(f"{API}/patrol-plans/{plan_id}/coverage", headers=street).json["grids_covered"] == 0
    last = client.get(f"{API}/patrol-plans/{plan_id}/coverage", query_string={"back": 1}, headers=street).json
    assert last["grids_covered"] == 1 and last["overdue"]
    assert client.get(f"{API}/patrol-plans/{plan_id}/coverage", query_string={"back": 99}, headers=street).status_code == 422

    changed = client.patch(f"{API}/patrol-plans/{plan_id}", headers=street, json={"cadence": "weekly", "is_active": False})
    assert changed.status_code == 200 and changed.json["cadence"] == "weekly"
    assert client.post(f"{API}/patrol-plans/{plan_id}/rounds", headers=auth_headers(block.worker),
                       json={"grid_id": city.g1.id}).status_code == 422, "stopped"
    assert [e.action for e in db.session.scalars(select(NeighbourhoodEvent).where(NeighbourhoodEvent.subject_id == plan_id,
                                                                                 NeighbourhoodEvent.subject_kind == "plan"))] == [
        "create", "update"]
