"""What one viewer reads of a dispute: the dispute, its parties as that viewer may see them, its sessions and
follow-up visits, the count toward the 3-2-1 rule at its level, its timeline and the viewer's own rating."""
from __future__ import annotations

from gridapp.authz import Actor
from gridapp.extensions import db
from gridapp.models import Dispute
from gridapp.services.disputes import roster, workflow
from gridapp.services.disputes.access import (
    DIFFICULTY_LABELS,
    KINDS,
    READERS,
    is_centre_over,
    party_of,
    party_view,
    visible,
)


def view(actor: Actor, dispute_id: int) -> dict:
    return of(actor, visible(actor, dispute_id))


def of(actor: Actor, row: Dispute) -> dict:
    me = party_of(actor, row)
    return {
        "dispute": row,
        "parties": [party_view(actor, row, p) for p in row.parties],
        "sessions": list(row.sessions),
        "sessions_at_level": workflow.sessions_at(row, row.level),
        "events": workflow.timeline(actor, row),
        "my_rating": workflow.my_rating(row, me),
    }


def options(actor: Actor) -> dict:
    """What the forms offer: dispute kinds, difficulties and the city's communities."""
    READERS.require(actor)
    return {
        "kinds": [{"value": k, "label": v} for k, v in KINDS.items()],
        "difficulties": [{"value": k, "label": v} for k, v in DIFFICULTY_LABELS.items()],
        "communities": [{"id": r.id, "name": r.name} for r in db.session.scalars(roster.roster_regions(actor))],
    }


def abilities(actor: Actor, row: Dispute) -> dict:
    """Which steps the pages offer this viewer now (the services decide again when they are taken)."""
    me = party_of(actor, row)
    centre = is_centre_over(actor, row)
    handler = centre or (row.mediator is not None and row.mediator.user_id == actor.user_id)
    unsigned = [p for p in row.parties if p.signed_at is None]
    return {
        "choose": me is not None and row.status in ("requested", "accepted"),
        "consent": me is not None and me.consent_at is None and row.status not in workflow.RATEABLE,
        "sign": me is not None and row.status == "agreed" and me.signed_at is None and me.consent_at is not None,
        "rate": me is not None and row.status in workflow.RATEABLE and row.mediator_id is not None and workflow.my_rating(row, me) is None,
        "take": centre and row.status == "requested",
        "assign": centre and row.status in ("accepted", "assigned"),
        "record_consent": handler and row.status not in workflow.RATEABLE,
        "session": handler and row.status in ("assigned", "mediating"),
        "step_up": handler and row.status in ("assigned", "mediating") and row.level != "county",
        "agreement": handler and row.status in ("mediating", "agreed") and not any(p.signed_at for p in row.parties),
        "sign_in_person": [p.id for p in unsigned if p.consent_at is not None] if handler and row.status == "agreed" else [],
        "confirm": handler and row.status == "signed",
        "refer": handler and row.status in ("assigned", "mediating", "agreed"),
        "follow_up": handler and row.status in workflow.SETTLED,
        "handler": handler,
    }
