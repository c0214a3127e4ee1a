"""deploy/: the systemd units parse, restart what fails, and start commands that exist; gunicorn's config
serves the app with metrics summed over its workers and JSON log lines carrying the request id."""
from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import make_app
from tests.support.servers import find_free_port
from tests.support.workers import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
UNITS = DEPLOY / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
INSTALLED_VENV = "/opt/gridapp/.venv/bin/"
ENV_FILE = "/etc/gridapp/gridapp.env"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path)
    return parser


def exec_start(path: Path) -> list[str]:
    """ExecStart as argv, run from the repository's own virtualenv, with the env file's REDIS_URL filled in."""
    argv = shlex.split(unit(path)["Service"]["ExecStart"])
    argv[0] = argv[0].removeprefix(INSTALLED_VENV)
    return [a.replace("${REDIS_URL}", "redis://127.0.0.1:6379/0") for a in argv]


def test_every_process_has_a_unit_that_restarts_it():
    assert {p.name for p in SERVICES} == {
        "gridapp-web.service", "gridapp-worker@.service", "gridapp-scheduler.service", "gridapp-relay.service",
    }
    wanted = unit(UNITS / "gridapp.target")["Unit"]["Wants"].split()
    for path in SERVICES:
        parsed = unit(path)
        assert parsed["Service"]["Restart"] == "always", path.name
        assert parsed["Unit"]["StartLimitIntervalSec"] == "0", path.name  # never give up during a long outage
        assert parsed["Service"]["EnvironmentFile"] == ENV_FILE
        assert parsed["Service"]["ExecStart"].startswith(INSTALLED_VENV)
        assert parsed["Install"]["WantedBy"] == "gridapp.target"
        instance = path.name.replace("@.service", "@")
        assert any(w == path.name or ("@" in instance and w.startswith(instance)) for w in wanted), path.name


def test_workers_run_rqs_scheduler_so_retries_run():
    argv = exec_start(UNITS / "gridapp-worker@.service")
    assert argv[:3] == ["rq", "worker", "--with-scheduler"]


def test_every_flask_command_in_the_units_exists_in_the_apps_cli(app):
    import click

    commands = [exec_start(p) for p in SERVICES if exec_start(p)[0] == "flask"]
    assert {tuple(c[3:]) for c in commands} == {("scheduler", "run"), ("outbox", "relay")}
    for argv in commands:
        assert argv[1:3] == ["--app", "wsgi"]
        group = app.cli.get_command(click.Context(app.cli), argv[3])
        assert group is not None, f"no `flask {argv[3]}` command"
        command = group.get_command(click.Context(group), argv[4])
        assert command is not None, f"no `flask {argv[3]} {argv[4]}` command"
        command.make_context(argv[4], argv[5:])  # its options parse


def test_the_worker_command_parses_and_names_a_worker_class_that_imports():
    from rq.cli.cli import main
    from rq.utils import import_attribute

    argv = exec_start(UNITS / "gridapp-worker@.service")
    worker = main.get_command(None, argv[1])
    context = worker.make_context(argv[1], argv[2:])
    assert context.params["with_scheduler"] is True
    assert set(context.params["queues"]) == {"gridapp-default", "gridapp-media", "gridapp-notify"}
    assert import_attribute(context.params["worker_class"]).__name__ == "GridappWorker"


def gunicorn_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    database = tmp_path / "gunicorn.sqlite3"
    make_app(f"sqlite:///{database}", tmp_path)  # migrated
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "RATELIMIT_STORAGE_URI"}}
    env.update(
        GRIDAPP_ENV="test", SECRET_KEY="k" * 48, DATABASE_URL=f"sqlite:///{database}", GRIDAPP_INSTANCE_PATH=str(tmp_path),
        PYTHONPATH=str(REPO_ROOT), **extra,
    )
    return env


def test_gunicorns_config_checks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--config", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
        cwd=REPO_ROOT, env=gunicorn_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """Verified as installed, with the paths pointing at this checkout and its virtualenv."""
    venv_bin = Path(sys.executable).parent
    for path in UNITS.iterdir():
        text = path.read_text().replace(INSTALLED_VENV, f"{venv_bin}/").replace(ENV_FILE, str(DEPLOY / "gridapp.env.example"))
        (tmp_path / path.name).write_text(text.replace("/opt/gridapp", str(REPO_ROOT)))
    names = [p.name.replace("@.", "@1.") for p in UNITS.iterdir()]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[f"./{n}" for n in names]],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.slow
def test_gunicorn_sums_metrics_over_workers_and_logs_json_with_request_ids(tmp_path):
    port = find_free_port()
    metrics_dir = tmp_path / "prometheus"
    env = gunicorn_env(
        tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="3", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN="t0ken", LOG_FORMAT="json", REDIS_URL=f"redis://127.0.0.1:{find_free_port()}/0",
    )
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{url}/api/v1/no-such-route", timeout=90)  # the workers are still importing the app
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()[-3000:]
                time.sleep(0.3)
        sent = 0
        with ThreadPoolExecutor(max_workers=10) as pool:  # parallel connections: a busy worker leaves the next to another
            while sent < 30 or len(list(metrics_dir.glob("histogram_*.db"))) < 2:
                assert sent < 600, "answered by more than one worker"
                ids = [f"probe-{n}" for n in range(sent, sent + 30)]
                probe = lambda rid: requests.get(f"{url}/healthz", headers={"X-Request-ID": rid}, timeout=30)  # noqa: E731
                for health in pool.map(probe, ids):
                    assert health.status_code == 200 and health.json()["status"] == "degraded"  # Redis is away
                sent += len(ids)
        text = requests.get(f"{url}/metrics", headers={"Authorization": "Bearer t0ken"}, timeout=10).text
        assert f'gridapp_request_duration_seconds_count{{method="GET",route="/healthz",status="200"}} {sent}.0' in text
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    access = [e for e in entries if e.get("request_id") == "probe-7" and "status" in e]
    assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200
    app_lines = [e for e in entries if e.get("request_id") == "probe-7" and e.get("logger") == "gridapp.web.probes"]
    assert app_lines and app_lines[0]["message"] == "queue depths unavailable: ConnectionError"
    assert not [line for line in lines if line.strip() and not line.startswith("{")], "every line is JSON"
