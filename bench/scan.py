"""Scan benchmark: an anonymous scan of an outdoor code, beside a bare Flask hello under the same server.

    python bench/scan.py [--seconds 10] [--connections 16] [--database-url postgresql://...]

It writes a city with one household and its outdoor code (the test suite's city and places)
into a temp SQLite file (the embedded default) or the given PostgreSQL database, then serves
gridapp with `gunicorn -w 2` exactly as scripts/serve does (access log off) and, on another
port, a bare Flask app answering `jsonify(hello="world")` with the same settings. `wrk`
(apt-get installed when absent) drives each in turn for the same time and connections. The
target: the scan path answers at least 70% of the hello's requests per second, for the JSON
API (/api/v1/scan/<token>) and the page a phone opens (/c/<token>). It also reports how many
scans reached the database's scan log after the server stopped (all of them must).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from harness import BENCH_SECRET, figure  # first: it puts the repository on sys.path

ROOT = Path(__file__).resolve().parents[1]
RATIO = 0.70
HELLO = '''
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify(hello="world")
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "-q", "install", "-y", "--no-install-recommends", "wrk"],
                       check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    return found


def serve(app_spec: str, cwd: Path, env: dict, ready_path: str) -> tuple[subprocess.Popen, str]:
    """Start gunicorn and wait until a worker answers (the master listens before its workers have booted)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + ready_path, timeout=5):
                return server, base
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise RuntimeError(server.stderr.read().decode())


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)  # gunicorn's graceful stop: workers finish and flush
    server.wait(timeout=60)


def requests_per_second(url: str, seconds: int, connections: int) -> tuple[float, int]:
    out = subprocess.run(
        [wrk_binary(), "-t2", f"-c{connections}", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    if "Requests/sec" not in out or " 0 requests in" in out:
        raise RuntimeError(out)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), total if not errors else -errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url = args.database_url or f"sqlite:///{tmp / 'scan.sqlite3'}"
        env = {
            **os.environ, "DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET, "MEDIA_ROOT": str(tmp / "media"),
            "HOME": str(tmp), "PYTHONPATH": str(ROOT),
        }
        env.pop("REDIS_URL", None)
        token = seed(url, tmp)
        (tmp / "hello_app.py").write_text(HELLO)
        hello, base = serve("hello_app:app", tmp, env, "/")
        try:
            requests_per_second(f"{base}/", 2, args.connections)  # warm up
            hello_rps, _ = requests_per_second(f"{base}/", args.seconds, args.connections)
        finally:
            stop(hello)
        app, base = serve("wsgi:app", ROOT, env, "/healthz")
        try:
            results, answered = {}, 0  # every scan wrk saw answered (the readiness check asks /healthz)
            for label, path in (("JSON API /api/v1/scan/<token>", f"/api/v1/scan/{token}"), ("page /c/<token>", f"/c/{token}")):
                answered += requests_per_second(f"{base}{path}", 2, args.connections)[1]
                results[label] = requests_per_second(f"{base}{path}", args.seconds, args.connections)
                answered += results[label][1]
        finally:
            stop(app)
        print(f"scan: gunicorn -w 2, {db_name(url)}, wrk -t2 -c{args.connections} for {args.seconds} s each")
        print(f"  bare Flask jsonify hello: {hello_rps:,.0f} requests/s")
        for label, (rps, total) in results.items():
            if total < 0:
                print(f"  {label}: {-total} answers were errors")
            print(f"  {label}: {rps:,.0f} requests/s")
            figure(f"{label}: share of the hello's throughput", rps / hello_rps * 100, RATIO * 100, "%", at_least=True)
        logged = logged_scans(url, tmp, token)
        print(f"  scans answered {answered:,}; in the scan log after the server stopped {logged:,}")
        figure("scans answered but missing from the log", max(0, answered - logged), 0, "")


def db_name(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


def seed(url: str, tmp: Path) -> str:
    """The city's outdoor household code, through the real services (a fresh city per run)."""
    code = f"scan{uuid.uuid4().hex[:6]}"
    script = (
        "from flask_migrate import upgrade\n"
        "from wsgi import app\n"
        "from tests.support.factories import build_city\n"
        "from tests.support.places import build_places\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        f"    print(build_places(build_city({code!r})).tokens['household_outdoor'])\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET, "HOME": str(tmp), "MEDIA_ROOT": str(tmp / "media")}
    env.pop("REDIS_URL", None)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def logged_scans(url: str, tmp: Path, token: str) -> int:
    script = (
        "from sqlalchemy import func, select\n"
        "from wsgi import app\n"
        "from gridapp.extensions import db\n"
        "from gridapp.models import QrCode, ScanLog\n"
        "with app.app_context():\n"
        f"    code = db.session.scalar(select(QrCode).where(QrCode.token == {token!r}))\n"
        "    print(db.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.code_id == code.id)))\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET, "HOME": str(tmp)}
    env.pop("REDIS_URL", None)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
