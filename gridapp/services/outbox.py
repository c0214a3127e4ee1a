"""The job outbox, database side: a job is a row committed or rolled back with the change that asks for it.

With Redis configured, a job is never handed to RQ inside the request. `gridapp.jobs.enqueue`
writes a row here in the caller's transaction and, once that commits, tries to hand it over
at once; whatever it could not hand over, the relay (`flask outbox relay`, gridapp/jobs/relay.py)
moves onto the queues later. The relay also checks on every queued row until a worker marks
it done, so a job survives Redis being down, Redis losing its data and a worker killed
mid-job; jobs are idempotent, so one that runs twice does no harm. A row whose runs keep
failing backs off, and after OUTBOX_MAX_ATTEMPTS it is dead until an operator replays it.

This module only reads and moves rows; it knows nothing of RQ.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import delete, func, select, update

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import OutboxJob
from gridapp.unit_of_work import unit_of_work

# A fresh row is handed over by the request that wrote it; the relay leaves it alone this long.
HAND_OVER_GRACE = timedelta(seconds=10)
BACK_OFF_FIRST = timedelta(seconds=30)
BACK_OFF_MOST = timedelta(hours=1)
KEEP_DONE = timedelta(days=7)


@dataclass(frozen=True)
class OutboxStats:
    pending: int  # waiting to be handed to RQ (Redis down, or backing off after a failure)
    queued: int  # on RQ, not yet done
    dead: int  # given up; an operator replays them
    oldest_pending_seconds: float  # how far the relay lags; 0 when nothing waits


@unit_of_work
def add(name: str, queue: str, args: Iterable[Any], *, city_id: int | None) -> int:
    """Write a job row in the caller's unit of work (its own one when there is none); returns its id."""
    args = list(args)
    json.dumps(args)  # a job's arguments must survive the table: fail in the caller, not in the relay
    row = OutboxJob(
        city_id=city_id, name=name, queue=queue, args=args, status="pending", next_attempt_at=now() + HAND_OVER_GRACE
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def claim_due(limit: int) -> list[OutboxJob]:
    """Rows the relay should look at now, locked for this transaction; other relays skip them (PostgreSQL)."""
    return list(
        db.session.scalars(
            select(OutboxJob)
            .where(OutboxJob.status.in_(("pending", "queued")), OutboxJob.next_attempt_at <= now())
            .order_by(OutboxJob.next_attempt_at, OutboxJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def queued(row: OutboxJob) -> None:
    """The row is on RQ now; the relay checks on it again after OUTBOX_CHECK_SECONDS."""
    at = now()
    row.status, row.relays, row.relayed_at = "queued", row.relays + 1, at
    row.next_attempt_at = at + timedelta(seconds=current_app.config["OUTBOX_CHECK_SECONDS"])


def still_running(row: OutboxJob) -> None:
    row.next_attempt_at = now() + timedelta(seconds=current_app.config["OUTBOX_CHECK_SECONDS"])


def failed(row: OutboxJob, error: str, *, forget_args: bool) -> None:
    """A run failed for good on RQ: try again after a back-off, or give up after OUTBOX_MAX_ATTEMPTS."""
    row.attempts += 1
    row.last_error = error[-2000:]
    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = "dead"
        if forget_args:
            row.args = None
        return
    row.status = "pending"
    row.next_attempt_at = now() + min(BACK_OFF_FIRST * 2 ** (row.attempts - 1), BACK_OFF_MOST)


def done(row: OutboxJob, *, forget_args: bool) -> None:
    row.status, row.done_at = "done", now()
    if forget_args:
        row.args = None


@unit_of_work
def mark_queued(row_ids: list[int]) -> None:
    """The request that wrote these rows handed them to RQ itself."""
    for row in db.session.scalars(select(OutboxJob).where(OutboxJob.id.in_(row_ids), OutboxJob.status == "pending")):
        queued(row)


@unit_of_work
def mark_done(row_id: int, *, forget_args: bool) -> None:
    """A worker finished the row's job."""
    row = db.session.get(OutboxJob, row_id)
    if row is not None and row.status != "done":
        done(row, forget_args=forget_args)


@unit_of_work
def replay(row_ids: Iterable[int] | None = None) -> int:
    """Give dead rows (these, or every one) a fresh set of attempts; returns how many."""
    statement = update(OutboxJob).where(OutboxJob.status == "dead")
    if row_ids is not None:
        statement = statement.where(OutboxJob.id.in_(list(row_ids)))
    result = db.session.execute(
        statement.values(status="pending", attempts=0, next_attempt_at=now()).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount


@unit_of_work
def purge_done(before: datetime | None = None) -> int:
    """Forget rows done more than KEEP_DONE ago."""
    cutoff = before or now() - KEEP_DONE
    result = db.session.execute(delete(OutboxJob).where(OutboxJob.status == "done", OutboxJob.done_at < cutoff))
    return result.rowcount


def rows(status: str | None = None, *, city_id: int | None = None, limit: int = 50) -> list[OutboxJob]:
    """The newest rows, for operators (`flask outbox list`)."""
    query = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxJob.status == status)
    if city_id is not None:
        query = query.where(OutboxJob.city_id == city_id)
    return list(db.session.scalars(query))


def stats(city_id: int | None = None) -> OutboxStats:
    """How the outbox stands (the whole deployment, or one city's jobs): for /metrics and operators."""
    query = select(OutboxJob.status, func.count(), func.min(OutboxJob.created_at)).group_by(OutboxJob.status)
    if city_id is not None:
        query = query.where(OutboxJob.city_id == city_id)
    counts, oldest = {}, None
    for status, count, first in db.session.execute(query):
        counts[status] = count
        if status == "pending":
            oldest = first
    lag = (now() - oldest).total_seconds() if oldest is not None else 0.0
    return OutboxStats(counts.get("pending", 0), counts.get("queued", 0), counts.get("dead", 0), max(lag, 0.0))

