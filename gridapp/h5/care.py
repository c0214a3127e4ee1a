"""Risk and care pages: the key-person register (whole for the grid's worker, its community and the designated
roles; masked for the officials above), one record with its visits, the visit form with photos, signals and
closing for poverty watch; and the risk tiers routed to the caller's team. Pages render what the services return,
each read logged by them; every change goes through the JSON API (static/h5/care.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.h5.paging import page_args
from gridapp.models.care import CARE_CATEGORIES, RISK_TIER_LABELS, SIGNAL_KINDS
from gridapp.pagination import paginate
from gridapp.services import photos
from gridapp.services.care import register, risk
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_care", __name__, url_prefix="/h5/care")
HTML_BLUEPRINTS.add(bp.name)


@bp.get("")
@allow(register.READERS, scope="grid_keepers_designated_or_masked")
def records():
    actor = current_actor()
    category = request.args.get("category") if request.args.get("category") in CARE_CATEGORIES else None
    overdue = request.args.get("overdue") == "1"
    page = register.page(actor, {"category": category, "overdue": overdue}, page_args(20))
    return render_template(
        "h5/care/list.html", items=page["items"], meta=page["meta"], categories=CARE_CATEGORIES, category=category, overdue=overdue,
        keeper=register.KEEPERS.held_by(actor),
        members=register.registrable(actor) if register.KEEPERS.held_by(actor) else [],
    )


@bp.get("/<int:record_id>")
@allow(register.READERS, scope="grid_keepers_designated_or_masked")
def record(record_id: int):
    actor = current_actor()
    shown = register.detail(actor, record_id)
    keeper = shown["view"] == register.WHOLE and register.KEEPERS.held_by(actor)
    return render_template(
        "h5/care/record.html", record=shown, keeper=keeper, visitor=keeper and register.VISITORS.held_by(actor),
        signal_kinds=SIGNAL_KINDS, tiers=RISK_TIER_LABELS, rater=keeper and risk.RATERS.held_by(actor), photo_url=photos.url,
    )


@bp.get("/risk")
@allow(risk.READERS, scope="region_tree_or_team")
def risk_list():
    actor = current_actor()
    tier = request.args.get("tier") if request.args.get("tier") in RISK_TIER_LABELS else None
    page = paginate(risk.listed(actor, tier), page_args(20))
    return render_template("h5/care/risk.html", items=[risk.view(r) for r in page["items"]], meta=page["meta"], tier=tier,
                           tiers=RISK_TIER_LABELS)
