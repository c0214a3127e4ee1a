"""精准推送 pages: the official composes a notice with its audience and sees the count before sending, the
list of notices sent to their area with reach figures, and the notice as its recipient opens it from the inbox.

Opening the notice page is the recipient's read receipt. The resident's template is given nothing about
the audience: no tag, no count. Every change goes through the JSON API (static/h5/notices.js).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.pagination import paginate
from gridapp.services.notices import publishing, receipts
from gridapp.services.notices.audience import AUDIENCES, TAG_MATCHES
from gridapp.services.notices.tags import CATALOGUE
from gridapp.web.access import allow, current_actor
from gridapp.web.bounds import int64
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_notices", __name__, url_prefix="/h5/notices")
HTML_BLUEPRINTS.add(bp.name)
PER_PAGE = 20


@bp.get("")
@allow(publishing.SENDERS, scope="region_tree")
def sent():
    number = max(1, request.args.get("page", 1, type=int64))
    page = paginate(publishing.sent_in_area(current_actor()), {"page": number, "per_page": PER_PAGE})
    return render_template("h5/notices/sent.html", page={**page, "items": receipts.sender_views(page["items"])})


@bp.get("/new")
@allow(publishing.SENDERS, scope="region_tree")
def compose():
    regions = publishing.target_regions(current_actor())
    depth = min((r.path.count("/") for r in regions), default=0)
    return render_template(
        "h5/notices/compose.html",
        regions=[{"id": r.id, "name": r.name, "indent": r.path.count("/") - depth} for r in regions],
        tags=list(CATALOGUE.values()), audiences=AUDIENCES, tag_matches=TAG_MATCHES,
    )


@bp.get("/<int:notice_id>")
@allow(receipts.READERS, scope="recipient_or_region_tree")
def notice(notice_id: int):
    actor = current_actor()
    opened, copy = receipts.open_notice(actor, notice_id)
    if copy is None:  # an official over the area: the notice with its reach
        return render_template(
            "h5/notices/reach.html", notice=receipts.sender_views([opened])[0], grids=receipts.by_grid(opened)
        )
    return render_template("h5/notices/notice.html", notice=receipts.reader_view(opened, copy))
