"""Reads that may be a moment behind go to the PostgreSQL streaming replica named by DATABASE_READ_URL.

The leaders' dashboards read many rows and change nothing. On a replica they take no connection, CPU
or cache from the writer that residents' reports and staff actions need. Inside `reads()` (or a
function decorated with `@replica_reads`) every plain SELECT of `db.session` is sent to the replica's
engine (the Flask-SQLAlchemy bind `replica`); writes, flushes and SELECT ... FOR UPDATE still go to the
writer, so a service that records something while it reads keeps working. Without DATABASE_READ_URL
everything reads the writer. A replica shows the writer's data after its replay delay (milliseconds
on a healthy network), which figures can bear; nothing that decides a write reads inside `reads()`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from flask_sqlalchemy.session import Session
from sqlalchemy import Select

REPLICA = "replica"  # the Flask-SQLAlchemy bind key config.py gives DATABASE_READ_URL

_reading: ContextVar[bool] = ContextVar("gridapp_replica_reads", default=False)
F = TypeVar("F", bound=Callable)


@contextmanager
def reads() -> Iterator[None]:
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_reads(fn: F) -> F:
    @wraps(fn)
    def reading(*args, **kwargs):
        with reads():
            return fn(*args, **kwargs)

    return reading  # type: ignore[return-value]


class RoutingSession(Session):
    """db.session's class: inside `reads()`, a plain SELECT takes the replica's engine when there is one."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (
            bind is None and _reading.get() and isinstance(clause, Select) and clause._for_update_arg is None
            and REPLICA in self._db.engines
        ):  # fmt: skip
            return self._db.engines[REPLICA]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
