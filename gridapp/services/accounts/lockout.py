"""Locking an account after repeated wrong passwords, counted in the database every app server shares.

Wrong passwords (and wrong second-factor codes) are counted per username in `attempt_counters`
(services.accounts.throttle's windows). The failure that reaches FAILURES.limit in one window locks the
username for LOCK_FOR: a row of its own in the same table, so every server sees the lock at once. A
username nobody holds is counted and locked the same way, so the answer never tells whether it exists.
The lock ends by itself, or when an admin unlocks the account (services.accounts.staff).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from gridapp.clock import CHINA, now
from gridapp.errors import DomainError
from gridapp.extensions import db
from gridapp.models import AttemptCounter
from gridapp.services.accounts import throttle
from gridapp.unit_of_work import unit_of_work

FAILURES = throttle.Budget("password_failures", 5, timedelta(minutes=15))
LOCK_FOR = timedelta(minutes=15)
LOCK_SCOPE = "account_lock"


class AccountLocked(DomainError):
    status = 423
    code = "account_locked"


def locked_until(city_id: int, username: str) -> datetime | None:
    return locks_of(city_id, [username]).get(username[:64])


def locks_of(city_id: int, usernames: list[str]) -> dict[str, datetime]:
    """The usernames among these that are locked now, with when each lock ends (for a page of staff)."""
    rows = db.session.execute(
        select(AttemptCounter.key, AttemptCounter.window_start).where(
            AttemptCounter.city_id == city_id, AttemptCounter.scope == LOCK_SCOPE,
            AttemptCounter.key.in_([u[:64] for u in usernames]),
        )
    )
    ends: dict[str, datetime] = {}
    for key, started in rows:
        ends[key] = max(ends.get(key, started + LOCK_FOR), started + LOCK_FOR)
    current = now()
    return {key: until for key, until in ends.items() if until > current}


def refuse_if_locked(city_id: int, username: str) -> None:
    until = locked_until(city_id, username)
    if until is not None:
        raise locked(until)


def locked(until: datetime) -> AccountLocked:
    wait = max(1, int((until - now()).total_seconds()))
    return AccountLocked(
        f"密码错误次数过多，账号已锁定至 {until.astimezone(CHINA):%H:%M}，请稍后再试或联系管理员解锁",
        details={"locked_until": until.isoformat(), "retry_after": wait},
    )


@unit_of_work
def count_failure(city_id: int, username: str) -> datetime | None:
    """One more wrong password for `username`; when this one locks the account, when the lock ends.

    The counter's upsert hands each concurrent failure its own count, so exactly one of them locks.
    """
    hits, _wait = throttle.count(city_id, FAILURES, username)
    if hits != FAILURES.limit:
        return None
    current = now()
    db.session.execute(
        delete(AttemptCounter).where(
            AttemptCounter.city_id == city_id, AttemptCounter.scope == LOCK_SCOPE,
            AttemptCounter.window_start < current - LOCK_FOR,
        )
    )
    db.session.add(
        AttemptCounter(city_id=city_id, scope=LOCK_SCOPE, key=username[:64], window_start=current, hits=hits)
    )
    return current + LOCK_FOR


def forget(city_id: int, username: str) -> None:
    """Clear the username's failures and lock (a right password, an admin's unlock), in the caller's unit of work."""
    db.session.execute(
        delete(AttemptCounter).where(
            AttemptCounter.city_id == city_id, AttemptCounter.scope.in_([FAILURES.scope, LOCK_SCOPE]),
            AttemptCounter.key == username[:64],
        )
    )

