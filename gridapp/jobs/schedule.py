"""Periodic jobs, declared in one list.

`flask scheduler run-once` (from cron, or a loop: `flask scheduler run`) enqueues the
jobs that are due: onto RQ when Redis is configured, inline otherwise. A job is
claimed by moving its `next_run_at` forward in one conditional UPDATE, so several
schedulers racing enqueue each period's run once; with Redis, the claim and the job's
outbox row are one transaction, so a period is never claimed without its job (a
scheduler that cannot reach the database claims nothing, and one that cannot reach
Redis leaves the job to the relay). The jobs themselves are idempotent, so a run that
is repeated anyway does no harm. Add a job by adding a line here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.jobs import (
    care,
    cases,
    codes,
    direct_line,
    maintenance,
    orders,
    petitions,
    photos,
    push,
    supervision,
    task_forces,
    work_orders,
)
from gridapp.models import ScheduledJob
from gridapp.unit_of_work import unit_of_work


@dataclass(frozen=True)
class Periodic:
    name: str
    job: Callable  # a @job function taking no arguments
    every: timedelta


PERIODIC_JOBS: tuple[Periodic, ...] = (
    Periodic("sweep_grab_lapses", orders.sweep_grab_lapses, timedelta(minutes=1)),
    Periodic("sweep_order_deadlines", orders.sweep_order_deadlines, timedelta(minutes=1)),
    Periodic("sweep_sla", supervision.sweep_sla, timedelta(minutes=1)),
    Periodic("sweep_whistles", supervision.sweep_whistles, timedelta(minutes=1)),
    Periodic("compute_scores", supervision.compute_scores, timedelta(hours=1)),
    Periodic("reconcile_rollups", supervision.reconcile_rollups, timedelta(hours=1)),
    Periodic("retry_deliveries", push.retry_deliveries, timedelta(minutes=2)),
    Periodic("sweep_move_requests", codes.sweep_move_requests, timedelta(minutes=1)),
    Periodic("auto_close_cases", cases.auto_close_cases, timedelta(hours=1)),
    Periodic("close_unanswered_hotline", cases.close_unanswered_hotline, timedelta(hours=1)),
    Periodic("purge_expired_tokens", maintenance.purge_expired_tokens, timedelta(days=1)),
    Periodic("purge_unused_uploads", photos.purge_unused_uploads, timedelta(hours=1)),
    Periodic("repair_photo_sizes", photos.repair_photo_sizes, timedelta(minutes=5)),
    Periodic("purge_check_ins", codes.purge_check_ins, timedelta(hours=1)),
    Periodic("purge_outbox", maintenance.purge_outbox, timedelta(days=1)),
    Periodic("purge_idle_conversations", direct_line.purge_idle_conversations, timedelta(hours=1)),
    Periodic("retry_work_order_callbacks", work_orders.retry_work_order_callbacks, timedelta(minutes=1)),
    Periodic("fetch_outside_updates", work_orders.fetch_outside_updates, timedelta(minutes=10)),
    Periodic("sweep_task_forces", task_forces.sweep_task_forces, timedelta(minutes=1)),
    Periodic("sweep_action_items", task_forces.sweep_action_items, timedelta(minutes=1)),
    Periodic("sweep_petition_clocks", petitions.sweep_petition_clocks, timedelta(minutes=10)),
    Periodic("sweep_referral_deadlines", petitions.sweep_referral_deadlines, timedelta(minutes=10)),
    Periodic("alert_missed_care_visits", care.alert_missed_care_visits, timedelta(hours=1)),
)


def _ensure_rows(jobs: tuple[Periodic, ...]) -> None:
    """A job seen for the first time is due at once."""
    known = set(db.session.scalars(select(ScheduledJob.name)))
    for periodic in jobs:
        if periodic.name in known:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledJob(name=periodic.name, next_run_at=now()))
        except IntegrityError:
            pass  # another scheduler added it first


@unit_of_work
def enqueue_due(jobs: tuple[Periodic, ...] = PERIODIC_JOBS) -> list[str]:
    """Claim and enqueue every job whose time has come; returns their names.

    With Redis each claim writes its job's outbox row in this same transaction; inline,
    the jobs run after it commits.
    """
    _ensure_rows(jobs)
    at = now()
    claimed = []
    for periodic in jobs:
        result = db.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == periodic.name, ScheduledJob.next_run_at <= at)
            .values(next_run_at=at + periodic.every, last_run_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            periodic.job.delay()
            claimed.append(periodic.name)
    return claimed
