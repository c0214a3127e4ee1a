"""One public service call is one unit of work.

Services are decorated with @unit_of_work: the outermost call commits (or rolls back
on any error), and only after a successful commit are the background jobs it asked
for handed to the queue, so a worker never sees a job for a row that was rolled back.
Views and jobs never commit themselves.
"""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from gridapp.extensions import db

F = TypeVar("F", bound=Callable)

_DEPTH = "gridapp.uow_depth"
_AFTER_COMMIT = "gridapp.after_commit"


def unit_of_work(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        info = db.session.info
        depth = info.get(_DEPTH, 0)
        info[_DEPTH] = depth + 1
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                db.session.commit()
        except BaseException:
            if depth == 0:
                db.session.rollback()
                info.pop(_AFTER_COMMIT, None)
            raise
        finally:
            info[_DEPTH] = depth
        if depth == 0:
            for callback in info.pop(_AFTER_COMMIT, []):
                callback()
        return result

    return wrapper  # type: ignore[return-value]


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the enclosing unit of work has committed (now, if there is none)."""
    if not db.session.registry.has() or db.session.info.get(_DEPTH, 0) == 0:  # no session yet: no unit of work either
        callback()
    else:
        db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def in_unit_of_work() -> bool:
    """Whether a unit of work is open: its flushed rows are not committed yet, so its transaction must stay."""
    return db.session.registry.has() and db.session.info.get(_DEPTH, 0) > 0
