"""Accounts, the roles they hold, and the departments staff belong to."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

ROLE_VALUES = (
    "resident",
    "grid_worker",
    "department_staff",
    "department_admin",
    "community_admin",
    "street_admin",
    "district_admin",
    "super_admin",
    "system_admin",
    "hotline_operator",
    "building_head",
    "unit_head",
    "ten_household_head",
    "grid_police",
    "grid_judge",
    "mediator",
    "petition_officer",
    "petition_agent",
)
# Given at a region node (a grid for the heads, police officer and judge): the grant names the node.
NODE_ROLE_VALUES = (
    "grid_worker", "community_admin", "street_admin", "district_admin", "super_admin", "hotline_operator",
    "building_head", "unit_head", "ten_household_head", "grid_police", "grid_judge",
    "mediator", "petition_officer", "petition_agent",
)


class User(TenantMixin, db.Model):
    """One person's account in one city.

    Staff sign in with a username and password, residents with their phone and a
    one-time code, mini-program users through their WeChat openid; any of the three
    may be absent, so each is unique only where present.
    """

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("city_id", "username"),
        UniqueConstraint("city_id", "phone"),
        UniqueConstraint("city_id", "wechat_openid"),
    )
    username: Mapped[Optional[str]] = mapped_column(String(64))
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    wechat_openid: Mapped[Optional[str]] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Every token carries the generation it was issued in; "sign out everywhere" moves it on, which
    # revokes all the account's tokens at once (services.accounts.revocations).
    token_generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # Second factor (services.accounts.second_factor): the TOTP secret, set up by the person and
    # turned on by their first sign-in with a code; the last time step used, so no code works twice.
    totp_secret: Mapped[Optional[str]] = mapped_column(String(32))
    totp_enabled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)
    # Set when an admin gives the account a password (creation, reset): the next password sign-in is refused
    # until the person chooses their own (services.accounts.passwords).
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    grants = relationship("RoleGrant", back_populates="user", lazy="selectin", cascade="all, delete-orphan")


class AgreementConsent(TenantMixin, db.Model):
    """An account's consent to the user agreement and privacy policy (services.accounts.agreements).

    Appended, never changed: one row per version agreed, dated when the person ticked the box
    (before the sign-in code was sent), so the record shows which text they accepted and when.
    """

    __tablename__ = "agreement_consents"
    __table_args__ = (UniqueConstraint("city_id", "user_id", "version"),)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Department(TenantMixin, db.Model):
    """A unit that handles orders: 城管, 住建, 市场监管, 公安, 环保, 民政, 人社, 物业."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("city_id", "code"),)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class DepartmentRegion(TenantMixin, db.Model):
    """A region node (and so its whole subtree) that a department serves."""

    __tablename__ = "department_regions"
    __table_args__ = (UniqueConstraint("department_id", "region_id"),)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), nullable=False)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False, index=True)

    region = relationship("Region", lazy="joined")


class RoleGrant(TenantMixin, db.Model):
    """A role a user holds, bound to the scope it applies in.

    Region-scoped roles (grid worker, community/street/district admin, super admin)
    name a region node; department roles name a department; residents and system
    admins name neither. The check constraint keeps a grant from being unscoped by
    mistake, since an unscoped admin grant would silently widen what someone sees.
    """

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "region_id", "department_id"),
        Index("ix_role_grants_city_id_role_region_id", "city_id", "role", "region_id"),
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLE_VALUES) + ")", name="role_known"),
        CheckConstraint(
            "(role IN (" + ", ".join(f"'{r}'" for r in NODE_ROLE_VALUES) + ")"
            " AND region_id IS NOT NULL AND department_id IS NULL)"
            " OR (role IN ('department_staff', 'department_admin')"
            " AND department_id IS NOT NULL AND region_id IS NULL)"
            " OR (role IN ('resident', 'system_admin') AND region_id IS NULL AND department_id IS NULL)",
            name="scope_matches_role",
        ),
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    region_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("regions.id"))
    department_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    title: Mapped[Optional[str]] = mapped_column(String(64))

    user = relationship("User", back_populates="grants")
    region = relationship("Region", lazy="joined")
    department = relationship("Department", lazy="joined")
