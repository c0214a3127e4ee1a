"""Periodic case housekeeping, for the scheduler (gridapp.jobs.schedule)."""
from __future__ import annotations

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.jobs import QUEUE_DEFAULT, job
from gridapp.models import City
from gridapp.services.cases import workflow as cases


@job(queue=QUEUE_DEFAULT, timeout=300, retries=3)
def auto_close_cases() -> None:
    """Close verified cases nobody objected to, city by city (each city one unit of work)."""
    city_ids = list(db.session.scalars(select(City.id).order_by(City.id)))
    for city_id in city_ids:
        cases.auto_close(city_id)
