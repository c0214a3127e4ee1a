"""What one viewer sees of a case: the API and the H5 pages show the same thing.

Privacy depends on who looks (an anonymous reporter's name, a hotline caller's
number), so a case is turned into plain data here, once, with the viewer in hand.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from gridapp.authz import Actor
from gridapp.models import Case, CaseEvent, CasePhoto
from gridapp.models.cases import CHANNEL_LABELS
from gridapp.services.cases import notes, public_map, recategorise, timeline
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases
from gridapp.services.photos import url
from gridapp.services.setup.categories import answered
from gridapp.services.supervision import oversight as supervision
from gridapp.services.supervision import sla


def photo(p: CasePhoto) -> dict:
    return {
        "id": p.id,
        "kind": p.kind,
        "url": url(p.original_key),
        "web_url": url(p.web_key),
        "thumb_url": url(p.thumb_key),
        "width": p.width,
        "height": p.height,
    }


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.id, "name": getattr(obj, "name", None) or getattr(obj, "display_name", "")}


def brief(case: Case) -> dict:
    return {
        "id": case.id,
        "category": _ref(case.category),
        "state": case.state,
        "state_label": S.STATE_LABELS[case.state],
        "place_label": case.place_label or (case.grid.name if case.grid else case.community.name),
        "created_at": case.created_at,
    }


def queued(case: Case) -> dict:
    """A case in a worker's inbox: brief, with its running SLA clock (colour, label and due time)."""
    return brief(case) | {"sla": sla.view(case)}


def pin(case: Case) -> dict:
    """A report on the public map (services.cases.public_map): brief, with its position rounded."""
    return brief(case) | {"lat": public_map.rounded(case.lat), "lng": public_map.rounded(case.lng)}


def summary(actor: Actor, case: Case) -> dict:
    data = {
        column: getattr(case, column)
        for column in (
            "id", "channel", "state", "outside_grid", "place_label", "description", "lat", "lng", "anonymous",
            "department_kind", "reject_reason", "merged_into_id", "abusive", "reopen_count", "created_at",
            "accepted_at", "confirm_due_at", "onsite_due_at", "resolve_due_at", "resolved_at", "verified_at", "closed_at",
        )
    }
    data.update(
        channel_label=CHANNEL_LABELS[case.channel],
        state_label=S.STATE_LABELS[case.state],
        category=_ref(case.category),
        grid=_ref(case.grid),
        community=_ref(case.community),
        reporter=cases.reporter_label(actor, case),
        contact=cases.contact_for(actor, case),
        handler=_ref(case.handler),
        photos=[photo(p) for p in case.photos],
        answers=answered(case),
        actions=cases.allowed_actions(actor, case),
        sla=sla.view(case),
    )
    return data


def event(actor: Actor, case: Case, e: CaseEvent, note: str) -> dict:
    """One step, with its note as the viewer may read it (services.cases.timeline)."""
    return {
        "id": e.id,
        "action": e.action,
        "action_label": S.action_label(e.action),
        "from_state": e.from_state,
        "to_state": e.to_state,
        "to_state_label": S.STATE_LABELS[e.to_state],
        "actor": cases.actor_label(actor, case, e),
        "note": note,
        "created_at": e.created_at,
        "distance_m": e.distance_m,  # a check-in's distance from the reported spot; never the handler's position
        "photos": [photo(p) for p in e.photos],
    }


# The resident's step bar: 提交 → 受理 → 处置 → 核实 → 办结, and the last step each state has reached.
STEPS = ("提交", "受理", "处置", "核实", "办结")
_REACHED = {
    S.SUBMITTED: 0, S.ACCEPTED: 1, S.ASSIGNED: 1, S.ORDERED: 1, S.IN_PROGRESS: 1, S.REOPENED: 1,
    S.RESOLVED: 2, S.VERIFIED: 3, S.CLOSED: 4,
}  # fmt: skip


def progress(case: Case) -> dict:
    """Where the case is on the step bar, who has it, and when the next step is due (None once it ended)."""
    reached = _REACHED.get(case.state)
    steps = [
        {"label": label, "status": "done" if reached is not None and i <= reached else "current" if reached is not None and i == reached + 1 else "todo"}
        for i, label in enumerate(STEPS)
    ]
    if case.state == S.RESOLVED:
        handler = f"{case.community.name}社区"  # the community checks the work
    elif case.state == S.VERIFIED:
        handler = "反映人"  # the reporter confirms (or it closes by itself)
    elif case.handler is not None:
        handler = case.handler.display_name
    elif case.department_kind:
        handler = "职能部门"
    else:
        handler = f"{case.grid.name}网格员" if case.grid else f"{case.community.name}社区"
    clock = sla.view(case)
    due_at = clock["due_at"]
    if case.state == S.VERIFIED and case.verified_at:
        due_at = case.verified_at + timedelta(days=current_app.config["CASE_AUTO_CLOSE_DAYS"])
    following = reached is not None and reached < len(STEPS) - 1
    return {
        "steps": steps,
        "handler": handler if following else None,
        "next": STEPS[reached + 1] if following else None,
        "due_at": due_at if following else None,
    }


def detail(actor: Actor, case: Case) -> dict:
    data = summary(actor, case)
    data["events"] = [event(actor, case, e, note) for e, note in timeline.for_viewer(actor, case)]
    data["progress"] = progress(case)
    data["ratings"] = [
        {"round": r.round, "stars": r.stars, "comment": r.comment, "created_at": r.created_at} for r in cases.ratings(case)
    ]
    data["similar"] = [brief(c) for c in cases.similar_to(actor, case.id)] if cases.is_staff_over(actor, case) else []
    data["instructions"] = supervision.instructions(case) if cases.is_staff_over(actor, case) else []
    data["tools"] = {"recategorise": recategorise.may(actor, case), "notes": notes.may_write(actor, case)}
    return data
