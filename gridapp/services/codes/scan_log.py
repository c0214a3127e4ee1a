"""Scan logs and code counters, written in batches off the request path.

A scan must not wait for a database commit: at a hundred thousand scans a day, one commit per
scan is most of the scan's cost and, on SQLite, a write lock per passer-by. Each server keeps
the scans it answered in memory and a background thread writes them every
SCAN_LOG_FLUSH_SECONDS in one transaction (the log rows, and each code's count and last scan).
A server stopped normally writes what it holds before it exits; a server that crashes loses at
most the last SCAN_LOG_FLUSH_SECONDS of scans (about a second by default). While the database
is unreachable the rows wait in memory, up to SCAN_LOG_MAX_PENDING, then the oldest are dropped
with a warning: a scan log is a statistic, not a record anyone depends on.
With SCAN_LOG_FLUSH_SECONDS = 0 each scan is written before its answer (the tests use this).
"""
from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter

from flask import Flask, current_app
from sqlalchemy import case, func, insert, update

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import QrCode, ScanLog
from gridapp.unit_of_work import after_commit

log = logging.getLogger(__name__)


class ScanBuffer:
    """One server's scans not yet written, and the thread that writes them."""

    def __init__(self, app: Flask):
        self.app = app
        self.interval = app.config["SCAN_LOG_FLUSH_SECONDS"]
        self.max_pending = app.config["SCAN_LOG_MAX_PENDING"]
        self.rows: list[dict] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def add(self, row: dict) -> None:
        with self.lock:
            self.rows.append(row)
            if len(self.rows) > self.max_pending:
                dropped = len(self.rows) - self.max_pending
                del self.rows[:dropped]
                log.warning("scan log: database unreachable, %d oldest scans dropped", dropped)
            if self.thread is None and self.interval > 0:
                self.thread = threading.Thread(target=self._run, name="scan-log", daemon=True)
                self.thread.start()
                atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self.wake.wait(self.interval)
            try:
                self.flush()
            except Exception:  # the database is down or busy: keep the rows, try again next time
                log.exception("scan log: writing %d scans failed; will retry", len(self.rows))

    def flush(self) -> int:
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            with self.app.app_context():
                _write(rows)
        except BaseException:
            with self.lock:
                self.rows[:0] = rows
            raise
        return len(rows)


def _write(rows: list[dict]) -> None:
    session = db.session
    try:
        session.execute(insert(ScanLog), rows)
        counts, last = Counter(), {}
        for row in rows:
            key = (row["city_id"], row["code_id"])
            counts[key] += 1
            last[key] = max(last.get(key, row["created_at"]), row["created_at"])
        for (city_id, code_id), count in sorted(counts.items()):
            at = last[(city_id, code_id)]
            session.execute(
                update(QrCode)
                .where(QrCode.city_id == city_id, QrCode.id == code_id)
                .values(
                    scan_count=QrCode.scan_count + count,
                    last_scanned_at=case((func.coalesce(QrCode.last_scanned_at, at) > at, QrCode.last_scanned_at), else_=at),
                )
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.remove()


def record(city_id: int, code_id: int, *, user_id: int | None, viewer: str, channel: str, user_agent: str | None) -> None:
    """Count one scan; it reaches the database with the next batch (or now, with SCAN_LOG_FLUSH_SECONDS = 0)."""
    row = {
        "city_id": city_id, "code_id": code_id, "user_id": user_id, "viewer": viewer, "channel": channel,
        "user_agent": (user_agent or "")[:255] or None, "created_at": now(),
    }
    buffer = _buffer()

    def add() -> None:
        buffer.add(row)
        if buffer.interval <= 0:
            buffer.flush()

    after_commit(add)  # a scan inside a unit of work is counted once its transaction has committed


def flush() -> int:
    """Write this server's pending scans now (on stop, and where a caller must read them at once)."""
    return _buffer().flush()


def _buffer() -> ScanBuffer:
    app = current_app._get_current_object()
    buffer = app.extensions.get("gridapp.scan_log")
    if buffer is None:
        buffer = app.extensions["gridapp.scan_log"] = ScanBuffer(app)
    return buffer

