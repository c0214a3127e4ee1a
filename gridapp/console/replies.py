"""回复模板 in the console: admins write the city's ready-made replies per category and state, through the JSON
API (static/console/replies.js); handlers pick them on a case (templates/h5/staff/_case_handling.html)."""
from __future__ import annotations

from flask import render_template, request

from gridapp.console import bp
from gridapp.extensions import db
from gridapp.pagination import paginate
from gridapp.services.accounts.administration import ADMINISTRATORS
from gridapp.services.cases import intake, reply_templates
from gridapp.services.cases import states as S
from gridapp.web.access import allow, current_actor


def _number(name: str, default: int | None) -> int | None:
    try:
        return max(1, int(request.args[name]))
    except (KeyError, ValueError):
        return default


@bp.get("/replies")
@allow(ADMINISTRATORS, scope="city")
def replies_page():
    actor = current_actor()
    category_id = _number("category_id", None)
    state = request.args.get("state") if request.args.get("state") in S.STATE_LABELS else None
    page = paginate(reply_templates.listing(actor, category_id=category_id, state=state), {"page": _number("page", 1), "per_page": 50})
    return render_template(
        "console/replies.html", templates=page["items"], meta=page["meta"], category_id=category_id, state=state,
        categories=list(db.session.scalars(intake.categories(actor.city_id))), states=S.STATE_LABELS,
        placeholders=list(reply_templates.PLACEHOLDERS),
    )
