"""What a community looks at before it verifies an order (订单核实): the resolved orders waiting for it,
and the case's photos from before beside the order's photos from after."""
from __future__ import annotations

from gridapp.authz import Actor
from gridapp.models.orders import RESOLVED, Order
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import workflow as cases
from gridapp.services.orders import workflow as orders
from gridapp.services.photos import url


def awaiting(actor: Actor):
    """A select of the resolved orders of the actor's communities, the longest waiting first."""
    orders.COMMUNITY.require(actor)
    stmt = orders.staff_list(actor, status=RESOLVED)
    return stmt.order_by(None).order_by(Order.resolved_at, Order.id)


def photos(order: Order) -> dict[str, list[dict]]:
    """{"before": the case's report photos, "after": the order's photos}, each with a thumbnail and a large
    version. The order's photos are the case's after-photos when it has a case; an order without one keeps
    only the stored originals."""
    keys = order.after_photos
    if order.case_id is None:
        return {"before": [], "after": [{"url": url(k), "web_url": url(k), "thumb_url": url(k)} for k in keys]}
    case = cases.get_case(order.city_id, order.case_id)
    by_key = {p.original_key: p for p in case.photos}
    return {
        "before": [case_views.photo(p) for p in case.photos if p.kind == "before"],
        "after": [case_views.photo(by_key[k]) if k in by_key else {"url": url(k), "web_url": url(k), "thumb_url": url(k)} for k in keys],
    }
