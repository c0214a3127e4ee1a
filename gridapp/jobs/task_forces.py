"""Overdue alerts for task forces' sub-tasks (领导包案, 联合处置) and review meetings' action items (会商研判).

Like the supervision sweeps they take no ids: each city is swept on its own, and each row is alerted in its own unit
of work after a locked re-read, so a second run (a retry, two schedulers) alerts nobody twice.
"""
from __future__ import annotations

from gridapp.jobs import QUEUE_DEFAULT, every_city_id, job
from gridapp.services.review_meetings import meetings
from gridapp.services.task_forces import workflow


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_task_forces() -> int:
    return sum(len(workflow.sweep_overdue(city_id)) for city_id in every_city_id())


@job(queue=QUEUE_DEFAULT, timeout=300, retries=1)
def sweep_action_items() -> int:
    return sum(len(meetings.sweep_overdue(city_id)) for city_id in every_city_id())
