"""Consent first: no sign-in code is sent before the user agreement and privacy policy are agreed to, and the
account keeps which version was agreed and when (services.accounts.agreements)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import AgreementConsent, OtpChallenge
from gridapp.services.accounts import agreements
from tests.support.errors import assert_error
from tests.support.fakes import sms_codes

CITY, PHONE = "testcity", "13812345678"


def ask(client, **body):
    return client.post("/api/v1/auth/code", json={"city": CITY, "phone": PHONE, **body})


def test_no_code_without_consent(client, city, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    body = assert_error(ask(client, agreed=False), 422, "consent_required")
    assert "用户协议" in body["message"]
    assert_error(ask(client), 422, "validation_failed")
    assert_error(ask(client, agreed="yes"), 422, "validation_failed")
    assert sms_codes(caplog, PHONE) == [] and db.session.scalar(select(OtpChallenge)) is None


def test_sign_in_records_the_version_and_time_agreed(client, city, caplog, clock):
    caplog.set_level("INFO", logger="gridapp.sms")
    asked_at = clock.now()
    assert ask(client, agreed=True).status_code == 202
    clock.advance(timedelta(minutes=2))
    signed_in = client.post("/api/v1/auth/code/verify", json={"city": CITY, "phone": PHONE, "code": sms_codes(caplog, PHONE)[-1]})
    assert signed_in.status_code == 200
    user_id = signed_in.json["user"]["id"]
    (consent,) = db.session.scalars(select(AgreementConsent).where(AgreementConsent.user_id == user_id)).all()
    assert consent.version == agreements.VERSION
    assert consent.agreed_at == asked_at  # when the box was ticked, not when the code was typed

    clock.advance(timedelta(minutes=2))  # signing in again under the same version adds nothing
    assert ask(client, agreed=True).status_code == 202
    again = client.post("/api/v1/auth/code/verify", json={"city": CITY, "phone": PHONE, "code": sms_codes(caplog, PHONE)[-1]})
    assert again.status_code == 200
    assert db.session.scalar(select(AgreementConsent.id).where(AgreementConsent.user_id == user_id).offset(1)) is None


def test_terms_and_privacy_pages_name_the_version(client):
    for path, title in (("/h5/terms", "用户协议"), ("/h5/privacy", "隐私政策")):
        page = client.get(path)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert title in html and agreements.VERSION in html


def test_favicon_and_friendly_error_pages(client):
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")
    assert client.get("/static/favicon.svg").mimetype == "image/svg+xml"
    missing = client.get("/h5/no-such-page")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "页面不存在" in html and ">not_found<" not in html and "错误代码" not in html
