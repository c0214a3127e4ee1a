"""The one clock every rule reads.

SLA deadlines, grab lapses, OTP expiry and monthly scores all depend on "now"; reading
it from one replaceable object lets tests move time instead of sleeping, and keeps
every timestamp timezone-aware UTC.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


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
