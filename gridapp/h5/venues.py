"""场所登记 pages: a resident's own check-ins (to read and delete), and the officials' audited visitor lookup.

Both render what services.codes.venue_checkins returns; deleting and looking up go through the JSON API
(static/h5/venues.js), so the lookup is audited in one place.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from gridapp.pagination import paginate
from gridapp.services.codes import venue_checkins
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_venues", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.get("/check-ins")
@allow(venue_checkins.VISITORS, scope="self")
def my_check_ins():
    page = paginate(venue_checkins.mine(current_actor()), {"page": _page_number(), "per_page": 20})
    return render_template(
        "h5/venues/my_check_ins.html", page=page, venue_name=venue_checkins.venue_name,
        retention_days=current_app.config["CHECKIN_RETENTION_DAYS"],
    )


@bp.get("/venues/visitors")
@allow(venue_checkins.LOOKERS, scope="region_tree")
def visitor_lookup():
    page = paginate(venue_checkins.lookups(current_actor()), {"page": _page_number(), "per_page": 20})
    return render_template(
        "h5/venues/visitors.html", page=page, venue_name=venue_checkins.venue_name, code=request.args.get("code", ""),
        retention_days=current_app.config["CHECKIN_RETENTION_DAYS"],
    )
