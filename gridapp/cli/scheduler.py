"""`flask scheduler run-once` / `flask scheduler run`: enqueue the periodic jobs that are due."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gridapp.cli.loop import keep_running

scheduler_group = AppGroup("scheduler", help="Periodic jobs (gridapp/jobs/schedule.py).")


@scheduler_group.command("run-once")
def run_once_command() -> None:
    """Enqueue the jobs that are due now and exit (for cron)."""
    from gridapp.jobs.schedule import enqueue_due

    names = enqueue_due()
    click.echo("已调度：" + ("、".join(names) if names else "（无到期任务）"))


@scheduler_group.command("run")
@click.option("--interval", type=int, default=None, help="Seconds between checks (default SCHEDULER_INTERVAL_SECONDS).")
@click.option("--iterations", type=int, default=None, help="Stop after this many checks (default: run until stopped).")
def run_command(interval: int | None, iterations: int | None) -> None:
    """Check for due jobs in a loop, enqueueing each when its time comes; outages are waited out."""
    from gridapp.jobs.schedule import enqueue_due

    def check() -> None:
        names = enqueue_due()
        if names:
            click.echo("已调度：" + "、".join(names))

    interval = interval or current_app.config["SCHEDULER_INTERVAL_SECONDS"]
    keep_running(check, interval=interval, iterations=iterations, what="scheduler")
