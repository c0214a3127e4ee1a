"""Background jobs: one set of functions, run by RQ workers or inline.

With REDIS_URL set, `job.delay(...)` enqueues on the named RQ queue; without it the
same function runs in the calling process. Either way it happens after the caller's
unit of work commits. Jobs take ids, reload their rows, and are idempotent, because
RQ may run a job again after a retry.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app

from gridapp.unit_of_work import after_commit

log = logging.getLogger(__name__)

QUEUE_DEFAULT = "gridapp-default"
QUEUE_MEDIA = "gridapp-media"
QUEUE_NOTIFY = "gridapp-notify"
ALL_QUEUES = (QUEUE_DEFAULT, QUEUE_MEDIA, QUEUE_NOTIFY)


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int
    retries: int
    sensitive: bool


def job(*, queue: str = QUEUE_DEFAULT, timeout: int = 60, retries: int = 3, sensitive: bool = False) -> Callable:
    """Mark a function as a background job; adds `.delay(*args)`.

    `sensitive` jobs carry secrets in their arguments (a login code): their arguments
    stay out of worker logs and the job is deleted from Redis as soon as it has run.
    """

    def decorate(fn: Callable) -> Callable:
        spec = JobSpec(queue, timeout, retries, sensitive)

        @functools.wraps(fn)
        def delay(*args: Any) -> None:
            after_commit(lambda: dispatch(fn, spec, args))

        fn.delay = delay  # type: ignore[attr-defined]
        fn.job_spec = spec  # type: ignore[attr-defined]
        return fn

    return decorate


def dispatch(fn: Callable, spec: JobSpec, args: tuple) -> None:
    queues = current_app.extensions.get("gridapp.queues")
    if queues is None:
        try:
            fn(*args)
        except Exception:  # the caller's work is committed; a failed side job must not undo the answer
            log.exception("inline job %s failed", fn.__qualname__)
        return
    from rq import Retry

    retry = Retry(max=spec.retries, interval=[5, 30, 120][: spec.retries]) if spec.retries else None
    options = {"description": fn.__qualname__, "result_ttl": 0, "failure_ttl": 600} if spec.sensitive else {"result_ttl": 3600}
    queues[spec.queue].enqueue(fn, *args, job_timeout=spec.timeout, retry=retry, **options)


def init_app(app) -> None:
    """Bind RQ queues when Redis is configured; no connection is opened until first use."""
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions["gridapp.queues"] = None
        return
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(url)
    app.extensions["gridapp.redis"] = connection
    app.extensions["gridapp.queues"] = {name: Queue(name, connection=connection) for name in ALL_QUEUES}
