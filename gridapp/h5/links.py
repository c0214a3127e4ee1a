"""我的家庭 / 我的店铺: a resident asks to be linked to their household member, shop, e-bike or stall record,
follows their requests and invitations, reads their household's indoor record, corrects their own
details, and as an owner confirms redemptions and reads the shop's statement and ratings.

The page renders what the services return; every change goes through the JSON API (static/links.js).
"""
from __future__ import annotations

from flask import Blueprint, render_template

from gridapp.clock import month_of, now
from gridapp.pagination import paginate
from gridapp.services.links import households, owners
from gridapp.services.links import workflow as links
from gridapp.services.points import residents as points
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_links", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
LISTED = {"page": 1, "per_page": 50}


@bp.get("/links")
@allow(links.HOLDERS, scope="self")
def my_links():
    actor = current_actor()
    month = month_of(now())
    phone = links.account_phone(actor)
    owned = owners.my_records(actor)
    shops = []
    for record in owned:
        if record["kind"] != "shop":
            continue
        shop_id = record["record_id"]
        shops.append({
            **record,
            "pending": [owners.redemption_view(r) for r in paginate(owners.redemptions(actor, shop_id), LISTED)["items"]],
            "statement": points.shop_statement(actor, shop_id, month),
            "ratings": [owners.rating_view(r) for r in paginate(owners.ratings(actor, shop_id), LISTED)["items"]],
        })
    return render_template(
        "h5/links.html",
        phone=phone,
        candidates=links.candidates(actor) if phone else [],
        links=[links.view(actor, link) for link in paginate(links.mine(actor), LISTED)["items"]],
        households=households.my_households(actor),
        owned=[record for record in owned if record["kind"] != "shop"],
        shops=shops,
        month=month,
        head=links.HEAD_RELATION,
    )

