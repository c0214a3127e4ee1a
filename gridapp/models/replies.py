"""回复模板: the city's ready-made replies, per category and case state, that handlers fill in and adapt."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class ReplyTemplate(TenantMixin, db.Model):
    """A reply with placeholders ({地点} {分类} {时限} ...), offered on the cases it fits.

    A template without a category fits every category, and one without a state every state.
    """

    __tablename__ = "reply_templates"
    __table_args__ = (Index("ix_reply_templates_city_id_category_id_state", "city_id", "category_id", "state"),)
    category_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("categories.id"))
    state: Mapped[Optional[str]] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    updated_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now, onupdate=now)

    category = relationship("Category", lazy="joined")
