"""The job outbox: a background job is a row written in the same transaction as the change that asks for it.

Not tenant data in the usual sense (periodic sweeps belong to no city), so `city_id` is
set only for jobs whose first argument is a city id; operators of one city see those.
A row is `pending` until the relay hands it to RQ, `queued` while RQ has it (the relay
checks on it at `next_attempt_at`), `done` once a worker finished it, and `dead` after
OUTBOX_MAX_ATTEMPTS failed runs, where it waits for an operator to replay it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models.base import BigId, IdMixin, UTCDateTime

OUTBOX_STATUSES = ("pending", "queued", "done", "dead")


class OutboxJob(IdMixin, db.Model):
    __tablename__ = "outbox_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'queued', 'done', 'dead')", name="status_known"),
        Index("ix_outbox_jobs_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_jobs_city_id_status", "city_id", "status"),
    )
    city_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("cities.id"))
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    queue: Mapped[str] = mapped_column(String(32), nullable=False)
    # None once a sensitive job (a login code) has run or died: its secret is not kept.
    args: Mapped[Optional[list[Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # runs that failed
    relays: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # times handed to RQ
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now)
    relayed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
