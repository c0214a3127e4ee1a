"""Short-lived authentication records: one-time codes, revoked tokens, counted sign-in attempts."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class OtpChallenge(TenantMixin, db.Model):
    """A login code sent to a phone. Only its hash is kept, so a database leak reveals no live code."""

    __tablename__ = "otp_challenges"
    __table_args__ = (Index("ix_otp_challenges_city_id_phone_created_at", "city_id", "phone", "created_at"),)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    consumed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The user agreement and privacy policy version agreed to before this code was sent; recorded
    # on the account at sign-in (models.people.AgreementConsent).
    agreement_version: Mapped[Optional[str]] = mapped_column(String(32))


class RevokedToken(TenantMixin, db.Model):
    """A JWT that was logged out before it expired; kept in the database so every app server sees it."""

    __tablename__ = "revoked_tokens"
    jti: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class AttemptCounter(TenantMixin, db.Model):
    """How often one address tried one kind of sign-in in one time window (services.accounts.throttle).

    Kept in the database, not in a worker's memory, so every worker and server counts the same tries.
    """

    __tablename__ = "attempt_counters"
    __table_args__ = (UniqueConstraint("city_id", "scope", "key", "window_start"),)
    scope: Mapped[str] = mapped_column(String(32), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
