"""Cases sent on to an outside system that speaks Open311 GeoReport v2, as FixMyStreet's senders do.

A category may name an outside endpoint (base URL, api_key, jurisdiction, their service_code).
A new case of that category owes it a request: a row written with the case, sent by a job
through the outbox (a failed send raises, so the outbox retries it and finally holds it dead).
The id the outside system answers is kept, and a periodic job reads its
servicerequestupdates.json and appends each new update to the case's timeline, once: a
fetched update's id is kept beside the event it made. Many GeoReport servers lack that
optional extension (it answers 404): then each sent request still open there is read with
GET requests/{id}.json, and a status it has not shown before (status and updated_datetime)
becomes the update. City admins set the endpoints up (outside_systems); a disabled one is sent
nothing and not asked, and the cases whose send found it disabled go out when it is enabled.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import select

from gridapp import jobs
from gridapp.extensions import db
from gridapp.models import Case, ExternalEndpoint, ExternalRequest, ExternalUpdate
from gridapp.services import events
from gridapp.services.cases import workflow as case_workflow
from gridapp.unit_of_work import unit_of_work

TIMEOUT_SECONDS = 15
UPDATE_ACTION = "external_update"
NO_UPDATES_EXTENSION = 404  # what a GeoReport server without servicerequestupdates answers for it
STATUS_UPDATE = "status:"  # the prefix of an update made from a request's own status (the fallback)


class OutsideRefused(RuntimeError):
    """The outside system answered without a service_request_id: the outbox retries the send."""


def on_submit(case: Case, _action: str) -> None:
    endpoint = db.session.scalar(
        select(ExternalEndpoint).where(
            ExternalEndpoint.city_id == case.city_id, ExternalEndpoint.category_id == case.category_id,
            ExternalEndpoint.is_active.is_(True),
        )
    )  # fmt: skip
    if endpoint is None:
        return
    row = ExternalRequest(city_id=case.city_id, case_id=case.id, endpoint_id=endpoint.id)
    db.session.add(row)
    db.session.flush()
    jobs.enqueue("send_case_outside", case.city_id, row.id)


def register() -> None:
    events.subscribe("submit", on_submit)


def _call(url: str, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=TIMEOUT_SECONDS) as answer:
        return json.loads(answer.read().decode("utf-8"))


def _keyed(endpoint: ExternalEndpoint) -> dict:
    return {"api_key": endpoint.api_key, **({"jurisdiction_id": endpoint.jurisdiction_id} if endpoint.jurisdiction_id else {})}


@unit_of_work
def send(city_id: int, external_request_id: int) -> str | None:
    """POST the case to requests.json; keeps and returns the outside id (a second run sends nothing)."""
    row = db.session.scalar(
        select(ExternalRequest).where(ExternalRequest.city_id == city_id, ExternalRequest.id == external_request_id)
    )
    if row is None or row.service_request_id is not None:
        return row.service_request_id if row else None
    endpoint = db.session.get(ExternalEndpoint, row.endpoint_id)
    if not endpoint.is_active:
        return None  # disabled since: sent when an admin enables it again (outside_systems.edit)
    case = db.session.get(Case, row.case_id)
    form = {**_keyed(endpoint), "service_code": endpoint.service_code, "description": case.description or "（无描述）"}
    if case.lat is not None:
        form.update(lat=str(case.lat), long=str(case.lng))
    if case.address:
        form["address_string"] = case.address
    answer = _call(f"{endpoint.base_url.rstrip('/')}/requests.json", form)
    given = answer[0].get("service_request_id") if isinstance(answer, list) and answer else None
    if not given:
        raise OutsideRefused(f"{endpoint.name} 未返回 service_request_id: {str(answer)[:200]}")
    row.service_request_id = str(given)[:64]
    return row.service_request_id


@unit_of_work
def fetch_updates(city_id: int, endpoint_id: int) -> int:
    """Append the endpoint's new updates to their cases' timelines; returns how many were new."""
    endpoint = db.session.scalar(
        select(ExternalEndpoint).where(ExternalEndpoint.city_id == city_id, ExternalEndpoint.id == endpoint_id)
    )
    sent = {
        row.service_request_id: row
        for row in db.session.scalars(
            select(ExternalRequest).where(
                ExternalRequest.city_id == city_id, ExternalRequest.endpoint_id == endpoint_id,
                ExternalRequest.service_request_id.is_not(None),
            )
        )
    }  # fmt: skip
    if endpoint is None or not endpoint.is_active or not sent:
        return 0
    added = 0
    for row, update_id, status, words in _updates(endpoint, sent):
        if not update_id or _seen(row, update_id):
            continue
        case = db.session.get(Case, row.case_id)
        note = f"{endpoint.name}（{status or '更新'}）：{words or ''}".rstrip("：")
        event = case_workflow.add_event(case, UPDATE_ACTION, None, case.state, note=note)
        db.session.add(ExternalUpdate(city_id=city_id, external_request_id=row.id, update_id=update_id, event_id=event.id))
        db.session.flush()  # a second status answer naming the same update is seen as one
        added += 1
    return added


def _updates(endpoint: ExternalEndpoint, sent: dict[str, ExternalRequest]):
    """(row, update id, status, words) for each update the outside system shows, oldest first (by updated_datetime,
    then as listed)."""
    base, query = endpoint.base_url.rstrip("/"), urllib.parse.urlencode(_keyed(endpoint))
    try:
        updates = _call(f"{base}/servicerequestupdates.json?{query}")
    except urllib.error.HTTPError as exc:
        if exc.code != NO_UPDATES_EXTENSION:
            raise
        yield from _statuses(endpoint, sent)
        return
    in_order = sorted((u for u in updates if isinstance(u, dict)), key=lambda u: str(u.get("updated_datetime") or ""))
    for update in in_order:
        row = sent.get(str(update.get("service_request_id")))
        if row is not None:
            yield row, str(update.get("update_id") or "")[:64], update.get("status"), update.get("description")


def _statuses(endpoint: ExternalEndpoint, sent: dict[str, ExternalRequest]):
    """The fallback: each request's own status, read one by one while it is not closed there."""
    base, query = endpoint.base_url.rstrip("/"), urllib.parse.urlencode(_keyed(endpoint))
    for service_request_id, row in sent.items():
        if _closed_there(row):
            continue
        try:
            answer = _call(f"{base}/requests/{urllib.parse.quote(service_request_id, safe='')}.json?{query}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                continue  # gone there (or not published yet): the others are still read
            raise
        request = answer[0] if isinstance(answer, list) and answer else answer
        if not isinstance(request, dict):
            continue
        status = str(request.get("status") or "")
        if not status:
            continue
        update_id = f"{STATUS_UPDATE}{status}:{request.get('updated_datetime') or ''}"[:64]
        yield row, update_id, status, request.get("status_notes")


def _closed_there(row: ExternalRequest) -> bool:
    return db.session.scalar(
        select(ExternalUpdate.id).where(
            ExternalUpdate.city_id == row.city_id, ExternalUpdate.external_request_id == row.id,
            ExternalUpdate.update_id.startswith(f"{STATUS_UPDATE}closed:"),
        )
    ) is not None  # fmt: skip


def _seen(row: ExternalRequest, update_id: str) -> bool:
    return db.session.scalar(
        select(ExternalUpdate.id).where(
            ExternalUpdate.city_id == row.city_id, ExternalUpdate.external_request_id == row.id,
            ExternalUpdate.update_id == update_id,
        )
    ) is not None  # fmt: skip


def endpoints_with_requests(city_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(ExternalRequest.endpoint_id)
            .join(ExternalEndpoint, ExternalEndpoint.id == ExternalRequest.endpoint_id)
            .where(ExternalRequest.city_id == city_id, ExternalRequest.service_request_id.is_not(None),
                   ExternalEndpoint.city_id == city_id, ExternalEndpoint.is_active.is_(True))
            .distinct()
        )
    )
