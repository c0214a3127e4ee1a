"""What one viewer reads of a dispute: the dispute, its parties as that viewer may see them, its sessions and
follow-up visits, the count toward the 3-2-1 rule at its level, its timeline and the viewer's own rating."""
from __future__ import annotations

from gridapp.authz import Actor
from gridapp.extensions import db
from gridapp.models import Dispute
from gridapp.services.disputes import roster, workflow
from gridapp.services.disputes.access import DIFFICULTY_LABELS, KINDS, READERS, party_of, party_view, visible


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
