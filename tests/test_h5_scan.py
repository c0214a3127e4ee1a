"""The page a phone opens from a code, in headless Chromium at a phone-sized viewport."""
from __future__ import annotations

import pytest
from flask_jwt_extended import create_access_token, get_csrf_token
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Notification, Redemption
from gridapp.services.accounts.users import load_actor
from gridapp.services.codes.issuing import revoke_code
from gridapp.services.points import ledger
from tests.support.places import MEMBER_NAME, build_places

pytestmark = pytest.mark.browser


def sign_in(page, live_url, user) -> None:
    """The session cookies the H5 sign-in sets: an HttpOnly access token and its CSRF double-submit cookie."""
    token = create_access_token(identity=str(user.id), additional_claims={"city": user.city_id})
    page.context.add_cookies([
        {"name": "access_token_cookie", "value": token, "url": live_url, "httpOnly": True},
        {"name": "csrf_access_token", "value": get_csrf_token(token), "url": live_url},
    ])


def test_outdoor_code_page_shows_the_place_and_report_action_and_no_resident(phone, live_url, city):
    places = build_places(city)
    token = places.tokens["household_outdoor"]
    db.session.commit()
    phone.goto(f"/c/{token}")
    assert phone.inner_text("#place-label") == "一社区3号楼2单元5层"
    assert phone.get_attribute("#action-report", "href") == f"/h5/report?code={token}"
    assert phone.is_visible("#action-report")
    main = phone.inner_text("main")
    assert MEMBER_NAME not in main and "502" not in main
    assert "worker1" in main and "139****0002" in main
    assert "登录后联系网格员" in main  # anonymous: the contact action asks to sign in first
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone


def test_a_replaced_code_shows_a_clear_page(phone, live_url, city):
    places = build_places(city)
    admin = city.users[Role.COMMUNITY_ADMIN]
    revoke_code(load_actor(admin.city_id, admin.id), places.codes["place"].id)
    token = places.tokens["place"]
    db.session.commit()
    response = phone.goto(f"/c/{token}")
    assert response.status == 410
    assert "停用" in phone.inner_text("main")
    assert phone.goto("/c/" + "Q" * 22).status == 404


def test_signed_in_resident_asks_the_bike_owner_to_move_and_sees_no_phone(phone, live_url, city):
    places = build_places(city)
    resident = city.users[Role.RESIDENT]
    owner_id, token = places.owner_user.id, places.tokens["ebike"]
    sign_in(phone, live_url, resident)
    db.session.commit()  # touch no ORM object while the page runs: SQLite would block the live server
    phone.goto(f"/c/{token}")
    assert "康A12345" in phone.inner_text("#ebike")
    assert "13687654321" not in phone.content()
    phone.click("#action-move")
    phone.wait_for_selector("#action-message.ok")
    assert "已通知车主" in phone.inner_text("#action-message")
    assert not phone.is_enabled("#action-move")  # one tap, one request
    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner_id)).all()
    assert len(notes) == 1 and notes[0].title == "请您挪车"


def test_grid_worker_reverse_scans_and_records_a_visit(phone, live_url, city):
    places = build_places(city)
    sign_in(phone, live_url, city.users[Role.GRID_WORKER])
    token = places.tokens["resident"]
    db.session.commit()
    phone.goto(f"/c/{token}")
    assert MEMBER_NAME in phone.inner_text("#household")
    phone.fill("#visit-form textarea", "家中一切正常")
    phone.click("#visit-form button")
    phone.wait_for_selector("#action-message.ok")
    from gridapp.models import Visit

    visit = db.session.scalar(select(Visit))
    assert visit.notes == "家中一切正常"


def test_a_resident_offers_points_at_a_shop_and_the_shop_is_asked_to_confirm(phone, live_url, city):
    places = build_places(city)
    resident = city.users[Role.RESIDENT]
    city_id, resident_id, token = city.city.id, resident.id, places.tokens["shop"]
    ledger.transfer(city_id, "award", "h5-award", ledger.fund(city_id), ledger.resident_account(city_id, resident_id), 30)
    sign_in(phone, live_url, resident)
    db.session.commit()
    phone.goto(f"/c/{token}")
    phone.fill("#redeem-form input[name=points]", "12")
    phone.click("#redeem-form button")
    phone.wait_for_selector("#action-message.ok")
    assert "请店家" in phone.inner_text("#action-message")
    pending = db.session.scalars(select(Redemption)).one()
    assert (pending.points, pending.status) == (12, "pending")
    assert ledger.balance_of(city_id, "resident", resident_id) == 30  # nothing moves before the shop confirms
