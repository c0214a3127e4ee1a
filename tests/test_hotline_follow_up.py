"""12345 follow-up (回访): the operator files a call, the caller gets one SMS link, answers without signing in."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import messaging
from gridapp.jobs.cases import auto_close_cases, close_unanswered_hotline
from gridapp.models import Case, HotlineFollowUp
from gridapp.services.cases import hotline
from tests.support.browser import axe_violations, snapshot
from tests.support.cases import act, resolve
from tests.support.factories import PASSWORD, auth_headers

LINK = re.compile(r"/h5/hotline/f/(\S+)")
CALLER = "13712345678"


def file_call(client, city, cats, user=None, **extra):
    data = {
        "category_id": str(cats["garbage"].id), "description": "小区门口垃圾三天没人清运", "grid_id": str(city.g1.id),
        "contact_phone": CALLER, "sms_consent": "true", **extra,
    }  # fmt: skip
    response = client.post(
        "/api/v1/cases/hotline", data=data, headers=auth_headers(user or city.users[Role.HOTLINE_OPERATOR]),
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 201, response.json
    return response.json["id"]


def verify(client, city, case_id):
    admin, worker = city.users[Role.COMMUNITY_ADMIN], city.users[Role.GRID_WORKER]
    for user, action in ((admin, "accept"), (admin, "assign"), (worker, "start")):
        assert act(client, user, case_id, action).status_code == 200, action
    assert resolve(client, worker, case_id).status_code == 200
    assert act(client, admin, case_id, "verify").status_code == 200


def texts(caplog):
    # The `verified` fixture's SMS, then the test's (during the setup both name the same records).
    records = {id(r): r for r in (*caplog.get_records("setup"), *caplog.records)}.values()
    return [r.getMessage() for r in records if r.name == "gridapp.sms" and CALLER in r.getMessage()]


def link_token(caplog) -> str:
    [text] = texts(caplog)
    return LINK.search(text).group(1)


@pytest.fixture
def verified(client, city, cats, caplog, clock):
    caplog.set_level("WARNING", logger="gridapp.sms")
    case_id = file_call(client, city, cats)
    verify(client, city, case_id)
    return case_id, link_token(caplog)


def test_the_operator_files_a_call_and_sees_it_with_its_follow_up(client, city, cats):
    operator = city.users[Role.HOTLINE_OPERATOR]
    case_id = file_call(client, city, cats)
    calls = client.get("/api/v1/hotline/calls", headers=auth_headers(operator)).json
    [call] = calls["items"]
    assert call["id"] == case_id and call["state"] == "submitted" and call["follow_up"] == "waiting"
    assert call["follow_up_label"] == "待回访" and call["contact_phone"] == CALLER
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(operator)).status_code == 200
    case = db.session.get(Case, case_id)
    assert case.channel == "hotline" and case.entered_by_user_id == operator.id


def test_no_consent_no_follow_up(client, city, cats, caplog):
    caplog.set_level("WARNING", logger="gridapp.sms")
    case_id = file_call(client, city, cats, sms_consent="false")
    verify(client, city, case_id)
    assert texts(caplog) == []
    assert db.session.scalars(select(HotlineFollowUp).where(HotlineFollowUp.case_id == case_id)).all() == []


def test_the_sms_goes_once_with_a_link_that_hides_the_case(client, city, verified, caplog):
    case_id, token = verified
    row = db.session.scalar(select(HotlineFollowUp).where(HotlineFollowUp.case_id == case_id))
    assert row.status == "sent" and row.sms_sent_at is not None
    messaging.sms_hotline_follow_up(row.city_id, row.id)  # the job again (a retry, a relay re-hand): nothing more
    assert len(texts(caplog)) == 1
    city_part, nonce, _signature = token.split(".")
    assert (city_part, nonce) == (str(row.city_id), row.nonce)  # the case id is nowhere in the link


def test_the_caller_confirms_and_rates_without_signing_in(client, city, verified):
    case_id, token = verified
    seen = client.get(f"/api/v1/hotline/follow-ups/{token}")
    assert seen.status_code == 200 and seen.json["may_answer"] is True and seen.json["state"] == "verified"
    assert [s["label"] for s in seen.json["steps"]][:2] == ["提交", "受理"]
    answered = client.post(f"/api/v1/hotline/follow-ups/{token}/answer", json={"satisfied": True, "stars": 5, "comment": "很及时"})
    assert answered.status_code == 200, answered.json
    assert answered.json["status"] == "satisfied" and answered.json["may_answer"] is False
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert case.state == "closed" and case.closed_at is not None
    row = db.session.scalar(select(HotlineFollowUp).where(HotlineFollowUp.case_id == case_id))
    assert (row.status, row.stars, row.comment) == ("satisfied", 5, "很及时")
    again = client.post(f"/api/v1/hotline/follow-ups/{token}/answer", json={"satisfied": True, "stars": 4})
    assert again.status_code == 409


def test_the_caller_says_not_solved_and_the_case_goes_back(client, city, verified, caplog):
    case_id, token = verified
    answered = client.post(f"/api/v1/hotline/follow-ups/{token}/answer", json={"satisfied": False, "comment": "垃圾又堆起来了"})
    assert answered.status_code == 200, answered.json
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert case.state == "reopened" and case.reopen_count == 1
    # Handled again and verified again: a second round, a second SMS with a new link.
    admin, worker = city.users[Role.COMMUNITY_ADMIN], city.users[Role.GRID_WORKER]
    assert act(client, worker, case_id, "start").status_code == 200
    assert resolve(client, worker, case_id).status_code == 200
    assert act(client, admin, case_id, "verify").status_code == 200
    assert len(texts(caplog)) == 2
    assert client.get(f"/api/v1/hotline/follow-ups/{token}").json["may_answer"] is False


def test_a_tampered_or_expired_link_is_refused(client, city, verified, clock):
    _case_id, token = verified
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/api/v1/hotline/follow-ups/{tampered}").status_code == 404
    assert client.get("/api/v1/hotline/follow-ups/1.abc.def").status_code == 404
    clock.advance(timedelta(days=31))
    assert client.get(f"/api/v1/hotline/follow-ups/{token}").status_code == 410
    assert client.post(f"/api/v1/hotline/follow-ups/{token}/answer", json={"satisfied": True, "stars": 5}).status_code == 410


def test_unanswered_the_case_closes_as_no_answer(client, city, verified, clock):
    case_id, _token = verified
    clock.advance(timedelta(days=6))
    close_unanswered_hotline()
    assert db.session.get(Case, case_id).state == "verified"
    clock.advance(timedelta(days=2))
    close_unanswered_hotline()
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert case.state == "closed"
    row = db.session.scalar(select(HotlineFollowUp).where(HotlineFollowUp.case_id == case_id))
    assert row.status == "no_answer"


def test_the_callers_days_hold_off_the_residents_auto_close(app, client, city, verified, clock, monkeypatch):
    """A caller asked by SMS has HOTLINE_FOLLOW_UP_DAYS, even when residents' cases close sooner."""
    case_id, _token = verified
    monkeypatch.setitem(app.config, "HOTLINE_FOLLOW_UP_DAYS", 10)
    clock.advance(timedelta(days=8))  # past CASE_AUTO_CLOSE_DAYS (7)
    auto_close_cases()
    close_unanswered_hotline()
    assert db.session.get(Case, case_id).state == "verified"
    clock.advance(timedelta(days=3))
    close_unanswered_hotline()
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert case.state == "closed"
    assert db.session.scalar(select(HotlineFollowUp.status).where(HotlineFollowUp.case_id == case_id)) == "no_answer"


def test_bad_answers_are_422(client, verified):
    _case_id, token = verified
    url = f"/api/v1/hotline/follow-ups/{token}/answer"
    assert client.post(url, json={"satisfied": True}).status_code == 422  # no stars
    assert client.post(url, json={"satisfied": True, "stars": 6}).status_code == 422
    assert client.post(url, json={"satisfied": False, "comment": " "}).status_code == 422
    assert client.post(url, json={"stars": 5}).status_code == 422


def test_the_figures_count_the_answers(client, city, cats, caplog, clock):
    caplog.set_level("WARNING", logger="gridapp.sms")
    first, second = file_call(client, city, cats), file_call(client, city, cats, description="路灯不亮")
    for case_id in (first, second):
        verify(client, city, case_id)
    tokens = [LINK.search(t).group(1) for t in texts(caplog)]
    client.post(f"/api/v1/hotline/follow-ups/{tokens[0]}/answer", json={"satisfied": True, "stars": 4})
    client.post(f"/api/v1/hotline/follow-ups/{tokens[1]}/answer", json={"satisfied": False, "comment": "没修好"})
    leader = city.users[Role.DISTRICT_ADMIN]
    response = client.get(f"/api/v1/hotline/satisfaction?region_id={city.d1.id}", headers=auth_headers(leader))
    assert response.status_code == 200, response.json
    top = response.json["items"][0]
    assert top["region"]["id"] == city.d1.id
    assert (top["asked"], top["answered"], top["satisfied"]) == (2, 2, 1)
    assert top["answered_rate"] == 1.0 and top["satisfied_rate"] == 0.5 and top["average_stars"] == 4.0
    assert client.get(f"/api/v1/hotline/satisfaction?region_id={city.g4.id}", headers=auth_headers(leader)).status_code == 403
    assert client.get("/api/v1/hotline/satisfaction", headers=auth_headers(leader)).status_code == 422


def test_other_roles_get_403_on_the_operators_routes(client, city, cats):
    for role, user in city.users.items():
        if role == Role.HOTLINE_OPERATOR:
            continue
        assert client.get("/api/v1/hotline/calls", headers=auth_headers(user)).status_code == 403, role
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF):
        data = {"category_id": str(cats["garbage"].id), "description": "x", "grid_id": str(city.g1.id), "contact_phone": CALLER}
        response = client.post("/api/v1/cases/hotline", data=data, headers=auth_headers(city.users[role]), content_type="multipart/form-data")
        assert response.status_code == 403, role
    operator = city.users[Role.HOTLINE_OPERATOR]
    assert client.get("/api/v1/hotline/satisfaction?region_id=1", headers=auth_headers(operator)).status_code == 403


def test_bad_call_input_is_422(client, city, cats):
    operator = city.users[Role.HOTLINE_OPERATOR]
    bad = {"category_id": str(cats["garbage"].id), "description": "", "grid_id": str(city.g1.id), "contact_phone": "12"}
    response = client.post("/api/v1/cases/hotline", data=bad, headers=auth_headers(operator), content_type="multipart/form-data")
    assert response.status_code == 422
    nowhere = {"category_id": str(cats["garbage"].id), "description": "路灯坏了", "contact_phone": CALLER}
    response = client.post("/api/v1/cases/hotline", data=nowhere, headers=auth_headers(operator), content_type="multipart/form-data")
    assert response.status_code == 422


# --------------------------------------------------------------------------- #
# Pages
# --------------------------------------------------------------------------- #


def test_the_desk_is_the_operators_page(client, city, cats):
    operator = city.users[Role.HOTLINE_OPERATOR]
    file_call(client, city, cats)
    page = client.get("/h5/hotline", headers=auth_headers(operator))
    assert page.status_code == 200 and "12345 来电登记" in page.text and "待回访" in page.text
    for role in (Role.RESIDENT, Role.COMMUNITY_ADMIN, Role.SYSTEM_ADMIN):
        assert client.get("/h5/hotline", headers=auth_headers(city.users[role])).status_code == 403, role


def test_the_follow_up_page_needs_no_sign_in_and_refuses_bad_links_plainly(client, verified, clock):
    _case_id, token = verified
    page = client.get(f"/h5/hotline/f/{token}")
    assert page.status_code == 200 and "问题解决了吗" in page.text and "垃圾乱堆" in page.text
    bad = client.get(f"/h5/hotline/f/{token}x")
    assert bad.status_code == 404 and "链接无效" in bad.text
    clock.advance(timedelta(days=31))
    gone = client.get(f"/h5/hotline/f/{token}")
    assert gone.status_code == 410 and "链接已过期" in gone.text


@pytest.mark.browser
def test_the_callers_follow_up_page_in_chromium(client, city, cats, clock, phone, live_url):
    case_id = file_call(client, city, cats)
    verify(client, city, case_id)
    token = hotline.link_token(db.session.scalar(select(HotlineFollowUp).where(HotlineFollowUp.case_id == case_id)))
    db.session.commit()  # touch no ORM object while the pages run: SQLite would block the live server
    phone.goto(f"/h5/hotline/f/{token}")
    assert phone.locator("#case-state").inner_text() == "社区已核实"
    assert axe_violations(phone) == []
    snapshot(phone, "hotline-follow-up")
    phone.check("input[name=stars][value='4']")
    phone.fill("#comment", "处理很快")
    phone.click("button[data-satisfied=true]")
    phone.wait_for_selector("#answered")
    assert "满意（4 星）" in phone.locator("#answered").inner_text()
    snapshot(phone, "hotline-follow-up-answered")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    row = db.session.scalar(select(HotlineFollowUp).where(HotlineFollowUp.case_id == case_id))
    db.session.refresh(row)
    assert (row.status, row.stars) == ("satisfied", 4)


@pytest.mark.browser
def test_the_operator_takes_a_call_in_chromium(city, cats, phone, live_url):
    code, garbage = city.city.code, str(cats["garbage"].id)
    db.session.commit()  # touch no ORM object while the pages run: SQLite would block the live server
    signed_in = phone.request.post(
        "/api/v1/auth/login", data={"city": code, "username": "operator", "password": PASSWORD, "cookie": True},
    )
    assert signed_in.ok, signed_in.text()
    phone.goto("/h5/hotline")
    assert axe_violations(phone) == []
    phone.fill("#contact_phone", CALLER)
    phone.select_option("#category_id", garbage)
    phone.fill("#description", "路灯不亮")
    phone.click("#call-map")
    phone.wait_for_selector("#location-status.ok")
    phone.click("#call-submit")
    phone.wait_for_selector("#sent")
    snapshot(phone, "hotline-desk")
    assert "待回访" in phone.locator("#my-calls").inner_text()
