"""Below and beside the grid (issue 18 part 8): building, unit and ten-household heads under a grid worker,
and patrol plans with a cadence whose rounds give the coverage figures.

A head's role grant names the grid (so the token knows the role and where); this table says which building,
unit or households within the grid are theirs, which is all the head may see or report on.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string

HEAD_KINDS = {"building_head": "楼栋长", "unit_head": "单元长", "ten_household_head": "十户长"}
PATROL_CADENCES = {"weekly": "每周", "monthly": "每月", "quarterly": "每季度"}


def _known(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class NeighbourhoodHead(TenantMixin, db.Model):
    """One appointment of a head: a building (楼栋长), a unit of a building (单元长) or a list of households (十户长)."""

    __tablename__ = "neighbourhood_heads"
    __table_args__ = (
        Index("ix_neighbourhood_heads_city_id_grid_id", "city_id", "grid_id"),
        Index("ix_neighbourhood_heads_city_id_user_id", "city_id", "user_id"),
        CheckConstraint(_known("kind", HEAD_KINDS), name="kind_known"),
        CheckConstraint(
            "(kind = 'building_head' AND building IS NOT NULL AND unit IS NULL)"
            " OR (kind = 'unit_head' AND building IS NOT NULL AND unit IS NOT NULL)"
            " OR (kind = 'ten_household_head' AND building IS NULL AND unit IS NULL)",
            name="scope_matches_kind",
        ),
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    building: Mapped[Optional[str]] = mapped_column(String(32))
    unit: Mapped[Optional[str]] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    appointed_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    households = relationship("NeighbourhoodHeadHousehold", lazy="selectin", order_by="NeighbourhoodHeadHousehold.household_id")


class NeighbourhoodHeadHousehold(TenantMixin, db.Model):
    """A household in a ten-household head's charge."""

    __tablename__ = "neighbourhood_head_households"
    __table_args__ = (UniqueConstraint("head_id", "household_id"),)
    head_id: Mapped[int] = mapped_column(BigId, ForeignKey("neighbourhood_heads.id"), nullable=False, index=True)
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False, index=True)


class PatrolPlan(TenantMixin, db.Model):
    """Who patrols a region (a community, a street or a district) how often: weekly, monthly or quarterly."""

    __tablename__ = "patrol_plans"
    __table_args__ = (
        Index("ix_patrol_plans_city_id_region_path", "city_id", "region_path"),
        CheckConstraint(_known("cadence", PATROL_CADENCES), name="cadence_known"),
    )
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    cadence: Mapped[str] = mapped_column(String(16), nullable=False)
    # Who walks it; none: anyone the plan's region admins send.
    patroller_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)

    region = relationship("Region", lazy="joined")


class PatrolRound(TenantMixin, db.Model):
    """One grid walked on a plan's patrol, with what was found."""

    __tablename__ = "patrol_rounds"
    __table_args__ = (Index("ix_patrol_rounds_city_id_plan_id_created_at", "city_id", "plan_id", "created_at"),)
    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("patrol_plans.id"), nullable=False)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    place_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("places.id"))
    patroller_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    grid = relationship("Region", lazy="joined")


class NeighbourhoodEvent(TenantMixin, db.Model):
    """Every change of a head's appointment or a patrol plan: who, when, what, before and after (append-only)."""

    __tablename__ = "neighbourhood_events"
    __table_args__ = (
        Index("ix_neighbourhood_events_city_id_subject", "city_id", "subject_kind", "subject_id"),
        CheckConstraint("subject_kind IN ('head', 'plan')", name="subject_known"),
    )
    subject_kind: Mapped[str] = mapped_column(String(8), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    before_json: Mapped[Optional[str]] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text, nullable=False)
