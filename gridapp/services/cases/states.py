"""The case state machine as one table: which action leads from which states to which, and who may take it.

Every rule about a case's life reads these names and groups instead of comparing
strings in place, so adding a state means editing this table and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

SUBMITTED = "submitted"
ACCEPTED = "accepted"
REJECTED = "rejected"
ASSIGNED = "assigned"
ORDERED = "ordered"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
VERIFIED = "verified"
REOPENED = "reopened"
CLOSED = "closed"
MERGED = "merged"

STATE_LABELS = {
    SUBMITTED: "待受理",
    ACCEPTED: "已受理",
    REJECTED: "不予受理",
    ASSIGNED: "已派网格员",
    ORDERED: "已下单",
    IN_PROGRESS: "处理中",
    RESOLVED: "已处置",
    VERIFIED: "社区已核实",
    REOPENED: "群众退回",
    CLOSED: "已办结",
    MERGED: "已合并",
}

# Someone still has to act on the case.
OPEN_STATES = frozenset({SUBMITTED, ACCEPTED, ASSIGNED, ORDERED, IN_PROGRESS, REOPENED})
# Accepted, but nobody has started on site yet: the on-site clock may still be the one running.
NOT_STARTED_STATES = frozenset({ACCEPTED, ASSIGNED, ORDERED})
# The work is done; the resident may confirm, rate or send it back.
AWAITING_RESIDENT_STATES = frozenset({RESOLVED, VERIFIED})
# Nothing more happens (a merged case lives on in the one it was merged into).
CLOSED_STATES = frozenset({REJECTED, CLOSED, MERGED})
# Not closed: a new report of the same thing here is a repeat of one of these.
ACTIVE_STATES = OPEN_STATES | AWAITING_RESIDENT_STATES
RATEABLE_STATES = frozenset({RESOLVED, VERIFIED, CLOSED})
ALL_STATES = OPEN_STATES | AWAITING_RESIDENT_STATES | CLOSED_STATES

# A grid worker may hand a case up to the community (for an order) while it is still theirs to act on,
# and the community may order any case in these states.
HAND_UP_STATES = frozenset({ACCEPTED, ASSIGNED, IN_PROGRESS, REOPENED})

STATE_GROUPS = {"open": OPEN_STATES, "awaiting_resident": AWAITING_RESIDENT_STATES, "closed": CLOSED_STATES, "active": ACTIVE_STATES}

REJECT_REASONS = {"invalid": "无效信息", "duplicate": "重复反映", "not_ours": "不属于受理范围", "abusive": "恶意举报"}

# Who may take an action, checked in services.cases against the case's place in the region tree.
GRID_STAFF = "grid_staff"  # the grid worker of the case's grid, or community admin and officials above
OFFICIALS = "officials"  # community admin and officials above (by region tree)
COMMUNITY = "community"  # the admins of the case's own community, who hold its order budget
HANDLER = "handler"  # the grid worker handling it, or officials above
REPORTER = "reporter"  # the resident who reported it
CALLER = "caller"  # the 12345 caller, through their follow-up link (services.cases.hotline)
SYSTEM = "system"  # the scheduler


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    label: str


def _t(action: str, sources, target: str, who, label: str) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(who), label)


TRANSITIONS = {
    t.action: t
    for t in (
        _t("accept", {SUBMITTED}, ACCEPTED, {GRID_STAFF}, "受理"),
        _t("reject", {SUBMITTED}, REJECTED, {GRID_STAFF}, "不予受理"),
        _t("assign", {ACCEPTED, REOPENED, ASSIGNED}, ASSIGNED, {GRID_STAFF}, "派给网格员"),
        _t("order", HAND_UP_STATES, ORDERED, {COMMUNITY}, "社区下单"),
        _t("start", {ASSIGNED, ORDERED, REOPENED}, IN_PROGRESS, {HANDLER}, "开始处理"),
        # Arriving on site starts the work (and stops the on-site clock); checking in again is recorded too.
        _t("check_in", {ASSIGNED, ORDERED, REOPENED, IN_PROGRESS}, IN_PROGRESS, {HANDLER}, "到场签到"),
        _t("resolve", {IN_PROGRESS}, RESOLVED, {HANDLER}, "处置完成"),
        _t("verify", {RESOLVED}, VERIFIED, {OFFICIALS}, "社区核实"),
        # The community finds an order's work not done (services.orders.workflow.send_back): the holder goes on.
        _t("send_back", {RESOLVED}, IN_PROGRESS, {COMMUNITY}, "社区核实未通过退回"),
        _t("confirm", {VERIFIED}, CLOSED, {REPORTER, CALLER}, "群众确认办结"),
        _t("reopen", {RESOLVED, VERIFIED}, REOPENED, {REPORTER, CALLER}, "群众不满意退回"),
        _t("auto_close", {VERIFIED}, CLOSED, {SYSTEM}, "逾期无异议自动办结"),
        _t("merge", ACTIVE_STATES, MERGED, {GRID_STAFF}, "合并到其他案件"),
    )
}

# Taken only through the case's order (services.orders), so no route or button of the case offers them.
ORDER_ONLY = frozenset({"send_back"})

# Actions that record something without moving the state (the event's from and to are equal).
NOTES = {
    "submit": "提交", "rate": "群众评价", "follow": "关注", "abusive": "标记为恶意举报", "merged_in": "并入重复反映",
    "hand_up": "网格员提请社区下单",
    "client_update": "Open311 接口补充说明",  # a comment an Open311 client posts back (services.open311)
}  # fmt: skip
# Supervision steps (services.supervision): on the timeline, never moving the state.
NOTES.update(
    sla_yellow="临期预警", sla_red="超时", escalate="逾期升级", nudge="拍一拍", instruct="领导批示",
    whistle="吹哨", report_in="部门报到", report_in_late="部门未按时报到",
)

# Handlers' tools (services.cases.recategorise, services.cases.notes): on the timeline, never moving the state.
NOTES.update(recategorise="调整分类或位置", internal_note="内部备注", public_note="处理进展")


def action_label(action: str) -> str:
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return NOTES.get(action, action)
