"""The leaders' dashboard (领导驾驶舱): server-rendered pages for tablets and phones.

Overview of the viewer's subtree, drill-down district → street → community → grid → case,
the overdue list with nudge and instruction buttons, the departments' ranking, and a CSV
of every table (`?format=csv`). Staff sign in on /dashboard/login, which calls the same
JSON sign-in as every client and keeps the session in HttpOnly cookies; the buttons call
the JSON API with the CSRF header (gridapp/static/dashboard.js).
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request

from gridapp.clock import CHINA
from gridapp.dashboard import charts
from gridapp.services.cases import states as S
from gridapp.services.supervision import dashboard, metrics, sla
from gridapp.services.supervision import oversight as supervision
from gridapp.web.access import allow, current_actor, public
from gridapp.web.bounds import int64
from gridapp.web.errors import HTML_BLUEPRINTS, LOGIN_PAGES
from gridapp.web.staff_sign_in import sign_in_page

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
HTML_BLUEPRINTS.add(bp.name)
LOGIN_PAGES[bp.name] = "/dashboard/login"

FIGURE_COLUMNS = [(key, label) for key, label, _definition in metrics.FIGURES]
PARTICIPATION_COLUMNS = [(key, label) for key, label, _definition in metrics.PARTICIPATION_FIGURES]
DEFINITIONS = {key: definition for key, _label, definition in (*metrics.FIGURES, *metrics.PARTICIPATION_FIGURES)}
LEVELS = ["网格", "社区", "街道", "区"]  # how far up the tree an overdue case has climbed


@bp.app_template_filter("rate")
def rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.app_template_filter("minutes")
def minutes(value: int | None) -> str:
    """A span of minutes as a leader reads it: 2天3小时, 5小时20分, 40分钟."""
    if value is None:
        return "—"
    days, rest = divmod(int(value), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    return f"{mins}分钟"


@bp.app_context_processor
def dashboard_helpers():
    return {
        "state_label": lambda state: S.STATE_LABELS.get(state, state),
        "sla_view": sla.view,
        "action_label": S.action_label,
        "FIGURE_COLUMNS": FIGURE_COLUMNS,
        "PARTICIPATION_COLUMNS": PARTICIPATION_COLUMNS,
        "DEFINITIONS": DEFINITIONS,
        "may_instruct": lambda: bool(current_actor() and supervision.INSTRUCTORS.held_by(current_actor())),
        "may_nudge": lambda: bool(current_actor() and supervision.NUDGERS.held_by(current_actor())),
        "INSTRUCTION_PHRASES": supervision.INSTRUCTION_PHRASES,
    }


def _csv(filename: str, header: list[str], rows: list[list]) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={filename}.csv"})


def _wants_csv() -> bool:
    return request.args.get("format") == "csv"


def _figure_cells(figures) -> list:
    data = figures.as_dict()
    return [data[key] for key, _label in FIGURE_COLUMNS]


@bp.get("/login")
@public()
def login():
    return sign_in_page("dashboard/login.html", under="/dashboard", landing="dashboard.overview")


@bp.get("/")
@allow(dashboard.LEADERS, scope="region_tree")
def overview():
    return _region(None)


@bp.get("/regions/<int:region_id>")
@allow(dashboard.LEADERS, scope="region_tree")
def region(region_id: int):
    return _region(region_id)


def _region(region_id: int | None):
    c = charts
    period = metrics.asked_period(request.args.get("period"), request.args.get("from"), request.args.get("to"))
    page = dashboard.region_page(current_actor(), region_id, period)
    if _wants_csv():
        header = ["区域", *[label for _k, label in FIGURE_COLUMNS]]
        rows = [[child.name, *_figure_cells(figures)] for child, figures in page["children"]]
        return _csv(f"region-{page['region'].id}", header, rows)
    trend = page["trend"]
    labels = [d["day"] for d in trend]
    page["trend_chart"] = c.line_chart(labels, [("收件", [d["received"] for d in trend]), ("办结", [d["closed"] for d in trend])], "近30日收件与办结")
    page["rates_chart"] = c.bar_chart([(child.name, figures.closure_rate) for child, figures in page["children"]], f"{period.label}整改率")
    scale = c.HeatScale.over([count for _cell, count in page["heat"]])
    page["heat_scale"] = scale
    page["heat_cells"] = [(cell, count, scale.level(count)) for cell, count in page["heat"]]
    page["map_scale"] = c.HeatScale.over([grid["open"] + grid["overdue"] for grid in page["map"]["grids"]])
    for grid in page["map"]["grids"]:
        grid["fill"] = page["map_scale"].level(grid["open"] + grid["overdue"]).fill
    page["period_args"] = _period_args(period)
    page["PERIOD_LABELS"] = metrics.PERIOD_LABELS
    return render_template("dashboard/region.html", **page)


def _period_args(period: metrics.Period) -> dict:
    """The query arguments that keep the picked period on the next page (a drill-down, the CSV)."""
    if period.key == "month":
        return {}
    if period.key == "custom":
        return {"period": "custom", "from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    return {"period": period.key}


@bp.get("/overdue")
@allow(dashboard.LEADERS, scope="region_tree")
def overdue():
    asked = {
        "region_id": request.args.get("region", type=int64),
        "category_id": request.args.get("category", type=int64),
        "level": request.args.get("level", type=int),
        "sort": request.args.get("sort") or "overdue",
    }
    page = dashboard.overdue_page(current_actor(), **asked)
    if _wants_csv():
        header = ["案件", "类别", "位置", "状态", "时限", "到期", "超时", "升级级别", "处理人"]
        return _csv("overdue", header, [_overdue_row(row) for row in page["rows"]])
    return render_template("dashboard/overdue.html", asked=asked, sorts=dashboard.OVERDUE_SORTS, levels=LEVELS, **page)



def _overdue_row(row) -> list:
    case = row.case
    due = row.due_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    handler = case.handler.display_name if case.handler else ""
    return [
        case.id, case.category.name, case.place_label or "", S.STATE_LABELS[case.state], row.clock_label, due,
        minutes(row.overdue_minutes), case.escalation_level, handler,
    ]


@bp.get("/departments")
@allow(dashboard.LEADERS, scope="city")
def departments():
    page = dashboard.departments_page(current_actor(), request.args.get("month"))
    if _wants_csv() and request.args.get("table") == "communities":
        return _csv(f"communities-{page['month']}", COMMUNITY_HEADER, [_community_row(row) for row in page["communities"]])
    if _wants_csv():
        header = [
            "排名", "部门", "得分", "在办工单", "逾期工单", "逾期分钟", "被退回", "差评", "报到逾期",
            *[label for _k, label in FIGURE_COLUMNS],
        ]
        rows = [
            [
                row["score"].rank, row["score"].department.name, row["score"].score, *row["held"], row["score"].late_minutes,
                row["score"].reopened, row["score"].low_ratings, row["score"].late_report_ins,
                *(_figure_cells(row["figures"]) if row["figures"] else []),
            ]
            for row in page["rows"]
        ]
        return _csv(f"departments-{page['month']}", header, rows)
    return render_template("dashboard/departments.html", **page)


COMMUNITY_HEADER = ["排名", "社区", "得分", "干部评价均分", "干部评价数", "干部差评", "差评扣分", "到期回访", "按时回访", "逾期回访", "逾期回访扣分"]


def _community_row(row) -> list:
    """The 社区考核 table's row, as the page shows it (an average with no ratings is empty, never 0)."""
    cadres, follow_ups = row.cadre_ratings, row.follow_ups
    return [
        row.rank, row.community.name, row.score, "" if cadres.average is None else cadres.average, cadres.count, cadres.low,
        row.lost.get("low_ratings", 0), follow_ups.due, follow_ups.on_time, follow_ups.late, row.lost.get("late_follow_ups", 0),
    ]


@bp.get("/cases/<int:case_id>")
@allow(dashboard.LEADERS, scope="case_region_tree")
def case(case_id: int):
    return render_template("dashboard/case.html", **dashboard.case_page(current_actor(), case_id))
