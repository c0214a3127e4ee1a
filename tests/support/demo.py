"""The demo city for tests that read it, lived once per test session and database.

Living six weeks of history through the services takes most of a minute, and the
dashboard, Open311 and case-page tests each need a fresh copy (they nudge, close and
reload). So the first such test seeds it and keeps every row; each test then gets the
same rows back with plain INSERTs in a second or two. The photo files stay in the
session's media folder. The history ends at the `clock` fixture's moment, which every
such test runs at.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select, text

from gridapp import clock as clock_module
from gridapp.demo.cases import demo_city_id, seed_demo_cases
from gridapp.demo.city import seed_demo_city
from gridapp.demo.participation import seed_demo_participation
from gridapp.extensions import db

HISTORY_ENDS = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # the `clock` fixture's start


def seed_rows() -> dict[str, list[dict]]:
    """Seed the demo city with its history ending at HISTORY_ENDS and read back every row, table by table."""
    previous = clock_module.install(clock_module.FrozenClock(HISTORY_ENDS))
    try:
        seed_demo_city()
        seed_demo_cases(demo_city_id())
        seed_demo_participation(demo_city_id())
    finally:
        clock_module.install(previous)
    rows = {}
    for table in db.metadata.sorted_tables:
        order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
        rows[table.name] = [dict(row._mapping) for row in db.session.execute(select(table).order_by(*order))]
    db.session.rollback()
    return rows


def restore_rows(rows: dict[str, list[dict]]) -> int:
    """Put the seeded rows back into the empty tables; returns the demo city's id."""
    postgresql = db.engine.dialect.name == "postgresql"
    for table in db.metadata.sorted_tables:
        if rows[table.name] and table.name != "case_rollups":
            db.session.execute(table.insert(), rows[table.name])
            if postgresql and "id" in table.c:
                top = db.session.scalar(select(func.max(table.c.id)))
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :top)"), {"name": table.name, "top": top}
                )
    # The ratings put back counted themselves into the rollups (a trigger); the saved rollups already hold them.
    db.session.execute(text("DELETE FROM case_rollups"))
    if rows["case_rollups"]:
        db.session.execute(db.metadata.tables["case_rollups"].insert(), rows["case_rollups"])
    db.session.commit()
    return demo_city_id()
