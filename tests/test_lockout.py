"""Repeated wrong passwords lock the account, counted in the database every app server shares."""
from __future__ import annotations

from datetime import timedelta

from gridapp.authz import Role
from gridapp.extensions import db
from tests.conftest import make_app
from tests.support.errors import assert_error
from tests.support.factories import PASSWORD, auth_headers

CITY = "testcity"


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"city": CITY, "username": username, "password": password})


def test_wrong_passwords_on_two_app_servers_lock_the_account_until_an_admin_unlocks_it(database_url, tmp_path, city, clock):
    worker_id = city.users[Role.GRID_WORKER].id
    admin, worker = auth_headers(city.users[Role.COMMUNITY_ADMIN]), auth_headers(city.users[Role.GRID_WORKER])
    db.session.rollback()  # the test's own reads hold no lock that the two servers wait on (SQLite)
    one, two = (make_app(database_url, tmp_path / name).test_client() for name in ("one", "two"))
    for attempt in range(4):
        assert_error(login((one, two)[attempt % 2], "worker1", "wrong"), 401, "bad_credentials")
    locked = assert_error(login(two, "worker1", "wrong"), 423, "account_locked")
    assert locked["details"]["retry_after"] == 15 * 60
    assert locked["details"]["locked_until"].startswith("2026-11-23T09:15:00")
    assert_error(login(one, "worker1"), 423, "account_locked")  # the right password too, on either server
    assert_error(login(two, "worker1"), 423, "account_locked")
    assert login(one, "staff").status_code == 200  # per account: the others sign in

    assert one.get(f"/api/v1/staff/{worker_id}", headers=admin).json["locked_until"].startswith("2026-11-23T09:15:00")
    assert_error(one.post(f"/api/v1/staff/{worker_id}/unlock", headers=worker), 403, "forbidden")
    unlocked = two.post(f"/api/v1/staff/{worker_id}/unlock", headers=admin)
    assert unlocked.status_code == 200 and unlocked.json["locked_until"] is None
    assert login(one, "worker1").status_code == 200
    audit = one.get("/api/v1/staff-audit", headers=admin).json["items"]
    assert [e["action"] for e in audit] == ["unlock"] and audit[0]["before"]["locked_until"]


def test_a_lock_ends_by_itself_and_unknown_names_answer_alike(client, city, clock):
    for _ in range(5):
        last = login(client, "nobody", "wrong")
    assert_error(last, 423, "account_locked")  # nothing tells a name nobody holds from a real one
    for _ in range(5):
        last = login(client, "worker1", "wrong")
    assert_error(last, 423, "account_locked")
    clock.advance(timedelta(minutes=14))
    assert_error(login(client, "worker1"), 423, "account_locked")
    clock.advance(timedelta(minutes=1, seconds=1))
    assert login(client, "worker1").status_code == 200
    assert_error(login(client, "worker1", "wrong"), 401, "bad_credentials")  # the count started again
