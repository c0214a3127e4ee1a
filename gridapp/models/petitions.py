"""信访: petitioners (sealed identity), petitions (事项) with their statutory clocks, each lodging of one (批次),
their events, hearings (听证) and the audit of every read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, append_only, binary_string

PETITION_STATES = ("registered", "accepted", "not_accepted", "answered", "reviewing", "reviewed", "rereviewing", "closed")
CHANNELS = ("walk_in", "letter", "phone", "online", "video", "proxy")
# Where a petition was lodged, lowest first: 镇 (township/street), 区, 市, 省, 京.
LEVELS = ("township", "district", "city", "province", "national")
READ_ACTIONS = ("list", "view", "lookup", "reveal", "events", "hearings", "visits")


def _one_of(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Petitioner(TenantMixin, db.Model):
    """A person who petitions, found again by their ID number or phone (keyed hashes) and never stored in clear."""

    __tablename__ = "petitioners"
    __table_args__ = (
        UniqueConstraint("city_id", "id_number_hash"),
        Index("ix_petitioners_city_id_phone_hash", "city_id", "phone_hash"),
        CheckConstraint("id_number_hash IS NOT NULL OR phone_hash IS NOT NULL", name="findable"),
    )
    name_sealed: Mapped[str] = mapped_column(Text, nullable=False)
    name_masked: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    id_number_sealed: Mapped[str | None] = mapped_column(Text)
    id_number_masked: Mapped[str | None] = mapped_column(String(32))
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    phone_sealed: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(32))


class Petition(TenantMixin, db.Model):
    """One matter (信访事项) in a node's care, with the clock of its current stage (`due_at`)."""

    __tablename__ = "petitions"
    __table_args__ = (
        CheckConstraint(_one_of("state", PETITION_STATES), name="state_known"),
        Index("ix_petitions_city_id_region_path", "city_id", "region_path"),
        Index("ix_petitions_city_id_petitioner_id", "city_id", "petitioner_id"),
        Index("ix_petitions_city_id_state_due_at", "city_id", "state", "due_at"),
    )
    petitioner_id: Mapped[int] = mapped_column(BigId, ForeignKey("petitioners.id"), nullable=False)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="registered")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    extension_requested_days: Mapped[int | None] = mapped_column(Integer)
    extension_requested_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backlog_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    petitioner = relationship("Petitioner", lazy="joined")
    region = relationship("Region", lazy="joined")


class PetitionVisit(TenantMixin, db.Model):
    """One lodging of a petition (a 批次 of `people_count` person-times): how, where, and whether it skipped levels."""

    __tablename__ = "petition_visits"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_one_of("level", LEVELS), name="level_known"),
        CheckConstraint("people_count >= 1", name="someone_came"),
        Index("ix_petition_visits_city_id_petition_id", "city_id", "petition_id"),
        Index("ix_petition_visits_city_id_region_path_created_at", "city_id", "region_path", "created_at"),
    )
    petition_id: Mapped[int] = mapped_column(BigId, ForeignKey("petitions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    people_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    is_repeat: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    skips_levels: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entered_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    by_agent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")


class PetitionEvent(TenantMixin, db.Model):
    """Every change to a petition: who, when, from which state to which, and why."""

    __tablename__ = "petition_events"
    __table_args__ = (Index("ix_petition_events_city_id_petition_id", "city_id", "petition_id"),)
    petition_id: Mapped[int] = mapped_column(BigId, ForeignKey("petitions.id"), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class PetitionHearing(TenantMixin, db.Model):
    """A hearing (听证) held on a petition, usually a long-running one (积案)."""

    __tablename__ = "petition_hearings"
    __table_args__ = (Index("ix_petition_hearings_city_id_petition_id", "city_id", "petition_id"),)
    petition_id: Mapped[int] = mapped_column(BigId, ForeignKey("petitions.id"), nullable=False)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    place: Mapped[str] = mapped_column(String(128), nullable=False)
    chair: Mapped[str] = mapped_column(String(64), nullable=False)
    participants: Mapped[str] = mapped_column(String(1000), nullable=False)
    conclusion: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)


class PetitionRead(TenantMixin, db.Model):
    """The audit of every read of a petition or a petitioner: who, when, what, and the reason they gave."""

    __tablename__ = "petition_reads"
    __table_args__ = (
        CheckConstraint(_one_of("action", READ_ACTIONS), name="action_known"),
        Index("ix_petition_reads_city_id_petition_id", "city_id", "petition_id"),
        Index("ix_petition_reads_city_id_region_path", "city_id", "region_path"),
    )
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    petition_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("petitions.id"))
    petitioner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("petitioners.id"))
    region_path: Mapped[str | None] = mapped_column(binary_string(255))
    reason: Mapped[str] = mapped_column(String(255), nullable=False)
    rows_shown: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    actor = relationship("User", lazy="joined")


append_only(PetitionEvent, PetitionRead, PetitionHearing)
