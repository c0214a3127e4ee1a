"""The leaders' figures from rollup tables, kept current in the same transaction as each change to a case.

Counting a month of a city's cases row by row grows with the city (790 ms at a million cases);
the rollups (models/rollups.py) hold the same counts per region node, China-time day of creation
and category, so the overview reads a few hundred rows at any size.

How they stay right:
- A flush hook notes, before each flush, what every case it touches counted for (read from the
  database, which still holds the old rows), and after the flush what it counts for now; the
  difference is added to the rollup rows with INSERT ... ON CONFLICT DO UPDATE (`col = col + delta`)
  on both PostgreSQL and SQLite. Deltas commute, so concurrent changes never lose a count, and a
  rolled-back step (or savepoint) takes its deltas with it. Any ORM change counts: a step, a rating,
  a recategorised or moved case, factories in tests.
- What a case counts for is one SQL expression per column (`_flag_columns`), used for the deltas and
  for the reconciliation (`reconcile`) alike, which recomputes a window of days from the cases,
  logs each row that differed and adds the difference. Bulk writes that bypass the ORM (a COPY)
  are made right by it or by `flask rollups rebuild`.
- "Overdue" depends on the moment it is asked: the rollups count the cases whose SLA clock runs
  (`running`), and `case_clocks` keeps each running case's due time; overdue now is the running
  count less the running cases not yet due, which are only the fresh ones.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date, cast, delete, event, func, inspect, literal, null, select, text, tuple_, union_all
from sqlalchemy import case as when
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gridapp.clock import CHINA_HOURS, china_midnight, china_today
from gridapp.extensions import db
from gridapp.models import Case, CaseClock, CaseRating, CaseRollup
from gridapp.models.rollups import ROLLUP_COUNTS
from gridapp.services.cases import states as S
from gridapp.services.regions.tree import path_range
from gridapp.services.supervision.sla import running_due_at
from gridapp.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

WHOLE_CITY = "/"  # the node of every case, whatever its region
RECONCILE_DAYS = 35  # the periodic reconciliation's window: this month's figures and the trend
_WATCHED = frozenset({
    "city_id", "region_path", "category_id", "created_at", "state", "accepted_at", "resolved_at", "resolve_due_at",
    "reopen_count", "closed_at", "confirm_due_at", "onsite_due_at",
})
_PENDING = "gridapp.rollups.before"

Key = tuple[int, str, date, int]  # city, node path, day, category


def nodes(region_path: str) -> list[str]:
    """The whole city and every node from the root down to the case's region: "/1/5/" → ["/", "/1/", "/1/5/"]."""
    parts = [part for part in region_path.split("/") if part]
    return [WHOLE_CITY] + ["/" + "/".join(parts[: depth + 1]) + "/" for depth in range(len(parts))]


def day_expr(column):
    """The China-time calendar day of a UTC timestamp column, as 'YYYY-MM-DD' text."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column + text(f"interval '{CHINA_HOURS} hours'"), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, f"+{CHINA_HOURS} hours")


def _flag(condition):
    return when((condition, 1), else_=0)


def _flag_columns() -> list:
    """What one case counts for, by creation day: the columns of ROLLUP_COUNTS before ratings, in order."""
    return [
        literal(1),
        _flag(Case.accepted_at.is_not(None)),
        _flag(Case.state == S.CLOSED),
        _flag(Case.resolved_at.is_not(None)),
        _flag(Case.resolved_at.is_not(None) & (Case.resolved_at <= Case.resolve_due_at)),
        _flag(Case.reopen_count > 0),
        _flag(running_due_at().is_not(None)),
    ]


def _ratings(city_id: int, case_ids=None):
    stmt = select(
        CaseRating.case_id, func.count().label("n"), func.sum(_flag(CaseRating.stars >= 4)).label("s")
    ).where(CaseRating.city_id == city_id)
    if case_ids is not None:
        stmt = stmt.where(CaseRating.case_id.in_(case_ids))
    return stmt.group_by(CaseRating.case_id).subquery()


def _closed_day():
    return when((Case.state == S.CLOSED, day_expr(Case.closed_at)), else_=None)


# --------------------------------------------------------------------------- #
# Keeping them current
# --------------------------------------------------------------------------- #


@dataclass
class Counted:
    """What some cases count for: rollup rows (key → counts) and running clocks (case → row)."""

    rows: dict[Key, list[int]]
    clocks: dict[tuple[int, int], dict]


@dataclass
class CaseCount:
    """What one case counts for: its counts (ROLLUP_COUNTS order, closed_on_day aside) on its creation day."""

    city_id: int
    path: str
    category_id: int
    day: date
    closed_day: date | None
    counts: list[int]
    clock: dict | None


def case_counts(connection, city_id: int, case_ids: list[int]) -> dict[int, CaseCount]:
    """What these cases of one city count for now, in this transaction."""
    rated = _ratings(city_id, case_ids)
    due = running_due_at()
    rows = connection.execute(
        select(
            Case.id, Case.region_path, Case.category_id, Case.created_at, day_expr(Case.created_at), _closed_day(), due,
            *_flag_columns(), func.coalesce(rated.c.n, 0), func.coalesce(rated.c.s, 0),
        )
        .outerjoin(rated, rated.c.case_id == Case.id)
        .where(Case.city_id == city_id, Case.id.in_(case_ids))
    ).all()
    out = {}
    for case_id, path, category_id, created_at, day, closed_day, due_at, *counts in rows:
        out[case_id] = CaseCount(
            city_id, path, category_id, date.fromisoformat(day), date.fromisoformat(closed_day) if closed_day else None,
            [int(value) for value in counts], _clock(city_id, case_id, path, category_id, created_at, due_at) if due_at else None,
        )
    return out


def summed(cases) -> Counted:
    """The rollup rows and clocks of these cases: each counts at every node above its region."""
    out = Counted(defaultdict(lambda: [0] * len(ROLLUP_COUNTS)), {})
    for one in cases:
        for node in nodes(one.path):
            row = out.rows[(one.city_id, node, one.day, one.category_id)]
            for index, value in enumerate(one.counts):
                row[index] += value
            if one.closed_day:
                out.rows[(one.city_id, node, one.closed_day, one.category_id)][-1] += 1
        if one.clock:
            out.clocks[(one.city_id, one.clock["case_id"])] = one.clock
    return out


def _clock(city_id: int, case_id: int, path: str, category_id: int, created_at: datetime, due_at: datetime) -> dict:
    return {
        "city_id": city_id, "case_id": case_id, "region_path": path, "category_id": category_id,
        "created_at": _aware(created_at), "due_at": _aware(due_at),
    }


def _aware(value: datetime) -> datetime:
    """Core reads of UTCDateTime columns come back aware; a CASE over them comes back naive UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def add(connection, deltas: dict[Key, list[int]]) -> None:
    """Add each delta to its rollup row, creating it at zero first: one atomic upsert per row, in key order."""
    changed = [(key, counts) for key, counts in sorted(deltas.items()) if any(counts)]
    if not changed:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    values = [
        {"city_id": city_id, "region_path": path, "day": day, "category_id": category_id, **dict(zip(ROLLUP_COUNTS, counts))}
        for (city_id, path, day, category_id), counts in changed
    ]
    stmt = insert(CaseRollup)
    table = CaseRollup.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=["city_id", "region_path", "day", "category_id"],
        set_={name: table.c[name] + stmt.excluded[name] for name in ROLLUP_COUNTS},
    )
    connection.execute(stmt, values)


def _touched(session: Session) -> dict[int, set[int]]:
    """Cases (by city) whose counts this flush may change: changed or deleted cases."""
    found: dict[int, set[int]] = defaultdict(set)
    for obj in session.dirty:
        if isinstance(obj, Case) and obj.id is not None and session.is_modified(obj):
            changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
            if changed & _WATCHED:
                found[obj.city_id].add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Case):
            found[obj.city_id].add(obj.id)
    return found


def _before_flush(session: Session, _context, _instances) -> None:
    touched = _touched(session)
    connection = session.connection() if touched else None
    session.info[_PENDING] = {city_id: case_counts(connection, city_id, sorted(ids)) for city_id, ids in touched.items()}


def _after_flush(session: Session, _context) -> None:
    """The flush's deltas. Ratings are counted by a trigger on case_ratings (migration 0014), which sees even
    a bulk DELETE, at the key the case has when the rating row is written; here a case's earlier ratings
    only move with it, and a deleted case's ratings left with their rows."""
    before: dict[int, dict[int, CaseCount]] = session.info.pop(_PENDING, {})
    cities = {city_id: set(found) for city_id, found in before.items()}
    for obj in session.new:
        if isinstance(obj, Case):
            cities.setdefault(obj.city_id, set()).add(obj.id)
    if not cities:
        return
    connection = session.connection()
    rated = slice(ROLLUP_COUNTS.index("ratings"), ROLLUP_COUNTS.index("satisfied") + 1)
    for city_id, ids in cities.items():
        old, new = before.get(city_id, {}), case_counts(connection, city_id, sorted(ids))
        for case_id, one in new.items():
            one.counts[rated] = old[case_id].counts[rated] if case_id in old else [0, 0]
        for case_id, one in old.items():
            if case_id not in new:
                one.counts[rated] = [0, 0]
        apply(connection, summed(old.values()), summed(new.values()))


def apply(connection, old: Counted, new: Counted) -> None:
    """Move the rollups and clocks from what the cases counted for (`old`) to what they count for now."""
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(ROLLUP_COUNTS))
    for sign, side in ((-1, old), (1, new)):
        for key, counts in side.rows.items():
            row = deltas[key]
            for index, value in enumerate(counts):
                row[index] += sign * value
    add(connection, deltas)
    replace_clocks(connection, old.clocks, new.clocks)


def replace_clocks(connection, old: dict[tuple[int, int], dict], new: dict[tuple[int, int], dict]) -> None:
    """Where a case's clock row differs, delete what is there (whatever it is) and write the new one."""
    changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    if changed:
        connection.execute(delete(CaseClock).where(tuple_(CaseClock.city_id, CaseClock.case_id).in_(changed)))
    fresh = [new[key] for key in changed if key in new]
    if fresh:
        connection.execute(CaseClock.__table__.insert(), fresh)


def register() -> None:
    """Keep the rollups with every flush of every session (called once by services.subscriptions)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)


# --------------------------------------------------------------------------- #
# Reconciling with the cases
# --------------------------------------------------------------------------- #


def expected(connection, city_id: int, first: date | None = None, last: date | None = None) -> Counted:
    """What the city's cases count for on the days first..last (every day when not given), from the cases alone."""
    created, closed = _within(Case.created_at, first, last), _within(Case.closed_at, first, last)
    day = day_expr(Case.created_at)
    out = Counted(defaultdict(lambda: [0] * len(ROLLUP_COUNTS)), {})

    def spread(rows, columns: slice) -> None:
        for path, category_id, on, *counts in rows:
            for node in nodes(path):
                row = out.rows[(city_id, node, date.fromisoformat(on), category_id)]
                row[columns] = [a + int(b or 0) for a, b in zip(row[columns], counts)]

    flags = _flag_columns()
    spread(
        connection.execute(
            select(Case.region_path, Case.category_id, day, *[func.sum(column) for column in flags])
            .where(Case.city_id == city_id, *created)
            .group_by(Case.region_path, Case.category_id, day)
        ),
        slice(0, len(flags)),
    )
    spread(
        connection.execute(
            select(Case.region_path, Case.category_id, day, func.count(), func.sum(_flag(CaseRating.stars >= 4)))
            .join(CaseRating, (CaseRating.case_id == Case.id) & (CaseRating.city_id == Case.city_id))
            .where(Case.city_id == city_id, *created)
            .group_by(Case.region_path, Case.category_id, day)
        ),
        slice(len(flags), len(flags) + 2),
    )
    closed_day = day_expr(Case.closed_at)
    spread(
        connection.execute(
            select(Case.region_path, Case.category_id, closed_day, func.count())
            .where(Case.city_id == city_id, Case.state == S.CLOSED, *closed)
            .group_by(Case.region_path, Case.category_id, closed_day)
        ),
        slice(len(ROLLUP_COUNTS) - 1, len(ROLLUP_COUNTS)),
    )
    due = running_due_at()
    for case_id, path, category_id, created_at, due_at in connection.execute(
        select(Case.id, Case.region_path, Case.category_id, Case.created_at, due).where(Case.city_id == city_id, due.is_not(None), *created)
    ):
        out.clocks[(city_id, case_id)] = _clock(city_id, case_id, path, category_id, created_at, due_at)
    return out


def fill(connection, city_id: int) -> int:
    """Write the rollups and clocks of every case of a city with no rollups yet, in set-based SQL (a bulk load:
    the bench's millions of cases, a city imported past the app). The same rows as `expected`
    (tests/test_rollups.py compares them): the cases are grouped by region path, category and day in the
    database, and each group is added to the nodes above its path (`nodes`, computed here for the few
    thousand distinct paths and joined from a temporary table). Returns the rollup rows written."""
    paths = [row[0] for row in connection.execute(select(Case.region_path).where(Case.city_id == city_id).distinct())]
    connection.execute(text("CREATE TEMPORARY TABLE rollup_nodes (region_path VARCHAR(255), node VARCHAR(255))"))
    try:
        pairs = [{"p": path, "n": node} for path in paths for node in nodes(path)]
        if pairs:
            connection.execute(text("INSERT INTO rollup_nodes (region_path, node) VALUES (:p, :n)"), pairs)
        connection.execute(text("ANALYZE rollup_nodes"))
        written = connection.execute(text(_fill_sql(connection, city_id))).rowcount
        due = running_due_at()
        connection.execute(
            CaseClock.__table__.insert().from_select(
                ["city_id", "case_id", "region_path", "category_id", "created_at", "due_at"],
                select(Case.city_id, Case.id, Case.region_path, Case.category_id, Case.created_at, due)
                .where(Case.city_id == city_id, due.is_not(None)),
            )
        )
    finally:
        connection.execute(text("DROP TABLE rollup_nodes"))
    return written


def _fill_sql(connection, city_id: int) -> str:
    """Three groupings of the cases (by creation day, ratings by creation day, closings by closing day), each
    padded to every ROLLUP_COUNTS column, summed at every node above their paths."""
    flags = _flag_columns()
    zeros = lambda n: [literal(0)] * n
    created, closed = day_expr(Case.created_at), day_expr(Case.closed_at)
    city = Case.city_id == city_id
    first = [*[func.sum(flag) for flag in flags], *zeros(3)]
    arms = [
        select(Case.region_path.label("region_path"), Case.category_id.label("category_id"), created.label("day"),
               *[column.label(name) for column, name in zip(first, ROLLUP_COUNTS)])
        .where(city).group_by(Case.region_path, Case.category_id, created),
        select(Case.region_path, Case.category_id, created, *zeros(len(flags)), func.count(), func.sum(_flag(CaseRating.stars >= 4)), literal(0))
        .join(CaseRating, (CaseRating.case_id == Case.id) & (CaseRating.city_id == Case.city_id))
        .where(city).group_by(Case.region_path, Case.category_id, created),
        select(Case.region_path, Case.category_id, closed, *zeros(len(ROLLUP_COUNTS) - 1), func.count())
        .where(city, Case.state == S.CLOSED).group_by(Case.region_path, Case.category_id, closed),
    ]
    union = " UNION ALL ".join(str(arm.compile(connection, compile_kwargs={"literal_binds": True})) for arm in arms)
    names = ", ".join(ROLLUP_COUNTS)
    day = "CAST(g.day AS DATE)" if connection.dialect.name == "postgresql" else "g.day"
    return (
        f"INSERT INTO case_rollups (city_id, region_path, day, category_id, {names}) "
        f"SELECT {int(city_id)}, n.node, {day}, g.category_id, {', '.join(f'SUM(g.{name})' for name in ROLLUP_COUNTS)} "
        f"FROM ({union}) AS g JOIN rollup_nodes AS n ON n.region_path = g.region_path "
        f"GROUP BY n.node, {day}, g.category_id"
    )


def _within(column, first: date | None, last: date | None) -> list:
    where = []
    if first is not None:
        where.append(column >= china_midnight(first))
    if last is not None:
        where.append(column < china_midnight(last + timedelta(days=1)))
    return where


def stored(connection, city_id: int, first: date | None = None, last: date | None = None) -> Counted:
    """What the rollups and clocks hold for the days first..last."""
    days = [CaseRollup.day >= first] if first is not None else []
    days += [CaseRollup.day <= last] if last is not None else []
    out = Counted({}, {})
    columns = [CaseRollup.__table__.c[name] for name in ROLLUP_COUNTS]
    for city, path, day, category_id, *counts in connection.execute(
        select(CaseRollup.city_id, CaseRollup.region_path, CaseRollup.day, CaseRollup.category_id, *columns)
        .where(CaseRollup.city_id == city_id, *days)
    ):
        out.rows[(city, path, day, category_id)] = list(counts)
    for row in connection.execute(
        select(CaseClock.__table__).where(CaseClock.city_id == city_id, *_within(CaseClock.created_at, first, last))
    ):
        values = dict(row._mapping)
        values["created_at"], values["due_at"] = _aware(values["created_at"]), _aware(values["due_at"])
        out.clocks[(city_id, values["case_id"])] = values
    return out


def reconcile(city_id: int, first: date | None = None, last: date | None = None) -> int:
    """Recompute the days first..last (every day when not given) from the cases; log and fix what differed.

    Returns how many rollup rows and clocks were wrong. The fix is added as a difference, like every
    other change, so a step committed meanwhile keeps its count; on PostgreSQL both reads see one
    snapshot (REPEATABLE READ, when this call begins the transaction), so they cannot disagree about such a step.
    """
    fresh = not db.session().in_transaction()
    options = {"isolation_level": "REPEATABLE READ"} if fresh and db.engine.dialect.name == "postgresql" else {}
    connection = db.session.connection(execution_options=options)
    want, have = expected(connection, city_id, first, last), stored(connection, city_id, first, last)
    drift = {}
    for key in sorted(want.rows.keys() | have.rows.keys()):
        right, held = want.rows.get(key, [0] * len(ROLLUP_COUNTS)), have.rows.get(key, [0] * len(ROLLUP_COUNTS))
        if right != held:
            drift[key] = [a - b for a, b in zip(right, held)]
            log.warning("rollup row %s held %s, the cases say %s", key, dict(zip(ROLLUP_COUNTS, held)), dict(zip(ROLLUP_COUNTS, right)))
    add(connection, drift)
    clocks = sorted(key for key in want.clocks.keys() | have.clocks.keys() if want.clocks.get(key) != have.clocks.get(key))
    for key in clocks:
        log.warning("case clock %s held %s, the case says %s", key, have.clocks.get(key), want.clocks.get(key))
    replace_clocks(connection, have.clocks, want.clocks)
    return len(drift) + len(clocks)


@unit_of_work
def rebuild(city_id: int, first: date | None = None, last: date | None = None) -> int:
    """`reconcile` in a transaction of its own (the CLI and the periodic job)."""
    return reconcile(city_id, first, last)


def recent_window(days: int = RECONCILE_DAYS) -> tuple[date, date]:
    today = china_today()
    return today - timedelta(days=days - 1), today


# --------------------------------------------------------------------------- #
# Reading them
# --------------------------------------------------------------------------- #


def answers(start: datetime | None, end: datetime | None) -> bool:
    """Whether a period is whole China days (or open-ended), the only periods the rollups hold."""
    return all(at is None or china_midnight(china_today(at)) == at for at in (start, end))


def days(start: datetime | None, end: datetime | None) -> tuple[date | None, date | None]:
    """The first and last China day of [start, end)."""
    return (china_today(start) if start else None), (china_today(end) - timedelta(days=1) if end else None)


def read(
    city_id: int, at: datetime, *, path: str | None, first: date | None, last: date | None, category_id: int | None = None,
    by: str | None = None, keys: list = (),
) -> dict:
    """The figures' counts under `path` (the whole city when None) for the days first..last, in one query: per key,
    the summed ROLLUP_COUNTS and the running clocks not yet due at `at` (overdue is `running` less these).

    `by` groups them: None (one row, key None), "day", "category_id", or "region_path" with `keys` the child
    nodes' paths. Each side reads only its rows through an index: the rollups by primary key (city, node, day
    range), the clocks by (city_id, due_at) from `at` on, which are only the fresh cases."""
    table = CaseRollup.__table__
    nodes_read = list(keys) if by == "region_path" else [path or WHOLE_CITY]
    where = [CaseRollup.city_id == city_id, CaseRollup.region_path.in_(nodes_read)]
    where += [CaseRollup.day >= first] if first is not None else []
    where += [CaseRollup.day <= last] if last is not None else []
    where += [CaseRollup.category_id == category_id] if category_id is not None else []
    waiting = [CaseClock.city_id == city_id, CaseClock.due_at > at, *_within(CaseClock.created_at, first, last)]
    waiting += [path_range(CaseClock.region_path, path)] if path else []
    waiting += [CaseClock.category_id == category_id] if category_id is not None else []
    rollup_key, clock_key = _keys(by, keys)
    zeros = [literal(0)] * len(ROLLUP_COUNTS)
    rolled = select(rollup_key.label("k"), *[func.sum(table.c[name]).label(name) for name in ROLLUP_COUNTS], literal(0).label("waiting"))
    clocks = select(clock_key, *zeros, func.count())
    rolled, clocks = rolled.where(*where), clocks.where(*waiting)
    if by:
        rolled, clocks = rolled.group_by(rollup_key), clocks.group_by(clock_key)
    both = union_all(rolled, clocks).subquery()
    sums = [*[func.sum(both.c[name]) for name in ROLLUP_COUNTS], func.sum(both.c.waiting)]
    rows = db.session.execute(select(both.c.k, *sums).group_by(both.c.k)) if by else [(None, *db.session.execute(select(*sums)).one())]
    return {key: ([int(value or 0) for value in counts], int(late or 0)) for key, *counts, late in rows if key is not None or not by}


def _keys(by: str | None, keys: list) -> tuple:
    """The grouping key on the rollups' side and on the clocks' side."""
    if by is None:
        return null(), null()
    if by == "day":
        day = day_expr(CaseClock.created_at)
        return CaseRollup.day, (cast(day, Date) if db.engine.dialect.name == "postgresql" else day)
    if by == "category_id":
        return CaseRollup.category_id, CaseClock.category_id
    if by == "region_path":
        child = [(path_range(CaseClock.region_path, key), literal(key)) for key in keys]
        return CaseRollup.region_path, (when(*child, else_=null()) if child else null())
    raise ValueError(by)
