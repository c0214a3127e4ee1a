"""Periodic case housekeeping, for the scheduler (gridapp.jobs.schedule)."""
from __future__ import annotations

from gridapp.jobs import QUEUE_DEFAULT, every_city_id, job
from gridapp.services.cases import hotline
from gridapp.services.cases import workflow as cases


@job(queue=QUEUE_DEFAULT, timeout=300, retries=3)
def auto_close_cases() -> None:
    """Close verified cases nobody objected to, city by city (each city one unit of work)."""
    for city_id in every_city_id():
        cases.auto_close(city_id)


@job(queue=QUEUE_DEFAULT, timeout=300, retries=3)
def close_unanswered_hotline() -> None:
    """Close verified 12345 cases whose caller left the follow-up SMS unanswered, city by city."""
    for city_id in every_city_id():
        hotline.close_unanswered(city_id)
