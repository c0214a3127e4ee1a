"""The loop of a long-running command (`flask scheduler run`, `flask outbox relay`) that outlives outages.

A pass that fails because Redis or the database is away is logged, the session is
thrown away, and the next pass comes after a back-off that doubles up to a minute;
the first pass that works brings the normal interval back. Only Ctrl-C or a signal
stops the loop.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from gridapp.extensions import db

log = logging.getLogger(__name__)

MOST_BACK_OFF = 60.0


def keep_running(step: Callable[[], None], *, interval: float, iterations: int | None, what: str) -> None:
    """Call `step` every `interval` seconds (`iterations` times, or for ever), backing off while it fails."""
    done, failures = 0, 0
    while iterations is None or done < iterations:
        try:
            step()
            failures = 0
        except Exception:
            failures += 1
            log.exception("%s: pass failed (%d in a row); backing off", what, failures)
        finally:
            _forget_session()
        done += 1
        if iterations is None or done < iterations:
            time.sleep(min(interval * 2**failures, max(MOST_BACK_OFF, interval)) if failures else interval)


def _forget_session() -> None:
    try:
        db.session.remove()
    except Exception:  # a broken connection cannot even roll back; the pool replaces it
        log.debug("session removal failed", exc_info=True)
