"""The order lifecycle as one table: which action leads from which statuses to which, and who may take it.

services.orders.workflow reads this table for every move (the statuses an UPDATE may
match, the status it writes, the check on the actor), so a new step or a new status
is an edit here rather than in each function.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridapp.models.orders import CANCELLED, ESCALATED, GRABBED, IN_PROGRESS, OPEN, PAID, RESOLVED, REVERSED, Order

# Who may take an action.
COMMUNITY = "community"  # the admins of the order's community
DEPARTMENT = "department"  # staff of a department eligible to take it (services.orders.eligibility)
HOLDER = "holder"  # the holding department's staff member who holds it, or that department's admin
SYSTEM = "system"  # the scheduler, or a case event (a reopened case takes its payout back)

# A target that depends on the clock: an order let go goes back to the pool before its
# deadline, and to the community (escalated, for direct assignment) after it.
BACK_TO_POOL = "back_to_pool"


def back_to_pool(order: Order, at: datetime) -> str:
    return OPEN if order.deadline > at else ESCALATED


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: str
    label: str

    def target_for(self, order: Order, at: datetime) -> str:
        return back_to_pool(order, at) if self.target == BACK_TO_POOL else self.target


def _t(action: str, sources, target: str, who: str, label: str) -> Transition:
    return Transition(action, frozenset(sources), target, who, label)


TRANSITIONS = {
    t.action: t
    for t in (
        _t("cancel", {OPEN, ESCALATED}, CANCELLED, COMMUNITY, "撤单"),
        _t("grab", {OPEN}, GRABBED, DEPARTMENT, "抢单"),
        _t("start", {GRABBED}, IN_PROGRESS, HOLDER, "开始处理"),
        _t("release", {GRABBED, IN_PROGRESS}, BACK_TO_POOL, HOLDER, "退回订单"),
        _t("resolve", {IN_PROGRESS}, RESOLVED, HOLDER, "处置完成"),
        _t("send_back", {RESOLVED}, IN_PROGRESS, COMMUNITY, "退回重做"),
        _t("verify", {RESOLVED}, PAID, COMMUNITY, "核实并支付积分"),
        _t("reverse", {PAID}, REVERSED, SYSTEM, "群众退回，冲正积分"),
        _t("assign", {ESCALATED}, GRABBED, COMMUNITY, "社区派单"),
        _t("lapse", {GRABBED}, BACK_TO_POOL, SYSTEM, "超时未开工退回"),
        _t("escalate", {OPEN}, ESCALATED, SYSTEM, "逾期无人抢单"),
    )
}
# Posting creates the order in this status (there is no status before it).
POSTED = OPEN


def label(action: str) -> str:
    """How a step in an order's history is named; posting creates the order, so it is no transition."""
    return TRANSITIONS[action].label if action in TRANSITIONS else "社区下单"
