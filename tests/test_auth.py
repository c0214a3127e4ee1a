"""Sign-in through the API: staff passwords, tokens and logout, resident SMS codes, WeChat."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from argon2 import PasswordHasher
from flask_jwt_extended import decode_token
from sqlalchemy import func, select, text

from gridapp.authz import Role
from gridapp.errors import RateLimited, ValidationFailed
from gridapp.extensions import db
from gridapp.models import AttemptCounter, OtpChallenge, User
from gridapp.services.accounts.users import hash_password
from tests.conftest import TEST_SECRET
from tests.support import servers
from tests.support.app_process import app_process
from tests.support.errors import assert_error
from tests.support.factories import PASSWORD, build_city
from tests.support.fakes import FakeWeChat, code_in, sms_codes

CITY = "testcity"
PHONE = "13812345678"


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client, username: str, password: str = PASSWORD, city: str = CITY):
    return client.post("/api/v1/auth/login", json={"city": city, "username": username, "password": password})


def tokens_for(client, username: str) -> tuple[str, str]:
    response = login(client, username)
    assert response.status_code == 200, response.json
    return response.json["access_token"], response.json["refresh_token"]


def me(client, token: str):
    return client.get("/api/v1/me", headers=bearer(token))


def reload(user: User) -> User:
    db.session.rollback()
    return db.session.get(User, user.id)


def request_code(client, caplog, phone: str = PHONE, city: str = CITY) -> str:
    before = len(sms_codes(caplog, phone))
    response = client.post("/api/v1/auth/code", json={"city": city, "phone": phone, "agreed": True})
    assert response.status_code == 202, response.json
    codes = sms_codes(caplog, phone)
    assert len(codes) == before + 1, "exactly one SMS per accepted request"
    return codes[-1]


def verify(client, code: str, phone: str = PHONE, **extra):
    return client.post("/api/v1/auth/code/verify", json={"city": CITY, "phone": phone, "code": code, **extra})


def field_errors(body: dict) -> dict:
    """Field errors of a 422: schema errors come per location ({"json": {...}}), service ones flat."""
    details = body["details"] or {}
    return details.get("json", details)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def sms_log(caplog):
    caplog.set_level(logging.WARNING, logger="gridapp.sms")
    return caplog


# --------------------------------------------------------------------------- #
# Staff password login
# --------------------------------------------------------------------------- #


def test_staff_login_returns_access_and_refresh_tokens(app, client, city):
    worker = city.users[Role.GRID_WORKER]
    response = login(client, "worker1")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"]
    assert body["user"]["id"] == worker.id
    assert body["user"]["phone"] == "139****0002"  # masked, never the full number
    assert "password" not in body["user"] and "password_hash" not in body["user"]

    access = decode_token(body["access_token"])
    refresh = decode_token(body["refresh_token"])
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["sub"] == refresh["sub"] == str(worker.id)
    assert access["city"] == refresh["city"] == city.city.id
    assert access["jti"] != refresh["jti"]

    assert me(client, body["access_token"]).json["username"] == "worker1"
    assert reload(worker).last_login_at is not None


def test_staff_login_failures_are_indistinguishable(client, city):
    staff = city.users[Role.DEPARTMENT_STAFF]
    staff.is_active = False
    db.session.commit()

    failures = [
        login(client, "worker1", "wrong password"),
        login(client, "nobody"),
        login(client, "staff"),  # right password, inactive account
        login(client, "worker1", PASSWORD.upper()),
    ]
    messages = {assert_error(r, 401, "bad_credentials")["message"] for r in failures}
    assert len(messages) == 1, "the answer must not reveal which part was wrong"
    assert_error(login(client, "worker1", city="atlantis"), 404, "city_not_found")
    no_password = client.post("/api/v1/auth/login", json={"city": CITY, "username": "worker1"})
    assert_error(no_password, 422, "validation_failed")


def test_a_broken_stored_hash_is_a_401_not_a_crash(client, city):
    city.users[Role.GRID_WORKER].password_hash = "plaintext-from-an-old-import"
    db.session.commit()
    assert_error(login(client, "worker1", "plaintext-from-an-old-import"), 401, "bad_credentials")


# --------------------------------------------------------------------------- #
# Refresh
# --------------------------------------------------------------------------- #


def test_refresh_token_gives_a_working_access_token(client, city):
    access, refresh = tokens_for(client, "worker1")
    response = client.post("/api/v1/auth/refresh", headers=bearer(refresh))
    assert response.status_code == 200, response.json
    new_access = response.json["access_token"]
    assert new_access != access
    assert decode_token(new_access)["type"] == "access"
    assert me(client, new_access).json["id"] == city.users[Role.GRID_WORKER].id

    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(access)), 401, "token_invalid")
    assert_error(me(client, refresh), 401, "token_invalid")
    assert_error(client.get("/api/v1/me"), 401, "token_invalid")
    assert_error(me(client, access[:-4] + "AAAA"), 401, "token_invalid")


def test_refresh_refused_once_the_account_is_deactivated(client, city):
    _access, refresh = tokens_for(client, "worker1")
    city.users[Role.GRID_WORKER].is_active = False
    db.session.commit()
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(refresh)), 401, "account_inactive")


# --------------------------------------------------------------------------- #
# Logout
# --------------------------------------------------------------------------- #


def test_logout_revokes_the_access_and_the_refresh_token(client, city):
    access, refresh = tokens_for(client, "worker1")
    other_access, _ = tokens_for(client, "worker1")  # a second session of the same user

    response = client.post("/api/v1/auth/logout", json={"refresh_token": refresh}, headers=bearer(access))
    assert response.status_code == 204, response.get_json()

    assert_error(me(client, access), 401, "token_revoked")
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(refresh)), 401, "token_revoked")
    assert_error(client.post("/api/v1/auth/logout", json={}, headers=bearer(access)), 401, "token_revoked")
    # Only that session ends.
    assert me(client, other_access).status_code == 200


def test_logout_without_refresh_token_revokes_only_the_access_token(client, city):
    access, refresh = tokens_for(client, "worker1")
    response = client.post("/api/v1/auth/logout", json={}, headers=bearer(access))
    assert response.status_code == 204, response.get_json()
    assert_error(me(client, access), 401, "token_revoked")
    assert client.post("/api/v1/auth/refresh", headers=bearer(refresh)).status_code == 200


def test_signing_out_everywhere_ends_every_session_of_the_account_only(client, city):
    first_access, first_refresh = tokens_for(client, "worker1")
    second_access, second_refresh = tokens_for(client, "worker1")  # another phone
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(second_refresh)).json["access_token"]
    others_access, _ = tokens_for(client, "staff")

    response = client.post("/api/v1/auth/logout-everywhere", headers=bearer(first_access))
    assert response.status_code == 204, response.get_json()

    for access in (first_access, second_access, renewed):
        assert_error(me(client, access), 401, "token_revoked")
    for refresh in (first_refresh, second_refresh):
        assert_error(client.post("/api/v1/auth/refresh", headers=bearer(refresh)), 401, "token_revoked")
    assert me(client, others_access).status_code == 200  # nobody else is signed out
    fresh_access, fresh_refresh = tokens_for(client, "worker1")  # signing in again works at once
    assert me(client, fresh_access).status_code == 200
    renewed_again = client.post("/api/v1/auth/refresh", headers=bearer(fresh_refresh)).json["access_token"]
    assert me(client, renewed_again).status_code == 200


def test_logout_refuses_tokens_that_are_not_the_callers_refresh_token(client, city):
    access, refresh = tokens_for(client, "worker1")
    _, others_refresh = tokens_for(client, "staff")

    for foreign in (others_refresh, access):  # someone else's refresh token; an access token
        response = client.post("/api/v1/auth/logout", json={"refresh_token": foreign}, headers=bearer(access))
        assert_error(response, 403, "forbidden")
    garbage = client.post("/api/v1/auth/logout", json={"refresh_token": "not-a-jwt"}, headers=bearer(access))
    assert_error(garbage, 401, "token_invalid")

    # A refused logout changes nothing: every token involved still works.
    assert client.post("/api/v1/auth/refresh", headers=bearer(others_refresh)).status_code == 200
    assert me(client, access).status_code == 200
    assert client.post("/api/v1/auth/refresh", headers=bearer(refresh)).status_code == 200


# --------------------------------------------------------------------------- #
# Password storage
# --------------------------------------------------------------------------- #


def test_passwords_are_stored_as_argon2id_hashes(client, city):
    stored = db.session.execute(text("SELECT username, password_hash FROM users WHERE username IS NOT NULL")).all()
    assert stored
    for username, password_hash in stored:
        assert password_hash.startswith("$argon2id$"), username
        assert PASSWORD not in password_hash

    first, second = hash_password("another secret"), hash_password("another secret")
    assert first.startswith("$argon2id$") and first != second, "salted: same password, different hashes"
    with pytest.raises(ValidationFailed):
        hash_password("short")
    # Residents have no password at all.
    resident = city.users[Role.RESIDENT]
    assert reload(resident).password_hash is None


def test_a_weak_old_hash_is_upgraded_on_login(client, city):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    city.users[Role.GRID_WORKER].password_hash = weak
    db.session.commit()
    assert login(client, "worker1").status_code == 200
    upgraded = reload(city.users[Role.GRID_WORKER]).password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(upgraded)
    assert login(client, "worker1").status_code == 200


# --------------------------------------------------------------------------- #
# Resident SMS code
# --------------------------------------------------------------------------- #


def test_first_code_login_creates_a_resident(app, client, city, clock, sms_log):
    response = client.post("/api/v1/auth/code", json={"city": CITY, "phone": PHONE, "agreed": True})
    assert response.status_code == 202, response.json
    assert response.json == {"expires_in": app.config["OTP_TTL_SECONDS"]}
    code = code_in(next(r.getMessage() for r in sms_log.records if r.name == "gridapp.sms"))

    # Only a keyed hash of the code is stored.
    challenge = db.session.scalar(select(OtpChallenge).where(OtpChallenge.phone == PHONE))
    assert code not in challenge.code_hash

    login_response = verify(client, code)
    assert login_response.status_code == 200, login_response.json
    user = login_response.json["user"]
    assert [g["role"] for g in user["grants"]] == ["resident"]
    assert user["phone"] == "138****5678"
    assert user["username"] is None
    assert me(client, login_response.json["access_token"]).json["id"] == user["id"]
    assert db.session.scalar(select(User.password_hash).where(User.id == user["id"])) is None

    assert_error(verify(client, code), 401, "bad_login_code")  # a code works once

    clock.advance(timedelta(seconds=app.config["OTP_RESEND_SECONDS"] + 1))
    again = verify(client, request_code(client, sms_log))
    assert again.status_code == 200, again.json
    assert again.json["user"]["id"] == user["id"], "the second sign-in finds the same account"
    assert db.session.scalar(select(func.count()).select_from(User).where(User.phone == PHONE)) == 1


def test_existing_staff_phone_signs_in_to_the_existing_account(client, city, clock, sms_log):
    response = verify(client, request_code(client, sms_log, phone="13900000002"), phone="13900000002")
    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == city.users[Role.GRID_WORKER].id
    assert [g["role"] for g in response.json["user"]["grants"]] == ["grid_worker"]


def test_code_requests_are_rate_limited_per_phone(app, client, city, clock, sms_log):
    request_code(client, sms_log)
    clock.advance(timedelta(seconds=10))
    body = assert_error(client.post("/api/v1/auth/code", json={"city": CITY, "phone": PHONE, "agreed": True}), 429, "rate_limited")
    assert body["details"]["retry_after"] == app.config["OTP_RESEND_SECONDS"] - 10
    assert len(sms_codes(sms_log, PHONE)) == 1, "a refused request sends nothing"

    request_code(client, sms_log, phone="13812345679")  # another phone is not affected
    clock.advance(timedelta(seconds=app.config["OTP_RESEND_SECONDS"] - 10))
    request_code(client, sms_log)


def test_a_phone_gets_only_so_many_codes_a_day(app, client, city, clock, sms_log):
    for _ in range(app.config["OTP_DAILY_LIMIT"]):
        request_code(client, sms_log)
        clock.advance(timedelta(seconds=app.config["OTP_RESEND_SECONDS"]))
    assert_error(client.post("/api/v1/auth/code", json={"city": CITY, "phone": PHONE, "agreed": True}), 429, "daily_limit")
    assert len(sms_codes(sms_log, PHONE)) == app.config["OTP_DAILY_LIMIT"]
    clock.advance(timedelta(days=1))
    request_code(client, sms_log)


def test_wrong_codes_count_and_lock_the_challenge(app, client, city, clock, sms_log):
    code = request_code(client, sms_log)
    for _ in range(app.config["OTP_MAX_ATTEMPTS"]):
        assert_error(verify(client, other_code(code)), 401, "bad_login_code")
    assert_error(verify(client, code), 401, "bad_login_code")  # even the right code is now refused

    clock.advance(timedelta(seconds=app.config["OTP_RESEND_SECONDS"]))
    fresh = request_code(client, sms_log)
    assert verify(client, fresh).status_code == 200


def test_codes_expire(app, client, city, clock, sms_log):
    ttl = app.config["OTP_TTL_SECONDS"]
    early = request_code(client, sms_log, phone="13812345671")
    late = request_code(client, sms_log, phone="13812345672")
    clock.advance(timedelta(seconds=ttl - 1))
    assert verify(client, early, phone="13812345671").status_code == 200
    clock.advance(timedelta(seconds=2))
    assert_error(verify(client, late, phone="13812345672"), 401, "bad_login_code")


def test_inactive_resident_cannot_sign_in_with_a_code(client, city, clock, sms_log):
    city.users[Role.RESIDENT].is_active = False
    db.session.commit()
    code = request_code(client, sms_log, phone="13900000001")
    assert_error(verify(client, code, phone="13900000001"), 401, "bad_login_code")


def test_code_request_and_verify_validate_their_input(client, city, clock, sms_log):
    post = client.post
    for phone in ("12345", "23812345678", "1381234567x", "10812345678"):
        response = post("/api/v1/auth/code", json={"city": CITY, "phone": phone, "agreed": True})
        assert "phone" in field_errors(assert_error(response, 422, "validation_failed"))
    assert_error(post("/api/v1/auth/code", json={"city": "atlantis", "phone": PHONE, "agreed": True}), 404, "city_not_found")
    assert sms_codes(sms_log, "") == [], "nothing was sent"

    response = post("/api/v1/auth/code", json={"city": CITY, "phone": "+86 138-1234-5678", "agreed": True})
    assert response.status_code == 202, response.json
    [code] = sms_codes(sms_log, PHONE)  # sent to the normalised number
    for bad in ("12345", "1234567", "abcdef", "12 456", ""):
        assert "code" in field_errors(assert_error(verify(client, bad), 422, "validation_failed"))
    assert verify(client, code).status_code == 200


# --------------------------------------------------------------------------- #
# WeChat mini-program
# --------------------------------------------------------------------------- #


@pytest.fixture
def wechat(app, monkeypatch):
    """The fake jscode2session server, with the app configured to use it (restored afterwards)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    sqlite_path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    with FakeWeChat({"wx-a": "openid-a", "wx-a-again": "openid-a", "wx-b": "openid-b"}, sqlite_path) as fake:
        monkeypatch.setitem(app.config, "WECHAT_APPID", FakeWeChat.APPID)
        monkeypatch.setitem(app.config, "WECHAT_SECRET", FakeWeChat.SECRET)
        monkeypatch.setitem(app.config, "WECHAT_JSCODE2SESSION_URL", fake.url)
        yield fake


def wechat_login(client, code: str):
    return client.post("/api/v1/auth/wechat", json={"city": CITY, "code": code})


def test_wechat_bind_then_login(client, city, clock, sms_log, wechat):
    assert_error(wechat_login(client, "wx-a"), 401, "wechat_not_bound")

    bound = verify(client, request_code(client, sms_log), wechat_code="wx-a")
    assert bound.status_code == 200, bound.json
    assert bound.json["user"]["wechat_bound"] is True

    response = wechat_login(client, "wx-a-again")
    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == bound.json["user"]["id"]
    assert me(client, response.json["access_token"]).status_code == 200

    body = assert_error(wechat_login(client, "made-up"), 401, "wechat_code_invalid")
    assert body["details"]["errcode"] == 40029
    assert_error(wechat_login(client, "wx-b"), 401, "wechat_not_bound")

    # What went over the wire is what WeChat expects.
    for query in wechat.requests:
        assert query["appid"] == [FakeWeChat.APPID]
        assert query["secret"] == [FakeWeChat.SECRET]
        assert query["grant_type"] == ["authorization_code"]
    assert [q["js_code"][0] for q in wechat.requests] == ["wx-a", "wx-a", "wx-a-again", "made-up", "wx-b"]


def test_a_wechat_failure_does_not_spend_the_sms_code(client, city, clock, sms_log, wechat):
    code = request_code(client, sms_log)
    assert_error(verify(client, code, wechat_code="made-up"), 401, "wechat_code_invalid")
    response = verify(client, code)  # the resident retries without WeChat: the code still works
    assert response.status_code == 200, response.json
    assert response.json["user"]["wechat_bound"] is False


def test_an_openid_belongs_to_one_account(client, city, clock, sms_log, wechat):
    assert verify(client, request_code(client, sms_log), wechat_code="wx-a").status_code == 200
    other = verify(client, request_code(client, sms_log, phone="13900000001"), phone="13900000001", wechat_code="wx-a")
    assert_error(other, 409, "wechat_already_bound")
    assert reload(city.users[Role.RESIDENT]).wechat_openid is None
    # The owner can still sign in with it.
    assert wechat_login(client, "wx-a").json["user"]["phone"] == "138****5678"


def test_wechat_server_down_and_not_configured(app, client, city, monkeypatch, wechat):
    monkeypatch.setitem(app.config, "WECHAT_JSCODE2SESSION_URL", f"http://127.0.0.1:{servers.find_free_port()}/x")
    monkeypatch.setitem(app.config, "WECHAT_TIMEOUT_SECONDS", 2)
    assert_error(wechat_login(client, "wx-a"), 503, "upstream_unavailable")

    monkeypatch.setitem(app.config, "WECHAT_JSCODE2SESSION_URL", wechat.url)
    monkeypatch.setitem(app.config, "WECHAT_SECRET", "not-the-secret")  # our misconfiguration, not the user's fault
    assert_error(wechat_login(client, "wx-a"), 502, "wechat_unavailable")

    monkeypatch.setitem(app.config, "WECHAT_APPID", None)
    assert_error(wechat_login(client, "wx-a"), 502, "wechat_not_configured")
    assert len(wechat.requests) == 1  # only the misconfigured call reached WeChat


def test_wechat_call_does_not_hold_the_database_write_lock(backend, client, city, clock, sms_log, wechat):
    """On SQLite a transaction holds the one write lock; an outbound call inside one stalls every writer."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    code = request_code(client, sms_log)
    db.session.remove()

    def own_context(call, *args, **kwargs):
        # Like production, each request gets its own app context (and session), not the test's.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(call, *args, **kwargs).result()

    assert own_context(verify, client, code, wechat_code="wx-a").status_code == 200
    assert own_context(wechat_login, client, "wx-a").status_code == 200
    assert own_context(wechat_login, client, "wx-b").status_code == 401
    assert wechat.write_lock_free == [True, True, True]


# --------------------------------------------------------------------------- #
# Limits that protect accounts
# --------------------------------------------------------------------------- #


def test_sign_in_limits_are_shared_by_every_worker_without_redis(database_url, tmp_path, city):
    """Two app processes on one database, as two gunicorn workers: 15 wrong passwords to each are 30 tries."""
    wait_for_a_fresh_minute()
    wrong = {"city": CITY, "username": "worker1", "password": "not-the-password"}
    with app_process(database_url, tmp_path / "one", TEST_SECRET) as one:
        with app_process(database_url, tmp_path / "two", TEST_SECRET) as two:
            urls = [one, two] * 15
            statuses = [requests.post(f"{url}/api/v1/auth/login", json=wrong, timeout=30) for url in urls]
    assert [r.status_code for r in statuses] == [401] * 20 + [429] * 10
    assert statuses[-1].json()["code"] == "rate_limited" and statuses[-1].json()["details"]["retry_after"] > 0


def wait_for_a_fresh_minute() -> None:
    """The budgets count per minute of the real clock: start far enough from the next minute."""
    into = time.time() % 60
    if into > 40:
        time.sleep(60 - into + 0.5)


def test_each_sign_in_budget_counts_per_address_and_window(limited_client, clock):
    from gridapp.services.accounts import throttle

    city = build_city("budgets")
    db.session.commit()
    for budget in (throttle.PASSWORD_SIGN_IN, throttle.CODE_REQUEST, throttle.CODE_SIGN_IN, throttle.WECHAT_SIGN_IN):
        for _ in range(budget.limit):
            throttle.spend(city.city.code, budget, "10.0.0.1")
        body = pytest.raises(RateLimited, throttle.spend, city.city.code, budget, "10.0.0.1").value
        assert body.code == "rate_limited" and 0 < body.details["retry_after"] <= 60
        throttle.spend(city.city.code, budget, "10.0.0.2")  # another address has its own budget
    clock.advance(timedelta(minutes=1))
    throttle.spend(city.city.code, throttle.PASSWORD_SIGN_IN, "10.0.0.1")  # a new window
    kept = select(func.count()).where(AttemptCounter.scope == throttle.PASSWORD_SIGN_IN.scope)
    assert db.session.scalar(kept) == 1  # the budget's past windows are dropped


def test_a_code_request_over_budget_is_refused_before_any_sms(limited_client, clock, sms_log):
    city = build_city("budgets")
    db.session.commit()
    phones = [f"139000011{i:02d}" for i in range(11)]
    answers = [limited_client.post("/api/v1/auth/code", json={"city": city.city.code, "phone": p, "agreed": True}) for p in phones]
    assert [a.status_code for a in answers] == [202] * 10 + [429]
    assert sms_codes(sms_log, phones[-1]) == []


@pytest.fixture
def limited_client(rate_limited_app):
    return rate_limited_app().test_client()
