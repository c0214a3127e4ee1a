"""The demo's history is lived, not written: each step is a real service call made at its
moment on a clock the demo moves (gridapp.clock's FrozenClock), so every row, event,
notification and ledger entry carries the time it would have had.

Steps wait in a queue ordered by time; running the queue moves the clock to each step in
turn, so a step may schedule later ones (a report's acceptance, the SLA sweep's next
round) and they interleave across cases as they would in a city.
"""
from __future__ import annotations

import heapq
import io
import random
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Callable, Iterator

from PIL import Image, ImageDraw

from gridapp import clock
from gridapp.clock import CHINA
from gridapp.services.photos import Upload
from gridapp.services.supervision import sla

HISTORY_DAYS = 42  # the demo city is set up the day before and lives this many days up to now
# People report between these China times; staff of every-minute categories act in them too.
DAY = (time(7, 30), time(21, 30))


@contextmanager
def moved_clock(start: datetime) -> Iterator[clock.FrozenClock]:
    """The demo's own clock from `start`; whatever clock was installed comes back afterwards."""
    frozen = clock.FrozenClock(start)
    previous = clock.install(frozen)
    try:
        yield frozen
    finally:
        clock.install(previous)


class Timeline:
    """Steps to run at given moments, in time order (ties in the order they were planned)."""

    def __init__(self, frozen: clock.FrozenClock):
        self.clock = frozen
        self._queue: list[tuple[datetime, int, Callable, tuple]] = []
        self._planned = 0

    def at(self, when: datetime, step: Callable, *args) -> None:
        self._planned += 1
        heapq.heappush(self._queue, (when, self._planned, step, args))

    def run(self, until: datetime) -> None:
        """Run every step due before `until`, then stand the clock at `until`; later steps wait."""
        while self._queue and self._queue[0][0] < until:
            when, _, step, args = heapq.heappop(self._queue)
            if when > self.clock.now():
                self.clock.set(when)
            step(*args)
        self.clock.set(until)


def in_day(at: datetime, rng: random.Random) -> datetime:
    """`at`, or if it falls at night, a while after the next morning begins (China time)."""
    local = at.astimezone(CHINA)
    start, end = DAY
    if local.time() < start:
        morning = datetime.combine(local.date(), start, CHINA)
    elif local.time() >= end:
        morning = datetime.combine(local.date() + timedelta(days=1), start, CHINA)
    else:
        return at
    return morning + timedelta(minutes=rng.randrange(5, 120))


def staff_moment(at: datetime, minutes: float, working_time: bool, rng: random.Random) -> datetime:
    """When staff act `minutes` of their time after `at`: office minutes for a working-time
    category (sla's working windows), daytime minutes otherwise."""
    if working_time:
        return sla.deadline(at, minutes, True)
    return in_day(at + timedelta(minutes=minutes), rng)


def photos(rng: random.Random, name: str, count: int) -> list[Upload]:
    """Small JPEGs standing in for what a phone would take: a scene of coloured blocks."""
    uploads = []
    for index in range(count):
        image = Image.new("RGB", (240, 180), tuple(rng.randrange(90, 200) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(rng.randrange(3, 7)):
            x, y = rng.randrange(0, 200), rng.randrange(0, 140)
            draw.rectangle(
                (x, y, x + rng.randrange(20, 90), y + rng.randrange(15, 60)),
                fill=tuple(rng.randrange(256) for _ in range(3)),
            )
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=70)
        uploads.append(Upload(f"{name}-{index + 1}.jpg", out.getvalue()))
    return uploads
