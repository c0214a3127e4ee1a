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
- Departments (case_department_rollups: department × day) count the cases whose orders they hold, with the same
  columns, ratings included: the hook also watches orders (their holder and case, changed in a flush or by an
  ORM UPDATE statement, which is how grabs and releases move them, through `do_orm_execute`) and ratings; the
  reconciliation recomputes these rows as well.
- "Overdue" depends on the moment it is asked: the rollups count the cases whose SLA clock runs
  (`running`), and `case_clocks` keeps each running case's due time; overdue now is the running
  count less the running cases not yet due, which are only the fresh ones.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date, cast, delete, event, func, inspect, literal, null, select, text, tuple_, union_all
from sqlalchemy import case as when
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gridapp.clock import CHINA_HOURS, china_midnight, china_today
from gridapp.extensions import db
from gridapp.models import Case, CaseClock, CaseDepartmentRollup, CaseRating, CaseRollup
from gridapp.models.orders import Order
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
DepartmentKey = tuple[int, int, date]  # city, department, day
RATED = slice(ROLLUP_COUNTS.index("ratings"), ROLLUP_COUNTS.index("satisfied") + 1)


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


def _zeros() -> list[int]:
    return [0] * len(ROLLUP_COUNTS)


@dataclass
class Counted:
    """What some cases count for: rollup rows (key → counts), running clocks (case → row), department rows."""

    rows: dict[Key, list[int]]
    clocks: dict[tuple[int, int], dict]
    departments: dict[DepartmentKey, list[int]] = field(default_factory=lambda: defaultdict(_zeros))


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
    departments: tuple[int, ...] = ()
    node_ratings: list[int] | None = None  # the node rows' ratings when the trigger, not this count, moves them


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
    held = defaultdict(list)
    for case_id, department_id in connection.execute(_held(city_id).where(Order.case_id.in_(case_ids)).order_by(Order.case_id, Order.holder_department_id)):
        held[case_id].append(department_id)
    out = {}
    for case_id, path, category_id, created_at, day, closed_day, due_at, *counts in rows:
        out[case_id] = CaseCount(
            city_id, path, category_id, date.fromisoformat(day), date.fromisoformat(closed_day) if closed_day else None,
            [int(value) for value in counts], _clock(city_id, case_id, path, category_id, created_at, due_at) if due_at else None,
            tuple(held[case_id]),
        )
    return out


def _held(city_id: int):
    """Each case with each department holding one of its orders now: the department figures' membership."""
    return (
        select(Order.case_id, Order.holder_department_id)
        .where(Order.city_id == city_id, Order.case_id.is_not(None), Order.holder_department_id.is_not(None))
        .distinct()
    )


def summed(cases) -> Counted:
    """The rollup rows and clocks of these cases: each counts at every node above its region."""
    out = Counted(defaultdict(_zeros), {})
    for one in cases:
        counts = list(one.counts)
        if one.node_ratings is not None:
            counts[RATED] = one.node_ratings
        for node in nodes(one.path):
            _add_to(out.rows, (one.city_id, node, one.day, one.category_id), counts)
            if one.closed_day:
                out.rows[(one.city_id, node, one.closed_day, one.category_id)][-1] += 1
        for department_id in one.departments:
            _add_to(out.departments, (one.city_id, department_id, one.day), one.counts)
            if one.closed_day:
                out.departments[(one.city_id, department_id, one.closed_day)][-1] += 1
        if one.clock:
            out.clocks[(one.city_id, one.clock["case_id"])] = one.clock
    return out


def _add_to(rows: dict, key, counts: list[int]) -> None:
    row = rows[key]
    for index, value in enumerate(counts):
        row[index] += value


def _clock(city_id: int, case_id: int, path: str, category_id: int, created_at: datetime, due_at: datetime) -> dict:
    return {
        "city_id": city_id, "case_id": case_id, "region_path": path, "category_id": category_id,
        "created_at": _aware(created_at), "due_at": _aware(due_at),
    }


def _aware(value: datetime) -> datetime:
    """Core reads of UTCDateTime columns come back aware; a CASE over them comes back naive UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def add(connection, deltas: dict, model=CaseRollup) -> None:
    """Add each delta to its rollup row (of `model`: CaseRollup or CaseDepartmentRollup), creating it at zero
    first: one atomic upsert per row, in key order."""
    changed = [(key, counts) for key, counts in sorted(deltas.items()) if any(counts)]
    if not changed:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    table = model.__table__
    keys = [column.name for column in table.primary_key.columns]
    values = [{**dict(zip(keys, key)), **dict(zip(ROLLUP_COUNTS, counts))} for key, counts in changed]
    stmt = insert(model)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={name: table.c[name] + stmt.excluded[name] for name in ROLLUP_COUNTS})
    connection.execute(stmt, values)


def _touched(session: Session) -> dict[int, set[int]]:
    """Cases (by city) whose counts this flush may change: changed or deleted cases, and the cases of changed,
    new or deleted ratings and orders (a department's figures follow the orders it holds)."""
    found: dict[int, set[int]] = defaultdict(set)
    for obj in session.dirty:
        if isinstance(obj, Case | Order | CaseRating) and session.is_modified(obj):
            changed = {attr.key: attr.history for attr in inspect(obj).attrs if attr.history.has_changes()}
            if isinstance(obj, Case) and obj.id is not None and changed.keys() & _WATCHED:
                found[obj.city_id].add(obj.id)
            elif not isinstance(obj, Case) and changed.keys() & {"case_id", "holder_department_id", "stars"}:
                history = changed.get("case_id")
                found[obj.city_id].update(i for i in [obj.case_id, *(history.deleted if history else ())] if i is not None)
    for obj in [*session.deleted, *session.new]:
        if isinstance(obj, Case) and obj in session.deleted:
            found[obj.city_id].add(obj.id)
        elif isinstance(obj, Order | CaseRating) and obj.case_id is not None:
            found[obj.city_id].add(obj.case_id)
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
    for city_id, ids in cities.items():
        old, new = before.get(city_id, {}), case_counts(connection, city_id, sorted(ids))
        for case_id, one in new.items():
            one.node_ratings = old[case_id].counts[RATED] if case_id in old else [0, 0]
        for case_id, one in old.items():
            if case_id not in new:
                one.node_ratings = [0, 0]
        apply(connection, summed(old.values()), summed(new.values()))


def _orm_execute(state) -> object:
    """An ORM UPDATE or DELETE of orders (a grab, a release, a sweep) moves the departments' counts of their cases:
    what those cases counted for before the statement and after it, in the same transaction."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None or state.bind_mapper.class_ is not Order:
        return None
    connection = state.session.connection()
    found: dict[int, set[int]] = defaultdict(set)
    where = [state.statement.whereclause] if state.statement.whereclause is not None else []
    for city_id, case_id in connection.execute(select(Order.city_id, Order.case_id).where(*where, Order.case_id.is_not(None))):
        found[city_id].add(case_id)
    before = {city_id: case_counts(connection, city_id, sorted(ids)) for city_id, ids in found.items()}
    result = state.invoke_statement()
    for city_id, ids in found.items():
        apply(connection, summed(before[city_id].values()), summed(case_counts(connection, city_id, sorted(ids)).values()))
    return result


def apply(connection, old: Counted, new: Counted) -> None:
    """Move the rollups and clocks from what the cases counted for (`old`) to what they count for now."""
    for model, rows in ((CaseRollup, "rows"), (CaseDepartmentRollup, "departments")):
        deltas: dict = defaultdict(_zeros)
        for sign, side in ((-1, old), (1, new)):
            for key, counts in getattr(side, rows).items():
                _add_to(deltas, key, [sign * value for value in counts])
        add(connection, deltas, model)
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
        event.listen(Session, "do_orm_execute", _orm_execute)


# --------------------------------------------------------------------------- #
# Reconciling with the cases
# --------------------------------------------------------------------------- #


def expected(connection, city_id: int, first: date | None = None, last: date | None = None) -> Counted:
    """What the city's cases count for on the days first..last (every day when not given), from the cases alone."""
    created, closed = _within(Case.created_at, first, last), _within(Case.closed_at, first, last)
    day = day_expr(Case.created_at)
    out = Counted(defaultdict(_zeros), {})

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
    _expected_departments(connection, city_id, out, created, closed)
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


def _expected_departments(connection, city_id: int, out: Counted, created: list, closed: list) -> None:
    """The department rows: the same three groupings, over each case joined to the departments holding its orders."""
    held = _held(city_id).subquery()
    on_held = held.c.case_id == Case.id
    day, closed_day, flags = day_expr(Case.created_at), day_expr(Case.closed_at), _flag_columns()
    department = held.c.holder_department_id

    def spread(stmt, columns: slice) -> None:
        for department_id, on, *counts in connection.execute(stmt):
            row = out.departments[(city_id, department_id, date.fromisoformat(on))]
            row[columns] = [a + int(b or 0) for a, b in zip(row[columns], counts)]

    spread(
        select(department, day, *[func.sum(column) for column in flags]).select_from(Case).join(held, on_held)
        .where(Case.city_id == city_id, *created).group_by(department, day),
        slice(0, len(flags)),
    )
    spread(
        select(department, day, func.count(), func.sum(_flag(CaseRating.stars >= 4))).select_from(Case).join(held, on_held)
        .join(CaseRating, (CaseRating.case_id == Case.id) & (CaseRating.city_id == Case.city_id))
        .where(Case.city_id == city_id, *created).group_by(department, day),
        RATED,
    )
    spread(
        select(department, closed_day, func.count()).select_from(Case).join(held, on_held)
        .where(Case.city_id == city_id, Case.state == S.CLOSED, *closed).group_by(department, closed_day),
        slice(len(ROLLUP_COUNTS) - 1, len(ROLLUP_COUNTS)),
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
    table = CaseDepartmentRollup.__table__
    for city, department_id, day, *counts in connection.execute(
        select(table.c.city_id, table.c.department_id, table.c.day, *[table.c[name] for name in ROLLUP_COUNTS]).where(
            table.c.city_id == city_id, *([table.c.day >= first] if first is not None else []), *([table.c.day <= last] if last is not None else [])
        )
    ):
        out.departments[(city, department_id, day)] = list(counts)
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
    wrong = 0
    for model, rows in ((CaseRollup, "rows"), (CaseDepartmentRollup, "departments")):
        drift = {}
        right_rows, held_rows = getattr(want, rows), getattr(have, rows)
        for key in sorted(right_rows.keys() | held_rows.keys()):
            right, held = right_rows.get(key, _zeros()), held_rows.get(key, _zeros())
            if right != held:
                drift[key] = [a - b for a, b in zip(right, held)]
                log.warning("%s row %s held %s, the cases say %s", model.__tablename__, key, dict(zip(ROLLUP_COUNTS, held)), dict(zip(ROLLUP_COUNTS, right)))
        add(connection, drift, model)
        wrong += len(drift)
    clocks = sorted(key for key in want.clocks.keys() | have.clocks.keys() if want.clocks.get(key) != have.clocks.get(key))
    for key in clocks:
        log.warning("case clock %s held %s, the case says %s", key, have.clocks.get(key), want.clocks.get(key))
    replace_clocks(connection, have.clocks, want.clocks)
    return wrong + len(clocks)


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


def read_departments(city_id: int, at: datetime, department_ids: list[int], first: date | None, last: date | None) -> dict:
    """Per department: the summed counts of the cases whose orders it holds, created on the days first..last, and
    their running clocks not yet due at `at`; one query like `read`."""
    table = CaseDepartmentRollup.__table__
    where = [table.c.city_id == city_id, table.c.department_id.in_(department_ids)]
    where += [table.c.day >= first] if first is not None else []
    where += [table.c.day <= last] if last is not None else []
    held = _held(city_id).where(Order.holder_department_id.in_(department_ids)).subquery()
    rolled = select(table.c.department_id.label("k"), *[func.sum(table.c[name]).label(name) for name in ROLLUP_COUNTS], literal(0).label("waiting"))
    clocks = (
        select(held.c.holder_department_id, *[literal(0)] * len(ROLLUP_COUNTS), func.count())
        .select_from(CaseClock).join(held, held.c.case_id == CaseClock.case_id)
        .where(CaseClock.city_id == city_id, CaseClock.due_at > at, *_within(CaseClock.created_at, first, last))
        .group_by(held.c.holder_department_id)
    )
    both = union_all(rolled.where(*where).group_by(table.c.department_id), clocks).subquery()
    rows = db.session.execute(
        select(both.c.k, *[func.sum(both.c[name]) for name in ROLLUP_COUNTS], func.sum(both.c.waiting)).group_by(both.c.k)
    )
    return {key: ([int(value or 0) for value in counts], int(late or 0)) for key, *counts, late in rows}


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
