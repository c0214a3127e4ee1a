"""The direct line's retention: conversations idle past CONVERSATION_RETENTION_DAYS are deleted."""
from __future__ import annotations

from gridapp.jobs import every_city_id, job
from gridapp.services.direct_line import conversations


@job(timeout=600, retries=1)
def purge_idle_conversations() -> None:
    for city_id in every_city_id():
        while conversations.purge_idle(city_id):
            pass
