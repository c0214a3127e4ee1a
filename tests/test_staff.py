"""Staff accounts run by their admins: roles below one's own inside one's subtree, sessions that end with the
account, passwords an admin gave that must be changed, all-or-nothing imports, and the audit of every change."""
from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import RoleGrant, StaffAuditEntry, User
from tests.support.errors import assert_error
from tests.support.factories import PASSWORD, account, auth_headers
from tests.support.fakes import sms_codes

CITY = "testcity"
NEW_PASSWORD = "a password of my own"


def as_(city, role):
    return auth_headers(city.users[role])


def worker_body(username="newworker", region_ids=(), **extra):
    return {
        "username": username, "display_name": "新网格员", "phone": "13700000001", "password": "given-by-admin",
        "grants": [{"role": "grid_worker", "region_ids": list(region_ids)}], **extra,
    }


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"city": CITY, "username": username, "password": password})


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(RoleGrant)),
        db.session.scalar(select(func.count()).select_from(StaffAuditEntry)),
    )


def test_a_community_admin_creates_a_grid_worker_who_chooses_a_password_at_first_sign_in(client, city):
    admin = as_(city, Role.COMMUNITY_ADMIN)
    made = client.post("/api/v1/staff", json=worker_body(region_ids=[city.g1.id, city.g2.id]), headers=admin)
    assert made.status_code == 201, made.json
    assert made.json["must_change_password"] is True and made.json["manageable"] is True
    assert sorted(g["region_name"] for g in made.json["grants"]) == ["一网格", "二网格"]

    assert_error(login(client, "newworker", "given-by-admin"), 403, "password_change_required")
    wrong = client.post("/api/v1/auth/password", json={
        "city": CITY, "username": "newworker", "password": "not-it", "new_password": NEW_PASSWORD,
    })
    assert_error(wrong, 401, "bad_credentials")
    changed = client.post("/api/v1/auth/password", json={
        "city": CITY, "username": "newworker", "password": "given-by-admin", "new_password": NEW_PASSWORD,
    })
    assert changed.status_code == 200, changed.json
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {changed.json['access_token']}"}).json["username"] == "newworker"
    assert login(client, "newworker", NEW_PASSWORD).status_code == 200
    assert_error(login(client, "newworker", "given-by-admin"), 401, "bad_credentials")

    audit = client.get("/api/v1/staff-audit", headers=admin).json["items"]
    assert [(e["action"], e["actor_name"], e["user_name"]) for e in audit] == [("create", "commadmin", "新网格员")]
    assert audit[0]["before"] is None and len(audit[0]["after"]["grants"]) == 2


def test_nobody_grants_a_role_at_or_above_their_own_or_outside_their_subtree(client, city):
    admin = as_(city, Role.COMMUNITY_ADMIN)
    before = counts()
    refused = [
        worker_body(region_ids=[city.g3.id]),  # a grid of another community
        worker_body(region_ids=[city.g1.id, city.g4.id]),  # one of them outside: nothing at all
        {**worker_body(), "grants": [{"role": "community_admin", "region_ids": [city.c1.id]}]},  # equal
        {**worker_body(), "grants": [{"role": "street_admin", "region_ids": [city.s1.id]}]},  # above
        {**worker_body(), "grants": [{"role": "department_staff", "department_id": city.department.id}]},  # serves d1
    ]
    for body in refused:
        assert_error(client.post("/api/v1/staff", json=body, headers=admin), 403, "grant_forbidden")
    district = as_(city, Role.DISTRICT_ADMIN)
    assert_error(client.post("/api/v1/staff", json={
        **worker_body(), "grants": [{"role": "super_admin", "region_ids": [city.d1.id]}],
    }, headers=district), 403, "grant_forbidden")
    for body in (
        {**worker_body(), "grants": [{"role": "grid_worker", "region_ids": [city.c1.id]}]},  # a grid role on a community
        {**worker_body(), "grants": [{"role": "department_staff"}]},
        {**worker_body(), "grants": []},
        {**worker_body(), "password": "short"},
        {**worker_body(), "username": "worker1"},  # taken
        {**worker_body(), "grants": [{"role": "system_admin"}]},
    ):
        assert client.post("/api/v1/staff", json=body, headers=admin).status_code == 422, body
    assert counts() == before

    # The district admin may staff the department that serves only their district; the street admin may not.
    dept = {**worker_body("cg1"), "grants": [{"role": "department_admin", "department_id": city.department.id}]}
    assert_error(client.post("/api/v1/staff", json=dept, headers=as_(city, Role.STREET_ADMIN)), 403, "grant_forbidden")
    assert client.post("/api/v1/staff", json=dept, headers=district).status_code == 201


def test_other_roles_cannot_reach_staff_accounts(client, city):
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF):
        assert_error(client.get("/api/v1/staff", headers=as_(city, role)), 403, "forbidden")
        assert_error(client.post("/api/v1/staff", json=worker_body(region_ids=[city.g1.id]), headers=as_(city, role)), 403, "forbidden")
        assert_error(client.get("/api/v1/staff-audit", headers=as_(city, role)), 403, "forbidden")


def test_admins_see_their_subtree_and_manage_only_accounts_below_them(client, city):
    peer = account(city.city.id, "commadmin2", Role.COMMUNITY_ADMIN, region=city.c1)
    db.session.commit()
    admin = as_(city, Role.COMMUNITY_ADMIN)
    listed = client.get("/api/v1/staff?per_page=100", headers=admin).json
    names = {item["username"]: item["manageable"] for item in listed["items"]}
    assert names == {"worker1": True, "commadmin": False, "commadmin2": False, "petitionagent": True, "mediator1": True}
    assert "13900000002" == next(i["phone"] for i in listed["items"] if i["username"] == "worker1")
    assert client.get("/api/v1/staff?q=worker", headers=admin).json["meta"]["total"] == 1

    before = counts()
    assert_error(client.post(f"/api/v1/staff/{peer.id}/deactivate", headers=admin), 403, "staff_forbidden")
    me = city.users[Role.COMMUNITY_ADMIN].id
    assert_error(client.post(f"/api/v1/staff/{me}/password", json={"password": "x" * 10}, headers=admin), 403, "staff_forbidden")
    outside = city.worker4.id
    assert_error(client.post(f"/api/v1/staff/{outside}/deactivate", headers=admin), 404, "staff_not_found")
    assert_error(client.patch(f"/api/v1/staff/{outside}", json={"display_name": "改"}, headers=admin), 404, "staff_not_found")
    assert counts() == before
    whole = client.get("/api/v1/staff?per_page=100", headers=as_(city, Role.SYSTEM_ADMIN)).json
    assert whole["meta"]["total"] == 14  # every staff account (the 12345 operator, 信访 staff and the mediator too), not the resident


def test_a_deactivated_accounts_tokens_stop_working_at_once(client, city):
    worker = city.users[Role.GRID_WORKER]
    signed_in = login(client, "worker1").json
    token = {"Authorization": f"Bearer {signed_in['access_token']}"}
    refresh = {"Authorization": f"Bearer {signed_in['refresh_token']}"}
    assert client.get("/api/v1/me", headers=token).status_code == 200
    admin = as_(city, Role.COMMUNITY_ADMIN)
    off = client.post(f"/api/v1/staff/{worker.id}/deactivate", headers=admin)
    assert off.status_code == 200 and off.json["is_active"] is False
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    assert_error(login(client, "worker1"), 401, "bad_credentials")

    on = client.post(f"/api/v1/staff/{worker.id}/reactivate", headers=admin)
    assert on.status_code == 200 and on.json["is_active"] is True
    assert client.get("/api/v1/me", headers=token).status_code == 401  # old sessions stay ended
    assert login(client, "worker1").status_code == 200
    actions = [e["action"] for e in client.get(f"/api/v1/staff-audit?user_id={worker.id}", headers=admin).json["items"]]
    assert actions == ["reactivate", "deactivate"]


def test_a_reset_password_ends_sessions_and_must_be_changed(client, city):
    worker = city.users[Role.GRID_WORKER]
    token = {"Authorization": f"Bearer {login(client, 'worker1').json['access_token']}"}
    reset = client.post(f"/api/v1/staff/{worker.id}/password", json={"password": "temporary-1"}, headers=as_(city, Role.STREET_ADMIN))
    assert reset.status_code == 200 and reset.json["must_change_password"] is True
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert_error(login(client, "worker1", "temporary-1"), 403, "password_change_required")
    assert_error(client.post("/api/v1/auth/password", json={
        "city": CITY, "username": "worker1", "password": "temporary-1", "new_password": "temporary-1",
    }), 422, "validation_failed")
    assert client.post("/api/v1/auth/password", json={
        "city": CITY, "username": "worker1", "password": "temporary-1", "new_password": NEW_PASSWORD,
    }).status_code == 200
    assert login(client, "worker1", NEW_PASSWORD).status_code == 200


def test_no_other_sign_in_works_until_the_password_is_changed(client, city, caplog):
    caplog.set_level("WARNING", logger="gridapp.sms")
    worker = city.users[Role.GRID_WORKER]
    client.post(f"/api/v1/staff/{worker.id}/password", json={"password": "temporary-1"}, headers=as_(city, Role.COMMUNITY_ADMIN))
    assert client.post("/api/v1/auth/code", json={"city": CITY, "phone": worker.phone, "agreed": True}).status_code == 202
    body = {"city": CITY, "phone": worker.phone, "code": sms_codes(caplog, worker.phone)[-1]}
    assert_error(client.post("/api/v1/auth/code/verify", json=body), 403, "password_change_required")


def test_grants_are_given_and_taken_back_with_the_audit_saying_before_and_after(client, city):
    worker = city.users[Role.GRID_WORKER]
    admin = as_(city, Role.COMMUNITY_ADMIN)
    given = client.post(f"/api/v1/staff/{worker.id}/grants", json={"role": "grid_worker", "region_ids": [city.g2.id]}, headers=admin)
    assert given.status_code == 200 and len(given.json["grants"]) == 2
    assert_error(client.post(f"/api/v1/staff/{worker.id}/grants", json={"role": "grid_worker", "region_ids": [city.g3.id]}, headers=admin), 403, "grant_forbidden")
    first = given.json["grants"][0]["id"]
    taken = client.delete(f"/api/v1/staff/{worker.id}/grants/{first}", headers=admin)
    assert taken.status_code == 200 and [g["region_name"] for g in taken.json["grants"]] == ["二网格"]
    last = taken.json["grants"][0]["id"]
    assert_error(client.delete(f"/api/v1/staff/{worker.id}/grants/{last}", headers=admin), 422, "validation_failed")

    entries = client.get("/api/v1/staff-audit", headers=admin).json["items"]
    assert [e["action"] for e in entries] == ["revoke", "grant"]
    revoke = entries[0]
    assert [g["region_name"] for g in revoke["before"]["grants"]] == ["一网格", "二网格"]
    assert [g["region_name"] for g in revoke["after"]["grants"]] == ["二网格"]
    # The admin of another district reads none of it; the district above reads all of it.
    other = account(city.city.id, "d2admin", Role.DISTRICT_ADMIN, region=city.d2)
    db.session.commit()
    assert client.get("/api/v1/staff-audit", headers=auth_headers(other)).json["items"] == []
    assert len(client.get("/api/v1/staff-audit", headers=as_(city, Role.DISTRICT_ADMIN)).json["items"]) == 2
    row = db.session.scalar(select(StaffAuditEntry).limit(1))
    row.note = "edited"
    try:
        db.session.flush()
        raise AssertionError("an audit entry was edited")
    except RuntimeError:
        db.session.rollback()


def test_a_department_admin_staffs_only_their_own_department(client, city):
    admin = as_(city, Role.DEPARTMENT_ADMIN)
    staff_body = {**worker_body("cgstaff"), "grants": [{"role": "department_staff", "department_id": city.department.id}]}
    made = client.post("/api/v1/staff", json=staff_body, headers=admin)
    assert made.status_code == 201
    listed = {i["username"] for i in client.get("/api/v1/staff", headers=admin).json["items"]}
    assert listed == {"staff", "deptadmin", "cgstaff"}
    promote = {"role": "department_admin", "department_id": city.department.id}
    assert_error(client.post(f"/api/v1/staff/{made.json['id']}/grants", json=promote, headers=admin), 403, "grant_forbidden")
    assert_error(client.post("/api/v1/staff", json=worker_body(region_ids=[city.g1.id]), headers=admin), 403, "grant_forbidden")
    assert client.post(f"/api/v1/staff/{city.users[Role.DEPARTMENT_STAFF].id}/deactivate", headers=admin).status_code == 200


def csv_file(rows) -> bytes:
    header = "用户名,姓名,手机号,初始密码,角色,范围编码,职务\n"
    return (header + "\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def upload(client, city, data, name="staff.csv", role=Role.COMMUNITY_ADMIN):
    return client.post(
        "/api/v1/staff/imports", data={"file": (io.BytesIO(data), name)},
        headers=as_(city, role), content_type="multipart/form-data",
    )


def test_staff_import_is_all_or_nothing_with_each_bad_row_named(client, city):
    template = client.get("/api/v1/staff/import-template.csv", headers=as_(city, Role.COMMUNITY_ADMIN))
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.data.decode("utf-8-sig").splitlines()[0] == "用户名,姓名,手机号,初始密码,角色,范围编码,职务"

    before = counts()
    bad = upload(client, city, csv_file([
        ["zhang", "张三", "13700000011", "password-1", "网格员", "testcity-g1;testcity-g2", "专职"],
        ["lisi", "李四", "1370000", "password-2", "grid_worker", "testcity-g1", ""],  # bad phone
        ["zhang", "张三二", "", "password-3", "网格员", "testcity-g3", ""],  # same username, grid outside c1
        ["wang", "王五", "", "password-4", "社区管理员", "testcity-c1", ""],  # equal role
        ["zhao", "赵六", "", "password-5", "网格员", "nowhere", ""],
    ]))
    body = assert_error(bad, 422, "import_invalid")
    assert sorted((e["row"], e["field"]) for e in body["details"]["errors"]) == [
        (3, "phone"), (4, "scope"), (4, "username"), (5, "scope"), (6, "scope"),
    ]
    assert counts() == before

    book = Workbook()
    sheet = book.active
    sheet.append(["用户名", "姓名", "手机号", "初始密码", "角色", "范围编码", "职务"])
    sheet.append(["zhang", "张三", 13700000011, "password-1", "网格员", "testcity-g1;testcity-g2", "专职"])
    sheet.append(["lisi", "李四", None, "password-2", "grid_worker", "testcity-g2", None])
    data = io.BytesIO()
    book.save(data)
    good = upload(client, city, data.getvalue(), "staff.xlsx")
    assert good.status_code == 201, good.json
    assert good.json == {"imported": 2, "rows": 2}
    assert_error(login(client, "zhang", "password-1"), 403, "password_change_required")
    zhang = db.session.scalar(select(User).where(User.username == "zhang"))
    assert sorted(g.region.name for g in zhang.grants) == ["一网格", "二网格"]
    assert db.session.scalar(select(func.count()).select_from(StaffAuditEntry)) == 2


def test_staff_read_their_own_and_their_departments_points(client, city):
    from gridapp.services.points import ledger

    staff = city.users[Role.DEPARTMENT_STAFF]
    ledger.transfer(city.city.id, "award", "t1", ledger.fund(city.city.id), ledger.staff_account(city.city.id, staff.id), 30)
    ledger.transfer(city.city.id, "award", "t2", ledger.fund(city.city.id), ledger.department_account(city.city.id, city.department.id), 7)
    db.session.commit()
    mine = as_(city, Role.DEPARTMENT_STAFF)
    assert client.get("/api/v1/points/staff/me", headers=mine).json == {"balance": 30}
    assert client.get("/api/v1/points/staff/me/history", headers=mine).json["items"][0]["amount"] == 30
    dept = client.get(f"/api/v1/points/departments/{city.department.id}", headers=mine).json
    assert dept == {"department_id": city.department.id, "department_name": "城管局", "balance": 7}
    assert client.get(f"/api/v1/points/departments/{city.department.id}/history", headers=as_(city, Role.DEPARTMENT_ADMIN)).json["meta"]["total"] == 1
    assert_error(client.get(f"/api/v1/points/departments/{city.department.id}", headers=as_(city, Role.GRID_WORKER)), 403, "forbidden")
    assert_error(client.get("/api/v1/points/staff/me", headers=as_(city, Role.RESIDENT)), 403, "forbidden")
    assert client.get("/api/v1/points/staff/me", headers=as_(city, Role.GRID_WORKER)).json == {"balance": 0}


def test_the_console_staff_pages_open_for_staff_managers_only(client, city):
    worker = city.users[Role.GRID_WORKER].id
    pages = ["/console/staff", "/console/staff/new", f"/console/staff/{worker}", "/console/staff/import", "/console/staff/audit"]
    for role in (Role.COMMUNITY_ADMIN, Role.SYSTEM_ADMIN):
        for url in pages:
            assert client.get(url, headers=as_(city, role)).status_code == 200, (role, url)
    assert client.get("/console/staff", headers=as_(city, Role.DEPARTMENT_ADMIN)).status_code == 200
    assert client.get(f"/console/staff/{worker}", headers=as_(city, Role.DEPARTMENT_ADMIN)).status_code == 404
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.RESIDENT):
        assert client.get("/console/staff", headers=as_(city, role)).status_code == 403, role
    new = client.get("/console/staff/new", headers=as_(city, Role.COMMUNITY_ADMIN)).get_data(as_text=True)
    assert "一社区 · 一网格" in new and "三网格" not in new and "社区管理员" not in new  # only what they may give
    assert "/api/v1/staff/import-template.csv" in client.get("/console/staff/import", headers=as_(city, Role.COMMUNITY_ADMIN)).get_data(as_text=True)
    assert client.get("/console/password").status_code == 200


def test_a_retried_creation_with_the_same_key_makes_one_account(client, city):
    admin = {**as_(city, Role.COMMUNITY_ADMIN), "Idempotency-Key": "staff-create-1"}
    first = client.post("/api/v1/staff", json=worker_body(region_ids=[city.g1.id]), headers=admin)
    again = client.post("/api/v1/staff", json=worker_body(region_ids=[city.g1.id]), headers=admin)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == first.json["id"]
    other = client.post("/api/v1/staff", json=worker_body("another", region_ids=[city.g1.id]), headers=admin)
    assert_error(other, 422, "idempotency_key_reused")
    assert db.session.scalar(select(func.count()).select_from(StaffAuditEntry)) == 1
    unknown = client.patch(f"/api/v1/staff/{first.json['id']}", json={"is_admin": True}, headers=as_(city, Role.COMMUNITY_ADMIN))
    assert_error(unknown, 422, "validation_failed")
