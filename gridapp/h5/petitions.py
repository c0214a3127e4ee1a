"""信访 pages for petition officers and agents (代办员): the list, intake with the petitioner looked up first, and
one petition's page (actions on its clocks, hearings, referrals). Pages render through the same audited reads
as the API; every change goes through the JSON API (static/h5/petitions.js). And the referrals desk."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.h5.paging import page_args
from gridapp.pagination import paginate
from gridapp.services.petitions import access, clocks, intake, reading
from gridapp.services.petitions.lifecycle import ACTION_LABELS, STATE_LABELS, TRANSITIONS
from gridapp.services.referrals import workflow as referrals
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_petitions", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
CHANNEL_LABELS = {"walk_in": "来访", "letter": "来信", "phone": "来电", "online": "网上信访", "video": "视频预约接访", "proxy": "代办"}
FILTERS = {"open": "办理中", "overdue": "已超期", "backlog": "积案", "all": "全部"}
# The buttons a petition's page offers an officer, by state (extensions and hearings have their own forms).
STEP_BUTTONS = ("accept", "decline", "answer", "request_review", "review", "request_rereview", "rereview", "close", "mark_backlog")


@bp.get("/petitions")
@allow(access.READERS, scope="region_tree_or_own_entries")
def petition_list():
    shown = request.args.get("show") if request.args.get("show") in FILTERS else "open"
    filters = {} if shown == "all" else {shown: True}
    page = reading.page(current_actor(), filters, page_args(20))
    return render_template("h5/petitions/list.html", page=page, shown=shown, filters=FILTERS, states=STATE_LABELS)


@bp.get("/petitions/new")
@allow(access.INTAKE, scope="region_tree")
def intake_page():
    actor = current_actor()
    return render_template(
        "h5/petitions/new.html", regions=intake.intake_regions(actor), channels=CHANNEL_LABELS, levels=clocks.LEVEL_LABELS,
        officer=access.OFFICERS.held_by(actor),
    )  # fmt: skip


@bp.get("/petitions/<int:petition_id>")
@allow(access.READERS, scope="region_tree_or_own_entries")
def petition_page(petition_id: int):
    actor = current_actor()
    purpose = request.args.get("purpose") if request.args.get("purpose") in access.PURPOSES else "handling"
    view = reading.dossier(actor, petition_id, purpose)
    state = view["petition"].state
    steps = [a for a in STEP_BUTTONS if state in TRANSITIONS[a][0]] if view["officer"] else []
    refs = list(paginate(referrals.listed(actor, {"subject_kind": "petition", "subject_id": petition_id}), page_args(50))["items"]) if view["officer"] else []
    return render_template(
        "h5/petitions/detail.html", **view, steps=steps, actions=ACTION_LABELS, states=STATE_LABELS, channels=CHANNEL_LABELS,
        levels=clocks.LEVEL_LABELS, referrals=refs, referral_kinds=referrals.KIND_LABELS, referral_statuses=referrals.STATUS_LABELS,
        may_extend=state in TRANSITIONS["request_extension"][0], may_hear=state in TRANSITIONS["hearing"][0],
        registered=request.args.get("registered"),
    )  # fmt: skip


@bp.get("/referrals")
@allow(referrals.MANAGERS, scope="subject_region_tree")
def referral_desk():
    shown = request.args.get("show") if request.args.get("show") in ("open", "overdue", "all") else "open"
    page = paginate(referrals.listed(current_actor(), {shown: True}), page_args(20))
    return render_template(
        "h5/petitions/referrals.html", page=page, shown=shown, kinds=referrals.KIND_LABELS, statuses=referrals.STATUS_LABELS,
        next_statuses=referrals.NEXT,
    )  # fmt: skip
