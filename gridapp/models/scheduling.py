"""When each periodic job is next due.

Not tenant data: one row per job name for the whole deployment. The row makes
`flask scheduler run-once` safe to call from cron and from several hosts at once:
a scheduler claims a due job by moving `next_run_at` forward in one conditional
UPDATE, so each period's run is enqueued once however many schedulers race.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import IdMixin, UTCDateTime


class ScheduledJob(IdMixin, db.Model):
    __tablename__ = "scheduled_jobs"
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_run_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
