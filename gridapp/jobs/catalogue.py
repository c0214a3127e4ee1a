"""Every job module, imported once at start-up so that each job is known by its name.

create_app imports this module, so the web app, the CLI and the RQ worker (which builds
the app) can all run `gridapp.jobs.enqueue(name, ...)` for any job below.
"""
from __future__ import annotations

from gridapp.jobs import (  # noqa: F401
    care,
    cases,
    codes,
    direct_line,
    maintenance,
    messaging,
    notices,
    orders,
    petitions,
    photos,
    push,
    schedule,
    supervision,
    task_forces,
    work_orders,
)
