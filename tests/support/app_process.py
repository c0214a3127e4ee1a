"""The app served by a separate process, as one gunicorn worker would be: its own memory, a shared database."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import requests

from tests.support.servers import find_free_port

SERVE = """
import os
from werkzeug.serving import make_server
from gridapp import create_app
make_server("127.0.0.1", int(os.environ["PORT"]), create_app(), threaded=True).serve_forever()
"""
REPO_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def app_process(database_url: str, instance: Path, secret_key: str, **settings: str) -> Iterator[str]:
    """Serve the app from the environment (no REDIS_URL: the embedded default) and yield its base URL."""
    port = find_free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "RATELIMIT_STORAGE_URI"}}
    env.update(
        PORT=str(port), DATABASE_URL=database_url, SECRET_KEY=secret_key, GRIDAPP_ENV="test",
        GRIDAPP_INSTANCE_PATH=str(instance), PYTHONPATH=str(REPO_ROOT), **settings,
    )
    instance.mkdir(parents=True, exist_ok=True)
    log = open(instance / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-c", SERVE], env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app process did not start: {(instance / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
