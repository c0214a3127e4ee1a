"""What the leaders' dashboard shows, assembled from services.metrics for one viewer.

The viewer's part of the tree decides everything: a node is shown only after
`visible_region` checked it against their grants, and every figure is computed for that
node's subtree with the same functions the API and the bench use.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, can_see_region
from gridapp.clock import asked_month_bounds, month_of, now
from gridapp.extensions import db
from gridapp.models import Case, Category, Department, Region
from gridapp.services.cases import workflow as cases
from gridapp.services.regions import tree as regions
from gridapp.services.supervision import metrics, scores
from gridapp.services.supervision import oversight as supervision
from gridapp.services.supervision.metrics import Scope

PERIODS = (("today", "今日"), ("week", "本周"), ("month", "本月"))
HEAT_LEVELS = ("street", "community")  # below these, a node's grids are few enough to draw one cell each
LEADERS = Permission(
    "supervision.dashboard",
    OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "leaders and officials read the dashboard of their part of the tree",
)


def home_region(actor: Actor) -> Region:
    return db.session.scalars(regions.roots_for(actor)).first()


def region_page(actor: Actor, region_id: int | None) -> dict:
    LEADERS.require(actor)
    region = regions.visible_region(actor, region_id) if region_id else home_region(actor)
    city_id = actor.city_id
    month_start, month_end = metrics.period("month")
    month = Scope(city_id, region.path, month_start, month_end)
    page = {
        "region": region,
        "breadcrumb": [r for r in regions.ancestors(region) if can_see_region(actor, actor.city_id, r.path)] + [region],
        "periods": [(key, label, metrics.figures(Scope(city_id, region.path, *metrics.period(key)))) for key, label in PERIODS],
        "trend": metrics.trend(Scope(city_id, region.path)),
        "children": metrics.by_children(month, region) if region.level != "grid" else [],
        "timings": metrics.timings(month),
        "categories": metrics.by_category(month, _categories(city_id)),
        "heat": _heat(month, region),
        "cases": [],
    }
    if region.level == "grid":
        page["cases"] = list(db.session.scalars(cases.staff_list(actor, grid_id=region.id).limit(100)))
    return page


def _categories(city_id: int) -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.city_id == city_id).order_by(Category.code)))


def _heat(scope: Scope, region: Region) -> list[tuple[Region, int]]:
    """Cases per grid under a street or community; per child above that."""
    if region.level in HEAT_LEVELS:
        cells = list(db.session.scalars(regions.subtree(region.city_id, region, regions.RegionLevel.GRID).order_by(Region.code)))
        counts = metrics.by_grid_counts(scope)
        return [(grid, counts.get(grid.id, 0)) for grid in cells]
    return [(child, figures.received) for child, figures in metrics.by_children(scope, region)] if region.level != "grid" else []


def overdue_page(actor: Actor, region_id: int | None = None, limit: int = 200) -> list[Case]:
    LEADERS.require(actor)
    region = regions.visible_region(actor, region_id) if region_id else None
    return list(db.session.scalars(supervision.overdue(actor, region).limit(limit)))


def departments_page(actor: Actor, month: str | None = None) -> dict:
    LEADERS.require(actor)
    month = month or month_of(now())
    start, end = asked_month_bounds(month)
    departments = list(db.session.scalars(select(Department).where(Department.city_id == actor.city_id).order_by(Department.code)))
    figures = dict(metrics.by_department(Scope(actor.city_id, None, start, end), departments))
    ranking = scores.ranking(actor.city_id, month)
    if not ranking:  # before the hourly job first ran this month: the same rule, computed now, not stored
        ranking = sorted((unsaved_score(d, month) for d in departments), key=lambda row: (-row.score, row.department.name))
        for rank, row in enumerate(ranking, start=1):
            row.rank = rank
    return {"month": month, "rows": [(row, figures.get(row.department)) for row in ranking]}


def unsaved_score(department: Department, month: str):
    found = scores.deductions(department.city_id, department.id, month)
    row = scores.DepartmentScore(city_id=department.city_id, department_id=department.id, month=month, score=scores.score_for(found), **found)
    row.department = department
    return row


def case_page(actor: Actor, case_id: int) -> dict:
    LEADERS.require(actor)
    case = cases.visible_case(actor, case_id)
    return {
        "case": case,
        "instructions": supervision.instructions(case),
        "whistles": supervision.whistles(case),
        "events": cases.events(case),
        "nudges": supervision.nudge_count(case),
    }

