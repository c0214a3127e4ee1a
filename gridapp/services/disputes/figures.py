"""Dispute figures for the leaders' dashboard (issue 18, part 9 builds the page on these): received, settled, the
success rate and the mean days from the request to the signed agreement, over the caller's part of the city."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.extensions import db
from gridapp.models import Dispute
from gridapp.services.disputes.access import CENTRES
from gridapp.services.regions.tree import in_reach


def counts(actor: Actor, start: datetime, end: datetime) -> dict:
    """Disputes asked for in [start, end) under the centres the actor holds."""
    CENTRES.require(actor)
    rows = db.session.execute(
        select(Dispute.created_at, Dispute.signed_at, Dispute.status).where(
            Dispute.city_id == actor.city_id, in_reach(actor, CENTRES, Dispute.region_path),
            Dispute.created_at >= start, Dispute.created_at < end,
        )
    ).all()
    settled = [r for r in rows if r.signed_at is not None]
    concluded = len(settled) + sum(1 for r in rows if r.signed_at is None and r.status in ("referred", "closed"))
    days = [(r.signed_at - r.created_at).total_seconds() / 86400 for r in settled]
    return {
        "received": len(rows), "settled": len(settled),
        "success_rate": round(len(settled) / concluded, 3) if concluded else None,
        "mean_days": round(sum(days) / len(days), 1) if days else None,
    }
