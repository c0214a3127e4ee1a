"""Worker processes for the grab concurrency tests (started with multiprocessing's spawn).

Each process builds its own Flask app and SQLAlchemy engine against the real
PostgreSQL URL, so every grab runs on its own connection, as with separate app
servers. A process reports "ready" once connected, then waits for commands:
("grab", user_id, order_ids, start_at) grabs each order in turn as that user,
starting at the wall-clock time `start_at` so all processes fire together.
"""
from __future__ import annotations

import time


def serve(database_url: str, city_id: int, inbox, outbox) -> None:
    try:
        _serve(database_url, city_id, inbox, outbox)
    except BaseException:
        import traceback

        outbox.put(("error", traceback.format_exc()))
        raise


def _serve(database_url: str, city_id: int, inbox, outbox) -> None:
    from flask import Flask
    from sqlalchemy import text

    from gridapp import database
    from gridapp.config import load_settings
    from gridapp.extensions import db

    app = Flask("grab-worker")
    app.config.update(load_settings(
        "/tmp", env={}, overrides={"SECRET_KEY": "x" * 48, "GRIDAPP_ENV": "test", "SQLALCHEMY_DATABASE_URI": database_url}
    ))
    database.init_app(app)
    from sqlalchemy import select

    from gridapp import models  # noqa: F401  (registers the tables)
    from gridapp.models import Order
    from gridapp.services.accounts.users import load_actor
    from gridapp.services.orders import workflow as orders

    with app.app_context():
        # Configure the mappers and open the connection now, not inside the timed grab.
        db.session.execute(text("SELECT 1"))
        db.session.scalar(select(Order).limit(1))
        db.session.rollback()
        outbox.put(("ready", None))
        while True:
            command = inbox.get()
            if command is None:
                return
            _verb, user_id, order_ids, start_at = command
            actor = load_actor(city_id, user_id)
            db.session.rollback()
            results = []
            time.sleep(max(0.0, start_at - time.time()))
            for order_id in order_ids:
                began = time.perf_counter()
                try:
                    order = orders.grab(actor, order_id)
                    outcome = ("won", order.holder_user_id, order.holder_department_id)
                except orders.OrderTaken as taken:
                    outcome = ("taken", taken.status, taken.details["holder_department_id"])
                except Exception as error:  # reported to the test, which fails on it
                    db.session.rollback()
                    outcome = ("error", type(error).__name__, str(error)[:300])
                results.append((order_id, *outcome, (time.perf_counter() - began) * 1000))
            outbox.put(("done", (user_id, results)))
