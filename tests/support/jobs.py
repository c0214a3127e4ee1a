"""A tiny rq job for tests/test_servers.py, free of gridapp so it proves the bare harness.

It runs inside a real `rq worker` subprocess, which imports this module by its
dotted path ``tests.support.jobs`` (the worker gets the repo root via ``--path``).
"""

from __future__ import annotations

import os

from rq import get_current_job


def record(key: str, value: str) -> str:
    """Write ``value|pid`` to Redis under ``key`` and return ``value`` upper-cased."""
    job = get_current_job()
    assert job is not None, "record() must run inside an rq worker"
    job.connection.set(key, f"{value}|{os.getpid()}")
    return value.upper()
