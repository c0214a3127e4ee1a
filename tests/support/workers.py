"""Running a real `rq worker` subprocess against a test's own PostgreSQL database and Redis.

Job tests prove the production path: the web app only enqueues, and a separate worker
process (gridapp.jobs.worker.GridappWorker, configured from its environment like in
production) does the work.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gridapp.jobs import ALL_QUEUES
from tests.conftest import TEST_SECRET

REPO_ROOT = Path(__file__).resolve().parents[2]


def isolated_redis(redis_url: str, db_number: int) -> str:
    """A Redis database of our own on the shared test server, emptied first."""
    from redis import Redis

    url = f"{redis_url.rsplit('/', 1)[0]}/{db_number}"
    connection = Redis.from_url(url)
    connection.flushdb()
    connection.close()
    return url


def rq_command() -> list[str]:
    script = Path(sys.executable).with_name("rq")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rq.cli"]


def worker_environment(queue_url: str, database_url: str, tmp_path: Path, **env: str) -> dict[str, str]:
    """A worker's environment, as production configures it; `env` adds settings (MEDIA_ROOT, SMS_SENDER…)."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "GRIDAPP_ENV": "test",
        "GRIDAPP_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": queue_url,
        "SECRET_KEY": TEST_SECRET,
        **env,
    }


def worker_command(queue_url: str, *options: str) -> list[str]:
    """The README's worker command: RQ's scheduler runs in the worker, so interval retries come back."""
    return [
        *rq_command(), "worker", "-w", "gridapp.jobs.worker.GridappWorker", "--with-scheduler", *options,
        "--url", queue_url, "--path", str(REPO_ROOT), *ALL_QUEUES,
    ]  # fmt: skip


def run_worker(queue_url: str, database_url: str, tmp_path: Path, *, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    """Run one burst worker over every gridapp queue until they are empty."""
    return subprocess.run(
        worker_command(queue_url, "--burst"), cwd=REPO_ROOT, env=worker_environment(queue_url, database_url, tmp_path, **env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
    )  # fmt: skip
