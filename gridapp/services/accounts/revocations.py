"""Revocation of signed-in sessions (JWTs are otherwise valid until they expire)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import RevokedToken
from gridapp.unit_of_work import unit_of_work


@unit_of_work
def revoke(city_id: int, user_id: int, jti: str, expires_at: datetime) -> None:
    if not is_revoked(city_id, jti):
        db.session.add(RevokedToken(city_id=city_id, user_id=user_id, jti=jti, expires_at=expires_at))


def is_revoked(city_id: int, jti: str) -> bool:
    return (
        db.session.scalar(select(RevokedToken.id).where(RevokedToken.city_id == city_id, RevokedToken.jti == jti))
        is not None
    )


@unit_of_work
def purge_expired() -> int:
    """Forget revocations of tokens that have expired anyway; run by the scheduler."""
    return db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now())).rowcount
