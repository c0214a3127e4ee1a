"""网格员助手: the grid worker's inbox by SLA urgency and the staff case page with the actions the case allows.

Pages render what the services return; every action posts to the same JSON API as the mini-program
(static/h5/worker.js), so the buttons are the service's `allowed_actions` and nothing of their own.
"""
from __future__ import annotations

from flask import Blueprint, render_template

from gridapp.h5.paging import page_of
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_worker", __name__, url_prefix="/h5/work")
HTML_BLUEPRINTS.add(bp.name)
PER_PAGE = 20



@bp.get("")
@allow(cases.INBOX, scope="own_grids")
def inbox():
    page = page_of(cases.inbox(current_actor()), PER_PAGE)
    return render_template("h5/worker/inbox.html", items=[case_views.queued(c) for c in page["items"]], meta=page["meta"])


@bp.get("/cases/<int:case_id>")
@allow(cases.GRID_STAFF, scope="case_region_tree")
def case_page(case_id: int):
    actor = current_actor()
    case = case_views.detail(actor, cases.visible_case(actor, case_id))
    labels = {action: S.action_label(action) for action in case["actions"]}
    return render_template("h5/worker/case.html", case=case, labels=labels, reject_reasons=S.REJECT_REASONS)
