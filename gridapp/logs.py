"""Log lines: one JSON object a line in production, each carrying the request id of the request it belongs to.

Log collectors (journald → Loki, Filebeat, ...) parse JSON without per-format rules, and the request
id joins what the proxy, gunicorn's access log, the app and the client saw of one request.
Outside a request (workers, the scheduler, the relay) the id is "-".
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from flask import g, has_request_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def current_request_id() -> str:
    return (g.get("request_id") if has_request_context() else None) or "-"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str) -> None:
    """Give the root logger one stderr handler in `log_format` ("json" or "text"), unless it has one already.

    `rq worker` gives its own logger a plain-text handler before the app exists (the worker class
    builds the app); in JSON mode its lines go through the root's handler instead, so a worker's
    log is all JSON too.
    """
    if log_format == "json":
        rq_worker = logging.getLogger("rq.worker")
        rq_worker.handlers.clear()
        rq_worker.propagate = True
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
