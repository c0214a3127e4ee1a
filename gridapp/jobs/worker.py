"""The RQ worker class for gridapp jobs:

    rq worker -w gridapp.jobs.worker.GridappWorker --url "$REDIS_URL" gridapp-default gridapp-media gridapp-notify

The app is built once in the worker process, configured from the same environment as
the web servers; each job runs in a forked work horse inside an app context. The
horse drops the connections it inherited from the parent so two processes never
share one database socket.
"""
from __future__ import annotations

from rq import Worker

from gridapp.extensions import db


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
                return super().perform_job(job, queue, *args, **kwargs)
            finally:
                db.session.remove()
