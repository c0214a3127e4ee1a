"""矛盾纠纷调解 pages: residents ask for mediation (choosing a mediator), consent, sign and rate; centres take and
assign; mediators record sessions, step up, make the agreement, have parties sign in person, and visit afterwards.

Every step goes through the JSON API (static/h5/disputes.js); signatures are drawn with the vendored signature_pad."""
from __future__ import annotations

from flask import Blueprint, render_template

from gridapp.extensions import db
from gridapp.h5.paging import page_of
from gridapp.services.disputes import presentation, roster
from gridapp.services.disputes.access import (
    DIFFICULTY_LABELS,
    HANDLERS,
    KINDS,
    LEVEL_LABELS,
    READERS,
    RESIDENTS,
    STATUS_LABELS,
    involved,
)
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_disputes", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
LABELS = {"kinds": KINDS, "levels": LEVEL_LABELS, "statuses": STATUS_LABELS, "difficulties": DIFFICULTY_LABELS}


@bp.get("/disputes")
@allow(RESIDENTS, scope="party")
def index():
    """The disputes the resident is a party to, with the way to ask for mediation."""
    return render_template("h5/disputes/index.html", page=page_of(involved(current_actor())), resident=True, **LABELS)


@bp.get("/mediation")
@allow(HANDLERS, scope="mediator_or_region_tree")
def handling():
    """The disputes the mediator mediates, or that lie under the cadre's centre (a staff page: its own path)."""
    return render_template("h5/disputes/index.html", page=page_of(involved(current_actor())), resident=False, **LABELS)


@bp.get("/disputes/new")
@allow(RESIDENTS, scope="self")
def new():
    actor = current_actor()
    return render_template("h5/disputes/new.html", options=presentation.options(actor), **LABELS)


@bp.get("/disputes/<int:dispute_id>")
@allow(READERS, scope="party_mediator_or_region_tree")
def detail(dispute_id: int):
    actor = current_actor()
    view = presentation.view(actor, dispute_id)
    row = view["dispute"]
    can = presentation.abilities(actor, row)
    serving = []
    if can["choose"] or can["assign"] or can["step_up"]:
        serving = list(db.session.scalars(roster.listing(actor, region_id=row.region_id)))
    return render_template(
        "h5/disputes/detail.html", view=view, row=row, can=can, serving=serving, needed=presentation.workflow.SESSIONS_BEFORE_STEP_UP,
        specialties=roster.specialties, **LABELS,
    )


@bp.get("/mediators")
@allow(roster.ROSTER_READERS, scope="city")
def mediators():
    """The roster: every active mediator with tier, place, specialties, availability and record so far."""
    actor = current_actor()
    page = page_of(roster.listing(actor))
    return render_template("h5/disputes/mediators.html", page=page, summary=roster.public_summary, specialties=roster.specialties,
                           me=actor.user_id, **LABELS)
