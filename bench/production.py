"""The README's production stack on this machine, for benchmarks that drive it over HTTP.

Each process is started with the command the README's Production section gives (gunicorn with
deploy/gunicorn.conf.py, `rq worker --with-scheduler` with GridappWorker on every queue, `flask
scheduler run`, `flask outbox relay`), from one environment like deploy/gridapp.env.example's, and
its output goes to a log file under the stack's folder. `prefix` runs a process somewhere else (for
bench/scaleout.py, `ip netns exec <host>`). Given no URLs, PostgreSQL and Redis are throwaway
servers from tests/support/servers.py.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
QUEUES = ("gridapp-notify", "gridapp-default", "gridapp-media")  # the order gridapp.jobs.ALL_QUEUES serves them


def environment(base: Path, database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """What /etc/gridapp/gridapp.env holds in production, with the bench's SMS inbox as the SMS gateway."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{BENCH}",
        "GRIDAPP_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "GRIDAPP_INSTANCE_PATH": str(base / "instance"),
        "MEDIA_ROOT": str(base / "media"),
        "SMS_SENDER": "sms_inbox:RedisInboxSender",
        "PROXY_FIX_X_FOR": "1",  # the replay's phones come through a load balancer, each with its own address
        "LOG_FORMAT": "json",
        **settings,
    }


def flask(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    """One `flask --app wsgi ...` command run to its end (migrations, the demo city); its output."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


SEED_CITY = """
from gridapp.demo.city import seed_demo_city
from gridapp.extensions import db
from wsgi import app
with app.app_context():
    seed_demo_city()
    db.session.commit()
"""


def seed_city(env: dict[str, str]) -> None:
    """The demo city's regions, people, departments, categories and codes, without the six weeks of history
    `flask demo` lives through (a replay brings its own day); its jobs run inline, so no queue starts full."""
    done = subprocess.run([sys.executable, "-c", SEED_CITY], cwd=ROOT, env={**env, "REDIS_URL": ""}, capture_output=True,
                          text=True, timeout=1800, check=False)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"seeding the city failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


class Stack:
    """The stack's processes; `stop()` ends them (gunicorn and the workers finish what they hold first)."""

    def __init__(self, base: Path, env: dict[str, str]):
        self.base, self.env = base, env
        self.logs = base / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def _start(self, name: str, argv: list[str], prefix: list[str], **env: str) -> None:
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                [*prefix, *argv], cwd=ROOT, env={**self.env, **env}, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.processes.append((name, proc))

    def web(self, name: str, bind: str, workers: int, prefix: list[str] = ()) -> str:
        """An app server (`gunicorn --config deploy/gunicorn.conf.py wsgi:app`); its URL once a worker answers."""
        self._start(name, [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"], list(prefix),
                    GUNICORN_BIND=bind, GUNICORN_WORKERS=str(workers))  # fmt: skip
        url = f"http://{bind}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=10):
                return url
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not answer at {url}:\n{self.tail(name)}")

    def workers(self, count: int, prefix: list[str] = (), first: int = 1) -> None:
        rq = Path(sys.executable).with_name("rq")
        for n in range(first, first + count):
            self._start(f"worker{n}", [
                str(rq), "worker", "-w", "gridapp.jobs.worker.GridappWorker", "--with-scheduler",
                "--url", self.env["REDIS_URL"], *QUEUES,
            ], list(prefix))  # fmt: skip

    def scheduler_and_relay(self, prefix: list[str] = ()) -> None:
        flask_cmd = [sys.executable, "-m", "flask", "--app", "wsgi"]
        self._start("scheduler", [*flask_cmd, "scheduler", "run"], list(prefix))
        self._start("relay", [*flask_cmd, "outbox", "relay"], list(prefix))

    def dead(self) -> list[str]:
        return [name for name, proc in self.processes if proc.poll() is not None]

    def tail(self, name: str, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        for _, proc in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in self.processes:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.processes.clear()
