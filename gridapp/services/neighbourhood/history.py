"""The append-only history of heads' appointments and patrol plans: who changed what, when, before and after."""
from __future__ import annotations

import json

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.extensions import db
from gridapp.models import NeighbourhoodEvent


def record(actor: Actor, subject_kind: str, subject_id: int, action: str, before: dict | None, after: dict) -> None:
    db.session.add(NeighbourhoodEvent(
        city_id=actor.city_id, subject_kind=subject_kind, subject_id=subject_id, actor_user_id=actor.user_id, action=action,
        before_json=json.dumps(before, ensure_ascii=False) if before is not None else None,
        after_json=json.dumps(after, ensure_ascii=False),
    ))


def of(city_id: int, subject_kind: str, subject_id: int):
    """A select of one subject's history, oldest first."""
    return select(NeighbourhoodEvent).where(
        NeighbourhoodEvent.city_id == city_id, NeighbourhoodEvent.subject_kind == subject_kind,
        NeighbourhoodEvent.subject_id == subject_id,
    ).order_by(NeighbourhoodEvent.id)
