"""码上协商 pages: residents' list and answer page (results once closed), and the organisers' form and participation.

Answering and opening go through the JSON API (static/h5/consultations.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.h5.paging import page_of
from gridapp.services.participation import consultations
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_consultations", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)



@bp.get("/consultations")
@allow(consultations.PARTICIPANTS, scope="self")
def index():
    """The consultations asking one of the resident's households."""
    page = page_of(consultations.for_me(current_actor()))
    return render_template("h5/consultations/index.html", page=page, organiser=False, closed=consultations.is_closed)


@bp.get("/consultations/organised")
@allow(consultations.ORGANISERS, scope="region_tree")
def organised():
    """The consultations over the official's part of the city, with the way to open one."""
    page = page_of(consultations.organised(current_actor()))
    return render_template("h5/consultations/index.html", page=page, organiser=True, closed=consultations.is_closed)


@bp.get("/consultations/new")
@allow(consultations.ORGANISERS, scope="region_tree")
def new():
    return render_template("h5/consultations/new.html", region_id=request.args.get("region", ""))


@bp.get("/consultations/<int:consultation_id>")
@allow(consultations.PARTIES, scope="eligible_or_region_tree")
def detail(consultation_id: int):
    actor = current_actor()
    row, household = consultations.visible(actor, consultation_id)
    return render_template(
        "h5/consultations/detail.html", row=row, household=household, options=consultations.options(row),
        answer=consultations.my_answer(actor, row, household), closed=consultations.is_closed(row),
        results=consultations.results(row),
        participation=consultations.participation(actor, row.id) if household is None else None,
    )
