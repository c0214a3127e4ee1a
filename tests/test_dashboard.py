"""The leaders' dashboard on the demo city: every figure it shows equals the same figure
computed by hand-written SQL, the drill-down reaches a case, CSV matches the table, and
only leaders get in."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from gridapp.clock import CHINA
from gridapp.demo.cases import DEMO_CASES, seed_demo_cases
from gridapp.extensions import db
from gridapp.models import Case, Department, Region, User
from gridapp.services.supervision import scores
from tests.support.factories import auth_headers


@pytest.fixture
def demo(demo_city):
    assert db.session.scalar(select(func.count(Case.id)).where(Case.city_id == demo_city)) == DEMO_CASES
    assert seed_demo_cases(demo_city) == 0  # once
    return demo_city


def user(city_id: int, username: str) -> User:
    return db.session.scalar(select(User).where(User.city_id == city_id, User.username == username))


def region(city_id: int, code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.city_id == city_id, Region.code == code))


def bind_time(value: datetime):
    """Naive UTC, as stored; SQLite compares the text SQLAlchemy wrote."""
    naive = value.astimezone(timezone.utc).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if db.engine.dialect.name == "sqlite" else naive


def raw_figures(city_id: int, path: str, start: datetime, end: datetime, at: datetime) -> dict:
    upper = path[:-1] + chr(ord(path[-1]) + 1)
    params = {"city": city_id, "lo": path, "hi": upper, "start": bind_time(start), "end": bind_time(end), "now": bind_time(at)}
    where = "c.city_id = :city AND c.region_path >= :lo AND c.region_path < :hi AND c.created_at >= :start AND c.created_at < :end"
    row = db.session.execute(
        text(
            f"""SELECT COUNT(*),
                   SUM(CASE WHEN c.accepted_at IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.state = 'closed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.resolved_at IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolve_due_at THEN 1 ELSE 0 END),
                   SUM(CASE WHEN (c.state = 'submitted' AND c.confirm_due_at < :now)
                              OR (c.state IN ('accepted', 'assigned', 'ordered') AND (c.onsite_due_at < :now OR c.resolve_due_at < :now))
                              OR (c.state IN ('in_progress', 'reopened') AND c.resolve_due_at < :now) THEN 1 ELSE 0 END)
              FROM cases c WHERE {where}"""
        ),
        params,
    ).one()
    rated = db.session.execute(
        text(f"SELECT COUNT(*), SUM(CASE WHEN r.stars >= 4 THEN 1 ELSE 0 END) FROM case_ratings r JOIN cases c ON c.id = r.case_id WHERE {where}"),
        params,
    ).one()
    received, accepted, closed, resolved, on_time, overdue = (int(v or 0) for v in row)
    ratings, satisfied = (int(v or 0) for v in rated)

    def rate(part, whole):
        return "—" if not whole else f"{part / whole * 100:.1f}%"

    return {
        "received": str(received), "closed": str(closed), "overdue": str(overdue), "accepted": str(accepted),
        "closure_rate": rate(closed, accepted), "acceptance_rate": rate(accepted, received),
        "on_time_rate": rate(on_time, resolved), "satisfaction_rate": rate(satisfied, ratings),
    }


def china_day_start(at: datetime, days_back: int = 0, *, monday=False, first=False) -> datetime:
    day = at.astimezone(CHINA).date()
    if monday:
        day -= timedelta(days=day.weekday())
    if first:
        day = day.replace(day=1)
    return datetime.combine(day - timedelta(days=days_back), datetime.min.time(), CHINA)


def shown(html: str, block_attr: str) -> dict:
    block = re.search(rf'{block_attr}.*?(?:</dl>|</tr>)', html, re.S).group(0)
    return {m: v.strip() for m, v in re.findall(r'data-metric="(\w+)"[^>]*>([^<]*)<', block)}


def test_dashboard_figures_equal_direct_sql(client, demo, clock):
    city_id = demo
    leader = user(city_id, "kbs_shuji")
    kbs = region(city_id, "kbs")
    at = clock.now()
    html = client.get("/dashboard/", headers=auth_headers(leader)).get_data(as_text=True)
    assert f'data-region-id="{kbs.id}"' in html and 'data-chart="line"' in html and 'data-chart="bar"' in html
    tomorrow = china_day_start(at, -1)
    periods = {
        "today": china_day_start(at),
        "week": china_day_start(at, monday=True),
        "month": china_day_start(at, first=True),
    }
    for name, start in periods.items():
        expected = raw_figures(city_id, kbs.path, start, tomorrow, at)
        got = shown(html, f'data-period="{name}"')
        assert got == {k: expected[k] for k in got}, name
        assert set(got) == {"received", "closed", "overdue", "closure_rate", "acceptance_rate", "on_time_rate", "satisfaction_rate"}
    assert int(shown(html, 'data-period="month"')["received"]) > 50  # the demo city has a month's worth

    # Each street of the district, this month, in the drill-down table and in its CSV.
    streets = list(db.session.scalars(select(Region).where(Region.parent_id == kbs.id).order_by(Region.code)))
    exported = list(csv.reader(io.StringIO(client.get("/dashboard/?format=csv", headers=auth_headers(leader)).get_data(as_text=True).lstrip("\ufeff"))))
    assert exported[0][:4] == ["区域", "收件", "受理", "办结"]
    for street, line in zip(streets, exported[1:]):
        expected = raw_figures(city_id, street.path, periods["month"], tomorrow, at)
        assert shown(html, f'<tr data-region-id="{street.id}"') == expected
        assert line[:5] == [street.name, expected["received"], expected["accepted"], expected["closed"], expected["overdue"]]


def test_drill_down_to_a_case_and_scope(client, demo, clock):
    city_id = demo
    street_admin = user(city_id, "hbgx_admin")
    headers = auth_headers(street_admin)
    page = client.get("/dashboard/", headers=headers).get_data(as_text=True)
    community = re.search(r'<tr data-region-id="(\d+)"><td><a href="(/dashboard/regions/\d+)"', page).group(2)
    page = client.get(community, headers=headers).get_data(as_text=True)
    assert 'id="heat"' in page
    grid = re.search(r'<tr data-region-id="\d+"><td><a href="(/dashboard/regions/\d+)"', page).group(1)
    page = client.get(grid, headers=headers).get_data(as_text=True)
    case_url = re.search(r'class="case-link" href="(/dashboard/cases/\d+)"', page).group(1)
    case_page = client.get(case_url, headers=headers).get_data(as_text=True)
    assert 'id="timeline"' in case_page and 'data-action="submit"' in case_page

    other_district = region(city_id, "dsq") or db.session.scalar(
        select(Region).where(Region.city_id == city_id, Region.level == "district", Region.code != "kbs")
    )
    assert client.get(f"/dashboard/regions/{other_district.id}", headers=headers).status_code == 403
    outside = db.session.scalar(select(Case.id).where(Case.city_id == city_id, ~Case.region_path.startswith(region(city_id, "kbs-hbgx").path)))
    assert client.get(f"/dashboard/cases/{outside}", headers=headers).status_code == 403
    assert client.get("/dashboard/", headers=auth_headers(user(city_id, "kc_grid1"))).status_code == 403
    assert client.get("/dashboard/").headers["Location"].startswith("/dashboard/login?next=")


def test_overdue_list_and_departments(client, demo, clock):
    city_id = demo
    leader = user(city_id, "kbs_quzhang")
    page = client.get("/dashboard/overdue", headers=auth_headers(leader)).get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', page)]
    kbs = region(city_id, "kbs")
    expected = raw_figures(city_id, kbs.path, datetime(2000, 1, 1, tzinfo=timezone.utc), clock.now() + timedelta(days=1), clock.now())
    assert len(listed) == int(expected["overdue"]) > 0
    exported = client.get("/dashboard/overdue?format=csv", headers=auth_headers(leader)).get_data(as_text=True)
    assert len(exported.strip().splitlines()) == len(listed) + 1
    ranking = client.get("/dashboard/departments", headers=auth_headers(leader)).get_data(as_text=True)
    month = clock.now().astimezone(CHINA).strftime("%Y-%m")
    shown_scores = dict(re.findall(r'<td>\d+</td><td>([^<]+)</td><td data-metric="score">(\d+)<', ranking))
    departments = db.session.scalars(select(Department).where(Department.city_id == city_id)).all()
    expected_scores = {d.name: str(scores.score_for(scores.deductions(city_id, d.id, month))) for d in departments}
    assert shown_scores == expected_scores and len(shown_scores) == 8
    assert min(int(v) for v in shown_scores.values()) < 10000  # the demo's reopened cases and low ratings count against someone
