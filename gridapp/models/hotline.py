"""12345 follow-up (回访): the caller's answer to "is it solved?", one row per round of handling.

A row is written when the operator enters a call whose caller agrees to an SMS follow-up (round 0) and for each
later round the case is verified again after the caller sent it back. The SMS link names the row by a random
nonce (signed in the link, services.cases.hotline), never by the case id.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

FOLLOW_UP_STATUSES = ("waiting", "sent", "satisfied", "not_solved", "no_answer")


class HotlineFollowUp(TenantMixin, db.Model):
    __tablename__ = "hotline_follow_ups"
    __table_args__ = (
        UniqueConstraint("case_id", "round"),
        Index("ix_hotline_follow_ups_city_id_status_sent_at", "city_id", "status", "sent_at"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in FOLLOW_UP_STATUSES) + ")", name="status_known"),
        CheckConstraint("stars IS NULL OR stars BETWEEN 1 AND 5", name="stars_range"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="waiting")
    nonce: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    link_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Set by the SMS job once the text is handed to the provider: a job run again sends nothing.
    sms_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    stars: Mapped[Optional[int]] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    case = relationship("Case", lazy="joined")
