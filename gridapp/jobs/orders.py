"""Periodic order sweeps: grabs that lapsed, and open orders past their deadline.

They take no ids because they look for work; each city is swept on its own and each
order is moved in its own unit of work by a conditional UPDATE, so running a sweep
twice (a retry, two schedulers) changes nothing the second time.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.jobs import QUEUE_DEFAULT, job
from gridapp.models import City
from gridapp.services.orders import workflow as orders


def _city_ids() -> list[int]:
    ids = list(db.session.scalars(select(City.id).order_by(City.id)))
    db.session.rollback()
    return ids


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_grab_lapses() -> int:
    return sum(len(orders.sweep_lapses(city_id)) for city_id in _city_ids())


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_order_deadlines() -> int:
    return sum(len(orders.sweep_deadlines(city_id)) for city_id in _city_ids())
