"""Ratings that count: the community reads shop and cadre ratings with comments (market regulation reads shop ratings
where it serves); a rating of 1-2 stars opens a follow-up for the community, closed with what the call-back found."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Department, DepartmentRegion, Notification, RatingFollowUp
from tests.support.browser import axe_violations, snapshot
from tests.support.factories import PASSWORD, account, auth_headers


def rate(client, user, token, stars, comment=None):
    body = {"stars": stars} | ({"comment": comment} if comment else {})
    return client.post(f"/api/v1/scan/{token}/rating", json=body, headers=auth_headers(user))


def market_staff(city):
    market = Department(city_id=city.city.id, code="scj", name="市场监管局", kind="market_regulation")
    db.session.add(market)
    db.session.flush()
    db.session.add(DepartmentRegion(city_id=city.city.id, department_id=market.id, region_id=city.d1.id))
    user = account(city.city.id, "scjstaff", Role.DEPARTMENT_STAFF, department=market)
    db.session.commit()
    return user


def test_a_low_rating_opens_one_follow_up_for_the_community(client, city, places):
    resident = city.users[Role.RESIDENT]
    assert rate(client, resident, places.tokens["shop"], 4, "味道不错").status_code == 200
    assert db.session.scalars(select(RatingFollowUp)).all() == []
    rate(client, resident, places.tokens["shop"], 1, "卫生太差")
    rate(client, resident, places.tokens["shop"], 2, "还是很差")  # the same rating again: the one follow-up, updated
    follow_ups = db.session.scalars(select(RatingFollowUp)).all()
    assert [(f.stars, f.comment, f.status) for f in follow_ups] == [(2, "还是很差", "open")]
    note = db.session.scalar(select(Notification).where(Notification.user_id == city.users[Role.COMMUNITY_ADMIN].id))
    assert note.kind == "rating_low" and "1 星差评" in note.title
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    listed = client.get("/api/v1/rating-follow-ups?status=open", headers=cadre).json
    assert listed["meta"]["total"] == 1 and listed["items"][0]["target_name"] == "老王面馆"
    fid = listed["items"][0]["id"]
    closed = client.post(f"/api/v1/rating-follow-ups/{fid}/close", json={"outcome": "已电话回访，督促整改后复查合格"}, headers=cadre)
    assert closed.status_code == 200 and closed.json["status"] == "closed" and closed.json["closed_by"] == "commadmin"
    assert client.post(f"/api/v1/rating-follow-ups/{fid}/close", json={"outcome": "再次办结"}, headers=cadre).status_code == 409
    # Rated low again after the call-back: a new follow-up.
    rate(client, resident, places.tokens["shop"], 1, "又变差了")
    assert client.get("/api/v1/rating-follow-ups?status=open", headers=cadre).json["meta"]["total"] == 1
    # A cadre rated low: the cadre's community follows up too.
    rate(client, resident, places.tokens["cadre"], 2, "态度不好")
    assert client.get("/api/v1/rating-follow-ups?status=open", headers=cadre).json["meta"]["total"] == 2


def test_the_community_reads_ratings_with_comments_and_raters_masked(client, city, places):
    resident = city.users[Role.RESIDENT]
    rate(client, resident, places.tokens["shop"], 5, "面很好吃")
    rate(client, places.member_user, places.tokens["shop"], 2, "排队太久")
    rate(client, resident, places.tokens["cadre"], 4, "办事热情")
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    shops = client.get("/api/v1/ratings?target_type=shop", headers=cadre).json
    assert [(r["stars"], r["comment"], r["place"]) for r in shops["items"]] == [(2, "排队太久", "一网格"), (5, "面很好吃", "一网格")]
    assert all(r["rater"] not in (resident.display_name, places.member_user.display_name) for r in shops["items"])
    low = client.get("/api/v1/ratings?target_type=shop&low_only=true", headers=cadre).json
    assert [r["stars"] for r in low["items"]] == [2]
    assert client.get("/api/v1/ratings/summary?target_type=shop", headers=cadre).json == {
        "average": 3.5, "count": 2, "low": 1, "open_follow_ups": 1}
    cadres = client.get("/api/v1/ratings?target_type=cadre", headers=cadre).json
    assert [(r["target_name"], r["comment"]) for r in cadres["items"]] == [("李书记", "办事热情")]


def test_a_page_of_ratings_takes_the_same_queries_however_many_rows(app, client, city, places):
    """The raters, names and places of a page are loaded at once, not three queries per rating (N+1)."""
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])

    def statements_for_page() -> tuple[int, int]:
        seen = []
        count = lambda *_args: seen.append(1)  # noqa: E731
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get("/api/v1/ratings?target_type=shop&per_page=50", headers=cadre).json
        finally:
            with app.app_context():
                event.remove(db.engine, "before_cursor_execute", count)
        return len(page["items"]), len(seen)

    raters = [account(city.city.id, f"居民{n}号", Role.RESIDENT, phone=f"1370000{n:04d}") for n in range(8)]
    db.session.commit()
    rate(client, raters[0], places.tokens["shop"], 5, "好")
    rate(client, raters[1], places.tokens["shop"], 4, "不错")
    rows_few, queries_few = statements_for_page()
    for rater in raters[2:]:
        rate(client, rater, places.tokens["shop"], 3, "一般")
    rows_many, queries_many = statements_for_page()
    assert (rows_few, rows_many) == (2, 8)
    assert queries_many == queries_few


def test_scope_market_regulation_reads_shops_only_and_others_nothing(client, city, places):
    rate(client, city.users[Role.RESIDENT], places.tokens["shop"], 1, "过期食品")
    rate(client, city.users[Role.RESIDENT], places.tokens["cadre"], 1, "不作为")
    market = auth_headers(market_staff(city))
    assert client.get("/api/v1/ratings?target_type=shop", headers=market).json["meta"]["total"] == 1
    assert client.get("/api/v1/ratings?target_type=cadre", headers=market).json["meta"]["total"] == 0
    assert client.get("/api/v1/rating-follow-ups", headers=market).status_code == 403
    assert client.get("/api/v1/ratings/summary?target_type=shop", headers=market).json == {
        "average": 1.0, "count": 1, "low": 1, "open_follow_ups": None}
    # 城管 staff are department staff too, but not market regulation: nothing.
    assert client.get("/api/v1/ratings?target_type=shop", headers=auth_headers(city.users[Role.DEPARTMENT_STAFF])).json["meta"]["total"] == 0
    other = account(city.city.id, "c3cadre", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    assert client.get("/api/v1/ratings?target_type=shop", headers=auth_headers(other)).json["meta"]["total"] == 0
    fid = db.session.scalars(select(RatingFollowUp.id)).first()
    assert client.post(f"/api/v1/rating-follow-ups/{fid}/close", json={"outcome": "越权办结"}, headers=auth_headers(other)).status_code == 403
    for role in (Role.RESIDENT, Role.GRID_WORKER):
        assert client.get("/api/v1/ratings?target_type=shop", headers=auth_headers(city.users[role])).status_code == 403
        assert client.get("/api/v1/rating-follow-ups", headers=auth_headers(city.users[role])).status_code == 403
    assert client.get("/api/v1/ratings?target_type=shop").status_code == 401


def test_bad_input_is_refused(client, city, places):
    cadre = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    for query in ("", "?target_type=stall", "?target_type=shop&low_only=maybe", "?target_type=shop&page=0"):
        assert client.get(f"/api/v1/ratings{query}", headers=cadre).status_code == 422, query
    assert client.get("/api/v1/rating-follow-ups?status=lost", headers=cadre).status_code == 422
    assert client.post("/api/v1/rating-follow-ups/999999/close", json={"outcome": "没有这条"}, headers=cadre).status_code == 404
    rate(client, city.users[Role.RESIDENT], places.tokens["shop"], 1)
    fid = db.session.scalars(select(RatingFollowUp.id)).first()
    assert client.post(f"/api/v1/rating-follow-ups/{fid}/close", json={"outcome": ""}, headers=cadre).status_code == 422


@pytest.mark.browser
def test_ratings_page_in_chromium(phone, live_url, city, places, client):
    rate(client, city.users[Role.RESIDENT], places.tokens["shop"], 1, "卫生太差")
    rate(client, places.member_user, places.tokens["shop"], 5, "很好")
    city_code = city.city.code
    db.session.commit()  # touch no ORM object while the page runs: SQLite would block the live server
    assert phone.request.post("/api/v1/auth/login", data={"city": city_code, "username": "commadmin", "password": PASSWORD, "cookie": True}).ok
    phone.goto("/h5/ratings")
    assert "卫生太差" in phone.inner_text("#ratings") and "待回访 1 条" in phone.inner_text("#rating-summary")
    assert axe_violations(phone) == []
    snapshot(phone, "ratings")
    phone.fill("form.follow-up textarea", "已电话回访，督促整改")
    phone.click("form.follow-up button[type=submit]")
    phone.wait_for_selector("#follow-up-message.ok")
    assert phone.locator("form.follow-up").count() == 0
