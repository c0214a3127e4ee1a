"""H5 sign-in in a real browser: phone + SMS code → session cookie → pages that need it."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.services.notifications.inbox import notify
from tests.support.browser import sign_in_by_sms
from tests.support.fakes import sms_codes

pytestmark = pytest.mark.browser


def test_resident_signs_in_on_the_phone_and_reads_the_inbox(phone, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    resident = city.users[Role.RESIDENT]
    number = resident.phone
    notify(city.city.id, [resident.id], "case", "您反映的问题已受理", "网格员将在 1 天内到场处理", ("case", 42))
    db.session.commit()  # and touch no ORM object below: an open SQLite transaction would block the server

    phone.goto("/h5/notifications")
    assert "/h5/login" in phone.url  # a page that needs a session sends you to sign in
    sign_in_by_sms(phone, caplog, number)
    phone.wait_for_url(lambda url: url.endswith("/h5/notifications") and "/login" not in url)
    assert "您反映的问题已受理" in phone.inner_text("main")
    assert phone.get_attribute(".note h2 a", "href") == "/h5/reports/42"  # the web layer's link for the target
    cookies = {c["name"]: c for c in phone.context.cookies()}
    assert cookies["access_token_cookie"]["httpOnly"] is True

    phone.click("#read-all")
    phone.wait_for_selector(".note.unread", state="detached")  # no string evaluation: the CSP forbids eval

    phone.goto("/h5/")
    phone.click("#logout")
    phone.wait_for_url("**/h5/login")
    phone.goto("/h5/")
    assert "/h5/login" in phone.url


def test_wrong_code_says_why_in_chinese(phone, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    number = city.users[Role.RESIDENT].phone
    db.session.commit()
    phone.goto("/h5/login")
    phone.fill("#phone", number)
    phone.check("#agree")
    phone.click("#send-code")
    phone.wait_for_selector("#login-message.ok")
    real = sms_codes(caplog, number)[-1]
    phone.fill("#code", "000000" if real != "000000" else "111111")
    phone.click("#login-submit")
    phone.wait_for_selector("#login-message:has-text('验证码错误')")
    assert "/h5/login" in phone.url
