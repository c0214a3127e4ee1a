"""`flask rollups rebuild [--city CODE] [--days N]`: recompute the leaders' rollups from the cases.

Run it after upgrading to migration 0014 and after loading cases past the application (a COPY);
the scheduler's `reconcile_rollups` does the same for the recent days every hour.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import City
from gridapp.services.supervision import rollups

rollups_group = AppGroup("rollups", help="The leaders' rollup tables (services/supervision/rollups.py).")


@rollups_group.command("rebuild")
@click.option("--city", "city_code", default=None, help="Only this city (its code); every city by default.")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last N China days; every day by default.")
def rebuild_command(city_code: str | None, days: int | None) -> None:
    """Recompute the rollups from the cases, fixing and logging every row that differed."""
    stmt = select(City.id, City.code).order_by(City.id)
    if city_code:
        stmt = stmt.where(City.code == city_code)
    cities = db.session.execute(stmt).all()
    db.session.rollback()
    if not cities:
        raise click.ClickException(f"没有城市 {city_code}")
    first, last = rollups.recent_window(days) if days else (None, None)
    for city_id, code in cities:
        fixed = rollups.rebuild(city_id, first, last)
        click.echo(f"{code}：已重算，{fixed} 行有差异并已修正")
