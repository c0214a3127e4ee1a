"""Command-line entry points (`flask --app wsgi <command>`)."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from gridapp.cli.demo import demo_command
    from gridapp.cli.open311 import open311_group
    from gridapp.cli.outbox import outbox_group
    from gridapp.cli.rollups import rollups_group
    from gridapp.cli.scheduler import scheduler_group
    from gridapp.cli.tenants import create_city_command

    app.cli.add_command(demo_command)
    app.cli.add_command(create_city_command)
    app.cli.add_command(scheduler_group)
    app.cli.add_command(open311_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(rollups_group)
