"""Delivering notifications through the push channel, with retries and a dead letter.

`push(notes)` is called inside the unit of work that created the notifications (or
`notify_and_push` for both at once, what every event someone must hear of at once uses); it
records one delivery per notification and asks for the job after the commit. Each try
is its own unit of work, so a failure is recorded even though the job then fails for
RQ to retry it; the scheduler's `retry_deliveries` picks up what is still pending
(inline mode has no RQ retries). After PUSH_MAX_ATTEMPTS failures the row stays `dead`; a
delivery the channel can never make (`Undeliverable`) is `skipped` at its first try, with the reason.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from gridapp import jobs
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.integrations.push import Undeliverable, push_channel
from gridapp.models import DeliveryAttempt, Notification, User
from gridapp.services.notifications.inbox import notify
from gridapp.unit_of_work import unit_of_work


class DeliveryFailed(Exception):
    """Raised by the job so that RQ retries it."""


def notify_and_push(
    city_id: int, user_ids, kind: str, title: str, body: str = "", target: tuple[str, int] | None = None
) -> list[Notification]:
    """`inbox.notify`, and the same notifications through the push channel: for what the people told must hear at once."""
    notes = notify(city_id, user_ids, kind, title, body, target)
    push(notes)
    return notes


def push(notes: list[Notification]) -> list[DeliveryAttempt]:
    if not notes:
        return []
    db.session.flush()
    channel = push_channel().name
    rows = [DeliveryAttempt(city_id=n.city_id, notification_id=n.id, channel=channel) for n in notes]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        jobs.enqueue("deliver_push", row.city_id, row.id)
    return rows


@unit_of_work
def attempt(city_id: int, attempt_id: int) -> str:
    """Try one delivery; returns its status afterwards ("sent", "pending" to retry, "skipped" or "dead")."""
    row = db.session.scalar(
        select(DeliveryAttempt).where(DeliveryAttempt.city_id == city_id, DeliveryAttempt.id == attempt_id).with_for_update()
    )
    if row is None or row.status != "pending":
        return row.status if row else "dead"
    note = db.session.get(Notification, row.notification_id)
    user = db.session.get(User, note.user_id)
    row.attempts += 1
    try:
        push_channel().send(user, note)
    except Undeliverable as exc:  # no address on the channel, or declined: recorded once, never retried
        row.status, row.last_error = "skipped", str(exc)[:2000]
        return row.status
    except Exception as exc:  # any provider error: recorded, then retried or given up
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"]:
            row.status = "dead"
        return row.status
    row.status, row.sent_at, row.last_error = "sent", now(), ""
    return row.status


def pending_ids(city_id: int, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    return list(
        db.session.scalars(
            select(DeliveryAttempt.id)
            .where(DeliveryAttempt.city_id == city_id, DeliveryAttempt.status == "pending", DeliveryAttempt.updated_at <= now() - older_than)
            .order_by(DeliveryAttempt.id)
            .limit(1000)
        )
    )


def dead_letters(city_id: int):
    return select(DeliveryAttempt).where(DeliveryAttempt.city_id == city_id, DeliveryAttempt.status == "dead").order_by(DeliveryAttempt.id.desc())
