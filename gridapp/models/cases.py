"""Cases: a resident's (or worker's, or hotline caller's) report and everything done about it.

The case row holds the current state and the facts needed to route and time it; the
history lives in `case_events`, which is append-only: every transition adds a row and
no row is ever changed, so "who did what when" (全程留痕) can be audited from it alone.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string

CHANNELS = ("code", "location", "patrol", "hotline", "open311")
CHANNEL_LABELS = {"code": "扫码上报", "location": "随手拍", "patrol": "巡查上报", "hotline": "12345热线", "open311": "Open311 接口"}
PHOTO_KINDS = ("before", "after")


class Case(TenantMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_city_id_grid_id_state", "city_id", "grid_id", "state"),
        Index("ix_cases_city_id_community_id_state", "city_id", "community_id", "state"),
        Index("ix_cases_city_id_reporter_user_id_created_at", "city_id", "reporter_user_id", "created_at"),
        Index("ix_cases_city_id_created_at", "city_id", "created_at"),
        # Duplicate lookup: same category, recent, then by code or by a lat/lng box.
        Index("ix_cases_city_id_category_id_created_at", "city_id", "category_id", "created_at"),
        Index("ix_cases_city_id_code_id", "city_id", "code_id"),
        Index("ix_cases_city_id_state_verified_at", "city_id", "state", "verified_at"),
        # The SLA sweep (services.sla): cases whose colour or escalation changes at or before now.
        Index("ix_cases_city_id_sla_next_at", "city_id", "sla_next_at"),
        # The dashboard (services.metrics): a subtree's cases in a period, as one index range.
        Index("ix_cases_city_id_region_path_created_at", "city_id", "region_path", "created_at"),
        CheckConstraint("channel IN (" + ", ".join(f"'{c}'" for c in CHANNELS) + ")", name="channel_known"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="lat_lng_together"),
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id"), nullable=False)
    # A case outside every grid has no grid: it waits in the nearest community's queue.
    grid_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("regions.id"))
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    # The grid's (or community's) materialized path, copied so scope checks and subtree
    # lists need no join to regions.
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    outside_grid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The printed code it was reported from; no FK so cases do not depend on the codes module's tables.
    code_id: Mapped[Optional[int]] = mapped_column(BigId)
    place_label: Mapped[Optional[str]] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lng: Mapped[Optional[float]] = mapped_column(Float)
    address: Mapped[Optional[str]] = mapped_column(String(255))
    # The reporter's answers to the category's extra questions, as JSON, checked against them at intake.
    answers_json: Mapped[Optional[str]] = mapped_column(Text)
    reporter_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    entered_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Kept whole only here; shown masked (see services.cases.contact_for).
    contact_name: Mapped[Optional[str]] = mapped_column(String(64))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(20))
    handler_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    department_kind: Mapped[Optional[str]] = mapped_column(String(32))
    reject_reason: Mapped[Optional[str]] = mapped_column(String(16))
    merged_into_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("cases.id"))
    abusive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    confirm_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    onsite_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # SLA (services.sla): the running clock, its colour, when the sweep must look again,
    # when the clock was paused (waiting for the resident), and how far up the tree it went.
    sla_clock: Mapped[Optional[str]] = mapped_column(String(16))
    sla_colour: Mapped[str] = mapped_column(String(8), nullable=False, default="green")
    sla_next_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sla_paused_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now, onupdate=now)

    category = relationship("Category", lazy="joined")
    grid = relationship("Region", foreign_keys=[grid_id], lazy="joined")
    community = relationship("Region", foreign_keys=[community_id], lazy="joined")
    reporter = relationship("User", foreign_keys=[reporter_user_id])
    handler = relationship("User", foreign_keys=[handler_user_id])
    # Photos a moderator hid are left out wherever a case is shown (services.cases.moderation).
    photos = relationship(
        "CasePhoto", primaryjoin="and_(Case.id == foreign(CasePhoto.case_id), CasePhoto.hidden_at.is_(None))",
        order_by="CasePhoto.id", lazy="selectin", viewonly=True,
    )


class CaseEvent(TenantMixin, db.Model):
    """One step in a case's life. Append-only (see the listeners below)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_city_id_case_id_id", "city_id", "case_id", "id"),)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    actor_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    from_state: Mapped[Optional[str]] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Whoever was handling the case when this happened: a reopen counts against them.
    handler_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    # Where the actor was (an on-site check-in), and how far that is from the reported spot.
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lng: Mapped[Optional[float]] = mapped_column(Float)
    distance_m: Mapped[Optional[int]] = mapped_column(Integer)
    # What residents and Open311 read instead of `note`, when staff's note says more than they may see
    # (a recategorisation's from/to); NULL: the note as it is (services.cases.timeline).
    public_note: Mapped[Optional[str]] = mapped_column(Text)

    actor = relationship("User", foreign_keys=[actor_user_id], lazy="joined")
    photos = relationship(
        "CasePhoto", primaryjoin="and_(CaseEvent.id == foreign(CasePhoto.event_id), CasePhoto.hidden_at.is_(None))",
        order_by="CasePhoto.id", lazy="selectin", viewonly=True,
    )


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(_mapper, _connection, target):
    raise RuntimeError(f"case event {target.id} is append-only")


class CasePhoto(TenantMixin, db.Model):
    """A sanitised photo (orientation applied, metadata removed); sizes are filled in by a job."""

    __tablename__ = "case_photos"
    __table_args__ = (
        Index("ix_case_photos_city_id_case_id", "city_id", "case_id"),
        CheckConstraint("kind IN ('before', 'after')", name="kind_known"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    event_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("case_events.id"))
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    original_key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    web_key: Mapped[Optional[str]] = mapped_column(String(255))
    thumb_key: Mapped[Optional[str]] = mapped_column(String(255))
    # Set when a moderator hides the photo (a face, a number plate); the file and row are kept.
    hidden_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class CaseModeration(TenantMixin, db.Model):
    """One moderation edit of a report: its text redacted, a photo hidden or shown again, by whom and why.

    The case shows the edited text; the text before each edit is kept here, so the original is never lost.
    """

    __tablename__ = "case_moderations"
    __table_args__ = (
        Index("ix_case_moderations_city_id_case_id", "city_id", "case_id"),
        CheckConstraint("action IN ('redact_text', 'hide_photo', 'show_photo')", name="action_known"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    photo_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("case_photos.id"))
    text_before: Mapped[Optional[str]] = mapped_column(Text)
    text_after: Mapped[Optional[str]] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(255), nullable=False)

    actor = relationship("User", lazy="joined")


class CaseFollower(TenantMixin, db.Model):
    """A resident who follows a case they did not file: a repeat reporter, or one merged in."""

    __tablename__ = "case_followers"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id"),
        Index("ix_case_followers_city_id_user_id", "city_id", "user_id"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)


class CaseRating(TenantMixin, db.Model):
    """多多评: the reporter's stars for one round of handling (a reopen starts a new round)."""

    __tablename__ = "case_ratings"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id", "round"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        Index("ix_case_ratings_city_id_handler_user_id", "city_id", "handler_user_id"),
    )
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    stars: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    handler_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
