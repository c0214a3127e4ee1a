"""直联 contacts in the console: a community admin names each grid's police officer (网格民警) and property
staff (物业) and the staff account each answers from, through the JSON API (static/console/direct_line.js);
every change is kept in the contact's audit, shown beside it."""
from __future__ import annotations

from flask import render_template, request

from gridapp.console import bp
from gridapp.extensions import db
from gridapp.services.direct_line import contacts
from gridapp.web.access import allow, current_actor


@bp.context_processor
def direct_line_section():
    """The nav shows 直联联系人 to the community admins who name them."""
    actor = current_actor()
    return {"manages_direct_line": actor is not None and contacts.MANAGERS.held_by(actor)}


@bp.get("/direct-line")
@allow(contacts.MANAGERS, scope="region_tree")
def direct_line_contacts():
    actor = current_actor()
    grids = contacts.managed_grids(actor)
    try:
        chosen = int(request.args.get("grid_id", ""))
    except ValueError:
        chosen = None
    grid = next((g for g in grids if g.id == chosen), grids[0] if grids else None)
    rows = list(db.session.scalars(contacts.listed(actor, grid.id))) if grid else []
    audit = {row.id: [(e, *contacts.state(e)) for e in db.session.scalars(contacts.events(actor, row.id))] for row in rows}
    return render_template(
        "console/direct_line.html", grids=grids, grid=grid, contacts=rows, audit=audit,
        accounts=contacts.answerable_accounts(actor), kinds=contacts.KIND_LABELS,
    )
