"""Supervision (督办): escalations, whistles and report-ins, nudges, instructions, push
deliveries and the departments' monthly unit scores.

Escalations, nudges, instructions and report-ins are records of something that happened
and are never edited (the listeners below); a whistle target gains its report-in or its
lateness once. Each also appears on the case timeline as a `case_events` row.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

ESCALATION_LEVELS = {1: "community", 2: "street", 3: "district"}
WHISTLE_GRADES = ("quick", "emergency", "tough")
WHISTLE_LABELS = {"quick": "快捷哨", "emergency": "应急哨", "tough": "攻坚哨"}
DELIVERY_STATUSES = ("pending", "sent", "skipped", "dead")


class Escalation(TenantMixin, db.Model):
    """A case overdue at one level was raised to the next (1 community, 2 street, 3 district)."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("case_id", "level"),  # a level is reached once: a repeated sweep cannot add it again
        Index("ix_escalations_city_id_created_at", "city_id", "created_at"),
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    clock: Mapped[str] = mapped_column(String(16), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Whistle(TenantMixin, db.Model):
    """吹哨: a street or community admin calls departments to a case; each must report in by `report_by`."""

    __tablename__ = "whistles"
    __table_args__ = (
        Index("ix_whistles_city_id_case_id", "city_id", "case_id"),
        CheckConstraint("grade IN ('quick', 'emergency', 'tough')", name="grade_known"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    blown_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    grade: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    report_by: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    targets = relationship("WhistleTarget", order_by="WhistleTarget.id", lazy="selectin", viewonly=True)
    blown_by = relationship("User", lazy="joined")


class WhistleTarget(TenantMixin, db.Model):
    """One department called by a whistle: its report-in (报到), or its lateness once the deadline passed."""

    __tablename__ = "whistle_targets"
    __table_args__ = (
        UniqueConstraint("whistle_id", "department_id"),
        # The sweep: targets still owing a report-in, by deadline.
        Index("ix_whistle_targets_city_id_reported_at_report_by", "city_id", "reported_at", "report_by"),
        Index("ix_whistle_targets_city_id_department_id", "city_id", "department_id"),
    )
    whistle_id: Mapped[int] = mapped_column(BigId, ForeignKey("whistles.id"), nullable=False)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), nullable=False)
    report_by: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reported_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reported_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    report_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Set once by the sweep when the deadline passed without a report-in; a later report-in keeps it.
    late_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    department = relationship("Department", lazy="joined")

    @property
    def late(self) -> bool:
        return self.late_at is not None or (self.reported_at is not None and self.reported_at > self.report_by)


class Nudge(TenantMixin, db.Model):
    """拍一拍: a leader reminds the case's current handler; counted on the handler's record."""

    __tablename__ = "nudges"
    __table_args__ = (
        Index("ix_nudges_city_id_case_id", "city_id", "case_id"),
        Index("ix_nudges_city_id_handler_user_id_created_at", "city_id", "handler_user_id", "created_at"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    handler_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Instruction(TenantMixin, db.Model):
    """批示: a leader's written instruction on a case, shown first on the case."""

    __tablename__ = "instructions"
    __table_args__ = (Index("ix_instructions_city_id_case_id", "city_id", "case_id"),)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    author_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    author = relationship("User", lazy="joined")


class DeliveryAttempt(TenantMixin, db.Model):
    """One notification pushed through an outside channel (WeChat subscribe message, SMS).

    `pending` until the channel accepts it (`sent`); after the last retry fails it stays
    as a dead letter (`dead`) with the last error, for someone to look at. One the channel
    cannot deliver to this person (no WeChat bound, no template for the kind, the person
    declined the messages) is `skipped` at once, with the reason: no retry would change that.
    """

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        Index("ix_delivery_attempts_city_id_status", "city_id", "status"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in DELIVERY_STATUSES) + ")", name="status_known"),
    )
    notification_id: Mapped[int] = mapped_column(BigId, ForeignKey("notifications.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now, onupdate=now)


class DepartmentScore(TenantMixin, db.Model):
    """A department's unit score for one month: 10,000 at the start, less the deductions counted."""

    __tablename__ = "department_scores"
    __table_args__ = (UniqueConstraint("city_id", "department_id", "month"),)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # "2026-11", China time
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    late_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reopened: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    low_ratings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    late_report_ins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    department = relationship("Department", lazy="joined")


@event.listens_for(Escalation, "before_update")
@event.listens_for(Escalation, "before_delete")
@event.listens_for(Nudge, "before_update")
@event.listens_for(Nudge, "before_delete")
@event.listens_for(Instruction, "before_update")
@event.listens_for(Instruction, "before_delete")
def _records_are_append_only(_mapper, _connection, target):
    raise RuntimeError(f"{type(target).__name__} {target.id} is append-only")
