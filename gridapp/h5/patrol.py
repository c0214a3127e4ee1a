"""The grid worker's rounds on the phone: patrol reports (巡查上报), the reverse scan that opens a household
and a visit (扫码走访), and a household's visit history.

The pages render what the services return; the patrol report and the visit notes are sent by the page's script
to the same JSON API as the mini-program (gridapp/static/h5/patrol.js).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.extensions import db
from gridapp.h5.paging import page_args
from gridapp.pagination import paginate
from gridapp.services import photos
from gridapp.services.cases import intake, public_map
from gridapp.services.cases import presentation as case_views
from gridapp.services.codes import scan_rules, visits
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_patrol", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)


@bp.get("/patrol")
@allow(intake.PATROLLERS, scope="self")
def patrol_page():
    actor = current_actor()
    page = paginate(intake.my_patrols(actor), page_args(10))
    return render_template(
        "h5/patrol/report.html",
        categories=list(db.session.scalars(intake.categories(actor.city_id))),
        grids=intake.patrol_grids(actor),
        centre=public_map.city_centre(actor),
        items=[case_views.summary(actor, case) for case in page["items"]],
        meta=page["meta"],
        sent=request.args.get("sent"),
    )


@bp.get("/visits/scan")
@allow(scan_rules.VISITORS, scope="self")
def scan_page():
    return render_template("h5/patrol/scan.html")


@bp.get("/households/<int:household_id>/visits")
@allow(visits.HISTORY_READERS, scope="household_grid_or_subtree")
def visits_page(household_id: int):
    history = visits.history(current_actor(), household_id)
    page = paginate(history.visits, page_args(20))
    return render_template(
        "h5/patrol/visits.html", household=history.household, items=page["items"], meta=page["meta"], photo_url=photos.url
    )
