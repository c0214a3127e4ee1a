"""Rollups of the cases for the leaders' figures, kept current in the unit of work that changes a case.

`case_rollups` holds, per city, region node (every ancestor of a case's region, from "/" for the
whole city down to its grid), China-time day of creation and category, the counts behind each
figure; `closed_on_day` counts the cases closed that day (the trend's second line). `case_clocks`
holds each case whose SLA clock runs, with its due time, because "overdue" depends on the moment
it is asked. services.supervision.rollups keeps both and reads them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, UTCDateTime, binary_string
from gridapp.models.cases import Case

ROLLUP_COUNTS = (
    "received", "accepted", "closed", "resolved", "on_time", "reopened", "running", "ratings", "satisfied", "closed_on_day",
)


class RollupCounts:
    """The counts behind the figures (ROLLUP_COUNTS), the same columns in every rollup table."""

    received: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    closed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    resolved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    on_time: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reopened: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    running: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ratings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    closed_on_day: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CaseRollup(RollupCounts, db.Model):
    __tablename__ = "case_rollups"

    city_id: Mapped[int] = mapped_column(BigId, ForeignKey("cities.id"), primary_key=True)
    region_path: Mapped[str] = mapped_column(binary_string(255), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(BigId, primary_key=True)


class CaseDepartmentRollup(RollupCounts, db.Model):
    """The same counts per department and China day of creation, for the cases whose orders it holds now (a case
    counts once for each department holding one of its orders, as metrics.Scope.department_id has it)."""

    __tablename__ = "case_department_rollups"

    city_id: Mapped[int] = mapped_column(BigId, ForeignKey("cities.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class CaseClock(db.Model):
    __tablename__ = "case_clocks"
    __table_args__ = (Index("ix_case_clocks_city_id_due_at", "city_id", "due_at"),)

    city_id: Mapped[int] = mapped_column(BigId, ForeignKey("cities.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    category_id: Mapped[int] = mapped_column(BigId, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


# The reconciliation and the trend find the cases closed on given days by this (migration 0014).
Index("ix_cases_city_id_closed_at", Case.city_id, Case.closed_at)
