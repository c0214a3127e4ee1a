"""Keeping a resident's case in step with the order posted for it.

The case's state machine belongs to services.cases; an order only asks it to move
(ordered → in progress → resolved → verified) through its public transitions, in the
same unit of work as the order's own change, so the two can never disagree. The other
direction (a reopened case takes its order's payout back) reaches orders as a case
event (services.subscriptions), so services.cases never imports orders.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.errors import Conflict, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, CasePhoto, Region
from gridapp.models.orders import RESERVED_STATUSES, Order
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases

TITLE_MAX = 128


def case_to_order(actor: Actor, case_id: int) -> Case:
    """The case an order is about to be posted for (its community is checked when posting)."""
    return cases.get_case(actor.city_id, case_id)


def default_title(case: Case) -> str:
    """An order for a case is called after what and where, unless the community names it."""
    title = f"{case.category.name}：{case.place_label}" if case.place_label else case.category.name
    return title[:TITLE_MAX]


def region_path_for(actor: Actor, case_id: int, community: Region) -> str:
    """Where the case is, after checking it belongs to the community and has no live order.

    The case row is locked (PostgreSQL) so two admins cannot post two orders for it at once.
    """
    case = cases.get_case(actor.city_id, case_id, for_update=True)
    if case.community_id != community.id:
        raise ValidationFailed("该案件不属于本社区", details={"case_id": [case_id]})
    live = db.session.scalar(
        select(Order.id).where(Order.city_id == actor.city_id, Order.case_id == case.id, Order.status.in_(tuple(RESERVED_STATUSES)))
    )
    if live is not None:
        raise Conflict("该案件已有进行中的订单", code="case_already_ordered", details={"order_id": live})
    return case.region_path


def case_ordered(actor: Actor, order: Order) -> None:
    case = cases.get_case(order.city_id, order.case_id, for_update=True)
    if case.state != S.ORDERED:  # a re-posted order (after a cancel) finds the case already ordered
        cases.order(actor, case.id, department_kind=order.department_kind, note=f"社区下单：{order.title}")


def case_started(actor: Actor, order: Order) -> None:
    """The department's staff member becomes the case's handler, then starts it."""
    case = cases.get_case(order.city_id, order.case_id, for_update=True)
    case.handler_user_id = actor.user_id
    if case.state in S.TRANSITIONS["start"].sources:
        cases.start(actor, case.id, note=f"部门开始处理订单：{order.title}")


def case_resolved(actor: Actor, order: Order, note: str, stored) -> None:
    cases.resolve_stored(actor, order.case_id, note, stored)


def case_sent_back(actor: Actor, order: Order, reason: str) -> None:
    cases.send_back(actor, order.case_id, reason)


def case_verified(actor: Actor, order: Order, note: str) -> None:
    cases.verify(actor, order.case_id, note)


def place_label(order: Order) -> str:
    """Where the work is: the case's place when the order is for one, else its community."""
    if order.case_id is not None:
        case = cases.get_case(order.city_id, order.case_id)
        if case.place_label:
            return case.place_label
    return order.community.name


def before_photos(order: Order) -> list[CasePhoto]:
    """The resident's photos of the case, for whoever may read its order: department staff see cases by
    their orders, not by the region tree, so this is their one view of the scene before the work."""
    if order.case_id is None:
        return []
    return [p for p in cases.get_case(order.city_id, order.case_id).photos if p.kind == "before"]
