"""Background jobs: one set of functions, run by RQ workers or inline.

With REDIS_URL set, `job.delay(...)` writes a row to the job outbox in the caller's own
transaction (gridapp/services/outbox.py) and hands it to its RQ queue once that commits;
if Redis is down the relay (gridapp/jobs/relay.py) hands it over later, so a committed
change never loses its job and never fails because of Redis. Without REDIS_URL the same
function runs in the calling process after the commit. Jobs take ids, reload their rows,
and are idempotent, because a job may run again (an RQ retry, a relay re-handing a job
that Redis lost).

Services ask for a job by name (`enqueue("make_photo_sizes", city_id, photo_id)`) rather
than importing the job modules, which import the services to do the work. Each @job
registers its name when its module is imported; gridapp.jobs.catalogue imports them all
at start-up (create_app, hence also the RQ worker), and RQ still records the function's
own path, so workers import it from there.
"""
from __future__ import annotations

import functools
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import City
from gridapp.services import outbox
from gridapp.unit_of_work import after_commit

log = logging.getLogger(__name__)

QUEUE_DEFAULT = "gridapp-default"
QUEUE_MEDIA = "gridapp-media"
QUEUE_NOTIFY = "gridapp-notify"
# In the order a worker serves them: login codes and pushes, which someone waits for, before the rest.
ALL_QUEUES = (QUEUE_NOTIFY, QUEUE_DEFAULT, QUEUE_MEDIA)


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int
    retries: int
    sensitive: bool
    city_scoped: bool  # the first argument is a city id: the outbox row belongs to that city
    urgent: bool = False  # someone is waiting for it (a login code): it goes to the head of its queue


_BY_NAME: dict[str, Callable] = {}


def job(*, queue: str = QUEUE_DEFAULT, timeout: int = 60, retries: int = 3, sensitive: bool = False, urgent: bool = False) -> Callable:
    """Mark a function as a background job, known by its name to `enqueue`; adds `.delay(*args)`.

    `sensitive` jobs carry secrets in their arguments (a login code): their arguments
    stay out of worker logs and the job is deleted from Redis as soon as it has run.
    `urgent` jobs are put at the head of their queue: a person waits for them while the rest can queue
    (the city-day replay had sign-ins waiting minutes for their code behind a day's pushes).
    """

    def decorate(fn: Callable) -> Callable:
        parameters = list(inspect.signature(fn).parameters)
        spec = JobSpec(queue, timeout, retries, sensitive, city_scoped=parameters[:1] == ["city_id"], urgent=urgent)

        @functools.wraps(fn)
        def delay(*args: Any) -> None:
            dispatch(fn, spec, args)

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


def every_city_id() -> list[int]:
    """The cities a sweep goes through, each in its own units of work; the read transaction ends here."""
    ids = list(db.session.scalars(select(City.id).order_by(City.id)))
    db.session.rollback()
    return ids


def enqueue(name: str, *args: Any) -> None:
    """Run the job called `name` with `args` once the caller's unit of work commits."""
    job_named(name).delay(*args)


def dispatch(fn: Callable, spec: JobSpec, args: tuple) -> None:
    """Redis: an outbox row now, handed to RQ after the commit. Inline: run `fn` after the commit."""
    if current_app.extensions.get("gridapp.queues") is None:
        after_commit(lambda: _run_inline(fn, args))
        return
    row_id = outbox.add(fn.__name__, spec.queue, args, city_id=args[0] if spec.city_scoped else None)
    after_commit(lambda: _hand_over_now(row_id, fn, spec, args))


def _run_inline(fn: Callable, args: tuple) -> None:
    try:
        fn(*args)
    except Exception:  # the caller's work is committed; a failed side job must not undo the answer
        log.exception("inline job %s failed", fn.__qualname__)


def _hand_over_now(row_id: int, fn: Callable, spec: JobSpec, args: tuple) -> None:
    """The committed request hands its job to RQ itself; on any failure the relay does it a little later."""
    try:
        hand_to_rq(row_id, fn, spec, args)
        outbox.mark_queued([row_id])
    except Exception as exc:  # Redis or the database is down: the row is committed, the relay has it
        log.warning("job %s (outbox row %s) left for the relay: %s", fn.__name__, row_id, exc)


def rq_job_id(row_id: int) -> str:
    return f"outbox-{row_id}"


def outbox_row_id(rq_id: str) -> int | None:
    prefix, _, number = rq_id.partition("-")
    return int(number) if prefix == "outbox" and number.isdigit() else None


def hand_to_rq(row_id: int, fn: Callable, spec: JobSpec, args: tuple) -> None:
    """Put outbox row `row_id`'s job on its RQ queue under the row's own job id (re-pushing replaces it)."""
    from rq import Retry

    queues = current_app.extensions["gridapp.queues"]
    retry = Retry(max=spec.retries, interval=[5, 30, 120][: spec.retries]) if spec.retries else None
    options = {"description": fn.__qualname__, "result_ttl": 0, "failure_ttl": 600} if spec.sensitive else {"result_ttl": 3600}
    queues[spec.queue].enqueue(
        fn, *args, job_id=rq_job_id(row_id), job_timeout=spec.timeout, retry=retry, at_front=spec.urgent, **options
    )


def init_app(app) -> None:
    """Bind RQ queues when Redis is configured; no connection is opened until first use."""
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions["gridapp.queues"] = None
        return
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry as RedisRetry
    from rq import Queue

    # Short timeouts and one quick retry (a pooled connection dropped by a Redis restart): a request that
    # hands over its job must not hang on an unreachable Redis; the relay hands it over later.
    connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, retry=RedisRetry(NoBackoff(), 1))
    app.extensions["gridapp.redis"] = connection
    app.extensions["gridapp.queues"] = {name: Queue(name, connection=connection) for name in ALL_QUEUES}
