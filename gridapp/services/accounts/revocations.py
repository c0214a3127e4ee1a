"""Revocation of signed-in sessions (JWTs are otherwise valid until they expire).

One token is revoked by its id (sign out here). All of an account's tokens are revoked at once by
moving the account's token generation on (sign out everywhere): every token carries the generation
it was issued in, and one from an older generation is refused.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import RevokedToken, User
from gridapp.unit_of_work import unit_of_work


@unit_of_work
def revoke(city_id: int, user_id: int, jti: str, expires_at: datetime) -> None:
    if not _revoked_by_id(city_id, jti):
        db.session.add(RevokedToken(city_id=city_id, user_id=user_id, jti=jti, expires_at=expires_at))


def claims(city_id: int, generation: int) -> dict:
    """The claims every token of the account carries besides its subject."""
    return {"city": city_id, "gen": generation}


def is_revoked(payload: dict) -> bool:
    city_id, user_id = int(payload["city"]), int(payload["sub"])
    current = db.session.scalar(select(User.token_generation).where(User.city_id == city_id, User.id == user_id))
    if current is not None and payload.get("gen", 0) < current:
        return True
    return _revoked_by_id(city_id, payload["jti"])


def _revoked_by_id(city_id: int, jti: str) -> bool:
    return (
        db.session.scalar(select(RevokedToken.id).where(RevokedToken.city_id == city_id, RevokedToken.jti == jti))
        is not None
    )


@unit_of_work
def revoke_all(city_id: int, user_id: int) -> None:
    """Sign out everywhere: every token issued to the account so far stops working."""
    account = update(User).where(User.city_id == city_id, User.id == user_id)
    db.session.execute(account.values(token_generation=User.token_generation + 1))


@unit_of_work
def purge_expired() -> int:
    """Forget revocations of tokens that have expired anyway; run by the scheduler."""
    return db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now())).rowcount
