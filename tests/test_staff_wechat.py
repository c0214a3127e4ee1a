"""Staff sign in with WeChat as residents do: bound on a password sign-in, then under the password's rules
(the lock after wrong passwords, a password an admin gave, the second factor); anyone unbinds their own."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import AttemptCounter, User
from tests.support.errors import assert_error
from tests.support.factories import PASSWORD
from tests.support.fakes import FakeWeChat

CITY = "testcity"


@pytest.fixture
def wechat(app, monkeypatch):
    """The fake jscode2session server, with the app configured to use it (restored afterwards)."""
    with FakeWeChat({"wx-w": "openid-w", "wx-w2": "openid-w", "wx-s": "openid-s"}) as fake:
        monkeypatch.setitem(app.config, "WECHAT_APPID", FakeWeChat.APPID)
        monkeypatch.setitem(app.config, "WECHAT_SECRET", FakeWeChat.SECRET)
        monkeypatch.setitem(app.config, "WECHAT_JSCODE2SESSION_URL", fake.url)
        yield fake


def login(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/api/v1/auth/login", json={"city": CITY, "username": username, "password": password, **extra})


def wechat_login(client, code: str):
    return client.post("/api/v1/auth/wechat", json={"city": CITY, "code": code})


def change(user: User, **values) -> None:
    db.session.rollback()
    db.session.execute(db.update(User).where(User.id == user.id).values(**values))
    db.session.commit()


def test_staff_bind_on_password_sign_in_then_sign_in_with_wechat(client, city, clock, wechat):
    worker = city.users[Role.GRID_WORKER]
    assert_error(wechat_login(client, "wx-w"), 401, "wechat_not_bound")
    bound = login(client, "worker1", wechat_code="wx-w")
    assert bound.status_code == 200, bound.json
    assert bound.json["user"]["wechat_bound"] is True

    signed_in = wechat_login(client, "wx-w2")
    assert signed_in.status_code == 200, signed_in.json
    assert signed_in.json["user"]["id"] == worker.id
    assert [g["role"] for g in signed_in.json["user"]["grants"]] == ["grid_worker"]

    # One WeChat account, one account of the city: another staff member cannot take it over.
    assert_error(login(client, "staff", wechat_code="wx-w"), 409, "wechat_already_bound")


def test_a_wrong_password_binds_nothing_and_a_wechat_failure_counts_no_attempt(client, city, clock, wechat):
    assert_error(login(client, "worker1", "wrong", wechat_code="wx-w"), 401, "bad_credentials")
    assert_error(wechat_login(client, "wx-w"), 401, "wechat_not_bound")
    assert_error(login(client, "worker1", wechat_code="made-up"), 401, "wechat_code_invalid")
    db.session.rollback()
    hits = db.session.scalars(select(AttemptCounter.hits).where(AttemptCounter.scope == "password_failures")).all()
    assert hits == [1]  # the wrong password, not the WeChat refusal


def test_wechat_sign_in_keeps_the_password_rules(client, city, clock, wechat):
    worker = city.users[Role.GRID_WORKER]
    assert login(client, "worker1", wechat_code="wx-w").status_code == 200

    for _ in range(5):
        last = login(client, "worker1", "wrong")
    assert_error(last, 423, "account_locked")
    assert_error(wechat_login(client, "wx-w"), 423, "account_locked")  # the lock holds for WeChat too
    clock.advance(timedelta(minutes=16))
    assert wechat_login(client, "wx-w").status_code == 200

    change(worker, must_change_password=True)
    assert_error(wechat_login(client, "wx-w"), 403, "password_change_required")
    change(worker, must_change_password=False, totp_secret="JBSWY3DPEHPK3PXP", totp_enabled_at=now())
    assert_error(wechat_login(client, "wx-w"), 401, "totp_required")


def test_a_first_password_change_binds_too(client, city, clock, wechat):
    change(city.users[Role.DEPARTMENT_STAFF], must_change_password=True)
    assert_error(login(client, "staff", wechat_code="wx-s"), 403, "password_change_required")
    assert_error(wechat_login(client, "wx-s"), 401, "wechat_not_bound")
    changed = client.post(
        "/api/v1/auth/password",
        json={"city": CITY, "username": "staff", "password": PASSWORD, "new_password": "a-new-password-1", "wechat_code": "wx-s"},
    )
    assert changed.status_code == 200, changed.json
    assert wechat_login(client, "wx-s").json["user"]["id"] == city.users[Role.DEPARTMENT_STAFF].id


def test_anyone_unbinds_their_own_wechat(client, city, clock, wechat):
    token = login(client, "worker1", wechat_code="wx-w").json["access_token"]
    assert_error(client.delete("/api/v1/me/wechat"), 401, "token_invalid")
    unbound = client.delete("/api/v1/me/wechat", headers={"Authorization": f"Bearer {token}"})
    assert unbound.status_code == 200 and unbound.json["wechat_bound"] is False
    assert_error(wechat_login(client, "wx-w"), 401, "wechat_not_bound")
    assert client.delete("/api/v1/me/wechat", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # The WeChat account is free for another account now.
    assert login(client, "staff", wechat_code="wx-w").json["user"]["wechat_bound"] is True
