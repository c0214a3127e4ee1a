"""Budgets of sign-in attempts per address, counted in the database.

Without Redis, Flask-Limiter keeps its counters in each gunicorn worker's memory, so two workers
let twice the limit through. The limits that protect accounts (guessing passwords and login codes,
sending codes by SMS) are counted here instead, in rows every worker and server shares, in fixed
windows. The other limits (reports, Open311) stay with Flask-Limiter. RATELIMIT_ENABLED switches
both off (the test suite's apps).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from gridapp.clock import now
from gridapp.errors import RateLimited
from gridapp.extensions import db
from gridapp.models import AttemptCounter
from gridapp.services.accounts.users import city_by_code
from gridapp.unit_of_work import unit_of_work


@dataclass(frozen=True)
class Budget:
    scope: str
    limit: int
    window: timedelta


PASSWORD_SIGN_IN = Budget("password_sign_in", 20, timedelta(minutes=1))
CODE_REQUEST = Budget("code_request", 10, timedelta(minutes=1))
CODE_SIGN_IN = Budget("code_sign_in", 20, timedelta(minutes=1))
WECHAT_SIGN_IN = Budget("wechat_sign_in", 20, timedelta(minutes=1))

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@unit_of_work
def spend(city_code: str, budget: Budget, address: str) -> None:
    """Count one attempt from `address`; refuse it once the address has used up the window's budget."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    hits, wait = count(city_by_code(city_code).id, budget, address)
    if hits > budget.limit:
        raise RateLimited("尝试次数过多，请稍后再试", details={"retry_after": wait})


def count(city_id: int, budget: Budget, key: str) -> tuple[int, int]:
    """One more hit for `key` in the current window: (hits so far, seconds until the window ends)."""
    current = now()
    seconds = int(budget.window.total_seconds())
    start = int(current.timestamp()) // seconds * seconds
    window_start = datetime.fromtimestamp(start, timezone.utc)
    # Past windows count for nothing: dropping them keeps the table as small as one window.
    db.session.execute(
        delete(AttemptCounter).where(
            AttemptCounter.city_id == city_id, AttemptCounter.scope == budget.scope,
            AttemptCounter.window_start < window_start,
        )
    )
    insert = _UPSERT[db.session.get_bind().dialect.name](AttemptCounter).values(
        city_id=city_id, scope=budget.scope, key=key[:64], window_start=window_start, hits=1, created_at=current
    )
    hits = db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["city_id", "scope", "key", "window_start"], set_={"hits": AttemptCounter.hits + 1}
        ).returning(AttemptCounter.hits)
    ).scalar_one()
    return hits, max(1, start + seconds - int(current.timestamp()))
