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
from gridapp.demo.participation import CALLS
from gridapp.extensions import db
from gridapp.models import Case, Department, Region, User
from gridapp.services.supervision import scores
from tests.support.factories import auth_headers


@pytest.fixture
def demo(demo_city):
    seeded = DEMO_CASES + len(CALLS)  # the lived history and the 12345 operator's calls in 康城
    assert db.session.scalar(select(func.count(Case.id)).where(Case.city_id == demo_city)) == seeded
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
    departments = db.session.scalars(select(Department).where(Department.city_id == city_id)).all()
    blocks = {d.id: re.search(rf'data-department-id="{d.id}".*?</li>', ranking, re.S).group(0) for d in departments}
    shown_scores = {d.name: re.search(r'data-metric="score">(\d+)<', blocks[d.id]).group(1) for d in departments}
    expected_scores = {d.name: str(scores.score_for(scores.deductions(city_id, d.id, month))) for d in departments}
    assert shown_scores == expected_scores and len(shown_scores) == 8
    assert min(int(v) for v in shown_scores.values()) < 10000  # the demo's reopened cases and low ratings count against someone


def test_a_picked_period_is_counted_like_sql_and_a_bad_one_is_refused(client, demo, clock):
    city_id = demo
    leader = user(city_id, "kbs_shuji")
    kbs = region(city_id, "kbs")
    streets = list(db.session.scalars(select(Region).where(Region.parent_id == kbs.id).order_by(Region.code)))
    at = clock.now()
    first, last = (at - timedelta(days=20)).astimezone(CHINA).date(), (at - timedelta(days=5)).astimezone(CHINA).date()
    html = client.get(f"/dashboard/?period=custom&from={first}&to={last}", headers=auth_headers(leader)).get_data(as_text=True)
    assert f"{first} 至 {last}" in html
    start = datetime.combine(first, datetime.min.time(), CHINA)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), CHINA)
    for street in streets:
        assert shown(html, f'<tr data-region-id="{street.id}"') == raw_figures(city_id, street.path, start, end, at)
        assert f'href="/dashboard/regions/{street.id}?period=custom&amp;from={first}&amp;to={last}"' in html  # drilling keeps it
    week = client.get("/dashboard/?period=week", headers=auth_headers(leader)).get_data(as_text=True)
    monday = china_day_start(at, monday=True)
    assert shown(week, f'<tr data-region-id="{streets[0].id}"') == raw_figures(city_id, streets[0].path, monday, china_day_start(at, -1), at)
    for bad in ("period=year", "period=custom&from=2026-11-20&to=2026-11-01", "period=custom&from=x&to=2026-11-01", "period=custom&from=2024-01-01&to=2026-11-01"):
        assert client.get(f"/dashboard/?{bad}", headers=auth_headers(leader)).status_code == 422, bad


def test_no_rating_is_a_dash_and_every_rate_is_defined(client, demo, clock):
    city_id = demo
    db.session.execute(text("DELETE FROM case_ratings"))
    db.session.commit()
    html = client.get("/dashboard/", headers=auth_headers(user(city_id, "kbs_shuji"))).get_data(as_text=True)
    for name in ("today", "week", "month"):
        assert shown(html, f'data-period="{name}"')["satisfaction_rate"] == "—"
    assert "0.0%" not in re.search(r'data-metric="satisfaction_rate"[^<]*<', html).group(0)
    for key in ("received", "accepted", "closed", "overdue", "closure_rate", "acceptance_rate", "on_time_rate", "satisfaction_rate"):
        assert f'id="def-{key}"' in html and f'href="#def-{key}"' in html
    assert "数据更新于" in html and clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M") in html


def test_heat_scale_keeps_a_single_case_pale():
    from gridapp.dashboard.charts import HEAT_FLOOR, HeatScale

    lonely = HeatScale.over([0, 1, 0])
    assert lonely.level(1).level == 1 and lonely.level(0).level == 0
    assert lonely.level(HEAT_FLOOR).level == 5  # the darkest step needs HEAT_FLOOR cases
    busy = HeatScale.over([3, 40])
    assert busy.level(40).level == 5 and busy.level(3).level == 1
    assert [level.label for level in HeatScale.over([1]).levels()] == ["0", "1–2", "3–4", "5–7", "8–9", "≥10"]


def test_overdue_list_says_by_how_much_sorts_and_filters(client, demo, clock):
    city_id = demo
    leader = auth_headers(user(city_id, "kbs_quzhang"))
    page = client.get("/dashboard/overdue", headers=leader).get_data(as_text=True)
    minutes = [int(m) for m in re.findall(r'data-overdue-minutes="(\d+)"', page)]
    assert minutes and minutes == sorted(minutes, reverse=True)  # longest overdue first by default
    assert all(m > 0 for m in minutes)
    newest = client.get("/dashboard/overdue?sort=newest", headers=leader).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', newest)]
    created = dict(db.session.execute(select(Case.id, Case.created_at).where(Case.id.in_(ids))).all())
    assert [created[i] for i in ids] == sorted(created.values(), reverse=True)

    category_id = db.session.scalar(select(Case.category_id).where(Case.id == ids[0]))
    only = client.get(f"/dashboard/overdue?category={category_id}", headers=leader).get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', only)]
    assert listed and set(listed) <= set(ids) and {db.session.get(Case, i).category_id for i in listed} == {category_id}
    assert re.findall(r'<tr data-case-id="(\d+)"', client.get("/dashboard/overdue?level=3", headers=leader).get_data(as_text=True)) == []
    exported = client.get("/dashboard/overdue?sort=newest&format=csv", headers=leader).get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][6] == "超时" and [int(r[0]) for r in rows[1:]] == ids
    assert client.get("/dashboard/overdue?sort=sideways", headers=leader).status_code == 422


def test_departments_show_open_work_and_the_deductions_behind_the_score(client, app, demo, clock):
    from gridapp.models import Department
    from gridapp.models.orders import Order
    from gridapp.services.supervision import scores

    city_id = demo
    department = db.session.scalar(select(Department).where(Department.city_id == city_id).order_by(Department.code))
    found = {"late_minutes": 125, "reopened": 2, "low_ratings": 1, "late_report_ins": 1}
    lost = scores.points_lost(found)
    assert lost == {"late_minutes": 12, "reopened": 100, "low_ratings": 30, "late_report_ins": 100}
    assert scores.score_for(found) == 10000 - 242
    row = scores.DepartmentScore(city_id=city_id, department_id=department.id, month=clock.now().astimezone(CHINA).strftime("%Y-%m"),
                                 score=scores.score_for(found), rank=1, **found)
    held_before = _held(client, department.id)  # the demo's departments hold orders of their own
    db.session.add(row)
    case = db.session.scalar(select(Case).where(Case.city_id == city_id).order_by(Case.id))
    poster = user(city_id, "kbs_quzhang")
    for status, deadline in (("grabbed", clock.now() - timedelta(hours=2)), ("in_progress", clock.now() + timedelta(days=1)), ("paid", clock.now())):
        db.session.add(
            Order(
                city_id=city_id, community_id=case.community_id, region_path=case.region_path, case_id=case.id, category_id=case.category_id,
                title="演示工单", difficulty="simple", bounty=10, reserved=10, deadline=deadline, status=status,
                posted_by_user_id=poster.id, holder_department_id=department.id,
            )
        )
    db.session.commit()
    page = client.get("/dashboard/departments", headers=auth_headers(user(city_id, "kbs_quzhang"))).get_data(as_text=True)
    block = re.search(rf'data-department-id="{department.id}".*?</li>', page, re.S).group(0)
    assert 'data-metric="score">9758<' in block and "共扣 242 分" in block
    for key, points in lost.items():
        assert f'data-deduction="{key}" class="lost">−{points}<' in block
    assert _held(client, department.id) == (held_before[0] + 2, held_before[1] + 1)  # a paid order is no longer held


def _held(client, department_id: int) -> tuple[int, int]:
    page = client.get("/dashboard/departments", headers=auth_headers(user(db.session.get(Department, department_id).city_id, "kbs_quzhang")))
    block = re.search(rf'data-department-id="{department_id}".*?</li>', page.get_data(as_text=True), re.S).group(0)
    found = [re.search(rf'data-metric="{name}">(\d+)<', block) for name in ("held", "held_overdue")]
    return tuple(int(m.group(1)) if m else 0 for m in found)  # no overdue line when none is overdue


def test_case_page_says_how_many_nudges_are_left_this_hour(client, app, demo, clock, monkeypatch):
    monkeypatch.setitem(app.config, "NUDGE_LIMIT_PER_CASE_HOUR", 1)
    leader = auth_headers(user(demo, "kbs_quzhang"))
    case_id = int(re.search(r'<tr data-case-id="(\d+)"', client.get("/dashboard/overdue", headers=leader).get_data(as_text=True)).group(1))
    page = client.get(f"/dashboard/cases/{case_id}", headers=leader).get_data(as_text=True)
    assert "0 次（本小时还可 1 次）" in page and '<button type="button" class="nudge">拍一拍</button>' in page
    assert client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=leader).status_code == 201
    page = client.get(f"/dashboard/cases/{case_id}", headers=leader).get_data(as_text=True)
    assert "1 次（本小时还可 0 次）" in page and '<button type="button" class="nudge" disabled>本小时已拍满</button>' in page
    refused = client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=leader)
    assert refused.status_code == 429 and refused.json["code"] == "nudge_limit"
    clock.advance(timedelta(hours=1))
    assert "本小时还可 1 次" in client.get(f"/dashboard/cases/{case_id}", headers=leader).get_data(as_text=True)
