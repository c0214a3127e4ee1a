"""What each reader is shown of a case's timeline.

Staff over the case read every step as written. Everyone else (the reporter, followers, Open311
callers, public pages) reads only the steps meant for the public: an internal note is left out
entirely, not even a line saying one exists, and a step whose note says more than the public may
read (a recategorisation's from/to) shows its public line instead. Every reader of case events
outside staff pages filters through here, so a new staff-only step is hidden by adding it once.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from gridapp.authz import Actor
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent
from gridapp.services.cases import workflow as cases

INTERNAL_NOTE = "internal_note"
PUBLIC_NOTE = "public_note"
STAFF_ONLY = frozenset({INTERNAL_NOTE})


def public_condition() -> ColumnElement:
    """SQL for "a step the public may read", for queries over many cases (Open311)."""
    return CaseEvent.action.not_in(sorted(STAFF_ONLY))


def public_note(event: CaseEvent) -> str:
    """The note as the public reads it."""
    return event.public_note if event.public_note is not None else event.note


def for_viewer(actor: Actor, case: Case) -> list[tuple[CaseEvent, str]]:
    """The steps the viewer may read, oldest first, each with its note as the viewer reads it."""
    if cases.is_staff_over(actor, case):
        return [(event, event.note) for event in cases.events(case)]
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.city_id == case.city_id, CaseEvent.case_id == case.id, public_condition())
        .order_by(CaseEvent.id)
    )
    return [(event, public_note(event)) for event in db.session.scalars(stmt)]
