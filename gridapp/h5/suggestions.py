"""码上纳谏 pages: a resident's form and list, one suggestion (with the cadres' answer and decision forms),
the cadres' review list, and a community's public list. Changes go through the JSON API (static/h5/suggestions.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.errors import NotFound, ValidationFailed
from gridapp.h5.paging import page_of
from gridapp.services.participation import suggestions
from gridapp.web.access import allow, current_actor
from gridapp.web.bounds import int64
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_suggestions", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)



@bp.get("/suggestions")
@allow(suggestions.AUTHORS, scope="self")
def mine():
    actor = current_actor()
    communities = suggestions.my_communities(actor)
    asked = request.args.get("community", type=int64)
    if asked and all(c.id != asked for c in communities):
        try:
            communities.insert(0, suggestions.community_choice(actor, asked))
        except (NotFound, ValidationFailed):
            pass  # a stale link: the resident picks from their own communities
    return render_template(
        "h5/suggestions/mine.html", communities=communities, chosen=asked, page=page_of(suggestions.mine(actor)),
        label=suggestions.status_label,
    )


@bp.get("/suggestions/review")
@allow(suggestions.CADRES, scope="region_tree")
def review():
    status = request.args.get("status") if request.args.get("status") in suggestions.STATUS_LABELS else None
    return render_template(
        "h5/suggestions/review.html", page=page_of(suggestions.to_review(current_actor(), status)), status=status,
        statuses=suggestions.STATUS_LABELS, label=suggestions.status_label,
    )


@bp.get("/suggestions/<int:suggestion_id>")
@allow(suggestions.PARTIES, scope="author_or_region_tree")
def detail(suggestion_id: int):
    actor = current_actor()
    row = suggestions.visible(actor, suggestion_id)
    may_decide = row.user_id != actor.user_id and row.status in suggestions.OPEN
    return render_template(
        "h5/suggestions/detail.html", row=row, may_decide=may_decide, label=suggestions.status_label,
        actions=suggestions.ACTION_LABELS,
    )


@bp.get("/communities/<int:community_id>/suggestions")
@allow(suggestions.READERS, scope="city")
def community_list(community_id: int):
    actor = current_actor()
    community = suggestions.community_choice(actor, community_id)
    return render_template(
        "h5/suggestions/community.html", community=community, page=page_of(suggestions.public_list(actor, community_id)),
        label=suggestions.status_label,
    )
