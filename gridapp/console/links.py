"""账号关联 in the console: the grid's worker or the community's admin confirms or refuses residents'
requests to be linked to registry records, and ends links, through the JSON API (static/console/links.js)."""
from __future__ import annotations

from flask import render_template, request

from gridapp.console import bp
from gridapp.models.links import LINK_STATUSES
from gridapp.pagination import paginate
from gridapp.services.links import workflow as links
from gridapp.web.access import allow, current_actor

TABS = ("pending", "confirmed", "refused", "ended")


@bp.context_processor
def section_link():
    """The nav shows 账号关联 to the staff who decide on links."""
    actor = current_actor()
    return {"reviews_links": actor is not None and links.REVIEWERS.held_by(actor)}


@bp.get("/links")
@allow(links.REVIEWERS, scope="region_tree")
def account_links():
    actor = current_actor()
    status = request.args.get("status", "pending")
    status = status if status in LINK_STATUSES else "pending"
    try:
        page_number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_number = 1
    page = paginate(links.review_queue(actor, status), {"page": page_number, "per_page": 50})
    return render_template(
        "console/links.html", status=status, tabs=[(tab, links.STATUS_LABELS[tab]) for tab in TABS],
        items=[links.view(actor, link) for link in page["items"]], meta=page["meta"],
    )
