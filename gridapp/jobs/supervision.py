"""Periodic supervision work: SLA colours and escalation, late report-ins, monthly unit scores, and the
leaders' rollups checked against the cases.

Like the order sweeps they take no ids: each city is swept on its own, and every case or
whistle target is changed in its own unit of work after a locked re-read, so a second
run (a retry, two schedulers) finds nothing left to do.
"""
from __future__ import annotations

from gridapp.clock import month_of, now, previous_month
from gridapp.jobs import QUEUE_DEFAULT, every_city_id, job
from gridapp.services.supervision import oversight as supervision
from gridapp.services.supervision import rollups, scores


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_sla() -> int:
    return sum(len(supervision.sweep_sla(city_id)) for city_id in every_city_id())


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_whistles() -> int:
    return sum(len(supervision.sweep_whistles(city_id)) for city_id in every_city_id())


@job(queue=QUEUE_DEFAULT, timeout=600, retries=1)
def compute_scores() -> int:
    """This month's scores so far, and last month's final ones (recomputed: an upsert)."""
    months = {month_of(now()), previous_month(month_of(now()))}
    return sum(len(scores.compute_month(city_id, month)) for city_id in every_city_id() for month in sorted(months))


@job(queue=QUEUE_DEFAULT, timeout=900, retries=1)
def reconcile_rollups() -> int:
    """The last RECONCILE_DAYS days of every city recomputed from the cases; returns the rows that were wrong."""
    first, last = rollups.recent_window()
    return sum(rollups.rebuild(city_id, first, last) for city_id in every_city_id())
