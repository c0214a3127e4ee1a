"""矛盾纠纷调解: disputes beside problem reports, their parties, sessions, agreement and ratings; the mediator roster.

A dispute keeps the region path of the community it arose in (scope for the officials over it) and the level it is
mediated at now (village → township → county, the 3-2-1 rule). Every step is an appended `DisputeEvent`;
sessions, signatures and ratings are rows that are never edited afterwards.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

DISPUTE_STATUSES = ("requested", "accepted", "assigned", "mediating", "agreed", "signed", "confirmed", "referred", "closed")
LEVELS = ("village", "township", "county")
DIFFICULTIES = ("simple", "ordinary", "complex", "major")


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Mediator(TenantMixin, db.Model):
    """One entry of the roster: a staff account holding the mediator role at a district, street or community node."""

    __tablename__ = "mediators"
    __table_args__ = (
        UniqueConstraint("city_id", "user_id"),
        Index("ix_mediators_city_id_region_path", "city_id", "region_path"),
        CheckConstraint(_one_of("tier", LEVELS), name="tier_known"),
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    tier: Mapped[str] = mapped_column(String(16), nullable=False)
    specialties_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    intro: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    available: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    user = relationship("User")
    region = relationship("Region")


class Dispute(TenantMixin, db.Model):
    __tablename__ = "disputes"
    __table_args__ = (
        Index("ix_disputes_city_id_region_path", "city_id", "region_path"),
        Index("ix_disputes_city_id_mediator_id", "city_id", "mediator_id"),
        CheckConstraint(_one_of("status", DISPUTE_STATUSES), name="status_known"),
        CheckConstraint(_one_of("level", LEVELS), name="level_known"),
        CheckConstraint(f"difficulty IS NULL OR {_one_of('difficulty', DIFFICULTIES)}", name="difficulty_known"),
    )
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="requested")
    level: Mapped[str] = mapped_column(String(16), nullable=False, default="village")
    difficulty: Mapped[Optional[str]] = mapped_column(String(16))
    requested_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    # The mediator the resident asked for (点单), and the one mediating now (派单).
    chosen_mediator_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("mediators.id"))
    mediator_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("mediators.id"))
    agreement_terms: Mapped[Optional[str]] = mapped_column(Text)
    agreement_performance: Mapped[Optional[str]] = mapped_column(Text)
    agreement_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    signed_pdf_key: Mapped[Optional[str]] = mapped_column(String(255))
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Judicial confirmation (司法确认) or the court / legal aid it went on to, with that body's case number.
    outside_body: Mapped[Optional[str]] = mapped_column(String(16))
    outside_organisation: Mapped[Optional[str]] = mapped_column(String(128))
    outside_number: Mapped[Optional[str]] = mapped_column(String(64))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    region = relationship("Region")
    mediator = relationship("Mediator", foreign_keys=[mediator_id])
    chosen_mediator = relationship("Mediator", foreign_keys=[chosen_mediator_id])
    parties = relationship("DisputeParty", order_by="DisputeParty.id", viewonly=True)
    sessions = relationship("DisputeSession", order_by="DisputeSession.id", viewonly=True)
    events = relationship("DisputeEvent", order_by="DisputeEvent.id", viewonly=True)


class DisputeParty(TenantMixin, db.Model):
    """A party (当事人): their consent to mediation, and their signature once the agreement is drafted."""

    __tablename__ = "dispute_parties"
    __table_args__ = (
        Index("ix_dispute_parties_city_id_dispute_id", "city_id", "dispute_id"),
        Index("ix_dispute_parties_city_id_user_id", "city_id", "user_id"),
        CheckConstraint("side IN ('applicant', 'respondent')", name="side_known"),
    )
    dispute_id: Mapped[int] = mapped_column(BigId, ForeignKey("disputes.id"), nullable=False)
    side: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    # The resident account of the party, when one has this phone: they follow, consent, sign and rate on their own phone.
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    consent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    consent_recorded_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    signature_key: Mapped[Optional[str]] = mapped_column(String(255))
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    signed_on_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))


class DisputeSession(TenantMixin, db.Model):
    """A mediation session (调解) at a level, or a follow-up visit (回访) after the agreement."""

    __tablename__ = "dispute_sessions"
    __table_args__ = (
        Index("ix_dispute_sessions_city_id_dispute_id", "city_id", "dispute_id"),
        CheckConstraint("kind IN ('session', 'follow_up')", name="kind_known"),
        CheckConstraint(_one_of("level", LEVELS), name="level_known"),
    )
    dispute_id: Mapped[int] = mapped_column(BigId, ForeignKey("disputes.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="session")
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    place: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    # A follow-up visit says whether the agreement is being kept (履行情况).
    fulfilled: Mapped[Optional[bool]] = mapped_column(Boolean)
    recorded_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)

    recorded_by = relationship("User")


class DisputeEvent(TenantMixin, db.Model):
    """Every step of a dispute (who, when, status and level before and after, note): appended, never edited."""

    __tablename__ = "dispute_events"
    __table_args__ = (Index("ix_dispute_events_city_id_dispute_id", "city_id", "dispute_id"),)
    dispute_id: Mapped[int] = mapped_column(BigId, ForeignKey("disputes.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    from_level: Mapped[Optional[str]] = mapped_column(String(16))
    to_level: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    actor = relationship("User")


class DisputeRating(TenantMixin, db.Model):
    """A party's rating (评单) of the mediation, credited to the mediator of record when it was given."""

    __tablename__ = "dispute_ratings"
    __table_args__ = (
        UniqueConstraint("city_id", "dispute_id", "party_id"),
        Index("ix_dispute_ratings_city_id_mediator_id", "city_id", "mediator_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
    )
    dispute_id: Mapped[int] = mapped_column(BigId, ForeignKey("disputes.id"), nullable=False)
    party_id: Mapped[int] = mapped_column(BigId, ForeignKey("dispute_parties.id"), nullable=False)
    mediator_id: Mapped[int] = mapped_column(BigId, ForeignKey("mediators.id"), nullable=False)
    stars: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str] = mapped_column(String(500), nullable=False, default="")
