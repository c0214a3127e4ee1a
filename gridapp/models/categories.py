"""Report categories: how each kind of problem is routed and how long it may take."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import TenantMixin

DIFFICULTIES = ("simple", "ordinary", "complex", "major")
DIFFICULTY_LABELS = {"simple": "简单", "ordinary": "一般", "complex": "复杂疑难", "major": "重特大"}


class Category(TenantMixin, db.Model):
    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        CheckConstraint("default_route IN ('grid_worker', 'department')", name="route_known"),
        CheckConstraint("difficulty IN ('simple', 'ordinary', 'complex', 'major')", name="difficulty_known"),
        CheckConstraint(
            "confirm_minutes > 0 AND onsite_minutes > 0 AND resolve_minutes > 0", name="sla_positive"
        ),
        CheckConstraint(
            "default_route = 'grid_worker' OR department_kind IS NOT NULL", name="department_route_has_kind"
        ),
    )
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    default_route: Mapped[str] = mapped_column(String(16), nullable=False)
    department_kind: Mapped[Optional[str]] = mapped_column(String(32))
    difficulty: Mapped[str] = mapped_column(String(16), nullable=False, default="ordinary")
    is_urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confirm_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    onsite_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    resolve_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    working_time: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Extra questions put to the reporter, as JSON (services.cases.categories); the answers go on the case.
    questions_json: Mapped[Optional[str]] = mapped_column(Text)
    # Set for an emergency (fire, crime, medical): the form stops and points to 110/119/120 instead.
    urgent_notice: Mapped[Optional[str]] = mapped_column(String(255))
