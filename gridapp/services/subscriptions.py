"""Who listens to case events (services.events), wired once at start-up by create_app.

Order matters where two subscribers move money for one event: a reopened case first
takes back its orders' payouts, then the resident's closing award. The leaders' rollups
follow every flush of a case (services.supervision.rollups), whatever step made it.
"""
from __future__ import annotations

from gridapp.services import events
from gridapp.services.cases import hotline
from gridapp.services.open311 import outside, work_orders
from gridapp.services.orders import workflow as orders
from gridapp.services.points import residents
from gridapp.services.supervision import rollups


def register() -> None:
    rollups.register()
    events.subscribe("reopen", orders.case_reopened)
    for action in ("accept", "confirm", "auto_close", "reopen"):
        events.subscribe(action, residents.on_case_event)
    events.subscribe("verify", hotline.on_verified)
    events.subscribe("auto_close", hotline.on_auto_close)
    work_orders.register()
    outside.register()
