"""Work orders pushed in by a 12345 platform (or a department's own system) through its Open311 key.

The platform keeps its own order number: unique per key and city, so a re-push answers
the case it already made, also when both pushes arrive at once (the unique key decides). Every later step of that case owes the platform a callback: a
row written in the step's own unit of work, then sent by a job through the outbox, in
order per work order (a step is never sent before an earlier one), backing off after a
failure and given up (dead) after WORK_ORDER_CALLBACK_MAX_ATTEMPTS, after which the next
step goes. A periodic job retries the callbacks whose back-off has run out.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridapp import jobs
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, WorkOrder, WorkOrderCallback
from gridapp.services import events
from gridapp.services.open311 import outside
from gridapp.services.open311 import requests as open311
from gridapp.unit_of_work import unit_of_work

BACK_OFF_FIRST = timedelta(seconds=30)
BACK_OFF_MOST = timedelta(hours=1)
SEND_TIMEOUT_SECONDS = 10
# Every step that moves a case or says something public, and what an outside system the case was sent on to
# reported back (outside.UPDATE_ACTION): the platform follows the case by these.
STEPS = tuple(sorted(open311.PUBLIC_NOTES | {"confirm", "reopen", "cancel", outside.UPDATE_ACTION}))


@dataclass(frozen=True)
class Pushed:
    work_order: WorkOrder
    case: Case
    replayed: bool


def _known(who: open311.Caller, order_no: str) -> WorkOrder | None:
    return db.session.scalar(
        select(WorkOrder).where(
            WorkOrder.city_id == who.city_id, WorkOrder.api_client_id == who.client_id, WorkOrder.order_no == order_no
        )
    )


def push(who: open311.Caller, form: dict, attributes: dict[str, list[str]], uploads) -> Pushed:
    """File the platform's order as a case, or answer the case an earlier push of the same number made."""
    known = _known(who, form["order_no"])
    if known is not None:
        return Pushed(known, db.session.get(Case, known.case_id), replayed=True)

    def link(case: Case) -> None:
        db.session.add(
            WorkOrder(
                city_id=who.city_id, api_client_id=who.client_id, order_no=form["order_no"], case_id=case.id,
                callback_url=form["callback_url"],
            )
        )  # fmt: skip

    try:
        created = open311.create_request(who, form, attributes, uploads, also=link)
    except IntegrityError:
        # The same number pushed twice at once: both found nothing, both filed, and the unique key let one in.
        # The loser's case (and photos) rolled back with its unit of work; it answers the winner's.
        db.session.rollback()
        known = _known(who, form["order_no"])
        if known is None:
            raise
        return Pushed(known, db.session.get(Case, known.case_id), replayed=True)
    return Pushed(_known(who, form["order_no"]), created.case, replayed=False)


def on_case_event(case, _action: str) -> None:
    """A step of a pushed-in case: owe its platform a callback, sent once this step commits."""
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.city_id == case.city_id, WorkOrder.case_id == case.id))
    if order is None:
        return
    event_id = db.session.scalar(
        select(CaseEvent.id)
        .where(CaseEvent.city_id == case.city_id, CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    db.session.add(WorkOrderCallback(city_id=case.city_id, work_order_id=order.id, event_id=event_id, next_attempt_at=now()))
    jobs.enqueue("send_work_order_callbacks", case.city_id, order.id)


def register() -> None:
    for action in STEPS:
        events.subscribe(action, on_case_event)


def document(order: WorkOrder, case: Case, event: CaseEvent) -> dict:
    """What the platform gets: its number, our status after the step, the step's public note, when."""
    return {
        "order_no": order.order_no,
        "service_request_id": str(case.id),
        "status": event.to_state,
        "action": event.action,
        "note": open311.public_note(event) or (event.note if event.action == outside.UPDATE_ACTION else "") or "",
        "at": event.created_at.isoformat() + "Z",
    }


def _post(url: str, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as answer:
        if not 200 <= answer.status < 300:
            raise urllib.error.HTTPError(url, answer.status, "callback refused", answer.headers, None)


@unit_of_work
def send_due(city_id: int, work_order_id: int) -> int:
    """Send the work order's owed callbacks in order until one fails; returns how many were sent."""
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.city_id == city_id, WorkOrder.id == work_order_id))
    if order is None:
        return 0
    case = db.session.get(Case, order.case_id)
    owed = db.session.scalars(
        select(WorkOrderCallback)
        .where(WorkOrderCallback.city_id == city_id, WorkOrderCallback.work_order_id == order.id,
               WorkOrderCallback.status == "pending")
        .order_by(WorkOrderCallback.event_id)
        .with_for_update()
    )  # fmt: skip
    sent = 0
    for callback in owed:
        if callback.next_attempt_at > now():
            break  # backing off: the later steps wait behind it
        event = db.session.get(CaseEvent, callback.event_id)
        try:
            _post(order.callback_url, document(order, case, event))
        except (OSError, ValueError) as exc:
            _failed(callback, str(exc))
            if callback.status == "pending":
                break
            continue
        callback.status, callback.sent_at = "sent", now()
        sent += 1
    return sent


def _failed(callback: WorkOrderCallback, error: str) -> None:
    callback.attempts += 1
    callback.last_error = error[-2000:]
    if callback.attempts >= current_app.config["WORK_ORDER_CALLBACK_MAX_ATTEMPTS"]:
        callback.status = "dead"
        return
    callback.next_attempt_at = now() + min(BACK_OFF_FIRST * 2 ** (callback.attempts - 1), BACK_OFF_MOST)


def due_work_orders(city_id: int) -> list[int]:
    """The work orders with a callback whose back-off has run out, for the periodic retry."""
    return list(
        db.session.scalars(
            select(WorkOrderCallback.work_order_id)
            .where(WorkOrderCallback.city_id == city_id, WorkOrderCallback.status == "pending",
                   WorkOrderCallback.next_attempt_at <= now())
            .distinct()
        )
    )  # fmt: skip
