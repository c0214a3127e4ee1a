"""评价 page for the community: shop and cadre ratings with their comments, and the call-backs low ratings opened.

Closing a follow-up goes through the JSON API (static/h5/ratings.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.h5.paging import page_of
from gridapp.pagination import paginate
from gridapp.services.participation import ratings
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_ratings", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
TARGETS = {"shop": "商户评价", "cadre": "干部评价"}


@bp.get("/ratings")
@allow(ratings.READERS, scope="region_tree_or_market_regulation")
def overview():
    actor = current_actor()
    target = request.args.get("target") if request.args.get("target") in TARGETS else "shop"
    low_only = request.args.get("low") == "1"
    page = page_of(ratings.ratings(actor, target, low_only))
    follow_ups = (
        paginate(ratings.follow_ups(actor, "open"), {"page": 1, "per_page": 50})["items"] if ratings.FOLLOWERS.held_by(actor) else None
    )
    return render_template(
        "h5/ratings/overview.html", target=target, targets=TARGETS, low_only=low_only, summary=ratings.summary(actor, target),
        page=page, rows=ratings.rating_rows(page["items"]), follow_ups=follow_ups, target_name=ratings.target_name,
    )
