"""The figures leaders judge by, computed one way everywhere (dashboard, CSV, API, bench).

A `Scope` names which cases count: a city, optionally a region subtree (by materialized
path), a category, a department (cases whose order it held) and a period of creation.
Definitions, over the cases created in the period:
  received            every case
  accepted            accepted_at is set (受理)
  closed              state is closed (办结)
  closure rate        closed / accepted                     (整改率)
  acceptance rate     accepted / received                   (受理率)
  on-time rate        resolved by resolve_due_at / resolved (按时办结率)
  satisfaction rate   ratings of 4-5 stars / ratings        (满意率)
  reopen rate         cases reopened at least once / accepted
  overdue             the running clock is past due now (services.supervision.sla.overdue_condition)
Rates are None when their denominator is 0. Days, weeks and months are China time.
`FIGURES` says the same to the people reading them: every figure's label and definition.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, literal, select
from sqlalchemy import case as when
from sqlalchemy.sql import ColumnElement

from gridapp.clock import china_midnight, china_today, now
from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, CaseRating, CaseRollup, HotlineFollowUp, Region, RegionLevel
from gridapp.models.orders import Order
from gridapp.models.rollups import ROLLUP_COUNTS
from gridapp.services.cases import states as S
from gridapp.services.regions.tree import path_range
from gridapp.services.supervision import rollups
from gridapp.services.supervision.sla import elapsed_minutes, overdue_condition

# key, label, definition: what the dashboard prints beside each figure (its tooltip and footnote).
FIGURES = (
    ("received", "收件", "本期内上报的案件数（按上报时间计）"),
    ("accepted", "受理", "本期上报的案件中已受理的件数"),
    ("closed", "办结", "本期上报的案件中已办结（群众确认或自动办结）的件数"),
    ("overdue", "超时", "本期上报的案件中，此刻正在计时且已过时限的件数"),
    ("closure_rate", "整改率", "办结件数 ÷ 受理件数；无受理时显示“—”"),
    ("acceptance_rate", "受理率", "受理件数 ÷ 收件数；无收件时显示“—”"),
    ("on_time_rate", "按时办结率", "在办结时限内处置完毕的件数 ÷ 已处置件数；无处置时显示“—”"),
    ("satisfaction_rate", "满意率", "4—5 星评价数 ÷ 评价总数；无人评价时显示“—”"),
)
# The same for the residents' ratings and the 12345 follow-ups, shown beside the case figures.
PARTICIPATION_FIGURES = (
    ("shop_average", "商户评价均分", "本期群众给辖区内商户（按商户所在网格）的评价星级平均值；无评价时显示“—”"),
    ("shop_count", "商户评价数", "本期群众给辖区内商户的评价条数"),
    ("shop_low", "商户差评", "本期商户评价中 1—2 星的条数（每条差评开启一项回访）"),
    ("cadre_average", "干部评价均分", "本期群众给辖区内社区干部的评价星级平均值；无评价时显示“—”"),
    ("cadre_count", "干部评价数", "本期群众给辖区内社区干部的评价条数"),
    ("cadre_low", "干部差评", "本期干部评价中 1—2 星的条数（每条差评开启一项回访）"),
    ("open_follow_ups", "待回访差评", "此刻辖区内尚未办结的差评回访（商户与干部），不论何时开启"),
    ("hotline_answered_rate", "12345回访应答率", "本期发出的 12345 回访短信中，来电人作答的条数 ÷ 发出条数；未发出时显示“—”"),
    ("hotline_satisfied_rate", "12345满意率", "来电人答“满意”的条数 ÷ 作答条数；无人作答时显示“—”"),
    ("hotline_average_stars", "12345平均星级", "来电人答“满意”时所给星级的平均值；无人作答时显示“—”"),
)
PERIOD_LABELS = {"today": "今日", "week": "本周", "month": "本月", "custom": "自定义"}
LONGEST_CUSTOM_DAYS = 366


@dataclass(frozen=True)
class Scope:
    city_id: int
    path: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    category_id: int | None = None
    department_id: int | None = None
    grid_id: int | None = None

    def conditions(self) -> list[ColumnElement]:
        where = [Case.city_id == self.city_id]
        if self.path:
            where += case_path_range(self.path)
        if self.start is not None:
            where.append(Case.created_at >= self.start)
        if self.end is not None:
            where.append(Case.created_at < self.end)
        if self.category_id is not None:
            where.append(Case.category_id == self.category_id)
        if self.grid_id is not None:
            where.append(Case.grid_id == self.grid_id)
        if self.department_id is not None:
            held = select(Order.case_id).where(Order.city_id == self.city_id, Order.holder_department_id == self.department_id)
            where.append(Case.id.in_(held))
        return where


def case_path_range(path: str) -> list[ColumnElement]:
    return [path_range(Case.region_path, path)]


# --------------------------------------------------------------------------- #
# Periods (China time)
# --------------------------------------------------------------------------- #


def period(name: str, at: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of today, this week (from Monday) or this month, China time."""
    today = china_today(at)
    if name == "today":
        first = today
    elif name == "week":
        first = today - timedelta(days=today.weekday())
    elif name == "month":
        first = today.replace(day=1)
    else:
        raise ValueError(name)
    return china_midnight(first), china_midnight(today + timedelta(days=1))


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        if self.key != "custom":
            return PERIOD_LABELS[self.key]
        return f"{self.first_day:%Y-%m-%d} 至 {self.last_day:%Y-%m-%d}"


def asked_period(key: str | None, first: str | None = None, last: str | None = None) -> Period:
    """The period someone picked: today, this week, this month (the default) or their own days, China time."""
    key = key or "month"
    if key not in PERIOD_LABELS:
        raise ValidationFailed("统计周期不正确", details={"period": sorted(PERIOD_LABELS)})
    if key != "custom":
        start, end = period(key)
        return Period(key, start, end, china_today(start), china_today(end) - timedelta(days=1))
    try:
        first_day, last_day = date.fromisoformat(first or ""), date.fromisoformat(last or "")
    except ValueError:
        raise ValidationFailed("请选择起止日期（YYYY-MM-DD）", details={"from": [first], "to": [last]}) from None
    if first_day > last_day:
        raise ValidationFailed("开始日期不能晚于结束日期", details={"from": [first], "to": [last]})
    if (last_day - first_day).days >= LONGEST_CUSTOM_DAYS:
        raise ValidationFailed(f"自定义周期最长 {LONGEST_CUSTOM_DAYS} 天", details={"from": [first], "to": [last]})
    return Period("custom", china_midnight(first_day), china_midnight(last_day + timedelta(days=1)), first_day, last_day)


# --------------------------------------------------------------------------- #
# Counts and rates
# --------------------------------------------------------------------------- #


@dataclass
class Figures:
    received: int = 0
    accepted: int = 0
    closed: int = 0
    resolved: int = 0
    on_time: int = 0
    overdue: int = 0
    reopened: int = 0
    ratings: int = 0
    satisfied: int = 0
    extra: dict = field(default_factory=dict)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def closure_rate(self):
        return self._rate(self.closed, self.accepted)

    @property
    def acceptance_rate(self):
        return self._rate(self.accepted, self.received)

    @property
    def on_time_rate(self):
        return self._rate(self.on_time, self.resolved)

    @property
    def satisfaction_rate(self):
        return self._rate(self.satisfied, self.ratings)

    @property
    def reopen_rate(self):
        return self._rate(self.reopened, self.accepted)

    def as_dict(self) -> dict:
        names = ("received", "accepted", "closed", "resolved", "on_time", "overdue", "reopened", "ratings", "satisfied")
        data = {name: getattr(self, name) for name in names}
        data.update(
            closure_rate=self.closure_rate, acceptance_rate=self.acceptance_rate, on_time_rate=self.on_time_rate,
            satisfaction_rate=self.satisfaction_rate, reopen_rate=self.reopen_rate, **self.extra,
        )
        return data


def _count(condition) -> ColumnElement:
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def _case_columns(at: datetime) -> list:
    return [
        func.count(Case.id),
        _count(Case.accepted_at.is_not(None)),
        _count(Case.state == S.CLOSED),
        _count(Case.resolved_at.is_not(None)),
        _count((Case.resolved_at.is_not(None)) & (Case.resolved_at <= Case.resolve_due_at)),
        _count(overdue_condition(at)),
        _count(Case.reopen_count > 0),
    ]


def _fill(figures: Figures, row) -> Figures:
    (figures.received, figures.accepted, figures.closed, figures.resolved, figures.on_time, figures.overdue, figures.reopened) = (
        int(v or 0) for v in row
    )
    return figures


def _rolled_up(scope: Scope) -> bool:
    """Whether the rollups hold this scope: whole China days, no department or single grid."""
    return scope.department_id is None and scope.grid_id is None and rollups.answers(scope.start, scope.end)


def _from_rollups(scope: Scope, by: str | None = None, keys: list = ()) -> dict:
    """Figures per key (child node paths for by="region_path", category ids for by="category_id"): one query."""
    first, last = rollups.days(scope.start, scope.end)
    found = rollups.read(scope.city_id, now(), path=scope.path, first=first, last=last, category_id=scope.category_id, by=by, keys=keys)
    return {key: _rolled_figures(*found.get(key, ([0] * len(ROLLUP_COUNTS), 0))) for key in (keys if by else [None])}


def _rolled_figures(counts: list[int], waiting: int) -> Figures:
    """Figures from summed rollup counts and the running clocks among them not yet due."""
    row = dict(zip(ROLLUP_COUNTS, counts))
    return Figures(
        received=row["received"], accepted=row["accepted"], closed=row["closed"], resolved=row["resolved"],
        on_time=row["on_time"], overdue=row["running"] - waiting, reopened=row["reopened"],
        ratings=row["ratings"], satisfied=row["satisfied"],
    )


def figures(scope: Scope, *, from_cases: bool = False) -> Figures:
    """All counts and rates for one scope: from the rollups when they hold it, else two queries (cases, ratings).
    `from_cases` counts the cases themselves (what the rollups are checked against)."""
    if not from_cases and _rolled_up(scope):
        return _from_rollups(scope)[None]
    at = now()
    result = _fill(Figures(), db.session.execute(select(*_case_columns(at)).where(*scope.conditions())).one())
    rated = db.session.execute(
        select(func.count(CaseRating.id), _count(CaseRating.stars >= 4))
        .join(Case, (Case.id == CaseRating.case_id) & (Case.city_id == CaseRating.city_id))
        .where(CaseRating.city_id == scope.city_id, *scope.conditions())
    ).one()
    result.ratings, result.satisfied = int(rated[0] or 0), int(rated[1] or 0)
    return result


def breakdown(scope: Scope, groups: list[tuple[object, list[ColumnElement]]]) -> dict:
    """Figures for several groups in one pass: `groups` is [(key, extra conditions)], each case in at most one."""
    if not groups:
        return {}
    at = now()
    label = when(*[(_all(conds), literal(index)) for index, (_key, conds) in enumerate(groups)], else_=literal(-1)).label("g")
    rows = db.session.execute(select(label, *_case_columns(at)).where(*scope.conditions()).group_by(label)).all()
    rated = db.session.execute(
        select(label, func.count(CaseRating.id), _count(CaseRating.stars >= 4))
        .join(Case, (Case.id == CaseRating.case_id) & (Case.city_id == CaseRating.city_id))
        .where(CaseRating.city_id == scope.city_id, *scope.conditions())
        .group_by(label)
    ).all()
    out = {key: Figures() for key, _ in groups}
    keys = [key for key, _ in groups]
    for row in rows:
        if row[0] >= 0:
            _fill(out[keys[row[0]]], row[1:])
    for index, count, satisfied in rated:
        if index >= 0:
            out[keys[index]].ratings, out[keys[index]].satisfied = int(count), int(satisfied)
    return out


def _all(conditions: list[ColumnElement]):
    return and_(*conditions)


def by_children(scope: Scope, node: Region, *, from_cases: bool = False) -> list[tuple[Region, Figures]]:
    """Figures for each child of `node` (districts, streets, communities or grids)."""
    children = list(
        db.session.scalars(select(Region).where(Region.city_id == node.city_id, Region.parent_id == node.id).order_by(Region.code))
    )
    scoped = replace(scope, path=node.path)
    if not from_cases and _rolled_up(scoped):
        found = _from_rollups(scoped, "region_path", [child.path for child in children])
        return [(child, found[child.path]) for child in children]
    if node.level == "community":
        groups = [(child.id, [Case.grid_id == child.id]) for child in children]
    else:
        groups = [(child.id, case_path_range(child.path)) for child in children]
    found = breakdown(scoped, groups)
    return [(child, found[child.id]) for child in children]


def by_category(scope: Scope, categories, *, from_cases: bool = False) -> list[tuple[object, Figures]]:
    if not from_cases and _rolled_up(scope):
        found = _from_rollups(scope, "category_id", [c.id for c in categories])
        return [(c, found[c.id]) for c in categories]
    found = breakdown(scope, [(c.id, [Case.category_id == c.id]) for c in categories])
    return [(c, found[c.id]) for c in categories]


def by_department(scope: Scope, departments, *, from_cases: bool = False) -> list[tuple[object, Figures]]:
    """Figures of the cases each department holds orders of: from the department rollups (one query) when the
    scope is whole days of the whole city, else counted per department."""
    if not from_cases and scope.path is None and scope.category_id is None and scope.grid_id is None and rollups.answers(scope.start, scope.end):
        first, last = rollups.days(scope.start, scope.end)
        found = rollups.read_departments(scope.city_id, now(), [d.id for d in departments], first, last)
        return [(d, _rolled_figures(*found.get(d.id, ([0] * len(ROLLUP_COUNTS), 0)))) for d in departments]
    return [(d, figures(replace(scope, department_id=d.id), from_cases=from_cases)) for d in departments]


def trend(scope: Scope, days: int = 30, *, from_cases: bool = False) -> list[dict]:
    """Received and closed per China-time day for the last `days` days (closed counted on its closing day)."""
    today = china_today()
    first = today - timedelta(days=days - 1)
    start, end = china_midnight(first), china_midnight(today + timedelta(days=1))
    base = replace(scope, start=None, end=None)
    if not from_cases and _rolled_up(base):
        return overview(base, (), days)[1]
    received_day = rollups.day_expr(Case.created_at).label("d")
    received = dict(
        db.session.execute(
            select(received_day, func.count()).where(*base.conditions(), Case.created_at >= start, Case.created_at < end).group_by(received_day)
        ).all()
    )
    closed_day = rollups.day_expr(Case.closed_at).label("d")
    closed = dict(
        db.session.execute(
            select(closed_day, func.count())
            .where(*base.conditions(), Case.state == S.CLOSED, Case.closed_at >= start, Case.closed_at < end)
            .group_by(closed_day)
        ).all()
    )
    return _days(first, days, received, closed)


def overview(scope: Scope, names=("today", "week", "month"), days: int = 30, *, from_cases: bool = False) -> tuple[dict, list[dict]]:
    """A node's figures for each named period (today, this week, this month) and its trend of the last `days`
    days: from the rollups one query read per day over the days they span, summed here; else figures and trend."""
    base = replace(scope, start=None, end=None)
    periods = {name: period(name) for name in names}
    if from_cases or not _rolled_up(base):
        return {name: figures(replace(base, start=start, end=end), from_cases=from_cases) for name, (start, end) in periods.items()}, trend(
            base, days, from_cases=from_cases
        )
    today = china_today()
    first = min([today - timedelta(days=days - 1), *(china_today(start) for start, _end in periods.values())])
    per_day = rollups.read(scope.city_id, now(), path=scope.path, first=first, last=today, category_id=scope.category_id, by="day")
    zero = ([0] * len(ROLLUP_COUNTS), 0)
    out = {}
    for name, (start, _end) in periods.items():
        counts, waiting = [0] * len(ROLLUP_COUNTS), 0
        for day, (row, late) in per_day.items():
            if day >= china_today(start):
                counts, waiting = [a + b for a, b in zip(counts, row)], waiting + late
        out[name] = _rolled_figures(counts, waiting)
    received, closed = ROLLUP_COUNTS.index("received"), ROLLUP_COUNTS.index("closed_on_day")
    shown = [today - timedelta(days=offset) for offset in range(days)]
    received_by = {day.isoformat(): per_day.get(day, zero)[0][received] for day in shown}
    closed_by = {day.isoformat(): per_day.get(day, zero)[0][closed] for day in shown}
    return out, _days(today - timedelta(days=days - 1), days, received_by, closed_by)


def _days(first: date, days: int, received: dict, closed: dict) -> list[dict]:
    out = []
    for offset in range(days):
        key = (first + timedelta(days=offset)).isoformat()
        out.append({"day": key, "received": int(received.get(key, 0)), "closed": int(closed.get(key, 0))})
    return out


def by_grid_counts(scope: Scope, *, from_cases: bool = False) -> dict[int, int]:
    """Cases per grid in the scope: the heat grid. From the rollups in one query: each grid under the node
    joined to its rows (primary key: city, grid path, day range)."""
    if not from_cases and _rolled_up(scope):
        first, last = rollups.days(scope.start, scope.end)
        rows = CaseRollup.__table__
        where = [Region.city_id == scope.city_id, Region.level == RegionLevel.GRID.value]
        where += [path_range(Region.path, scope.path)] if scope.path else []
        where += [rows.c.day >= first] if first is not None else []
        where += [rows.c.day <= last] if last is not None else []
        where += [rows.c.category_id == scope.category_id] if scope.category_id is not None else []
        found = db.session.execute(
            select(Region.id, func.sum(rows.c.received))
            .join(rows, (rows.c.city_id == Region.city_id) & (rows.c.region_path == Region.path))
            .where(*where)
            .group_by(Region.id)
        )
        return {grid_id: int(count) for grid_id, count in found if count}
    return {
        grid_id: int(count)
        for grid_id, count in db.session.execute(
            select(Case.grid_id, func.count()).where(*scope.conditions(), Case.grid_id.is_not(None)).group_by(Case.grid_id)
        )
    }


def load_by_grid(scope: Scope, at: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Open cases and, of them, overdue ones per grid now, whenever they were reported: the map's shading."""
    overdue = overdue_condition(at or now())
    rows = db.session.execute(
        select(Case.grid_id, func.count(), _count(overdue))
        .where(*replace(scope, start=None, end=None).conditions(), Case.grid_id.is_not(None), Case.state.in_(sorted(S.OPEN_STATES)))
        .group_by(Case.grid_id)
    )
    return {grid_id: (int(open_count), int(late)) for grid_id, open_count, late in rows}


# --------------------------------------------------------------------------- #
# Times (need the rows: mean and 90th percentile)
# --------------------------------------------------------------------------- #


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timings(scope: Scope) -> dict:
    """Mean and p90 minutes to first response (accepted) and to resolve, and cases resolved per worker-hour."""
    rows = db.session.execute(select(Case.created_at, Case.accepted_at, Case.resolved_at, Case.handler_user_id).where(*scope.conditions())).all()
    response = [(a - c).total_seconds() / 60 for c, a, _r, _h in rows if a is not None]
    resolve = [(r - c).total_seconds() / 60 for c, _a, r, _h in rows if r is not None]
    handlers = {h for _c, _a, r, h in rows if r is not None and h is not None}
    start = scope.start or min((c for c, *_ in rows), default=now())
    end = min(scope.end or now(), now())
    hours = elapsed_minutes(start, end, True) / 60 if end > start else 0
    worker_hours = len(handlers) * hours
    return {
        "response_mean_minutes": round(sum(response) / len(response), 1) if response else None,
        "response_p90_minutes": round(percentile(response, 90), 1) if response else None,
        "resolve_mean_minutes": round(sum(resolve) / len(resolve), 1) if resolve else None,
        "resolve_p90_minutes": round(percentile(resolve, 90), 1) if resolve else None,
        "resolved_per_worker_hour": round(len(resolve) / worker_hours, 3) if worker_hours else None,
    }


# --------------------------------------------------------------------------- #
# 12345 follow-up satisfaction (the callers' answers: services.cases.hotline)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class HotlineSatisfaction:
    """Over the follow-up SMS sent in the period: answered share = answered ÷ asked, satisfied share =
    satisfied ÷ answered, average stars over the satisfied answers; None when the denominator is 0."""

    asked: int
    answered: int
    satisfied: int
    no_answer: int
    answered_rate: float | None
    satisfied_rate: float | None
    average_stars: float | None


def hotline_satisfaction(city_id: int, path: str, start: datetime, end: datetime) -> HotlineSatisfaction:
    status = HotlineFollowUp.status
    row = db.session.execute(
        select(
            func.count(HotlineFollowUp.id), _count(status.in_(("satisfied", "not_solved"))), _count(status == "satisfied"),
            _count(status == "no_answer"), func.avg(HotlineFollowUp.stars),
        )
        .join(Case, (Case.id == HotlineFollowUp.case_id) & (Case.city_id == HotlineFollowUp.city_id))
        .where(
            HotlineFollowUp.city_id == city_id, HotlineFollowUp.sent_at >= start, HotlineFollowUp.sent_at < end,
            path_range(Case.region_path, path),
        )
    ).one()  # fmt: skip
    asked, answered, satisfied, silent, stars = row[0], int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), row[4]
    return HotlineSatisfaction(
        asked, answered, satisfied, silent, answered / asked if asked else None, satisfied / answered if answered else None,
        round(float(stars), 2) if stars is not None else None,
    )
