"""码上协商: a community or street asks the households (or residents) of a grid, building or community a question,
with options or free answers and a deadline; results are published when it closes.

Answers are append-only rows. One per household (the first member to answer speaks for it) or one per
resident, as the consultation says; unique constraints hold that under concurrent answers.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class Consultation(TenantMixin, db.Model):
    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_city_id_region_path", "city_id", "region_path"),
        CheckConstraint("answer_kind IN ('choice', 'free')", name="answer_kind_known"),
        CheckConstraint("per IN ('household', 'resident')", name="per_known"),
    )
    # The area asked: a grid, community or street node, and optionally one building of a grid.
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    building: Mapped[Optional[str]] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(128), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    options_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    per: Mapped[str] = mapped_column(String(16), nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)

    region = relationship("Region")


class ConsultationAnswer(TenantMixin, db.Model):
    __tablename__ = "consultation_answers"
    __table_args__ = (
        UniqueConstraint("city_id", "consultation_id", "user_id"),
        # Set only where the consultation takes one answer per household: the second member's insert fails.
        UniqueConstraint("city_id", "consultation_id", "household_key"),
        Index("ix_consultation_answers_city_id_consultation_id_grid_id", "city_id", "consultation_id", "grid_id"),
    )
    consultation_id: Mapped[int] = mapped_column(BigId, ForeignKey("consultations.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False)
    household_key: Mapped[Optional[int]] = mapped_column(BigId)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    option: Mapped[Optional[int]] = mapped_column(Integer)
    text: Mapped[Optional[str]] = mapped_column(Text)
