"""The money of an order, in one place: what a bounty is worth at a difficulty, how a payout
splits between the department and its staff member, how long a payout may be taken back,
and the ledger movements an order makes (reserve, refund, pay, reverse).

The order service decides when an order moves; this module decides how many points move
and where, so a change to the split, the percentages or the window is made here only.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from gridapp.clock import now
from gridapp.models.orders import Order
from gridapp.services.points import ledger


def scaled(bounty: int, difficulty: str) -> int:
    """The bounty scaled by difficulty (POINTS_DIFFICULTY_PERCENT), rounded down to whole points."""
    return bounty * current_app.config["POINTS_DIFFICULTY_PERCENT"][difficulty] // 100


def split(payout: int) -> tuple[int, int]:
    """(department, staff) by POINTS_DEPARTMENT_SHARE : POINTS_STAFF_SHARE (2:8 by default): the staff
    member's share rounded down, the department gets the rest, so the two always add up to the payout."""
    dept_share = current_app.config["POINTS_DEPARTMENT_SHARE"]
    staff_share = current_app.config["POINTS_STAFF_SHARE"]
    staff = payout * staff_share // (dept_share + staff_share)
    return payout - staff, staff


def reversible(paid_at: datetime) -> bool:
    """Whether points paid at `paid_at` may still be taken back (POINTS_REVERSAL_WINDOW_DAYS):
    after the window, a reopened case no longer costs anyone what they were paid."""
    return now() - paid_at <= timedelta(days=current_app.config["POINTS_REVERSAL_WINDOW_DAYS"])


def reserve(order: Order, actor_user_id: int | None) -> None:
    """Move the order's scaled bounty from the community's budget into the order's escrow."""
    city_id = order.city_id
    try:
        ledger.transfer(
            city_id, "reserve", f"order:{order.id}:reserve", ledger.community_account(city_id, order.community_id),
            ledger.escrow_account(city_id, order.id), order.reserved, memo=f"订单预留赏金：{order.title}",
            order_id=order.id, case_id=order.case_id, actor_user_id=actor_user_id,
        )
    except ledger.InsufficientPoints:
        raise ledger.InsufficientPoints(
            "社区积分预算不足，无法发布该订单",
            details={"needed": order.reserved, "available": ledger.balance_of(city_id, "community", order.community_id)},
        ) from None


def refund(order: Order, actor_user_id: int | None) -> None:
    """A withdrawn order: its escrow goes back to the community's budget."""
    city_id = order.city_id
    ledger.transfer(
        city_id, "release", f"order:{order.id}:release", ledger.escrow_account(city_id, order.id),
        ledger.community_account(city_id, order.community_id), order.reserved, memo=f"撤单退回预留赏金：{order.title}",
        order_id=order.id, case_id=order.case_id, actor_user_id=actor_user_id,
    )


def pay(order: Order, actor_user_id: int | None) -> None:
    """Empty the escrow of a verified order: the payout (already split on the order) to the holding
    department and its staff member, what was reserved beyond it back to the community."""
    city_id = order.city_id
    payout = order.payout_department + order.payout_staff
    ledger.post(
        city_id, "payout", f"order:{order.id}:payout",
        [
            (ledger.escrow_account(city_id, order.id), -order.reserved),
            (ledger.department_account(city_id, order.holder_department_id), order.payout_department),
            (ledger.staff_account(city_id, order.holder_user_id), order.payout_staff),
            (ledger.community_account(city_id, order.community_id), order.reserved - payout),
        ],
        memo=f"订单积分：{order.title}", order_id=order.id, case_id=order.case_id, actor_user_id=actor_user_id,
    )


def take_back(order: Order, actor_user_id: int | None) -> None:
    """Reverse an order's payout into the community's budget (what was already spent stays spent)."""
    payout = ledger.find(order.city_id, f"order:{order.id}:payout")
    ledger.reverse(
        payout, refund_to=ledger.community_account(order.city_id, order.community_id),
        memo=f"群众退回，冲正订单积分：{order.title}", actor_user_id=actor_user_id,
    )
