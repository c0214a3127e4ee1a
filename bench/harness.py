"""What every benchmark needs: a PostgreSQL database with the real schema and an app on it.

Given no URL (nor DATABASE_URL), a throwaway server is started in a temp dir with
tests/servers.py, so a benchmark runs anywhere the test suite runs.
"""
from __future__ import annotations

import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from gridapp import create_app  # noqa: E402
from gridapp.extensions import db  # noqa: E402
from gridapp.models import City  # noqa: E402


@contextmanager
def bench_city(database_url: str | None) -> Iterator[City]:
    """Inside an app context on the migrated database, a fresh city to load data into."""
    with ExitStack() as stack:
        if not database_url:
            from tests.support.servers import postgres_server

            database_url = stack.enter_context(postgres_server(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "GRIDAPP_ENV": "test"})
        with app.app_context():
            upgrade()
            city = City(code=f"bench{int(time.time())}", name="基准市")
            db.session.add(city)
            db.session.flush()
            yield city
