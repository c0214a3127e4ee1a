"""直联 pages: a resident's conversations and whom they may write to (from a scanned household code or their
home), a staff member's conversations with the unread first, and one conversation page for both sides, where
the staff side turns the conversation into a case. Pages render; every change goes through the JSON API
(static/h5/direct_line.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from gridapp.authz import Role
from gridapp.errors import DomainError
from gridapp.extensions import db
from gridapp.pagination import paginate
from gridapp.services.cases import intake
from gridapp.services.direct_line import conversations as direct
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_direct", __name__, url_prefix="/h5/direct")
HTML_BLUEPRINTS.add(bp.name)
LISTED = {"page": 1, "per_page": 50}
MESSAGES = {"page": 1, "per_page": 100}


@bp.get("")
@allow(direct.PARTIES, scope="own_conversations")
def conversations():
    actor = current_actor()
    code = request.args.get("code") or None
    start, problem = None, None
    if Role.RESIDENT in actor.roles:
        try:
            grid, _code_id = direct.resident_grid(actor, code=code)
            start = {"grid_id": grid.id, "grid": grid.name, "contacts": direct.choices(grid)}
        except DomainError as error:  # no grid to talk to yet: the page says why instead of a form
            problem = error.message
    page = paginate(direct.mine(actor), LISTED)
    return render_template(
        "h5/direct_line/list.html", items=[direct.view(actor, c) for c in page["items"]], start=start, code=code,
        problem=problem, retention_days=direct.retention_days(),
    )


@bp.get("/<int:conversation_id>")
@allow(direct.PARTIES, scope="own_conversations")
def conversation(conversation_id: int):
    actor = current_actor()
    row = direct.visible(actor, conversation_id)
    view = direct.view(actor, row)
    messages = paginate(direct.messages(actor, conversation_id), MESSAGES)
    categories = list(db.session.scalars(intake.categories(actor.city_id))) if view["side"] == "staff" else []
    return render_template(
        "h5/direct_line/conversation.html", conversation=view, case_href=_case_href(actor, view),
        messages=[direct.message_view(actor, row, m) for m in messages["items"]], categories=categories,
    )


def _case_href(actor, view: dict) -> str | None:
    """The resident follows the case on their report page; the grid worker works it on theirs."""
    if view["case_id"] is None:
        return None
    if view["side"] == "resident":
        return url_for("h5_reports.case_page", case_id=view["case_id"])
    return url_for("h5_worker.case_page", case_id=view["case_id"]) if Role.GRID_WORKER in actor.roles else None
