"""A production-like stack for fault tests: gunicorn, rq workers, the scheduler and the outbox relay.

Each process is started exactly as the README's Production section says and is
supervised like systemd's `Restart=always` would: one that exits is started again a
second later, and its restarts are counted. The PostgreSQL and Redis servers (from
tests/support/servers.py) can be restarted, stopped and killed under the processes.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import requests

from tests.support import servers
from tests.support.workers import REPO_ROOT, worker_command, worker_environment

RESTART_AFTER = 1.0  # seconds, like RestartSec=1


class Supervised:
    """One long-running process, started again whenever it exits until `stop()`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.restarts = 0
        self.stopping = False
        self.proc: subprocess.Popen | None = None
        self._exited_at: float | None = None
        self._start()

    def _start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def supervise(self) -> None:
        if self.stopping or self.proc is None or self.proc.poll() is None:
            return
        if self._exited_at is None:
            self._exited_at = time.monotonic()
        elif time.monotonic() - self._exited_at >= RESTART_AFTER:
            self._exited_at = None
            self.restarts += 1
            self._start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def children(self) -> list[int]:
        """The pids this process has forked (an rq worker's work horse)."""
        found = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                found += [int(pid) for pid in (task / "children").read_text().split()]
        return found

    def stop(self) -> None:
        self.stopping = True
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Postgres:
    """Restart, stop and start a server that tests/support/servers.py started (its data directory is asked for)."""

    def __init__(self, url: str):
        import psycopg

        self.port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        with psycopg.connect(servers.libpq_url(url), autocommit=True) as connection:
            self.data = Path(connection.execute("SHOW data_directory").fetchone()[0])
        self.bindir = servers.postgres_bin_dir()
        self.as_pg = ["runuser", "-u", servers.PG_OS_USER, "--"] if os.geteuid() == 0 else []

    def _pg_ctl(self, *args: str) -> None:
        result = subprocess.run(
            [*self.as_pg, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args],
            cwd=self.data.parent, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert result.returncode == 0, f"pg_ctl {args}: {result.stdout}{result.stderr}"

    @property
    def _log(self) -> str:
        return str(self.data.parent / "postgres.log")  # with -l the server does not hold pg_ctl's output open

    def restart(self) -> None:
        self._pg_ctl("-l", self._log, "-m", "fast", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self._pg_ctl("-l", self._log, "-o", f"-p {self.port}", "start")


class Redis:
    """A redis-server of our own on a fixed port, so it can be killed and started again empty."""

    def __init__(self, base_dir: Path):
        self.root = base_dir / "redis"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = servers.find_free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = servers._start_redis(servers.redis_server_binary(), self.port, self.root, self.root / "redis.log")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            servers._stop_process(self.proc)


class Stack:
    def __init__(self, database_url: str, redis: Redis, base_dir: Path, **settings: str):
        self.base_dir = base_dir
        self.port = servers.find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = worker_environment(redis.url, database_url, base_dir, **settings)
        env["GRIDAPP_INSTANCE_PATH"] = str(base_dir / "instance")
        logs = base_dir / "logs"
        logs.mkdir(exist_ok=True)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        self.web = Supervised("gunicorn", [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "wsgi:app"], env, logs)
        self.workers = [
            Supervised(f"worker{n}", worker_command(redis.url, "--job-monitoring-interval", "5"), env, logs) for n in (1, 2)
        ]
        self.scheduler = Supervised("scheduler", [*flask, "scheduler", "run"], env, logs)
        self.relay = Supervised("relay", [*flask, "outbox", "relay"], env, logs)
        self.processes = [self.web, *self.workers, self.scheduler, self.relay]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._thread.start()
        self._wait_for_web()

    def _supervise(self) -> None:
        while not self._stop.wait(0.2):
            for process in self.processes:
                process.supervise()

    def _wait_for_web(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{self.url}/healthz", timeout=5)
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.web.tail()}")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (restarts {p.restarts}) ---\n{p.tail()}" for p in self.processes)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for process in self.processes:
            process.stop()


@contextlib.contextmanager
def stack(database_url: str, redis: Redis, base_dir: Path, **settings: str) -> Iterator[Stack]:
    running = Stack(database_url, redis, base_dir, **settings)
    try:
        yield running
    finally:
        running.stop()
