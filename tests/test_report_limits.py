"""Abuse: report creation is rate limited per resident and per IP (the suite's apps run with limits off)."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.services.accounts.users import grant_role, new_user
from tests.support.cases import G1, add_categories, post_report
from tests.support.factories import build_city


@pytest.fixture
def limited_app(rate_limited_app):
    return rate_limited_app(REPORT_LIMIT_PER_USER="2/minute", REPORT_LIMIT_PER_IP="3/minute")


def test_reports_are_limited_per_resident_and_per_ip(limited_app):
    city = build_city("limits")
    cats = add_categories(city)
    alice = city.users[Role.RESIDENT]
    bob = new_user(city.city.id, "bob", phone="13900000095")
    grant_role(bob, Role.RESIDENT)
    db.session.commit()
    client = limited_app.test_client()

    def send(user, ip="10.0.0.1"):
        return post_report(client, user, category=cats["garbage"], lng=G1[0], lat=G1[1], environ_base={"REMOTE_ADDR": ip})

    assert send(alice).status_code == 201
    assert send(alice).status_code == 201
    assert send(bob).status_code == 201  # the third from this address
    blocked_ip = send(bob)
    assert blocked_ip.status_code == 429
    assert blocked_ip.json["code"] == "rate_limited" and blocked_ip.json["message"] == "请求过于频繁，请稍后再试"
    assert send(alice, ip="10.0.0.2").status_code == 429  # per resident, whatever the address
    carol = new_user(city.city.id, "carol", phone="13900000094")
    grant_role(carol, Role.RESIDENT)
    db.session.commit()
    assert send(carol, ip="10.0.0.3").status_code == 201  # another resident at another address is not held up
