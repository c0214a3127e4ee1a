"""The city-day replay (bench/city_day.py) on the real production stack: gunicorn, PostgreSQL, Redis,
an rq worker with its scheduler, the scheduler and the relay, all started as the README says.

A tiny day (×0.002: seven photo reports handled to closure by grid workers, communities and
departments, 200 scans, every sign-in by SMS code through a worker's job) must end with no error,
every case closed, and nothing left on the queues or in the outbox once the workers are through.
"""
from __future__ import annotations

import sys
from contextlib import ExitStack

import pytest

from tests.support import servers
from tests.support.workers import REPO_ROOT, isolated_redis

sys.path.insert(0, str(REPO_ROOT / "bench"))
import city_day

pytestmark = pytest.mark.slow


def test_a_tiny_city_day_has_no_errors_closes_every_case_and_leaves_the_queues_empty(pg_admin_url, redis_url, tmp_path):
    database_url = servers.create_database(pg_admin_url, "city_day")
    queue_url = isolated_redis(redis_url, 11)
    with ExitStack() as stack:
        running, database_url, queue_url = city_day.start_stack(
            stack, tmp_path, 2, 1, database_url=database_url, redis_url=queue_url
        )
        day = city_day.run_day([running.web_url], database_url, queue_url, scale=0.002, concurrency=6, drain_seconds=300)
        assert not running.dead(), running.dead()
    assert day["errors"] == 0
    assert day["closed"] == day["reports"] == 7
    assert day["drained_after"] is not None, day["after"]
    assert not any(day["after"].values()), day["after"]  # nothing waiting, running, retrying, failed or dead
