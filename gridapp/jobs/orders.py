"""Periodic order sweeps: grabs that lapsed, and open orders past their deadline.

They take no ids because they look for work; each city is swept on its own and each
order is moved in its own unit of work by a conditional UPDATE, so running a sweep
twice (a retry, two schedulers) changes nothing the second time.
"""
from __future__ import annotations

from gridapp.jobs import QUEUE_DEFAULT, every_city_id, job
from gridapp.services.orders import workflow as orders


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_grab_lapses() -> int:
    return sum(len(orders.sweep_lapses(city_id)) for city_id in every_city_id())


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_order_deadlines() -> int:
    return sum(len(orders.sweep_deadlines(city_id)) for city_id in every_city_id())
