"""12345 pages: the operator's desk (take a call, see the calls taken and their follow-up) and the caller's
follow-up page, opened from the SMS link without signing in.

Both only render; the call and the caller's answer go to the JSON API (gridapp/static/h5/hotline.js).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from gridapp.extensions import db
from gridapp.h5.paging import page_args
from gridapp.pagination import paginate
from gridapp.services.cases import hotline, intake, public_map
from gridapp.services.cases import states as S
from gridapp.web.access import allow, current_actor, public
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_hotline", __name__, url_prefix="/h5/hotline")
HTML_BLUEPRINTS.add(bp.name)


@bp.get("")
@allow(hotline.OPERATORS, scope="self")
def desk():
    actor = current_actor()
    page = paginate(hotline.my_calls(actor), page_args(10))
    follow_ups = hotline.latest_follow_ups(actor.city_id, [case.id for case in page["items"]])
    calls = [
        {"case": case, "state_label": S.STATE_LABELS[case.state], "follow_up": follow_ups.get(case.id)}
        for case in page["items"]
    ]
    return render_template(
        "h5/hotline/desk.html", categories=list(db.session.scalars(intake.categories(actor.city_id))),
        centre=public_map.city_centre(actor), calls=calls, meta=page["meta"], labels=hotline.STATUS_LABELS,
        sent=request.args.get("sent"),
    )  # fmt: skip


@bp.get("/f/<token>")
@public("follow_up_link")
def follow_up(token: str):
    return render_template("h5/hotline/follow_up.html", view=hotline.caller_view(token), token=token)
