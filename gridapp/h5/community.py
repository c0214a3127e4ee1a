"""The community cadres' pages (社区干部): triage of new and handed-up cases, posting an order from a case,
verifying resolved orders with the photos from before and after side by side, and the points budget.

The pages render what the services return; every change is a call to the JSON API from
static/h5/community.js (accept, reject, assign, POST /api/v1/cases/<id>/order, verify, send back).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.clock import CHINA
from gridapp.extensions import db
from gridapp.h5.paging import page_args
from gridapp.models.categories import DIFFICULTIES, DIFFICULTY_LABELS
from gridapp.models.orders import STATUS_LABELS
from gridapp.pagination import paginate
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import states as S
from gridapp.services.cases import triage
from gridapp.services.cases import workflow as cases
from gridapp.services.orders import case_link, verification
from gridapp.services.orders import workflow as orders
from gridapp.services.points import ledger, payouts
from gridapp.services.setup.departments import KIND_LABELS, kinds
from gridapp.web.access import allow, current_actor
from gridapp.web.bounds import int64
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_community", __name__, url_prefix="/h5/community")
HTML_BLUEPRINTS.add(bp.name)
PER_PAGE = 20


def _difficulties() -> list[dict]:
    """Each tier with its label and the share of the bounty it pays (payouts.scaled of 100 points)."""
    return [{"value": d, "label": DIFFICULTY_LABELS[d], "percent": payouts.scaled(100, d)} for d in DIFFICULTIES]


@bp.get("/cases")
@allow(cases.COMMUNITY, scope="own_community")
def case_list():
    """待处理: new reports and handed-up cases, the most urgent first (or the newest, sort=newest)."""
    actor = current_actor()
    newest = request.args.get("sort") == "newest"
    page = paginate(triage.waiting(actor, newest=newest), page_args(PER_PAGE))
    notes = triage.hand_up_notes(actor.city_id, [c.id for c in page["items"]])
    items = [case_views.summary(actor, c) | {"hand_up_note": notes.get(c.id)} for c in page["items"]]
    return render_template("h5/community/cases.html", items=items, meta=page["meta"], newest=newest)


@bp.get("/cases/<int:case_id>")
@allow(cases.COMMUNITY, scope="own_community")
def case_page(case_id: int):
    actor = current_actor()
    case = triage.cadre_case(actor, case_id)
    workers = list(db.session.scalars(cases.assignable_workers(case))) if "assign" in cases.allowed_actions(actor, case) else []
    return render_template(
        "h5/community/case.html", case=case_views.detail(actor, case), workers=workers,
        hand_up_note=triage.hand_up_notes(actor.city_id, [case.id]).get(case.id), reject_reasons=S.REJECT_REASONS,
    )  # fmt: skip


@bp.get("/cases/<int:case_id>/order")
@allow(orders.COMMUNITY, scope="own_community")
def order_form(case_id: int):
    """派单: the order's kind and difficulty start from the case's category, beside the community's budget."""
    actor = current_actor()
    case = triage.cadre_case(actor, case_id)
    known = kinds(actor.city_id)
    start = case_link.defaults(case)
    if start["department_kind"] and start["department_kind"] not in known:
        known.append(start["department_kind"])
    return render_template(
        "h5/community/order_form.html", case=case_views.summary(actor, case), defaults=start,
        deadline=case_link.suggested_deadline(case).astimezone(CHINA).strftime("%Y-%m-%dT%H:%M"), budget=ledger.community_budget(actor, case.community_id),
        kinds=[{"value": k, "label": KIND_LABELS.get(k, k)} for k in known], difficulties=_difficulties(),
    )  # fmt: skip


@bp.get("/orders")
@allow(orders.COMMUNITY, scope="own_community")
def order_list():
    """订单核实: resolved orders waiting for the community, the longest waiting first."""
    page = paginate(verification.awaiting(current_actor()), page_args(PER_PAGE))
    return render_template("h5/community/orders.html", items=page["items"], meta=page["meta"])


@bp.get("/orders/<int:order_id>")
@allow(orders.COMMUNITY, scope="own_community")
def order_page(order_id: int):
    order = orders.visible_order(current_actor(), order_id)
    allowed = [d for d in _difficulties() if d["percent"] <= payouts.scaled(100, order.difficulty)]
    return render_template(
        "h5/community/order.html", order=order, photos=verification.photos(order), difficulties=allowed,
        difficulty_label=DIFFICULTY_LABELS[order.difficulty], status_label=STATUS_LABELS[order.status],
    )  # fmt: skip


@bp.get("/budget")
@allow(orders.COMMUNITY, scope="own_community")
def budget():
    """社区积分预算: the balance, what open orders hold, and every movement (one community at a time)."""
    actor = current_actor()
    communities = triage.communities(actor)
    chosen = request.args.get("community", type=int64)
    community = next((c for c in communities if c.id == chosen), communities[0] if communities else None)
    if community is None:
        return render_template("h5/community/budget.html", communities=[], community=None, budget=None, items=[], meta=None)
    page = paginate(ledger.community_movements(actor, community.id), page_args(PER_PAGE))
    return render_template(
        "h5/community/budget.html", communities=communities, community=community,
        budget=ledger.community_budget(actor, community.id), items=page["items"], meta=page["meta"],
    )  # fmt: skip
