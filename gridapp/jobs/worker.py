"""The RQ worker class for gridapp jobs:

    rq worker -w gridapp.jobs.worker.GridappWorker --with-scheduler --url "$REDIS_URL" \
       gridapp-notify gridapp-default gridapp-media

`--with-scheduler` matters: RQ's interval retries are scheduled jobs, and only a worker
running RQ's scheduler moves them back onto their queue when their time comes.

The app is built once in the worker process, configured from the same environment as
the web servers; each job runs in a forked work horse inside an app context. The
horse drops the connections it inherited from the parent so two processes never
share one database socket. A job that came from the outbox is marked done there once
it has finished; until then the relay keeps checking on it.
"""
from __future__ import annotations

import logging

from rq import Worker

from gridapp.extensions import db
from gridapp.jobs import outbox_row_id
from gridapp.services import outbox

log = logging.getLogger(__name__)


class GridappWorker(Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from gridapp import create_app

        self.flask_app = create_app()

    def perform_job(self, job, queue, *args, **kwargs):
        # RQ 3 passes the Execution as a third argument; pass through whatever RQ sends.
        with self.flask_app.app_context():
            db.engine.dispose(close=False)
            try:
                finished = super().perform_job(job, queue, *args, **kwargs)
                row_id = outbox_row_id(job.id)
                if finished and row_id is not None:
                    _mark_done(row_id, getattr(job.func, "job_spec", None))
                return finished
            finally:
                db.session.remove()


def _mark_done(row_id: int, spec) -> None:
    try:
        outbox.mark_done(row_id, forget_args=bool(spec and spec.sensitive))
    except Exception:  # the job ran; if the database is away the relay finds it finished, or runs it again
        log.warning("could not mark outbox row %s done", row_id, exc_info=True)
