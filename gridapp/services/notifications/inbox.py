"""Telling people things: the in-app inbox.

Other services call `notify` inside their own unit of work, so a notification exists
exactly when the change it announces was committed.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import func, select, update

from gridapp.authz import Actor
from gridapp.clock import now
from gridapp.errors import NotFound
from gridapp.extensions import db
from gridapp.models.notifications import Notification
from gridapp.unit_of_work import unit_of_work


def notify(
    city_id: int, user_ids: Iterable[int], kind: str, title: str, body: str = "", target: tuple[str, int] | None = None
) -> list[Notification]:
    """`target` is what the notification is about, e.g. ("case", 12); the web layer turns it into a link."""
    target_kind, target_id = target or (None, None)
    notes = [
        Notification(
            city_id=city_id, user_id=user_id, kind=kind, title=title, body=body, target_kind=target_kind, target_id=target_id
        )
        for user_id in dict.fromkeys(user_ids)  # once per person, in order
    ]
    db.session.add_all(notes)
    return notes


def inbox(actor: Actor, unread_only: bool = False):
    """A select of the actor's notifications, newest first."""
    stmt = select(Notification).where(Notification.city_id == actor.city_id, Notification.user_id == actor.user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(actor: Actor) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Notification.city_id == actor.city_id, Notification.user_id == actor.user_id, Notification.read_at.is_(None)
        )
    )


@unit_of_work
def mark_read(actor: Actor, notification_id: int) -> Notification:
    note = db.session.scalar(
        select(Notification).where(
            Notification.city_id == actor.city_id, Notification.user_id == actor.user_id, Notification.id == notification_id
        )
    )
    if note is None:
        raise NotFound("通知不存在")
    if note.read_at is None:
        note.read_at = now()
    return note


@unit_of_work
def mark_all_read(actor: Actor) -> int:
    return db.session.execute(
        update(Notification)
        .where(Notification.city_id == actor.city_id, Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=now())
    ).rowcount
