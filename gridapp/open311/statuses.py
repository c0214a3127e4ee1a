"""Our richer case life in the standard's words: GeoReport v2's open/closed, and the extended
statuses of the servicerequestupdates extension (mySociety's set)."""
from __future__ import annotations

from gridapp.models import Case, CaseEvent
from gridapp.services.cases import states as S

# GeoReport v2 knows two statuses: work done (resolved, verified) counts as closed.
CLOSED_STATES = S.CLOSED_STATES | S.AWAITING_RESIDENT_STATES

EXTENDED_STATUSES = (
    "open", "investigating", "in_progress", "action_scheduled", "internal_referral", "fixed", "closed",
    "duplicate", "not_councils_responsibility", "no_further_action", "reopen",
)  # fmt: skip
STATE_STATUS = {
    S.SUBMITTED: "open",
    S.ACCEPTED: "investigating",
    S.ASSIGNED: "action_scheduled",
    S.ORDERED: "internal_referral",
    S.IN_PROGRESS: "in_progress",
    S.RESOLVED: "fixed",
    S.VERIFIED: "fixed",
    S.REOPENED: "reopen",
    S.CLOSED: "closed",
    S.MERGED: "duplicate",
    S.REJECTED: "no_further_action",
}
ACTION_STATUS = {"submit": "open", "reopen": "reopen"}
REJECT_STATUS = {
    "duplicate": "duplicate",
    "not_ours": "not_councils_responsibility",
    "invalid": "no_further_action",
    "abusive": "no_further_action",
}


def open_or_closed(state: str) -> str:
    return "closed" if state in CLOSED_STATES else "open"


def states_for(statuses: list[str] | None) -> frozenset[str] | None:
    """The case states a `status` filter asks for; None when it narrows nothing (absent, or both words)."""
    if statuses and set(statuses) == {"closed"}:
        return CLOSED_STATES
    if statuses and set(statuses) == {"open"}:
        return S.ALL_STATES - CLOSED_STATES
    return None


def extended_status(case: Case, event: CaseEvent) -> str:
    """Every event maps to one status: the action's own word, else the state it left the case in."""
    if event.action == "reject":
        return REJECT_STATUS.get(case.reject_reason or "", "no_further_action")
    return ACTION_STATUS.get(event.action) or STATE_STATUS.get(event.to_state, "open")
