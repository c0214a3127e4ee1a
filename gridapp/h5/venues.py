"""场所登记 pages: a resident's own check-ins (to read and delete), and the officials' audited visitor lookup.

Both render what services.codes.venue_checkins returns; deleting and looking up go through the JSON API
(static/h5/venues.js), so the lookup is audited in one place.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from gridapp.h5.paging import page_of
from gridapp.services.codes import venue_checkins
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_venues", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)



@bp.get("/check-ins")
@allow(venue_checkins.VISITORS, scope="self")
def my_check_ins():
    page = page_of(venue_checkins.mine(current_actor()))
    return render_template(
        "h5/venues/my_check_ins.html", page=page, venue_name=venue_checkins.venue_name,
        retention_days=current_app.config["CHECKIN_RETENTION_DAYS"],
    )


@bp.get("/venues/visitors")
@allow(venue_checkins.LOOKERS, scope="region_tree")
def visitor_lookup():
    page = page_of(venue_checkins.lookups(current_actor()))
    return render_template(
        "h5/venues/visitors.html", page=page, venue_name=venue_checkins.venue_name, code=request.args.get("code", ""),
        retention_days=current_app.config["CHECKIN_RETENTION_DAYS"],
    )
