"""Risk and care through the API: tiers routed to teams with every change an event; the key-person register read
whole only by the grid's worker, its community and the designated roles at the grid (masked above, refused
elsewhere), every read audited; visits with notes and photos, the missed-visit alert once per due date; poverty
watch refused leaving before six months without a new signal."""
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
    CareEvent,
    CareRead,
    Household,
    HouseholdMember,
    Notification,
    RiskRatingEvent,
    RoleGrant,
    SetupChange,
    Visit,
)
from tests.support.cases import jpeg
from tests.support.factories import account, auth_headers

API = "/api/v1"
PATIENT_PHONE = "13712340001"


@pytest.fixture
def care(city, client):
    """A household in g1 (patient, mother as guardian) and one in g4; g1's police officer and judge named by the
    community admin through the contacts API."""
    cid = city.city.id
    ns = SimpleNamespace()
    ns.household = Household(city_id=cid, grid_id=city.g1.id, building="3号楼", unit="1单元", floor=2, room="201")
    ns.other = Household(city_id=cid, grid_id=city.g4.id, building="9号楼", unit="1单元", floor=1, room="101")
    db.session.add_all([ns.household, ns.other])
    db.session.flush()
    ns.patient = HouseholdMember(city_id=cid, household_id=ns.household.id, name="张明华", relation="户主", phone=PATIENT_PHONE,
                                 id_number="150102199001011234")
    ns.mother = HouseholdMember(city_id=cid, household_id=ns.household.id, name="李秀英", relation="母亲", phone="13712340002")
    ns.far = HouseholdMember(city_id=cid, household_id=ns.other.id, name="王远", relation="户主")
    db.session.add_all([ns.patient, ns.mother, ns.far])
    ns.police = account(cid, "police1", Role.DEPARTMENT_STAFF, department=city.department)
    ns.judge = account(cid, "judge1", Role.DEPARTMENT_STAFF, department=city.department)
    ns.police4 = account(cid, "police4", Role.DEPARTMENT_STAFF, department=city.department)
    db.session.commit()
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    for user, kind, grid in ((ns.police, "police", city.g1), (ns.judge, "judge", city.g1)):
        named = client.post(f"{API}/direct-line/contacts", headers=admin,
                            json={"grid_id": grid.id, "kind": kind, "display_name": user.username, "user_id": user.id})
        assert named.status_code == 201, named.json
    ns.worker = city.users[Role.GRID_WORKER]
    return ns


def _register(client, user, **body):
    return client.post(f"{API}/care/records", headers=auth_headers(user), json=body)


def test_naming_a_police_officer_or_judge_gives_the_role_at_the_grid_and_retiring_takes_it(client, city, care):
    grants = lambda user: set(db.session.execute(  # noqa: E731
        select(RoleGrant.role, RoleGrant.region_id).where(RoleGrant.user_id == user.id)).all())
    assert ("grid_police", city.g1.id) in grants(care.police)
    assert ("grid_judge", city.g1.id) in grants(care.judge)
    contact_id = client.get(f"{API}/direct-line/contacts", query_string={"grid_id": city.g1.id},
                            headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).json["items"][0]["id"]
    retired = client.patch(f"{API}/direct-line/contacts/{contact_id}", json={"is_active": False},
                           headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))
    assert retired.status_code == 200
    assert not {role for role, _ in grants(care.police)} & {"grid_police"}
    # Residents of the grid may write to its judge on the direct line.
    resident = account(city.city.id, "王居民", Role.RESIDENT, phone="13712349999")
    db.session.add(HouseholdMember(city_id=city.city.id, household_id=care.household.id, name="王居民", relation="租户",
                                   user_id=resident.id))
    db.session.commit()
    choices = client.get(f"{API}/direct-line/choices", headers=auth_headers(resident)).json["contacts"]
    assert ("judge", "网格法官") in [(c["kind"], c["kind_label"]) for c in choices]


def test_a_key_person_is_read_whole_by_the_grid_masked_above_and_refused_elsewhere_every_read_audited(client, city, care):
    made = _register(client, care.worker, category="community_corrections", member_id=care.patient.id,
                     guardian_member_id=care.mother.id, note="每周报到")
    assert made.status_code == 201, made.json
    record = made.json
    assert record["name"] == "张明华" and record["phone"] == PATIENT_PHONE and record["view"] == "whole"
    assert record["visit_every_days"] == 7 and record["guardian_name"] == "李秀英"
    assert [e["action"] for e in record["events"]] == ["register"]

    def read(user):
        return client.get(f"{API}/care/records/{record['id']}", headers=auth_headers(user))

    whole = [care.worker, city.users[Role.COMMUNITY_ADMIN], care.police, care.judge]
    for user in whole:
        got = read(user)
        assert got.status_code == 200, (user.username, got.json)
        assert got.json["name"] == "张明华" and got.json["note"] == "每周报到"
    for user in (city.users[Role.STREET_ADMIN], city.users[Role.DISTRICT_ADMIN], city.users[Role.SUPER_ADMIN],
                 city.users[Role.SYSTEM_ADMIN]):
        got = read(user)
        assert got.status_code == 200
        assert got.json["view"] == "masked" and got.json["name"] == "张*华"
        assert got.json["phone"] is None and got.json["note"] is None and got.json["guardian_phone"] is None
        assert PATIENT_PHONE not in got.get_data(as_text=True) and "每周报到" not in got.get_data(as_text=True)
    for user in (care.police4, city.worker4, city.users[Role.DEPARTMENT_STAFF], city.users[Role.RESIDENT],
                 city.users[Role.HOTLINE_OPERATOR]):
        assert read(user).status_code == 403, user.username
    # A grid worker of another grid finds nothing in lists either.
    assert client.get(f"{API}/care/records", headers=auth_headers(city.worker4)).json["meta"]["total"] == 0

    logged = db.session.execute(select(CareRead.user_id, CareRead.view).where(CareRead.record_id == record["id"])).all()
    readers = {user_id for user_id, _ in logged}
    assert {u.id for u in whole} <= readers and city.users[Role.STREET_ADMIN].id in readers
    assert (city.users[Role.STREET_ADMIN].id, "masked") in logged
    assert care.police4.id not in readers

    # The list is audited row by row; the keepers can see who read.
    listed = client.get(f"{API}/care/records", headers=auth_headers(city.users[Role.STREET_ADMIN]))
    assert listed.json["items"][0]["view"] == "masked"
    reads = client.get(f"{API}/care/records/{record['id']}/reads", headers=auth_headers(care.worker))
    assert reads.status_code == 200 and reads.json["items"][0]["via"] == "list"
    assert client.get(f"{API}/care/records/{record['id']}/reads", headers=auth_headers(care.police)).status_code == 403


def test_designated_roles_read_only_their_categories(client, city, care):
    child = _register(client, care.worker, category="left_behind_child", member_id=care.mother.id).json
    assert client.get(f"{API}/care/records/{child['id']}", headers=auth_headers(care.police)).status_code == 403
    assert client.get(f"{API}/care/records", headers=auth_headers(care.police)).json["meta"]["total"] == 0
    violence = _register(client, city.users[Role.COMMUNITY_ADMIN], category="domestic_violence", member_id=care.patient.id).json
    assert client.get(f"{API}/care/records/{violence['id']}", headers=auth_headers(care.judge)).json["view"] == "whole"


def test_registering_is_the_grids_own_and_checked(client, city, care):
    assert _register(client, city.worker4, category="left_behind_elderly", member_id=care.patient.id).status_code == 403
    assert _register(client, care.police, category="left_behind_elderly", member_id=care.patient.id).status_code == 403
    assert _register(client, care.worker, category="left_behind_elderly").status_code == 422
    assert _register(client, care.worker, category="nobody", member_id=care.patient.id).status_code == 422
    assert _register(client, care.worker, category="poverty_relapse", member_id=care.patient.id).status_code == 422
    other_guardian = _register(client, care.worker, category="left_behind_elderly", member_id=care.patient.id,
                               guardian_member_id=care.far.id)
    assert other_guardian.status_code == 422
    first = _register(client, care.worker, category="left_behind_elderly", member_id=care.patient.id, guardian_name="张远",
                      guardian_phone="13900001111")
    assert first.status_code == 201
    again = _register(client, care.worker, category="left_behind_elderly", member_id=care.patient.id)
    assert again.status_code == 409 and again.json["code"] == "already_registered"
    keyed = {**auth_headers(care.worker), "Idempotency-Key": "care-1"}
    one = client.post(f"{API}/care/records", headers=keyed, json={"category": "severe_mental_illness", "member_id": care.patient.id})
    two = client.post(f"{API}/care/records", headers=keyed, json={"category": "severe_mental_illness", "member_id": care.patient.id})
    assert one.status_code == two.status_code == 201 and one.json["id"] == two.json["id"]
    assert two.headers.get("Idempotent-Replayed") == "true"


def test_visits_with_photos_move_the_due_date_and_a_missed_visit_is_alerted_once(client, city, care, clock):
    record = _register(client, care.worker, category="community_corrections", member_id=care.patient.id).json
    due = record["next_visit_due"]
    clock.advance(timedelta(days=3))
    upload = client.post(f"{API}/uploads", data={"photo": (io.BytesIO(jpeg(320, 240)), "a.jpg")},
                         headers=auth_headers(care.worker), content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    visited = client.post(f"{API}/care/records/{record['id']}/visits", headers=auth_headers(care.worker),
                          json={"notes": "本人在家，情绪稳定", "upload_ids": [upload.json["id"]]})
    assert visited.status_code == 200, visited.json
    assert visited.json["last_visit_at"] is not None and visited.json["next_visit_due"] > due
    visit = db.session.scalar(select(Visit).where(Visit.household_id == care.household.id))
    assert visit.notes == "本人在家，情绪稳定" and len(visit.photos) == 1 and visit.worker_id == care.worker.id
    detail = client.get(f"{API}/care/records/{record['id']}", headers=auth_headers(care.police)).json
    assert detail["visits"][0]["notes"] == "本人在家，情绪稳定" and len(detail["visits"][0]["photos"]) == 1
    # Only the grid's worker visits; an empty note is refused.
    assert client.post(f"{API}/care/records/{record['id']}/visits", headers=auth_headers(city.worker4),
                       json={"notes": "x"}).status_code == 403
    assert client.post(f"{API}/care/records/{record['id']}/visits", headers=auth_headers(care.worker),
                       json={"notes": ""}).status_code == 422

    def alerts():
        return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "care_visit_missed"))

    clock.advance(timedelta(days=6))
    schedule.enqueue_due()
    assert alerts() == 0, "not yet due"
    clock.advance(timedelta(days=2))
    from gridapp.services.care import register

    assert register.alert_missed_visits(city.city.id) == 1
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "care_visit_missed")))
    assert told == {care.worker.id, city.users[Role.COMMUNITY_ADMIN].id}
    assert register.alert_missed_visits(city.city.id) == 0, "once per due date"
    assert alerts() == 2
    overdue = client.get(f"{API}/care/records", query_string={"overdue": "true"}, headers=auth_headers(care.worker)).json
    assert overdue["meta"]["total"] == 1 and overdue["items"][0]["overdue"]
    assert db.session.scalar(select(CareEvent.action).where(CareEvent.action == "visit_missed")) == "visit_missed"
    assert register.overdue_counts(city.city.id, city.d1.path) == {"community_corrections": {"active": 1, "overdue": 1}}
    # A visit ends the overdue state; the next miss is alerted again.
    client.post(f"{API}/care/records/{record['id']}/visits", headers=auth_headers(care.worker), json={"notes": "补访"})
    clock.advance(timedelta(days=8))
    assert register.alert_missed_visits(city.city.id) == 1


def test_a_household_on_poverty_watch_leaves_only_after_six_months_without_a_signal(client, city, care, clock):
    made = _register(client, care.worker, category="poverty_relapse", household_id=care.household.id)
    assert made.status_code == 201, made.json
    record = made.json
    assert record["member_id"] is None and record["visit_every_days"] == 30
    close = lambda: client.post(f"{API}/care/records/{record['id']}/close", headers=auth_headers(care.worker),  # noqa: E731
                                json={"reason": "收入稳定"})
    clock.advance(timedelta(days=100))
    signal = client.post(f"{API}/care/records/{record['id']}/signals", headers=auth_headers(care.worker),
                         json={"kind": "illness", "note": "户主住院"})
    assert signal.status_code == 200, signal.json
    clock.advance(timedelta(days=90))
    refused = close()
    assert refused.status_code == 409 and refused.json["code"] == "observation_not_over"
    clock.advance(timedelta(days=95))  # six months after the signal
    closed = close()
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert close().status_code == 409, "closed already"
    detail = client.get(f"{API}/care/records/{record['id']}", headers=auth_headers(care.worker)).json
    assert [e["action"] for e in detail["events"]] == ["register", "signal", "close"]
    assert detail["signals"][0]["kind_label"] == "大病重病"
    # Signals are for poverty watch only.
    other = _register(client, care.worker, category="left_behind_elderly", member_id=care.patient.id).json
    assert client.post(f"{API}/care/records/{other['id']}/signals", headers=auth_headers(care.worker),
                       json={"kind": "illness"}).status_code == 422


def test_risk_tiers_are_routed_to_their_team_and_every_change_is_an_event(client, city, care):
    worker = auth_headers(care.worker)
    rated = client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "household", "subject_id": care.household.id,
                                                                     "tier": "yellow", "note": "邻里矛盾"})
    assert rated.status_code == 200, rated.json
    assert rated.json["team_role"] == "community_admin" and rated.json["subject_label"] == "3号楼1单元201室"
    assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "risk_tier")) == city.users[Role.COMMUNITY_ADMIN].id

    sysadmin = auth_headers(city.users[Role.SYSTEM_ADMIN])
    routed = client.put(f"{API}/risk/routes/red", headers=sysadmin, json={"role": "grid_police"})
    assert routed.status_code == 200 and routed.json["red"] == {"role": "grid_police", "department_id": None}
    assert client.put(f"{API}/risk/routes/red", headers=sysadmin, json={"role": "grid_police", "department_id": 1}).status_code == 422
    assert client.put(f"{API}/risk/routes/red", headers=sysadmin, json={"role": "resident"}).status_code == 422
    assert client.put(f"{API}/risk/routes/red", headers=worker, json={"role": "grid_police"}).status_code == 403
    assert db.session.scalar(select(SetupChange.entity).where(SetupChange.entity == "risk_route")) == "risk_route"

    red = client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "person", "subject_id": care.patient.id, "tier": "red"})
    assert red.json["team_role"] == "grid_police"
    assert client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "household", "subject_id": care.household.id,
                                                                    "tier": "red"}).status_code == 200
    # The police officer sees what was routed to them, red first; not the yellow that went to the community.
    seen = client.get(f"{API}/risk/ratings", headers=auth_headers(care.police)).json
    assert {i["subject_kind"] for i in seen["items"]} == {"person", "household"} and all(i["tier"] == "red" for i in seen["items"])
    assert client.get(f"{API}/risk/ratings", headers=auth_headers(care.police4)).json["meta"]["total"] == 0
    assert client.get(f"{API}/risk/ratings", headers=auth_headers(city.worker4)).json["meta"]["total"] == 0
    household_rating = next(i for i in seen["items"] if i["subject_kind"] == "household")
    events = client.get(f"{API}/risk/ratings/{household_rating['id']}/events", headers=worker).json["items"]
    assert [(e["from_tier"], e["to_tier"], e["team_role"]) for e in events] == [(None, "yellow", "community_admin"),
                                                                                ("yellow", "red", "grid_police")]
    # The same tier again is no change; others' places and unknown subjects are refused.
    client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "household", "subject_id": care.household.id, "tier": "red"})
    assert db.session.scalar(select(func.count()).select_from(RiskRatingEvent)) == 3
    assert client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "household", "subject_id": care.other.id,
                                                                    "tier": "red"}).status_code == 403
    assert client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "household", "subject_id": 99999,
                                                                    "tier": "red"}).status_code == 404
    assert client.post(f"{API}/risk/ratings", headers=worker, json={"subject_kind": "planet", "subject_id": 1,
                                                                    "tier": "red"}).status_code == 422
    assert client.post(f"{API}/risk/ratings", headers=auth_headers(care.police), json={
        "subject_kind": "household", "subject_id": care.household.id, "tier": "green"}).status_code == 403
    from gridapp.services.care import risk

    assert risk.counts(city.city.id, city.root.path) == {"green": 0, "yellow": 0, "red": 2}


def test_a_case_can_carry_a_risk_tier(client, city, cats, care):
    from gridapp.models import Case

    case = Case(city_id=city.city.id, channel="patrol", state="submitted", category_id=cats["garbage"].id, grid_id=city.g1.id,
                community_id=city.c1.id, region_path=city.g1.path, outside_grid=False, description="", anonymous=False)
    db.session.add(case)
    db.session.commit()
    rated = client.post(f"{API}/risk/ratings", headers=auth_headers(city.users[Role.STREET_ADMIN]),
                        json={"subject_kind": "case", "subject_id": case.id, "tier": "green"})
    assert rated.status_code == 200 and rated.json["team_role"] == "grid_worker"
