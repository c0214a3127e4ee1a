"""随手拍 pages: the report form a scan opens, the resident's reports, and a case's timeline.

The form posts to the same JSON API as the mini-program (multipart with photos and
an Idempotency-Key); the pages only render what the services return.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.authz import SIGNED_IN
from gridapp.extensions import db
from gridapp.h5.paging import page_args
from gridapp.pagination import paginate
from gridapp.services.accounts.users import get_user
from gridapp.services.cases import intake, public_map
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import workflow as cases
from gridapp.services.codes.issuing import locate_code
from gridapp.services.regions.tree import get_region
from gridapp.web.access import allow, current_actor
from gridapp.web.bounds import int64
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_reports", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)


@bp.get("/report")
@allow(cases.RESIDENTS, scope="self")
def report_form():
    actor = current_actor()
    token = request.args.get("code") or None
    place = community_id = None
    if token:
        located = locate_code(token)  # unknown or withdrawn codes answer 404 / 410 pages
        if located.city_id == actor.city_id:
            place = located.place_label
            community_id = get_region(actor.city_id, located.grid_id).parent_id if located.grid_id else located.region_id
    categories = list(db.session.scalars(intake.categories(actor.city_id)))
    me = get_user(actor.city_id, actor.user_id)
    return render_template(
        "h5/report.html", token=token if place else None, place=place, categories=categories, community_id=community_id,
        contact={"name": me.display_name, "phone": me.phone}, centre=public_map.city_centre(actor),
    )  # fmt: skip


@bp.get("/map")
@allow(public_map.VIEWERS, scope="city")
def community_map():
    """A community's recent reports on a map (the community asked for, or the one the phone is in)."""
    community = request.args.get("community", type=int64)
    region = public_map.community(current_actor(), community) if community else None
    return render_template("h5/community_map.html", community=region, centre=public_map.city_centre(current_actor()))


@bp.get("/reports")
@allow(cases.RESIDENTS, scope="self")
def my_reports():
    actor = current_actor()
    page = paginate(cases.mine(actor), page_args(20))
    items = [case_views.summary(actor, case) for case in page["items"]]
    return render_template("h5/my_reports.html", items=items, meta=page["meta"], sent=request.args.get("sent"))


@bp.get("/reports/<int:case_id>")
@allow(SIGNED_IN, scope="reporter_follower_or_region_tree")
def case_page(case_id: int):
    actor = current_actor()
    return render_template("h5/case.html", case=case_views.detail(actor, cases.visible_case(actor, case_id)))
