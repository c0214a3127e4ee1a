"""The audit trail of the city's setup: every change to a region node, department or category is appended
here with who made it, when, and the fields before and after (models.setup.SetupChange)."""

from __future__ import annotations

import json

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.extensions import db
from gridapp.models import SetupChange


def _dumped(values: dict | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def record(
    actor: Actor, entity: str, entity_id: int, action: str, before: dict | None, after: dict | None, note: str = ""
) -> SetupChange:
    change = SetupChange(
        city_id=actor.city_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_user_id=actor.user_id,
        before_json=_dumped(before),
        after_json=_dumped(after),
        note=note[:255],
    )
    db.session.add(change)
    return change


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, before and after."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def history(city_id: int, entity: str, entity_id: int):
    """A select of one thing's changes, newest first."""
    return (
        select(SetupChange)
        .where(SetupChange.city_id == city_id, SetupChange.entity == entity, SetupChange.entity_id == entity_id)
        .order_by(SetupChange.id.desc())
    )
