"""Command-line entry points (`flask --app wsgi <command>`)."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    from .demo import demo_command

    app.cli.add_command(demo_command)
