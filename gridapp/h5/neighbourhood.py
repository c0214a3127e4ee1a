"""Below and beside the grid on the phone: a head's own charge and their reports from it; the grid worker's heads
(appoint by the resident's phone, end); patrol plans with this period's coverage and the round form. Pages render
what the services return; every change goes through the JSON API (static/h5/neighbourhood.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.extensions import db
from gridapp.h5.paging import page_args
from gridapp.models.neighbourhood import HEAD_KINDS, PATROL_CADENCES
from gridapp.pagination import paginate
from gridapp.services.cases import intake
from gridapp.services.cases import presentation as case_views
from gridapp.services.neighbourhood import heads, patrols
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_neighbourhood", __name__, url_prefix="/h5/neighbourhood")
HTML_BLUEPRINTS.add(bp.name)


@bp.get("/charge")
@allow(heads.HEADS, scope="own_charge")
def charge():
    actor = current_actor()
    page = paginate(heads.my_reports(actor), page_args(10))
    return render_template(
        "h5/neighbourhood/charge.html", charges=heads.my_charge(actor), categories=list(db.session.scalars(intake.categories(actor.city_id))),
        reports=[case_views.summary(actor, case) for case in page["items"]], meta=page["meta"],
    )


@bp.get("/heads")
@allow(heads.APPOINTERS, scope="own_grids")
def head_list():
    actor = current_actor()
    grids = heads.appointer_grids(actor)
    try:
        chosen = int(request.args.get("grid_id", ""))
    except ValueError:
        chosen = None
    grid = next((g for g in grids if g.id == chosen), grids[0] if grids else None)
    rows = list(db.session.scalars(heads.listed(actor, grid.id))) if grid else []
    households = heads.grid_households(actor, grid.id) if grid else []
    return render_template("h5/neighbourhood/heads.html", grids=grids, grid=grid, heads=rows, households=households, kinds=HEAD_KINDS)


@bp.get("/patrols")
@allow(patrols.PATROLLERS, scope="region_tree_or_own_plans")
def patrol_plans():
    actor = current_actor()
    plans = list(db.session.scalars(patrols.listed(actor).limit(50)))
    coverage = {plan.id: patrols.coverage(actor, plan.id) for plan in plans if plan.is_active}
    return render_template(
        "h5/neighbourhood/patrols.html", plans=plans, coverage=coverage, cadences=PATROL_CADENCES,
        regions=patrols.plannable_regions(actor) if patrols.PLANNERS.held_by(actor) else [],
    )
