"""Database set-up that differs by engine.

SQLite is the embedded default, written by several gunicorn workers at once: WAL lets
readers proceed during a write, the busy timeout makes a writer wait for the lock
instead of failing, and BEGIN IMMEDIATE takes the write lock at the start of each
transaction so two transactions never deadlock upgrading a read lock (which SQLite
reports as an immediate "database is locked" the timeout cannot help with).
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from gridapp.extensions import db


def _configure_sqlite(engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def render_migration_item(type_, obj, autogen_context):
    """Autogenerate writes our UTCDateTime as a plain DateTime, so migrations never import app code
    (a later rename of the type must not break old revisions)."""
    from gridapp.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
