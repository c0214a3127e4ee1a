"""外部系统对接 in the console: the city's admins connect a category to an outside Open311 system, change it
(a new key replaces the old, never shown), disable and enable it, through the JSON API
(static/console/outside_systems.js); each system's audit is shown beside it."""
from __future__ import annotations

import json

from flask import render_template

from gridapp.authz import administers_whole_city
from gridapp.console import bp
from gridapp.extensions import db
from gridapp.services.open311 import outside_systems
from gridapp.services.setup import categories
from gridapp.web.access import allow, current_actor

AUDIT_SHOWN = 10


@bp.context_processor
def outside_systems_section():
    """The nav shows 外部系统 to the admins of the whole city, who alone may open it."""
    actor = current_actor()
    return {
        "manages_outside_systems": actor is not None
        and outside_systems.ADMINS.held_by(actor)
        and administers_whole_city(actor)
    }


@bp.get("/outside-systems")
@allow(outside_systems.ADMINS, scope="city")
def outside_systems_page():
    actor = current_actor()
    rows = list(db.session.scalars(outside_systems.listing(actor)))
    audit = {
        row.id: [
            (change, json.loads(change.before_json or "{}"), json.loads(change.after_json or "{}"))
            for change in db.session.scalars(outside_systems.history(actor, row.id).limit(AUDIT_SHOWN))
        ]
        for row in rows
    }
    category_names = {c.id: c.name for c in db.session.scalars(categories.listing(actor, retired=True))}
    return render_template(
        "console/outside_systems.html", systems=rows, audit=audit, category_names=category_names,
        categories=[(i, n) for i, n in category_names.items()], hint=outside_systems.key_hint,
    )  # fmt: skip
