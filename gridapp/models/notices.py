"""Targeted notices (精准推送): tags on household members, the notices staff send to a group, and each
recipient's copy with its read receipt.

Tags are personal data (a disability, low income): they live only here and leave the staff side only as
counts. Every change of a tag is appended to `member_tag_events`, never edited.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string


class MemberTag(TenantMixin, db.Model):
    """A tag a household member carries now; removing the tag deletes the row (its history is in the events)."""

    __tablename__ = "member_tags"
    __table_args__ = (
        UniqueConstraint("city_id", "member_id", "tag"),
        Index("ix_member_tags_city_id_tag", "city_id", "tag"),
    )
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("household_members.id"), nullable=False)
    tag: Mapped[str] = mapped_column(String(32), nullable=False)
    set_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)


class MemberTagEvent(TenantMixin, db.Model):
    """One tag added to or removed from a member: who, when, which (append-only)."""

    __tablename__ = "member_tag_events"
    __table_args__ = (
        Index("ix_member_tag_events_city_id_member_id", "city_id", "member_id"),
        CheckConstraint("action IN ('added', 'removed')", name="action_known"),
    )
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("household_members.id"), nullable=False)
    tag: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(8), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)


class Notice(TenantMixin, db.Model):
    """A notice as sent: its text, the audience definition as the sender chose it, and how many it reached."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_city_id_region_path", "city_id", "region_path"),
        CheckConstraint("audience IN ('households', 'everyone')", name="audience_known"),
        CheckConstraint("tag_match IN ('any', 'all')", name="tag_match_known"),
    )
    sender_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    title: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    audience: Mapped[str] = mapped_column(String(16), nullable=False)
    tags: Mapped[str] = mapped_column(String(255), nullable=False, default="")  # comma-separated catalogue keys
    tag_match: Mapped[str] = mapped_column(String(8), nullable=False, default="any")
    recipient_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # when the fan-out finished


class NoticeRecipient(TenantMixin, db.Model):
    """One recipient's copy: unique per (notice, user), which makes a retried fan-out send nobody twice."""

    __tablename__ = "notice_recipients"
    __table_args__ = (
        UniqueConstraint("city_id", "notice_id", "user_id"),
        Index("ix_notice_recipients_city_id_user_id", "city_id", "user_id"),
    )
    notice_id: Mapped[int] = mapped_column(BigId, ForeignKey("notices.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    notification_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("notifications.id"))
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
