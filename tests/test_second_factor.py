"""Staff second factor (TOTP): set up with the password, on with the first code, required of admins by the city."""
from __future__ import annotations

from datetime import timedelta

import pyotp

from gridapp import clock as clock_module
from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import User
from tests.support.errors import assert_error
from tests.support.factories import PASSWORD, auth_headers
from tests.support.fakes import sms_codes

CITY = "testcity"


def login(client, username, totp=None):
    body = {"city": CITY, "username": username, "password": PASSWORD}
    if totp is not None:
        body["totp"] = totp
    return client.post("/api/v1/auth/login", json=body)


def setup(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/totp/setup", json={"city": CITY, "username": username, "password": password})


def code(secret: str) -> str:
    return pyotp.TOTP(secret).at(clock_module.now())


def test_staff_turn_the_second_factor_on_and_every_code_works_once(client, city, clock):
    assert_error(setup(client, "worker1", "wrong-password"), 401, "bad_credentials")
    started = setup(client, "worker1")
    assert started.status_code == 200, started.json
    secret = started.json["secret"]
    assert started.json["otpauth_uri"].startswith("otpauth://totp/") and secret in started.json["otpauth_uri"]
    assert login(client, "worker1").status_code == 200  # not on until a code from the app signs in
    assert_error(login(client, "worker1", "000000" if code(secret) != "000000" else "111111"), 401, "totp_invalid")
    assert login(client, "worker1", code(secret)).status_code == 200  # on now

    assert_error(login(client, "worker1"), 401, "totp_required")
    assert_error(login(client, "worker1", code(secret)), 401, "totp_invalid")  # the same code again
    clock.advance(timedelta(seconds=30))
    assert login(client, "worker1", code(secret)).status_code == 200
    assert_error(setup(client, "worker1"), 409, "totp_enabled")  # nobody with the password alone can replace it

    worker = auth_headers(city.users[Role.GRID_WORKER])
    clock.advance(timedelta(seconds=30))
    assert client.delete("/api/v1/me/totp", json={"totp": code(secret)}, headers=worker).status_code == 204
    assert login(client, "worker1").status_code == 200


def test_sms_and_wechat_sign_ins_are_refused_where_a_code_is_needed(client, city, clock, caplog):
    caplog.set_level("WARNING", logger="gridapp.sms")
    secret = setup(client, "worker1").json["secret"]
    assert login(client, "worker1", code(secret)).status_code == 200
    phone = city.users[Role.GRID_WORKER].phone
    assert client.post("/api/v1/auth/code", json={"city": CITY, "phone": phone, "agreed": True}).status_code == 202
    body = {"city": CITY, "phone": phone, "code": sms_codes(caplog, phone)[-1]}
    sms_login = client.post("/api/v1/auth/code/verify", json=body)
    assert_error(sms_login, 401, "totp_required")


def test_the_city_requires_a_second_factor_of_its_admins(client, city, clock):
    for role in (Role.COMMUNITY_ADMIN, Role.GRID_WORKER):
        headers = auth_headers(city.users[role])
        refused = client.put("/api/v1/city/second-factor", json={"require_admin_totp": True}, headers=headers)
        assert refused.status_code == 403
    system = auth_headers(city.users[Role.SYSTEM_ADMIN])
    response = client.put("/api/v1/city/second-factor", json={"require_admin_totp": True}, headers=system)
    assert response.status_code == 200 and response.json == {"require_admin_totp": True}

    assert_error(login(client, "commadmin"), 403, "totp_setup_required")
    assert login(client, "worker1").status_code == 200  # grid workers are not admins
    secret = setup(client, "commadmin").json["secret"]
    assert_error(login(client, "commadmin"), 403, "totp_setup_required")  # set up, not yet on
    assert login(client, "commadmin", code(secret)).status_code == 200
    assert db.session.get(User, city.users[Role.COMMUNITY_ADMIN].id).totp_enabled_at is not None
    clock.advance(timedelta(seconds=30))
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    turned_off = client.delete("/api/v1/me/totp", json={"totp": code(secret)}, headers=admin)
    assert_error(turned_off, 403, "totp_required_by_city")
    assert_error(setup(client, "resident-has-no-password"), 401, "bad_credentials")
