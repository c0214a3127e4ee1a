"""What /healthz and /metrics ask the outside world: is the database there, is Redis, how deep the queues are.

Every probe answers within REDIS_TIMEOUT_SECONDS or DATABASE_CONNECT_TIMEOUT_SECONDS and reports a
failure as a value instead of raising, because these are the endpoints people look at when
something is down. The Redis client here is the probes' own, with short timeouts, so a probe
never waits as long as a job's enqueue may.

The transactional outbox's backlog comes from services.outbox.stats: rows waiting, rows given up
on, and the age of the oldest waiting row.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from gridapp.extensions import db
from gridapp.services import outbox as outbox_service

log = logging.getLogger(__name__)

def database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # a probe reports, it does not raise
        return f"error: {exc.__class__.__name__}"
    finally:
        _release_session()


def _release_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone; the next request gets a fresh one
        db.session.invalidate()


def redis_client():
    """The probes' Redis client (short timeouts), or None without REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("gridapp.probe_redis")
    if client is None:
        from redis import Redis

        timeout = current_app.config["REDIS_TIMEOUT_SECONDS"]
        client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        current_app.extensions["gridapp.probe_redis"] = client
    return client


def redis() -> str:
    client = redis_client()
    if client is None:
        return "not_configured"
    try:
        client.ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def queues() -> dict[str, dict[str, int]] | None:
    """Per RQ queue: jobs waiting, and jobs that failed for good. None when Redis is absent or down."""
    client = redis_client()
    if client is None:
        return None
    from rq import Queue

    from gridapp.jobs import ALL_QUEUES

    try:
        depths = {}
        for name in ALL_QUEUES:
            queue = Queue(name, connection=client)
            depths[name] = {"waiting": queue.count, "failed": queue.failed_job_registry.count}
        return depths
    except Exception as exc:
        log.warning("queue depths unavailable: %s", exc.__class__.__name__)
        return None


def outbox() -> dict[str, float] | None:
    """The outbox's backlog, when the database answers; None without Redis, where jobs run inline and no outbox exists."""
    if not current_app.config.get("REDIS_URL"):
        return None
    try:
        stats = outbox_service.stats()
        return {"pending": stats.pending, "dead": stats.dead, "lag_seconds": stats.oldest_pending_seconds}
    except Exception as exc:
        log.warning("outbox figures unavailable: %s", exc.__class__.__name__)
        return None
    finally:
        _release_session()
