"""Department staff's pages: the order pool (抢单池), the orders their department holds, one order, and their points.

Pages read through the order and points services; grabbing, starting, releasing and resolving go
through the JSON API from gridapp/static/h5/department.js, so the page and the mini-program take
the same steps.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template

from gridapp.clock import now
from gridapp.h5.paging import page_of
from gridapp.models.categories import DIFFICULTY_LABELS
from gridapp.models.orders import STATUS_LABELS
from gridapp.services.cases import presentation as case_views
from gridapp.services.orders import case_link
from gridapp.services.orders import states as order_states
from gridapp.services.orders import workflow as orders
from gridapp.services.photos import url as photo_url
from gridapp.services.points import staff_balances
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_department", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
PER_PAGE = 20



def time_left(deadline: datetime) -> str:
    """How long until a deadline, in the largest two units that matter to someone deciding to grab."""
    minutes = int((deadline - now()).total_seconds() // 60)
    if minutes <= 0:
        return "已截止"
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"剩 {days} 天 {hours} 小时" if hours else f"剩 {days} 天"
    return f"剩 {hours} 小时 {mins} 分钟" if hours else f"剩 {mins} 分钟"


def _render(template: str, **context):
    return render_template(
        f"h5/department/{template}", difficulty_labels=DIFFICULTY_LABELS, status_labels=STATUS_LABELS, time_left=time_left,
        place_of=case_link.place_label, media_url=photo_url, **context,
    )  # fmt: skip


@bp.get("/orders/pool")
@allow(orders.DEPARTMENTS, scope="served_regions_and_kind")
def pool():
    return _render("pool.html", page=page_of(orders.pool(current_actor()), PER_PAGE))


@bp.get("/orders/mine")
@allow(orders.DEPARTMENTS, scope="holder_department")
def mine():
    return _render("mine.html", page=page_of(orders.staff_list(current_actor()), PER_PAGE))


@bp.get("/orders/<int:order_id>")
@allow(orders.READERS, scope="region_tree_or_holder_department")
def order_page(order_id: int):
    actor = current_actor()
    order = orders.visible_order(actor, order_id)
    return _render(
        "order.html", order=order, actions=orders.allowed_actions(actor, order), step_label=order_states.label,
        before=[case_views.photo(p) for p in case_link.before_photos(order)],
    )  # fmt: skip


@bp.get("/points/staff")
@allow(staff_balances.STAFF_HOLDERS, scope="self")
def my_points():
    actor = current_actor()
    return _render(
        "points.html", balance=staff_balances.my_balance(actor), page=page_of(staff_balances.my_history(actor), PER_PAGE)
    )
