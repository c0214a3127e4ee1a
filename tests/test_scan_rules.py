"""Every code type × every kind of scanner: nobody sees more than the rules allow.

The rules are written as a table of secrets (names, whole phones, ID numbers) and the
(code kind, scanner) pairs allowed to see each. Every scan of every pair is checked in
both directions: a secret is present exactly where allowed, absent everywhere else.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import HouseholdAccessLog, QrCode, ScanLog, Visit
from tests.support.cases import add_categories, jpeg, photo_files
from tests.support.factories import auth_headers
from tests.support.places import (
    CADRE_PHONE,
    EBIKE_OWNER,
    EBIKE_PHONE,
    MEMBER_ID,
    MEMBER_NAME,
    MEMBER_PHONE,
    SHOP_OWNER_PHONE,
    VENDOR_NAME,
    VENDOR_PHONE,
)

KINDS = ["household_outdoor", "household_indoor", "shop", "cadre", "ebike", "stall", "place", "resident"]
OFFICIALS = ["community_admin", "street_admin", "district_admin", "super_admin", "system_admin"]
SCANNERS = ["anonymous", "resident", "member", "owner", "worker", "other_worker", "department_staff", "department_admin", *OFFICIALS]


def pairs(kinds, scanners):
    return {(k, s) for k in kinds for s in scanners}


ALLOWED = {
    MEMBER_NAME: pairs(["household_indoor"], ["member", "worker", *OFFICIALS]) | pairs(["resident"], ["worker", *OFFICIALS]),
    MEMBER_PHONE: pairs(["household_indoor"], ["member", "worker"]) | pairs(["resident"], ["worker"]),
    MEMBER_ID: set(),
    "3号楼2单元502室": pairs(["household_indoor"], ["member", "worker", *OFFICIALS]) | pairs(["resident"], ["worker", *OFFICIALS]),
    EBIKE_OWNER: pairs(["ebike"], ["owner", "worker", "department_staff", "department_admin", *OFFICIALS]),
    EBIKE_PHONE: pairs(["ebike"], ["owner", "worker", *OFFICIALS]),
    SHOP_OWNER_PHONE: pairs(["shop"], ["worker", *OFFICIALS]),
    "王店主": pairs(["shop"], ["worker", "department_staff", "department_admin", *OFFICIALS]),
    CADRE_PHONE: set(),
    VENDOR_PHONE: pairs(["stall"], ["worker", *OFFICIALS]),
    VENDOR_NAME: pairs(["stall"], ["worker", "department_staff", "department_admin", *OFFICIALS]),
    "13900000002": set(),  # the grid worker's own phone is only ever shown masked
}
EXPECTED_VIEWER = {
    "anonymous": "anonymous", "resident": "resident", "other_worker": "resident", "worker": "grid_worker",
    "department_staff": "department", "department_admin": "department", **{o: "official" for o in OFFICIALS},
}


def scanner_headers(city, places, scanner):
    users = {
        "resident": city.users[Role.RESIDENT], "member": places.member_user, "owner": places.owner_user,
        "worker": city.users[Role.GRID_WORKER], "other_worker": city.worker4,
        **{name: city.users[Role(name)] for name in ["department_staff", "department_admin", *OFFICIALS]},
    }
    return {} if scanner == "anonymous" else auth_headers(users[scanner])


def test_each_code_kind_by_each_scanner_shows_only_what_the_rules_allow(client, city, places):
    seen = {}
    for kind in KINDS:
        for scanner in SCANNERS:
            response = client.get(f"/api/v1/scan/{places.tokens[kind]}", headers=scanner_headers(city, places, scanner))
            assert response.status_code == 200, (kind, scanner, response.json)
            seen[kind, scanner] = response.json
            text = json.dumps(response.json, ensure_ascii=False)
            for secret, allowed in ALLOWED.items():
                assert (secret in text) == ((kind, scanner) in allowed), (secret, kind, scanner, text)
            if scanner in EXPECTED_VIEWER and (kind, scanner) != ("cadre", "worker"):  # a cadre's code is the community's
                assert response.json["viewer"] == EXPECTED_VIEWER[scanner], (kind, scanner)

    # The outdoor code: the landing, "report here", the grid worker masked, for everybody.
    for scanner in SCANNERS:
        view = seen["household_outdoor", scanner]
        assert view["place"]["label"] == "一社区3号楼2单元5层"
        assert view["grid_workers"] == [{"name": "worker1", "phone": "139****0002"}]
        report = [a for a in view["actions"] if a["action"] == "report"]
        assert report[0]["href"] == f"/h5/report?code={places.tokens['household_outdoor']}"
    # Who counts as "the person": the member on household codes, the owner on the bike.
    assert seen["household_indoor", "member"]["viewer"] == "member"
    assert seen["resident", "member"]["viewer"] == "member" and seen["resident", "member"]["resident"] == {"is_me": True}
    assert seen["ebike", "owner"]["viewer"] == "member" and seen["ebike", "member"]["viewer"] == "resident"
    # Indoor code to a stranger: a household code of that grid, nothing more.
    stranger = seen["household_indoor", "resident"]
    assert stranger["place"]["label"] == "一网格" and "household" not in stranger
    # A stranger's scan of a resident code shows no place at all.
    assert seen["resident", "anonymous"]["place"] == {"label": None, "grid": None, "community": None}
    # Shops, cadres and stalls show what the issue lists.
    shop = seen["shop", "anonymous"]["shop"]
    assert shop["name"] == "老王面馆" and shop["licence_status_label"] == "有效" and shop["rating"] == {"average": None, "count": 0}
    cadre = seen["cadre", "anonymous"]["cadre"]
    assert cadre["name"] == "李书记" and cadre["post"] == "党委书记" and cadre["phone"] == "139****3333"
    stall = seen["stall", "anonymous"]["stall"]
    assert stall["vendor_name"] == "赵*主" and stall["hours"] == "17:00-21:00" and "valid_now" in stall
    assert seen["place", "anonymous"]["facility"]["kind_label"] == "楼道"
    # Anonymous scanners are asked to sign in before acting.
    move = [a for a in seen["ebike", "anonymous"]["actions"] if a["action"] == "move"]
    assert move[0]["login_required"] is True


def test_scans_are_logged_counted_and_staff_reads_of_a_household_are_recorded(client, city, places):
    token = places.tokens["household_indoor"]
    client.get(f"/api/v1/scan/{token}", headers={"User-Agent": "MicroMessenger test"})
    client.get(f"/api/v1/scan/{token}", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))
    client.get(f"/c/{token}", headers=auth_headers(city.users[Role.GRID_WORKER]))
    client.get(f"/api/v1/scan/{token}", headers=auth_headers(places.member_user))
    db.session.expire_all()
    code = db.session.get(QrCode, places.codes["household_indoor"].id)
    assert code.scan_count == 4 and code.last_scanned_at is not None
    logs = db.session.scalars(select(ScanLog).where(ScanLog.code_id == code.id).order_by(ScanLog.id)).all()
    assert [(l.viewer, l.channel) for l in logs] == [("anonymous", "api"), ("official", "api"), ("grid_worker", "h5"), ("member", "api")]
    assert logs[0].user_id is None and logs[0].user_agent == "MicroMessenger test"
    reads = db.session.scalars(select(HouseholdAccessLog).order_by(HouseholdAccessLog.id)).all()
    assert [(r.user_id, r.action) for r in reads] == [
        (city.users[Role.COMMUNITY_ADMIN].id, "read"), (city.users[Role.GRID_WORKER].id, "read"),
    ]  # a member reading their own record is not a staff read
    # The grid worker's scan opened a home visit.
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1


def test_withdrawn_codes_are_gone_and_unknown_ones_not_found_on_both_doors(client, city, places):
    from gridapp.services.accounts.users import load_actor
    from gridapp.services.codes.issuing import reissue_code, revoke_code

    admin = load_actor(city.city.id, city.users[Role.COMMUNITY_ADMIN].id)
    reissue_code(admin, places.codes["shop"].id)
    revoke_code(admin, places.codes["place"].id)
    for token, status, code in [
        (places.tokens["shop"], 410, "code_replaced"),
        (places.tokens["place"], 410, "code_revoked"),
        ("Z" * 22, 404, "code_not_found"),
        ("nope", 404, "code_not_found"),
    ]:
        api = client.get(f"/api/v1/scan/{token}", headers=auth_headers(city.users[Role.SYSTEM_ADMIN]))
        assert api.status_code == status and api.json["code"] == code
        assert set(api.json) == {"code", "message", "details"} and api.json["details"] is None
        page = client.get(f"/c/{token}")
        assert page.status_code == status
        html = page.get_data(as_text=True)
        assert f'data-code="{code}"' in html
        assert "老王面馆" not in html and "楼道" not in html
    assert "已更换" in client.get(f"/c/{places.tokens['shop']}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScanLog)) == 0


def test_h5_page_uses_the_cookie_and_a_stale_cookie_is_anonymous(client, city, places):
    token = places.tokens["household_indoor"]
    anonymous = client.get(f"/c/{token}")
    assert anonymous.status_code == 200 and MEMBER_NAME not in anonymous.get_data(as_text=True)
    assert anonymous.headers["Cache-Control"] == "private, no-store"
    worker = client.get(f"/c/{token}", headers=auth_headers(city.users[Role.GRID_WORKER]))
    assert MEMBER_NAME in worker.get_data(as_text=True)
    client.set_cookie("access_token_cookie", "stale.garbage.token")
    stale = client.get(f"/c/{token}")
    assert stale.status_code == 200 and MEMBER_NAME not in stale.get_data(as_text=True)


@pytest.mark.parametrize("scanner", ["anonymous", "resident"])
def test_a_scans_report_action_says_whether_reporting_needs_sign_in(client, city, places, scanner):
    """`login_required` on "report" is what the report endpoint answers the same caller: 401 exactly when true."""
    garbage = add_categories(city)["garbage"]
    offered = 0
    for kind in KINDS:
        view = client.get(f"/api/v1/scan/{places.tokens[kind]}", headers=scanner_headers(city, places, scanner)).json
        for action in (a for a in view["actions"] if a["action"] == "report"):
            offered += 1
            data = {"category_id": str(garbage.id), "code": places.tokens[kind], "photos": photo_files(jpeg())}
            headers = {**scanner_headers(city, places, scanner), "Idempotency-Key": f"scan-{kind}-{scanner}"}
            answer = client.post("/api/v1/reports", data=data, headers=headers, content_type="multipart/form-data")
            assert action["login_required"] is (answer.status_code == 401), (kind, scanner, answer.get_json())
            if scanner == "resident":
                assert answer.status_code == 201, (kind, answer.get_json())
    assert offered >= 4


def test_a_household_member_sees_who_read_the_record_and_when(client, city, places, clock):
    token = places.tokens["household_indoor"]
    client.get(f"/api/v1/scan/{token}", headers=auth_headers(city.users[Role.GRID_WORKER]))
    clock.advance(timedelta(hours=1))
    client.get(f"/api/v1/admin/households/{places.household.id}", headers=auth_headers(city.users[Role.STREET_ADMIN]))
    clock.advance(timedelta(hours=1))
    member = auth_headers(places.member_user)
    assert client.patch(f"/api/v1/scan/{token}/me", json={"phone": "13700000010"}, headers=member).status_code == 200

    response = client.get("/api/v1/me/household-reads", headers=member)
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert [(i["action"], i["via"]) for i in items] == [("update", "self"), ("read", "admin"), ("read", "scan")]
    worker = {"role": "grid_worker", "role_label": "网格员", "organisation": "一网格", "name": "w*****1"}
    street = {"role": "street_admin", "role_label": "街道管理员", "organisation": "一街道", "name": "s*********n"}
    assert (items[2]["reader"], items[1]["reader"]) == (worker, street)
    assert items[0]["reader"]["role_label"] == "本户成员"
    assert items[2]["at"] == "2026-11-23T09:00:00+00:00" and items[2]["household_id"] == places.household.id
    text = json.dumps(response.json, ensure_ascii=False)
    assert "worker1" not in text and "streetadmin" not in text  # staff names only masked
    assert client.get("/api/v1/me/household-reads", headers=auth_headers(city.users[Role.RESIDENT])).json["items"] == []
    assert client.get("/api/v1/me/household-reads").status_code == 401
