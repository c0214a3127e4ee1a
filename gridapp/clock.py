"""The one clock every rule reads, and China time.

SLA deadlines, grab lapses, OTP expiry and monthly scores all depend on "now"; reading
it from one replaceable object lets tests move time instead of sleeping, and keeps
every timestamp timezone-aware UTC.

People see China Standard Time, and the days, weeks and months that office hours,
statements, scores and dashboards count in are China's; UTC+8 has no daylight saving,
so one fixed offset is exact.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone

from gridapp.errors import ValidationFailed

CHINA_HOURS = 8  # also spelt into SQL that buckets timestamps by China day
CHINA = timezone(timedelta(hours=CHINA_HOURS))


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start time")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(timezone.utc)


_clock: SystemClock | FrozenClock = SystemClock()


def now() -> datetime:
    """Current time as aware UTC, from the installed clock."""
    return _clock.now()


def install(clock: SystemClock | FrozenClock) -> SystemClock | FrozenClock:
    """Replace the clock; returns the previous one so callers can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous


# --------------------------------------------------------------------------- #
# China calendar
# --------------------------------------------------------------------------- #


def china_today(at: datetime | None = None) -> date:
    """The China calendar day of `at` (now by default)."""
    return (at or now()).astimezone(CHINA).date()


def china_midnight(day: date) -> datetime:
    """The start of a China calendar day, as aware UTC."""
    return datetime.combine(day, time(0), CHINA).astimezone(timezone.utc)


def month_of(at: datetime) -> str:
    """The China calendar month of `at`, as "YYYY-MM"."""
    return at.astimezone(CHINA).strftime("%Y-%m")


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """A China calendar month ("2026-11") as a [start, end) range in UTC; ValueError when malformed."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    try:
        return china_midnight(first), china_midnight(date(year + number // 12, number % 12 + 1, 1))
    except OverflowError:  # January of year 1 starts before the first moment UTC can hold
        raise ValueError(f"month out of range: {month!r}") from None


def asked_month_bounds(month: str) -> tuple[datetime, datetime]:
    """`month_bounds` of a month someone asked for (a statement, a ranking): a malformed one is their error, 422."""
    try:
        return month_bounds(month)
    except ValueError:
        raise ValidationFailed("月份格式应为 YYYY-MM", details={"month": [month]}) from None
