"""Random stamps on the city row that tell every server when its in-memory copies of the city are stale.

Some answers are read far more than their sources change: which grid holds a point (every
report), what a code shows an anonymous scanner (every scan). Each server keeps them in memory
and asks the database only whether they are still current: one stamp column per kind of copy on
`cities`, replaced with a random number in the same transaction as any change to the rows the
copy is made from. A flush hook does the replacing, so code written later cannot forget it. The
stamp is random rather than a counter so a city row that reuses an id (a restored backup, tests
that empty the tables) never matches a copy made for another.

A server reads a stamp at most every CITY_STAMP_RECHECK_SECONDS (and at once after its own
change), so an edit on one server reaches the others' copies within about a second.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from gridapp.extensions import db
from gridapp.models import City


@dataclass(frozen=True)
class _Watch:
    column: str
    model: type
    only: frozenset[str]  # changes to these attributes count; empty: any change does
    ignoring: frozenset[str]  # changes to these alone do not

    def touched_by(self, obj, state: str) -> bool:
        if not isinstance(obj, self.model):
            return False
        if state != "dirty":
            return True
        changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
        if self.only:
            return bool(changed & self.only)
        return bool(changed - self.ignoring)


_WATCHES: list[_Watch] = []


def watch(column: str, model: type, *, only=(), ignoring=()) -> None:
    """Replace the city's `column` stamp whenever a `model` row of that city is added, deleted or changed."""
    _WATCHES.append(_Watch(column, model, frozenset(only), frozenset(ignoring)))


def new_stamp() -> int:
    return secrets.randbits(62)


def current(city_id: int, column: str) -> int | None:
    """The city's stamp, read from the database at most every CITY_STAMP_RECHECK_SECONDS in this process."""
    known = _known()
    seen = known.get((city_id, column))
    if seen is not None and time.monotonic() - seen[1] < current_app.config["CITY_STAMP_RECHECK_SECONDS"]:
        return seen[0]
    stamp = _read(select(getattr(City, column)).where(City.id == city_id))
    known[(city_id, column)] = (stamp, time.monotonic())
    return stamp


def _read(statement) -> int | None:
    """In the caller's transaction if it has one; otherwise on a connection of its own, returned at once,
    so an anonymous scan never holds a transaction (on SQLite, every transaction holds the write lock).
    A Core read, not an ORM one: the ORM's overhead was most of its cost."""
    session = db.session()
    if session.in_transaction():
        return session.connection().execute(statement).scalar()
    with db.engine.connect() as connection:
        return connection.execute(statement).scalar()


def _known() -> dict[tuple[int, str], tuple[int | None, float]]:
    return current_app.extensions.setdefault("gridapp.city_stamps", {})


@event.listens_for(Session, "after_flush")
def _replace_stamps(session: Session, _context) -> None:
    touched: dict[str, set[int]] = {}
    for state, objects in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            for w in _WATCHES:
                if w.touched_by(obj, state):
                    touched.setdefault(w.column, set()).add(obj.city_id)
    for column, city_ids in touched.items():
        session.connection().execute(update(City).where(City.id.in_(city_ids)).values({column: new_stamp()}))
        if has_app_context():
            for city_id in city_ids:
                _known().pop((city_id, column), None)
