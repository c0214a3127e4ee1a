"""Periodic order sweeps: grabs that lapsed, and open orders past their deadline.

They take no ids because they look for work; each city is swept on its own and each
order is moved in its own unit of work by a conditional UPDATE, so running a sweep
twice (a retry, two schedulers) changes nothing the second time.
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import City
from . import QUEUE_DEFAULT, job


def _city_ids() -> list[int]:
    ids = list(db.session.scalars(select(City.id).order_by(City.id)))
    db.session.rollback()
    return ids


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_grab_lapses() -> int:
    from ..services import orders

    return sum(len(orders.sweep_lapses(city_id)) for city_id in _city_ids())


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_order_deadlines() -> int:
    from ..services import orders

    return sum(len(orders.sweep_deadlines(city_id)) for city_id in _city_ids())
