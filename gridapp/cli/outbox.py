"""`flask outbox relay | list | replay`: the job outbox (gridapp/services/outbox.py) for operators."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gridapp.cli.loop import keep_running

outbox_group = AppGroup("outbox", help="Background jobs waiting for, on, or given up by the RQ queues.")


@outbox_group.command("relay")
@click.option("--interval", type=float, default=None, help="Seconds between passes (default OUTBOX_RELAY_INTERVAL_SECONDS).")
@click.option("--iterations", type=int, default=None, help="Stop after this many passes (default: run until stopped).")
def relay_command(interval: float | None, iterations: int | None) -> None:
    """Hand due jobs to RQ and check on the ones it has, in a loop that waits out Redis and database outages."""
    from gridapp.jobs.relay import relay_once

    if current_app.extensions.get("gridapp.queues") is None:
        raise click.ClickException("未配置 REDIS_URL：任务在提交后直接执行，无需转发")

    def step() -> None:
        result = relay_once()
        if result.handed_over or result.failed:
            click.echo(f"已转发 {result.handed_over} 个任务，失败 {result.failed} 个，完成 {result.done} 个")

    interval = interval or current_app.config["OUTBOX_RELAY_INTERVAL_SECONDS"]
    keep_running(step, interval=interval, iterations=iterations, what="outbox relay")


@outbox_group.command("list")
@click.option("--status", type=click.Choice(["pending", "queued", "done", "dead"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
def list_command(status: str | None, limit: int) -> None:
    """The newest jobs (all, or those in one state), and how the outbox stands."""
    from gridapp.services import outbox

    figures = outbox.stats()
    click.echo(
        f"待转发 {figures.pending}，队列中 {figures.queued}，已放弃 {figures.dead}，"
        f"最久待转发 {figures.oldest_pending_seconds:.0f} 秒"
    )
    for row in outbox.rows(status, limit=limit):
        error = (row.last_error or "").strip().splitlines()[-1:] or [""]
        click.echo(
            f"{row.id}\t{row.status}\t{row.name}\t尝试 {row.attempts} 次\t{row.created_at:%Y-%m-%d %H:%M:%S}Z\t{error[0]}"
        )


@outbox_group.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Replay every dead job.")
def replay_command(ids: tuple[int, ...], all_dead: bool) -> None:
    """Give dead jobs a fresh set of attempts."""
    from gridapp.services import outbox

    if bool(ids) == all_dead:
        raise click.UsageError("请给出任务编号，或使用 --all-dead（二选一）")
    count = outbox.replay(None if all_dead else ids)
    click.echo(f"已重新排队 {count} 个任务")
