"""The outbox relay, RQ side: `flask outbox relay` moves due outbox rows onto the queues and checks on them.

One pass claims the rows that are due (`FOR UPDATE SKIP LOCKED`, so several relays share
the work on PostgreSQL; SQLite has one writer and needs one relay):
- a pending row is pushed onto its RQ queue under the job id `outbox-<row id>`;
- a queued row is looked up in Redis: finished means done (in case the worker could not
  say so), failed for good counts an attempt (back-off, then dead), missing means Redis
  lost it (restarted without its data) and it is pushed again, anything else is checked
  again later.
It also runs RQ's own clean-up of each queue's started jobs, which re-enqueues a job
whose worker died mid-job (RQ retries it when it has retries left, otherwise fails it,
and then the relay counts the attempt and re-runs it after its back-off), and it stands
in for RQ's scheduler on any queue whose scheduler is gone: workers run one
(`--with-scheduler`), but when the worker holding its lock is killed, no other worker
takes the lock over until its next maintenance, which can be many minutes away, and
until then no retry would come back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

from gridapp.extensions import db
from gridapp.jobs import ALL_QUEUES, hand_to_rq, job_named, rq_job_id
from gridapp.models import OutboxJob
from gridapp.services import outbox
from gridapp.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

FAILED_FOR_GOOD = ("failed", "stopped", "canceled")


@dataclass(frozen=True)
class RelayPass:
    handed_over: int  # rows pushed onto RQ (new ones, and ones Redis lost)
    done: int
    failed: int


@unit_of_work
def relay_once(limit: int = 500) -> RelayPass:
    """One pass over the due rows. A Redis error ends the pass; what was done so far is kept."""
    from redis.exceptions import RedisError

    handed = finished = failures = 0
    try:
        _clean_started_registries()
        _stand_in_for_rq_scheduler()
        for row in outbox.claim_due(limit):
            outcome = _relay(row)
            handed += outcome == "handed"
            finished += outcome == "done"
            failures += outcome == "failed"
    except RedisError:
        db.session.commit()  # keep what this pass recorded; the rows not reached stay due
        raise
    return RelayPass(handed, finished, failures)


def _relay(row: OutboxJob) -> str:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        fn = job_named(row.name)
    except LookupError as exc:  # a job removed by a release: nothing can run it
        outbox.failed(row, str(exc), forget_args=True)
        return "failed"
    spec = fn.job_spec
    if row.status == "pending":
        return _hand_over(row, fn)
    try:
        rq_job = Job.fetch(rq_job_id(row.id), connection=_redis())
    except NoSuchJobError:
        log.warning("outbox row %s (%s): Redis no longer knows its job; handing it over again", row.id, row.name)
        return _hand_over(row, fn)
    status = rq_job.get_status()
    if status == "finished":
        outbox.done(row, forget_args=spec.sensitive)
        return "done"
    if status in FAILED_FOR_GOOD:
        result = rq_job.latest_result()
        error = (result.exc_string if result is not None else None) or f"RQ job {status}"
        rq_job.delete()
        outbox.failed(row, error, forget_args=spec.sensitive)
        return "failed"
    outbox.still_running(row)
    return "running"


def _hand_over(row: OutboxJob, fn) -> str:
    hand_to_rq(row.id, fn, fn.job_spec, tuple(row.args or ()))
    outbox.queued(row)
    return "handed"


def _clean_started_registries() -> None:
    from rq.registry import StartedJobRegistry

    for name in ALL_QUEUES:
        StartedJobRegistry(name, connection=_redis()).cleanup()


def _stand_in_for_rq_scheduler() -> None:
    """Move due RQ retries onto their queues, for the queues whose scheduler lock nobody holds."""
    from rq.scheduler import RQScheduler

    scheduler = RQScheduler(ALL_QUEUES, connection=_redis())
    if scheduler.acquire_locks():
        try:
            scheduler.enqueue_scheduled_jobs()
        finally:
            scheduler.release_locks()


def _redis():
    return current_app.extensions["gridapp.redis"]
