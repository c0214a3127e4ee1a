"""Fixture chain: servers → app (once per database backend) → clean tables → client.

Every test that takes `app` runs twice, on SQLite and on a real PostgreSQL that the
suite starts itself. Tables are emptied after each test instead of rolling back a
wrapping transaction, because services commit for real and concurrency tests use
several connections.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from gridapp import clock as clock_module
from gridapp import create_app
from gridapp.extensions import db
from tests.support import servers

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"


@pytest.fixture(scope="session")
def pg_admin_url():
    """The session's PostgreSQL; it lives outside pytest's temporary folders (see servers.server_root)."""
    servers.require_service("postgres")
    with servers.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    servers.require_service("redis")
    with servers.redis_server() as url:
        yield url


def make_app(database_url: str, tmp_path, **overrides):
    config = {
        "GRIDAPP_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "SCAN_LOG_FLUSH_SECONDS": 0,  # each scan is in the log when its answer arrives (tests/test_scan_log.py batches)
        # Tests empty the tables and restart ids between tests faster than a second: read stamps every time.
        "CITY_STAMP_RECHECK_SECONDS": 0,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'gridapp.sqlite3'}"
    admin = request.getfixturevalue("pg_admin_url")
    return servers.create_database(admin, "gridapp_domain")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    return make_app(database_url, tmp_path_factory.mktemp("app"))


def empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(request):
    """Tests that use the app get a pushed context and empty tables afterwards."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield
        db.session.rollback()
        empty_tables()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clock():
    frozen = clock_module.FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    previous = clock_module.install(frozen)
    yield frozen
    clock_module.install(previous)


@pytest.fixture
def city(app):
    from tests.support.factories import build_city

    return build_city()


@pytest.fixture
def cats(city):
    """The test city's categories by code: garbage (grid worker), parking and wages (departments)."""
    from tests.support.cases import add_categories

    return add_categories(city)


@pytest.fixture
def places(city):
    """One entity of every code-bearing type in g1, with their codes."""
    from tests.support.places import build_places

    return build_places(city)


@pytest.fixture(scope="session")
def browser():
    servers.require_service("chromium")
    from tests.support.browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture
def live_url(app):
    """The test's app served over HTTP on a free port (same database as the test)."""
    from tests.support.browser import live_server

    with live_server(app) as url:
        yield url


@pytest.fixture
def phone(browser, live_url):
    """A fresh phone-sized browser context (WeChat's user agent) pointed at the live server."""
    from tests.support.browser import PHONE, device_page

    with device_page(browser, live_url, PHONE) as page:
        yield page


@pytest.fixture
def rate_limited_app(tmp_path):
    """Build (once per test) an app with rate limits on and the given limit settings; the suite's apps run with them off."""
    from gridapp.extensions import limiter

    was = limiter.enabled
    made = []

    def build(**limits):
        app = make_app(
            f"sqlite:///{tmp_path / 'limits.sqlite3'}", tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **limits
        )
        context = app.app_context()
        context.push()
        made.append(context)
        return app

    yield build
    for context in made:
        db.session.remove()
        db.engine.dispose()
        context.pop()
    limiter.enabled = was  # one limiter object serves every app in this process


@pytest.fixture(scope="session")
def demo_rows(app):
    """The demo city's rows, seeded once per database (tests.support.demo); `demo_city` puts them back."""
    from tests.support.demo import seed_rows

    with app.app_context():
        try:
            return seed_rows()
        finally:
            db.session.rollback()
            empty_tables()
            db.session.remove()


@pytest.fixture
def demo_city(app, demo_rows, clock):
    """A fresh copy of the demo city, whose history ends at the clock's now; returns its id."""
    from tests.support.demo import HISTORY_ENDS, restore_rows

    assert clock.now() == HISTORY_ENDS
    return restore_rows(demo_rows)
