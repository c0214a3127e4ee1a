"""SLA clocks: deadlines in calendar or working time, which clock runs, and its colour.

The one home of lateness: `running_clock` says which clock a case is on and when it is
due, and `running_due_at` / `overdue_condition` say the same in SQL for lists and counts
(the inbox's urgency order, the overdue list, the dashboard's figures).

A case runs one clock at a time, chosen by its state: confirm receipt while it waits to
be accepted, on site until someone starts on it (when that comes before the resolve
deadline), resolve until it is resolved. While the case waits for the resident (resolved,
verified) the clock is paused; if the resident sends it back, the resolve deadline moves
later by the time it waited, so the handler is not charged for the resident's days.

Categories with `working_time` count only office hours (China time, Mon-Fri 08:30-12:00
and 14:00-18:00); the others count every minute. Everything here is arithmetic on the
case row: `on_event` is called for each new case event (services.cases.add_event), and
the sweep (services.supervision.sweep_sla) acts when `sla_next_at` comes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, null, or_
from sqlalchemy import case as sql_case
from sqlalchemy.sql import ColumnElement

from gridapp.clock import CHINA, now
from gridapp.models import Case
from gridapp.services.cases import states as S

WORKING_WINDOWS = ((time(8, 30), time(12, 0)), (time(14, 0), time(18, 0)))
WORKING_DAYS = frozenset({0, 1, 2, 3, 4})  # Monday to Friday

COLOURS = ("green", "yellow", "red")
COLOUR_LABELS = {"green": "正常", "yellow": "临期预警", "red": "已超时"}
CLOCK_LABELS = {"confirm": "受理确认", "onsite": "到场", "resolve": "办结"}


def _windows(day: date):
    if day.weekday() not in WORKING_DAYS:
        return
    for start, end in WORKING_WINDOWS:
        yield datetime.combine(day, start, CHINA), datetime.combine(day, end, CHINA)


def deadline(start: datetime, minutes: float, working_time: bool) -> datetime:
    """`minutes` after `start`, counting every minute or only working minutes."""
    if not working_time:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    cursor = start.astimezone(CHINA)
    day = cursor.date()
    while True:
        for window_start, window_end in _windows(day):
            if cursor >= window_end:
                continue
            begin = max(cursor, window_start)
            available = window_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(timezone.utc)
            remaining -= available
            cursor = window_end
        day += timedelta(days=1)


def elapsed_minutes(start: datetime, end: datetime, working_time: bool) -> float:
    """Minutes from `start` to `end` (0 if end is earlier), counted the same way as `deadline`."""
    if end <= start:
        return 0.0
    if not working_time:
        return (end - start).total_seconds() / 60
    total = timedelta()
    a, b = start.astimezone(CHINA), end.astimezone(CHINA)
    day = a.date()
    while day <= b.date():
        for window_start, window_end in _windows(day):
            overlap = min(b, window_end) - max(a, window_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 60


@dataclass(frozen=True)
class Clock:
    name: str
    start: datetime
    due: datetime
    working_time: bool

    @property
    def label(self) -> str:
        return CLOCK_LABELS[self.name]

    def limit_minutes(self) -> float:
        return elapsed_minutes(self.start, self.due, self.working_time)

    def at_fraction(self, fraction: float) -> datetime:
        return deadline(self.start, self.limit_minutes() * fraction, self.working_time)

    def colour(self, at: datetime) -> str:
        if at >= self.due:
            return "red"
        return "yellow" if at >= self.yellow_at() else "green"

    def yellow_at(self) -> datetime:
        return self.at_fraction(current_app.config["SLA_YELLOW_PERCENT"] / 100)

    def escalation_step(self) -> float:
        """Working-or-calendar minutes an overdue case stays at one level before it climbs again."""
        return max(1.0, self.limit_minutes() * current_app.config["SLA_ESCALATION_STEP_PERCENT"] / 100)

    def escalation_level_at(self, at: datetime) -> int:
        """0 before the deadline; 1 (community) when overdue, one more level per step, at most 3 (district)."""
        if at < self.due:
            return 0
        return min(3, 1 + int(elapsed_minutes(self.due, at, self.working_time) // self.escalation_step()))

    def escalation_at(self, level: int) -> datetime:
        return deadline(self.due, self.escalation_step() * (level - 1), self.working_time)


def running_clock(case: Case) -> Clock | None:
    """The clock the case is on now, or None when nothing is timed (closed, paused, not yet timed)."""
    working = bool(case.category.working_time)
    if case.state == S.SUBMITTED and case.confirm_due_at:
        return Clock("confirm", case.created_at, case.confirm_due_at, working)
    if case.state not in S.OPEN_STATES or case.accepted_at is None or case.resolve_due_at is None:
        return None
    if case.state in S.NOT_STARTED_STATES and case.onsite_due_at and case.onsite_due_at < case.resolve_due_at:
        return Clock("onsite", case.accepted_at, case.onsite_due_at, working)
    return Clock("resolve", case.accepted_at, case.resolve_due_at, working)


def running_due_at() -> ColumnElement:
    """`running_clock(case).due` as a SQL column (NULL when no clock runs), to sort and count in the database.

    tests/test_supervision_clock.py checks that the two agree in every state.
    """
    return sql_case(
        (and_(Case.state == S.SUBMITTED, Case.confirm_due_at.is_not(None)), Case.confirm_due_at),
        (or_(Case.state.not_in(sorted(S.OPEN_STATES)), Case.accepted_at.is_(None)), null()),
        (
            and_(Case.state.in_(sorted(S.NOT_STARTED_STATES)), Case.onsite_due_at < Case.resolve_due_at),
            Case.onsite_due_at,
        ),
        else_=Case.resolve_due_at,
    )


def overdue_condition(at: datetime) -> ColumnElement:
    """SQL for "the running clock is past its due time at `at`": running_clock(case).colour(at) == "red"."""
    return running_due_at() <= at


def colour(case: Case, at: datetime) -> str | None:
    clock = running_clock(case)
    return clock.colour(at) if clock else None


def next_check(case: Case, clock: Clock | None) -> datetime | None:
    """When the sweep must look at the case again: the next colour change or escalation."""
    if clock is None:
        return None
    rank = COLOURS.index(case.sla_colour)
    if rank == 0:
        return clock.yellow_at()
    if rank == 1:
        return clock.due
    if case.escalation_level >= 3:
        return None
    return clock.escalation_at(case.escalation_level + 1)


def on_event(case: Case, action: str, at: datetime) -> None:
    """Keep the case's SLA fields in step with what just happened to it."""
    category = case.category
    working = bool(category.working_time)
    if action == "submit":
        case.confirm_due_at = deadline(case.created_at, category.confirm_minutes, working)
    elif action == "accept":
        _work_due(case, at)
    elif action == "recategorise":
        _retime(case, at)
    if case.state in S.AWAITING_RESIDENT_STATES:
        if case.sla_paused_at is None:
            case.sla_paused_at = at
    elif case.sla_paused_at is not None:
        if case.state in S.OPEN_STATES and case.resolve_due_at is not None:
            waited = elapsed_minutes(case.sla_paused_at, at, working)
            case.resolve_due_at = deadline(case.resolve_due_at, waited, working) if working else case.resolve_due_at + (at - case.sla_paused_at)
        case.sla_paused_at = None
    if case.accepted_at is None and action == "accept":
        case.accepted_at = at
    refresh(case)


def _work_due(case: Case, accepted_at: datetime) -> None:
    """The on-site and resolve deadlines, counted from the acceptance in the category's time."""
    working = bool(case.category.working_time)
    case.onsite_due_at = deadline(accepted_at, case.category.onsite_minutes, working)
    case.resolve_due_at = deadline(accepted_at, case.category.resolve_minutes, working)


def _retime(case: Case, at: datetime) -> None:
    """A new category's limits replace the old ones from the same starts, as if it had been filed so.

    A colour that the new limits make calmer applies at once; one they make more urgent is left to the
    sweep (due now, at `sla_next_at`), which records the warning or lateness and escalates as usual.
    """
    if case.confirm_due_at is not None:
        case.confirm_due_at = deadline(case.created_at, case.category.confirm_minutes, bool(case.category.working_time))
    if case.accepted_at is not None:
        _work_due(case, case.accepted_at)
    clock = running_clock(case)
    if clock is not None and clock.name == case.sla_clock:
        calmer = clock.colour(at)
        if COLOURS.index(calmer) < COLOURS.index(case.sla_colour):
            case.sla_colour = calmer


def refresh(case: Case) -> None:
    """Pick the running clock; a new clock starts green; schedule the sweep's next look."""
    clock = running_clock(case)
    name = clock.name if clock else None
    if name != case.sla_clock:  # a new clock starts green
        case.sla_clock = name
        case.sla_colour = "green"
    case.sla_next_at = next_check(case, clock)


def view(case: Case, at: datetime | None = None) -> dict:
    """The SLA state as every list and page shows it: the colour is computed now, not the sweep's last."""
    clock = running_clock(case)
    shade = clock.colour(at or now()) if clock else None
    return {
        "clock": clock.name if clock else None,
        "clock_label": clock.label if clock else None,
        "due_at": clock.due if clock else None,
        "colour": shade,
        "colour_label": COLOUR_LABELS[shade] if shade else None,
        "escalation_level": case.escalation_level,
        "paused": case.sla_paused_at is not None,
    }


def deadline_colour(start: datetime, due: datetime, at: datetime) -> str:
    """A plain deadline's colour (a task force's sub-task, a meeting's action item): calendar time, the cases' thresholds."""
    return Clock("resolve", start, due, False).colour(at)
