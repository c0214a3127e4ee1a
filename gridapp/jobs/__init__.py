"""Background jobs: one set of functions, run by RQ workers or inline.

With REDIS_URL set, `job.delay(...)` enqueues on the named RQ queue; without it the
same function runs in the calling process. Either way it happens after the caller's
unit of work commits. Jobs take ids, reload their rows, and are idempotent, because
RQ may run a job again after a retry.

Services ask for a job by name (`enqueue("make_photo_sizes", city_id, photo_id)`) rather
than importing the job modules, which import the services to do the work. Each @job
registers its name when its module is imported; gridapp.jobs.catalogue imports them all
at start-up (create_app, hence also the RQ worker), and RQ still records the function's
own path, so workers import it from there.
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


_BY_NAME: dict[str, Callable] = {}


def job(*, queue: str = QUEUE_DEFAULT, timeout: int = 60, retries: int = 3, sensitive: bool = False) -> Callable:
    """Mark a function as a background job, known by its name to `enqueue`; adds `.delay(*args)`.

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
        known = _BY_NAME.get(fn.__name__)
        if known is not None and _path(known) != _path(fn):
            raise RuntimeError(f"two jobs named {fn.__name__!r}: {_path(known)} and {_path(fn)}")
        _BY_NAME[fn.__name__] = fn
        return fn

    return decorate


def _path(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def job_named(name: str) -> Callable:
    """The job function registered as `name`; an unknown name fails here, in the caller, not later in a worker."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise LookupError(f"no job named {name!r} (is its module listed in gridapp.jobs.catalogue?)") from None


def enqueue(name: str, *args: Any) -> None:
    """Run the job called `name` with `args` once the caller's unit of work commits."""
    job_named(name).delay(*args)


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
