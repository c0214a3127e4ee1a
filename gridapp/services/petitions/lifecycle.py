"""A petition's lifecycle: state × action → next state. Every action is a petition officer's over the region,
except the sweep's (no actor): closing when the petitioner's window passes."""
from __future__ import annotations

STATE_LABELS = {
    "registered": "已登记待受理", "accepted": "已受理办理中", "not_accepted": "不予受理", "answered": "已答复",
    "reviewing": "复查中", "reviewed": "已复查", "rereviewing": "复核中", "closed": "已办结",
}  # fmt: skip
OPEN_STATES = frozenset({"registered", "accepted", "answered", "reviewing", "reviewed", "rereviewing"})
# action: (states it may be taken in, the state it leads to; None keeps the state)
TRANSITIONS = {
    "accept": ({"registered"}, "accepted"),
    "decline": ({"registered"}, "not_accepted"),
    "request_extension": ({"accepted"}, None),
    "approve_extension": ({"accepted"}, None),
    "answer": ({"accepted"}, "answered"),
    "request_review": ({"answered"}, "reviewing"),
    "review": ({"reviewing"}, "reviewed"),
    "request_rereview": ({"reviewed"}, "rereviewing"),
    "rereview": ({"rereviewing"}, "closed"),
    "close": ({"answered", "reviewed"}, "closed"),
    "mark_backlog": ({"accepted", "answered", "reviewing", "reviewed", "rereviewing"}, None),
    "hearing": ({"accepted", "answered", "reviewing", "reviewed", "rereviewing"}, None),
}
ACTION_LABELS = {
    "register": "登记", "visit": "重复来访登记", "accept": "受理", "decline": "不予受理", "request_extension": "申请延期",
    "approve_extension": "批准延期", "answer": "出具处理意见", "request_review": "申请复查", "review": "出具复查意见",
    "request_rereview": "申请复核", "rereview": "出具复核意见", "close": "办结", "mark_backlog": "列为积案",
    "hearing": "召开听证", "overdue": "超期", "backlog": "超期转积案", "window_passed": "期满未申请复查，自动办结",
}  # fmt: skip
