"""Ratings that count and 12345 satisfaction on the leaders' dashboard: per region and child region, scoped to
the viewer's tree, with the communities' assessment line (cadre ratings, low-rating follow-ups closed on time)."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Cadre, HotlineFollowUp, Rating, RatingFollowUp, Shop
from gridapp.services.accounts.users import load_actor
from gridapp.services.supervision import community_scores, dashboard, metrics
from tests.support.browser import PHONE, TABLET, axe_violations, device_page, snapshot
from tests.support.cases import report_at
from tests.support.factories import PASSWORD, auth_headers

G4 = (101.005, 31.005)


@pytest.fixture
def rated(city, places, cats, clock, client):
    """Shops in g1, g3 (c2) and g4 (d2), cadres of c1 and c3, rated; follow-ups opened at several ages; three
    12345 cases (two in g1, one in g4) with their callers' answers."""
    cid, at = city.city.id, clock.now()
    shop3 = Shop(city_id=cid, grid_id=city.g3.id, name="三网格超市", category="零售", address="三路1号")
    shop4 = Shop(city_id=cid, grid_id=city.g4.id, name="四网格药店", category="医药", address="四路1号")
    cadre3 = Cadre(city_id=cid, community_id=city.c3.id, name="赵主任", post="居委会主任")
    db.session.add_all([shop3, shop4, cadre3])
    db.session.flush()
    one, two = city.users[Role.RESIDENT], places.member_user

    def rate(target_type, target, user, stars):
        row = Rating(city_id=cid, target_type=target_type, target_id=target.id, user_id=user.id, stars=stars, created_at=at - timedelta(hours=1))
        db.session.add(row)
        db.session.flush()
        return row

    rate("shop", places.shop, one, 5)
    low_shop = rate("shop", places.shop, two, 1)
    rate("shop", shop3, one, 4)
    low_shop4 = rate("shop", shop4, one, 2)
    low_cadre = rate("cadre", places.cadre, one, 2)
    rate("cadre", places.cadre, two, 4)
    rate("cadre", cadre3, one, 5)

    def follow_up(rating, path, opened_days_ago, closed_days_ago=None):
        db.session.add(RatingFollowUp(
            city_id=cid, rating_id=rating.id, target_type=rating.target_type, target_id=rating.target_id, region_path=path,
            stars=rating.stars, status="open" if closed_days_ago is None else "closed", created_at=at - timedelta(days=opened_days_ago),
            closed_at=None if closed_days_ago is None else at - timedelta(days=closed_days_ago),
        ))  # fmt: skip

    follow_up(low_shop, city.g1.path, 1)  # open, not yet due
    follow_up(low_cadre, city.c1.path, 10, 9)  # closed within the 3 days
    follow_up(low_cadre, city.c1.path, 8)  # open past its deadline: late
    follow_up(low_shop, city.g3.path, 6, 1)  # closed after 5 days: late (in c2)
    follow_up(low_shop4, city.g4.path, 1)  # open, not yet due (in d2)
    db.session.commit()

    cases = [report_at(client, one, cats["garbage"])["id"], report_at(client, one, cats["garbage"])["id"],
             report_at(client, one, cats["garbage"], point=G4)["id"]]
    for case_id, status, stars in zip(cases, ("satisfied", "not_solved", "no_answer"), (4, None, None)):
        db.session.add(HotlineFollowUp(city_id=cid, case_id=case_id, round=1, status=status, stars=stars, sent_at=at - timedelta(hours=2)))
    db.session.commit()
    return city


def actor_for(user):
    return load_actor(user.city_id, user.id)


def figures(actor, region):
    period = metrics.asked_period("month")
    page = dashboard.region_page(actor, region.id, period)
    return {node.id: shown for node, shown in page["participation"]}


def test_ratings_follow_ups_and_hotline_per_region(rated):
    city = rated
    shown = figures(actor_for(city.users[Role.SUPER_ADMIN]), city.root)
    assert shown[city.root.id] == {
        "shop_average": 3.0, "shop_count": 4, "shop_low": 2, "cadre_average": 3.67, "cadre_count": 3, "cadre_low": 1,
        "open_follow_ups": 3, "hotline_answered_rate": 2 / 3, "hotline_satisfied_rate": 0.5, "hotline_average_stars": 4.0,
    }
    assert set(shown) == {city.root.id, city.d1.id, city.d2.id}
    assert shown[city.d2.id]["shop_low"] == 1 and shown[city.d2.id]["hotline_answered_rate"] == 0.0

    street = figures(actor_for(city.users[Role.STREET_ADMIN]), city.s1)
    assert set(street) == {city.s1.id, city.c1.id, city.c2.id}
    assert street[city.s1.id] == {
        "shop_average": 3.33, "shop_count": 3, "shop_low": 1, "cadre_average": 3.0, "cadre_count": 2, "cadre_low": 1,
        "open_follow_ups": 2, "hotline_answered_rate": 1.0, "hotline_satisfied_rate": 0.5, "hotline_average_stars": 4.0,
    }
    assert street[city.c2.id] == {
        "shop_average": 4.0, "shop_count": 1, "shop_low": 0, "cadre_average": None, "cadre_count": 0, "cadre_low": 0,
        "open_follow_ups": 0, "hotline_answered_rate": None, "hotline_satisfied_rate": None, "hotline_average_stars": None,
    }


def test_communities_lose_points_for_low_cadre_ratings_and_late_follow_ups(rated, clock):
    city = rated
    month = clock.now().strftime("%Y-%m")
    rows = community_scores.community_scores(actor_for(city.users[Role.SUPER_ADMIN]), month)
    assert [(r.community.id, r.rank, r.score) for r in rows] == [(city.c3.id, 1, 10000), (city.c2.id, 2, 9950), (city.c1.id, 3, 9920)]
    c1 = rows[2]
    assert (c1.cadre_ratings.low, c1.follow_ups.due, c1.follow_ups.on_time, c1.follow_ups.late) == (1, 2, 1, 1)
    assert c1.lost == {"low_ratings": 30, "late_follow_ups": 50}
    street = community_scores.community_scores(actor_for(city.users[Role.STREET_ADMIN]), month)
    assert {r.community.id for r in street} == {city.c1.id, city.c2.id}


def test_the_pages_show_them_and_only_inside_the_viewers_tree(client, rated):
    city = rated
    headers = auth_headers(city.users[Role.STREET_ADMIN])
    page = client.get(f"/dashboard/regions/{city.s1.id}", headers=headers).get_data(as_text=True)
    table = re.search(r'<table id="participation">.*?</table>', page, re.S).group(0)
    assert re.findall(r'data-region-id="(\d+)"', table) == [str(city.s1.id), str(city.c1.id), str(city.c2.id)]
    assert '<td data-metric="shop_average">3.33</td>' in table and '<td data-metric="hotline_satisfied_rate">50.0%</td>' in table
    assert 'id="def-hotline_answered_rate"' in page and 'id="def-cadre_low"' in page
    assert client.get(f"/dashboard/regions/{city.d2.id}", headers=headers).status_code == 403
    ranking = client.get("/dashboard/departments", headers=headers).get_data(as_text=True)
    communities = re.search(r'<table id="community-scores">.*?</table>', ranking, re.S).group(0)
    assert re.findall(r'data-community-id="(\d+)"', communities) == [str(city.c2.id), str(city.c1.id)]
    assert "9920" in communities and "（−50）" in communities
    assert "format=csv&amp;table=communities" in ranking


def test_the_community_scores_export_as_csv_like_the_page(client, rated, clock):
    city = rated
    headers = auth_headers(city.users[Role.STREET_ADMIN])
    month = clock.now().strftime("%Y-%m")
    answer = client.get(f"/dashboard/departments?format=csv&table=communities&month={month}", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert f"communities-{month}.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["排名", "社区", "得分"] and "逾期回访扣分" in rows[0]
    by_name = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert set(by_name) == {city.c1.name, city.c2.name}  # the street's communities only
    c1 = by_name[city.c1.name]
    assert (c1["排名"], c1["得分"], c1["干部差评"], c1["差评扣分"], c1["逾期回访"], c1["逾期回访扣分"]) == ("2", "9920", "1", "30", "1", "50")
    departments = client.get(f"/dashboard/departments?format=csv&month={month}", headers=headers).get_data(as_text=True)
    assert departments.lstrip("\ufeff").startswith("排名,部门,得分")


@pytest.mark.browser
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_figures_in_chromium(browser, live_url, rated, device):
    size = PHONE if device == "phone" else {**TABLET, "viewport": {"width": 1440, "height": 900}}
    city = rated
    s1 = city.s1.id
    db.session.remove()
    with device_page(browser, live_url, size) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/dashboard/login")
        page.fill("#username", "streetadmin")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#periods")
        page.goto(f"/dashboard/regions/{s1}")
        assert page.locator("#participation tbody tr").count() == 3
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.locator("#participation").scroll_into_view_if_needed()
        snapshot(page, f"participation-{device}")
        page.screenshot(path=f"/tmp/h14/region-{device}.png", full_page=True)
        page.goto("/dashboard/departments")
        assert page.locator("#community-scores tbody tr").count() == 2
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=f"/tmp/h14/departments-{device}.png", full_page=True)
        assert errors == []
