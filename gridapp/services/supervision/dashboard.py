"""What the leaders' dashboard shows, assembled from services.metrics for one viewer.

The viewer's part of the tree decides everything: a node is shown only after
`visible_region` checked it against their grants, and every figure is computed for that
node's subtree with the same functions the API and the bench use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as when
from sqlalchemy import func, select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, can_see_region
from gridapp.clock import asked_month_bounds, month_of, now
from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, Category, Department, Region
from gridapp.models.orders import HELD_STATUSES, Order
from gridapp.replica import replica_reads
from gridapp.services.cases import presentation
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases
from gridapp.services.participation import ratings
from gridapp.services.regions import tree as regions
from gridapp.services.supervision import community_scores, metrics, scores, sla
from gridapp.services.supervision import oversight as supervision
from gridapp.services.supervision.metrics import Scope

PERIODS = (("today", "今日"), ("week", "本周"), ("month", "本月"))
HEAT_LEVELS = ("street", "community")  # below these, a node's grids are few enough to draw one cell each
PIN_LEVELS = ("community", "grid")  # a street's or district's pins would hide its grids
MAX_PINS = 500
OVERDUE_PAGE = 200
OVERDUE_SORTS = {"overdue": "超时最久", "escalation": "升级最高", "newest": "最新上报"}
LEADERS = Permission(
    "supervision.dashboard",
    OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "leaders and officials read the dashboard of their part of the tree",
)


def home_region(actor: Actor) -> Region:
    return db.session.scalars(regions.roots_for(actor)).first()


@replica_reads
def region_page(actor: Actor, region_id: int | None, period: metrics.Period | None = None) -> dict:
    """A node's figures: today, this week and this month side by side; the picked period (this month by
    default) for its children, categories, heat and times; its open load on the map, as of now."""
    LEADERS.require(actor)
    region = regions.visible_region(actor, region_id) if region_id else home_region(actor)
    city_id = actor.city_id
    period = period or metrics.asked_period("month")
    picked = Scope(city_id, region.path, period.start, period.end)
    side_by_side, trend = metrics.overview(Scope(city_id, region.path), [key for key, _label in PERIODS])
    children = metrics.by_children(picked, region) if region.level != "grid" else []
    page = {
        "region": region,
        "period": period,
        "updated_at": now(),
        "breadcrumb": [r for r in regions.ancestors(region) if can_see_region(actor, actor.city_id, r.path)] + [region],
        "periods": [(key, label, side_by_side[key]) for key, label in PERIODS],
        "trend": trend,
        "children": children,
        "participation": [(node, participation(picked, node)) for node in [region, *_children(region)]],
        "timings": metrics.timings(picked),
        "categories": metrics.by_category(picked, _categories(city_id)),
        "heat": _heat(picked, region, children),
        "map": region_map(region),
        "cases": [],
    }
    if region.level == "grid":
        page["cases"] = list(db.session.scalars(cases.staff_list(actor, grid_id=region.id).limit(100)))
    return page


def _children(region: Region) -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.city_id == region.city_id, Region.parent_id == region.id).order_by(Region.code)))


def participation(scope: Scope, region: Region) -> dict:
    """A node's ratings and 12345 follow-up answers in the period, keyed as metrics.PARTICIPATION_FIGURES."""
    shops = ratings.region_ratings(scope.city_id, region.path, "shop", scope.start, scope.end)
    cadres = ratings.region_ratings(scope.city_id, region.path, "cadre", scope.start, scope.end)
    hotline = metrics.hotline_satisfaction(scope.city_id, region.path, scope.start, scope.end)
    return {
        "shop_average": shops.average, "shop_count": shops.count, "shop_low": shops.low,
        "cadre_average": cadres.average, "cadre_count": cadres.count, "cadre_low": cadres.low,
        "open_follow_ups": shops.open_follow_ups + cadres.open_follow_ups,
        "hotline_answered_rate": hotline.answered_rate, "hotline_satisfied_rate": hotline.satisfied_rate,
        "hotline_average_stars": hotline.average_stars,
    }


def _categories(city_id: int) -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.city_id == city_id).order_by(Category.code)))


def _heat(scope: Scope, region: Region, children: list) -> list[tuple[Region, int]]:
    """Cases per grid under a street or community; per child above that (the children's figures already read)."""
    if region.level in HEAT_LEVELS:
        cells = list(db.session.scalars(regions.subtree(region.city_id, region, regions.RegionLevel.GRID).order_by(Region.code)))
        counts = metrics.by_grid_counts(scope)
        return [(grid, counts.get(grid.id, 0)) for grid in cells]
    return [(child, figures.received) for child, figures in children]


# --------------------------------------------------------------------------- #
# The map
# --------------------------------------------------------------------------- #


def region_map(region: Region) -> dict:
    """The node's grids with their open and overdue load now, each leading one level down; pins of its
    active cases that have a position (community and grid only). Positions are WGS-84, as stored."""
    grids = list(
        db.session.scalars(
            regions.subtree(region.city_id, region, regions.RegionLevel.GRID)
            .where(Region.boundary_geojson.is_not(None))
            .order_by(Region.code)
        )
    )
    load = metrics.load_by_grid(Scope(region.city_id, region.path))
    depth = len(region.ancestor_ids)
    shapes = []
    for grid in grids:
        open_count, overdue = load.get(grid.id, (0, 0))
        below = grid.ancestor_ids[depth] if grid.id != region.id else None
        shapes.append(
            {
                "id": grid.id, "name": grid.name, "geometry": json.loads(grid.boundary_geojson),
                "open": open_count, "overdue": overdue, "drill": below,
            }
        )
    pins, unplaced = _pins(region) if region.level in PIN_LEVELS else ([], 0)
    return {"grids": shapes, "pins": pins, "unplaced": unplaced}


def _pins(region: Region) -> tuple[list[dict], int]:
    active = [Case.city_id == region.city_id, *metrics.case_path_range(region.path), Case.state.in_(sorted(S.ACTIVE_STATES))]
    rows = list(
        db.session.scalars(select(Case).where(*active, Case.lat.is_not(None)).order_by(Case.created_at.desc(), Case.id).limit(MAX_PINS))
    )
    unplaced = db.session.scalar(select(func.count()).where(*active, Case.lat.is_(None)))
    at = now()
    pins = []
    for case in rows:
        view = sla.view(case, at)
        pins.append(
            {
                "id": case.id, "lat": case.lat, "lng": case.lng, "colour": view["colour"] or ("paused" if view["paused"] else "none"),
                "label": f"#{case.id} {case.category.name} · {S.STATE_LABELS[case.state]}"
                + (f" · {view['colour_label']}" if view["colour_label"] else ""),
            }
        )
    return pins, int(unplaced or 0)


# --------------------------------------------------------------------------- #
# Overdue list
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class OverdueRow:
    case: Case
    due_at: datetime
    clock_label: str
    overdue_minutes: int


@replica_reads
def overdue_page(
    actor: Actor, region_id: int | None = None, *, category_id: int | None = None, level: int | None = None,
    sort: str = "overdue", limit: int = OVERDUE_PAGE,
) -> dict:
    """Overdue cases under the viewer's part of the tree, filtered and sorted; each with how long it is past due."""
    LEADERS.require(actor)
    if sort not in OVERDUE_SORTS:
        raise ValidationFailed("排序方式不正确", details={"sort": sorted(OVERDUE_SORTS)})
    region = regions.visible_region(actor, region_id) if region_id else None
    stmt = supervision.overdue(actor, region)
    if category_id is not None:
        stmt = stmt.where(Case.category_id == category_id)
    if level is not None:
        stmt = stmt.where(Case.escalation_level == level)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    order = {
        "overdue": (sla.running_due_at(), Case.id),
        "escalation": (Case.escalation_level.desc(), sla.running_due_at(), Case.id),
        "newest": (Case.created_at.desc(), Case.id),
    }[sort]
    at = now()
    rows = []
    for case in db.session.scalars(stmt.order_by(None).order_by(*order).limit(limit)):
        clock = sla.running_clock(case)
        rows.append(OverdueRow(case, clock.due, clock.label, int((at - clock.due).total_seconds() // 60)))
    home = region or home_region(actor)
    return {
        "rows": rows, "total": total, "region": region,
        "regions": list(db.session.scalars(select(Region).where(Region.city_id == actor.city_id, Region.parent_id == home.id).order_by(Region.code))),
        "categories": _categories(actor.city_id),
    }


# --------------------------------------------------------------------------- #
# Departments
# --------------------------------------------------------------------------- #


@replica_reads
def departments_page(actor: Actor, month: str | None = None) -> dict:
    """The month's ranking with the deductions behind each score, each department's figures for the
    cases it held, and the orders it holds now (how many past their deadline); then the communities'
    line (cadre ratings and low-rating follow-ups closed on time)."""
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
    held = _held_orders(actor.city_id)
    rows = [
        {"score": row, "lost": scores.points_lost(_found(row)), "figures": figures.get(row.department), "held": held.get(row.department_id, (0, 0))}
        for row in ranking
    ]
    return {
        "month": month, "rows": rows, "start_points": scores.start_points(),
        "communities": community_scores.community_scores(actor, month),
    }


def _found(row) -> dict[str, int]:
    return {key: getattr(row, key) for key in ("late_minutes", "reopened", "low_ratings", "late_report_ins")}


def _held_orders(city_id: int) -> dict[int, tuple[int, int]]:
    """Orders each department holds now, and of them the unresolved ones past their deadline."""
    late = (Order.resolved_at.is_(None)) & (Order.deadline < now())
    rows = db.session.execute(
        select(Order.holder_department_id, func.count(), func.coalesce(func.sum(when((late, 1), else_=0)), 0))
        .where(Order.city_id == city_id, Order.status.in_(sorted(HELD_STATUSES)))
        .group_by(Order.holder_department_id)
    )
    return {department_id: (int(count), int(overdue)) for department_id, count, overdue in rows}


def unsaved_score(department: Department, month: str):
    found = scores.deductions(department.city_id, department.id, month)
    row = scores.DepartmentScore(city_id=department.city_id, department_id=department.id, month=month, score=scores.score_for(found), **found)
    row.department = department
    return row


# --------------------------------------------------------------------------- #
# A case
# --------------------------------------------------------------------------- #


def case_page(actor: Actor, case_id: int) -> dict:
    """The case as its viewer may see it (presentation.detail: photos, each step with its actor), with its
    SLA, supervision, the nudges left this hour, and its grid and position for the map."""
    LEADERS.require(actor)
    case = cases.visible_case(actor, case_id)
    detail = presentation.detail(actor, case)
    return {
        "case": case,
        "detail": detail,
        "sla": detail["sla"],
        "before": [p for p in detail["photos"] if p["kind"] == "before"],
        "after": [p for p in detail["photos"] if p["kind"] == "after"],
        "instructions": supervision.instructions(case),
        "whistles": supervision.whistles(case),
        "nudges": supervision.nudge_count(case),
        "nudges_left": supervision.nudges_left(case),
        "map": {
            "grids": [{"id": case.grid.id, "name": case.grid.name, "geometry": json.loads(case.grid.boundary_geojson), "drill": None}]
            if case.grid is not None and case.grid.boundary_geojson else [],
            "pins": [{"id": case.id, "lat": case.lat, "lng": case.lng, "colour": detail["sla"]["colour"] or "none", "label": case.place_label or ""}]
            if case.lat is not None else [],
            "unplaced": 0 if case.lat is not None else 1,
        },
    }
