"""Risk and care (issue 18 part 7): risk tiers on households, persons and cases routed to a team; the
key-person register with its visit schedule; poverty-relapse monitoring.

Key persons and households under watch are the most sensitive records the grid keeps besides petitions:
every read of one is a `CareRead` row (who, when, how), appended and never changed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string

RISK_TIERS = ("green", "yellow", "red")
RISK_TIER_LABELS = {"green": "绿色（低风险）", "yellow": "黄色（关注）", "red": "红色（高风险）"}
# Key-person categories and poverty-relapse watch (a household, not a person), with their labels.
CARE_CATEGORIES = {
    "severe_mental_illness": "严重精神障碍患者",
    "community_corrections": "社区矫正对象",
    "drug_rehabilitation": "社区戒毒康复人员",
    "left_behind_child": "留守儿童",
    "left_behind_elderly": "留守老人",
    "domestic_violence": "家暴风险",
    "released_prisoner": "刑满释放人员",
    "poverty_relapse": "防返贫监测户",
}
CARE_STATUSES = ("active", "closed")
SIGNAL_KINDS = {
    "income_drop": "收入骤减",
    "illness": "大病重病",
    "disability": "因残",
    "disaster": "自然灾害",
    "job_loss": "失业",
    "schooling": "就学支出",
    "other": "其他",
}


def _known(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class RiskRoute(TenantMixin, db.Model):
    """Which team a risk tier goes to in this city: a role over the subject's place, or a department."""

    __tablename__ = "risk_routes"
    __table_args__ = (
        UniqueConstraint("city_id", "tier"),
        CheckConstraint(_known("tier", RISK_TIERS), name="tier_known"),
        CheckConstraint("(role IS NULL) <> (department_id IS NULL)", name="one_team"),
    )
    tier: Mapped[str] = mapped_column(String(8), nullable=False)
    role: Mapped[Optional[str]] = mapped_column(String(32))
    department_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("departments.id"))


class RiskRating(TenantMixin, db.Model):
    """The current tier of one subject (`subject_kind` + `subject_id`: household, person, case; dispute and
    petition once they exist), with the team it was routed to when it last changed."""

    __tablename__ = "risk_ratings"
    __table_args__ = (
        UniqueConstraint("city_id", "subject_kind", "subject_id"),
        Index("ix_risk_ratings_city_id_tier_region_path", "city_id", "tier", "region_path"),
        CheckConstraint(_known("tier", RISK_TIERS), name="tier_known"),
    )
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    tier: Mapped[str] = mapped_column(String(8), nullable=False)
    team_role: Mapped[Optional[str]] = mapped_column(String(32))
    team_department_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("departments.id"))
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    events = relationship("RiskRatingEvent", order_by="RiskRatingEvent.id", viewonly=True)


class RiskRatingEvent(TenantMixin, db.Model):
    """One tier change: who, when, from, to, why, and the team it went to."""

    __tablename__ = "risk_rating_events"
    __table_args__ = (Index("ix_risk_rating_events_city_id_rating_id", "city_id", "rating_id"),)
    rating_id: Mapped[int] = mapped_column(BigId, ForeignKey("risk_ratings.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    from_tier: Mapped[Optional[str]] = mapped_column(String(8))
    to_tier: Mapped[str] = mapped_column(String(8), nullable=False)
    team_role: Mapped[Optional[str]] = mapped_column(String(32))
    team_department_id: Mapped[Optional[int]] = mapped_column(BigId)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")


class CareRecord(TenantMixin, db.Model):
    """A key person (a household member) or a household under poverty-relapse watch, on the register of
    its grid, with the visit cadence the grid worker keeps and when the next visit is due."""

    __tablename__ = "care_records"
    __table_args__ = (
        Index("ix_care_records_city_id_grid_id_status", "city_id", "grid_id", "status"),
        Index("ix_care_records_city_id_status_next_visit_due", "city_id", "status", "next_visit_due"),
        CheckConstraint(_known("category", CARE_CATEGORIES), name="category_known"),
        CheckConstraint(_known("status", CARE_STATUSES), name="status_known"),
        CheckConstraint("visit_every_days BETWEEN 1 AND 366", name="cadence_range"),
    )
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False, index=True)
    # The person; none for a household-wide record (poverty-relapse watch).
    member_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("household_members.id"), index=True)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    # A guardian (监护人) from the same household, or named with a phone when they live elsewhere.
    guardian_member_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("household_members.id"))
    guardian_name: Mapped[Optional[str]] = mapped_column(String(64))
    guardian_phone: Mapped[Optional[str]] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="active")
    visit_every_days: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_visit_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    next_visit_due: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The due date the missed-visit job last alerted for, so each missed visit is alerted once.
    missed_alerted_for: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    household = relationship("Household", lazy="joined")
    member = relationship("HouseholdMember", foreign_keys=[member_id], lazy="joined")
    guardian = relationship("HouseholdMember", foreign_keys=[guardian_member_id], lazy="joined")


class CareEvent(TenantMixin, db.Model):
    """Every change of a record: registered, changed, visited, visit missed, signal, closed, refused close."""

    __tablename__ = "care_events"
    __table_args__ = (Index("ix_care_events_city_id_record_id", "city_id", "record_id"),)
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("care_records.id"), nullable=False)
    # None for the missed-visit job.
    actor_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[Optional[str]] = mapped_column(String(8))
    to_status: Mapped[Optional[str]] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")


class CareRead(TenantMixin, db.Model):
    """Who read a record, whole or masked, and through what (append-only)."""

    __tablename__ = "care_reads"
    __table_args__ = (Index("ix_care_reads_city_id_record_id_created_at", "city_id", "record_id", "created_at"),)
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("care_records.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    view: Mapped[str] = mapped_column(String(8), nullable=False)  # whole | masked
    via: Mapped[str] = mapped_column(String(16), nullable=False)  # list | detail | visits


class CareVisit(TenantMixin, db.Model):
    """A home visit (services.codes.visits) made for a record: the visit keeps the notes and photos."""

    __tablename__ = "care_visits"
    __table_args__ = (UniqueConstraint("record_id", "visit_id"), Index("ix_care_visits_city_id_record_id", "city_id", "record_id"))
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("care_records.id"), nullable=False)
    visit_id: Mapped[int] = mapped_column(BigId, ForeignKey("visits.id"), nullable=False)

    visit = relationship("Visit", lazy="joined")


class CareSignal(TenantMixin, db.Model):
    """A poverty-relapse signal seen in a household (income drop, illness, disaster ...)."""

    __tablename__ = "care_signals"
    __table_args__ = (
        Index("ix_care_signals_city_id_record_id", "city_id", "record_id"),
        CheckConstraint(_known("kind", SIGNAL_KINDS), name="kind_known"),
    )
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("care_records.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")
