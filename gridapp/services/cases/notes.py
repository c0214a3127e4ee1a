"""Notes on a case: internal ones between staff, public updates for the reporter and followers.

Handlers record what they found or arranged without moving the case. An internal note is read only
by staff who may read the case: residents, Open311 and public pages never get it
(services.cases.timeline). A public update is on everyone's timeline and tells the reporter and
followers, as the case's own steps do. Each note is one appended case event.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import DEPARTMENT_ROLES, REGION_ROLES, Actor, Permission
from gridapp.errors import Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import CaseEvent
from gridapp.services import idempotency
from gridapp.services.cases import timeline
from gridapp.services.cases import workflow as cases

WRITERS = Permission(
    "cases.notes", REGION_ROLES | DEPARTMENT_ROLES,
    "staff who read a case (grid workers, departments, community and officials above) write notes and replies on it",
)


def writable_case(actor: Actor, case_id: int, *, for_update: bool = False):
    """A case the actor may write on as staff; residents and staff elsewhere are refused."""
    WRITERS.require(actor)
    case = cases.get_case(actor.city_id, case_id, for_update=for_update)
    if not may_write(actor, case):
        raise Forbidden("您无权处理该案件")
    return case


def may_write(actor: Actor, case) -> bool:
    return WRITERS.held_by(actor) and cases.is_staff_over(actor, case)


def add_note(actor: Actor, case_id: int, body: str, public: bool, claim=None) -> CaseEvent | idempotency.Replayed:
    """Append a note (`public`: an update the reporter and followers read and are told of); an Idempotency-Key
    retry answers the first note."""
    if not body.strip():
        raise ValidationFailed("请填写备注内容", details={"body": ["required"]})
    return idempotency.create(claim, "case_event", lambda: _append(actor, case_id, body.strip(), public), _load(actor))


def _load(actor: Actor):
    def load(event_id: int) -> CaseEvent:
        return db.session.scalar(select(CaseEvent).where(CaseEvent.city_id == actor.city_id, CaseEvent.id == event_id))

    return load


def _append(actor: Actor, case_id: int, body: str, public: bool) -> CaseEvent:
    case = writable_case(actor, case_id, for_update=True)
    if not public:
        return cases.add_event(case, timeline.INTERNAL_NOTE, actor, case.state, body)
    event = cases.add_event(case, timeline.PUBLIC_NOTE, actor, case.state, body)
    cases.tell_followers(case, actor, "您反映的问题有新进展", body)
    return event
