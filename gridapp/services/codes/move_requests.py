"""挪车: "please move" reaches a linked owner's inbox first and goes by SMS only when it stays unread.

An owner who uses the app sees the request at once and gets no text; one who does not look within
MOVE_SMS_AFTER_MINUTES, or has no linked account, still hears of it by SMS at the number the
registry has for the bike. The number is read by the job that sends the text, never stored on the
request. The scheduler's sweep (gridapp.jobs.schedule) claims each due request with one
conditional UPDATE, so two sweeps running at once send one text.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from gridapp import jobs
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import ContactRequest, EBike, Notification, QrCode
from gridapp.services.notifications.inbox import notify
from gridapp.unit_of_work import unit_of_work


def ask_owner(bike: EBike, request: ContactRequest, title: str, body: str) -> None:
    """Inside the scan's unit of work: the inbox with an SMS deadline, or the SMS straight away."""
    if bike.owner_user_id is None:
        request.sms_sent_at = now()
        jobs.enqueue("sms_move_request", bike.city_id, bike.id)
        return
    note = notify(bike.city_id, [bike.owner_user_id], "code_move", title, body)[0]
    db.session.flush()
    request.notification_id = note.id
    request.sms_due_at = now() + timedelta(minutes=current_app.config["MOVE_SMS_AFTER_MINUTES"])


@unit_of_work
def send_overdue() -> int:
    """Text the owners of every due request still unread; a request read in time is closed without a text.
    Returns how many texts were asked for."""
    at = now()
    due = db.session.execute(
        select(ContactRequest.id, ContactRequest.city_id, QrCode.entity_id, Notification.read_at)
        .join(QrCode, QrCode.id == ContactRequest.code_id)
        .join(Notification, Notification.id == ContactRequest.notification_id)
        .where(ContactRequest.sms_due_at <= at)
        .order_by(ContactRequest.id)
    ).all()
    sent = 0
    for request_id, city_id, bike_id, read_at in due:
        claimed = db.session.execute(
            update(ContactRequest)
            .where(ContactRequest.id == request_id, ContactRequest.sms_due_at.is_not(None))
            .values(sms_due_at=None, sms_sent_at=None if read_at is not None else at)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1 and read_at is None:
            jobs.enqueue("sms_move_request", city_id, bike_id)
            sent += 1
    return sent
