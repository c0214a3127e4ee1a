"""GeoReport v2 entries: what the services return, in the spec's fields, times and URLs.

The services decide what may be published (gridapp.services.open311.requests); this
module only spells it: ids as strings (the GeoReport v2 schema's type, in JSON as in XML),
W3C times in UTC with Z, absolute media URLs, our category's time limit as a `service_notice`,
and the discovery document.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app

from gridapp.models import Case, CaseEvent, Category
from gridapp.models.categories import DIFFICULTY_LABELS
from gridapp.open311.statuses import extended_status, open_or_closed
from gridapp.services.cases import states as S
from gridapp.services.open311 import requests as open311
from gridapp.storage import media_storage

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The optional extension: GET and POST servicerequestupdates (mySociety's, as FixMyStreet uses it).
UPDATES_SPECIFICATION = "http://wiki.open311.org/GeoReport_v2/Servicerequestupdates"
# When this API's behaviour last changed (discovery's changeset).
CHANGESET = datetime(2026, 12, 2, tzinfo=timezone.utc)


def w3(moment: datetime | None) -> str | None:
    """UTC with Z and whole seconds, e.g. 2026-11-23T09:00:00Z."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440} 天"
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"


def service_notice(category: Category) -> str:
    return f"受理后 {_duration(category.resolve_minutes)}内处置完毕"


def event_text(event: CaseEvent) -> str:
    """The step's name, with the note when staff wrote it for the public."""
    label = S.action_label(event.action)
    note = open311.public_note(event)
    return f"{label}：{note}" if note and note != label else label


def media_url(photos) -> str | None:
    """The first sanitised photo (EXIF-free since upload), as an absolute URL."""
    for photo in photos:
        url = media_storage().url(photo.web_key or photo.original_key)
        return url if "://" in url else f"{current_app.config['PUBLIC_BASE_URL']}{url}"
    return None


def service_entry(category: Category) -> dict:
    route = "网格员处置" if category.default_route == "grid_worker" else "职能部门处置"
    keywords = [category.name, DIFFICULTY_LABELS[category.difficulty], route] + (["紧急"] if category.is_urgent else [])
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}（{route}），{service_notice(category)}。",
        "metadata": bool(open311.ATTRIBUTES),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": category.department_kind or "grid",
    }


def service_definition(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for a in open311.ATTRIBUTES
        ],
    }


def created_entry(created: open311.Created) -> dict:
    return {
        "service_request_id": str(created.case.id),
        "service_notice": service_notice(created.case.category),
        "account_id": created.account_id,
    }


def request_entry(published: open311.Published) -> dict:
    case = published.case
    status = open_or_closed(case.state)
    # A closed request carries its closing update: the step that closed it, not a later note or rating.
    closing = published.last_move if status == "closed" else None
    return {
        "service_request_id": str(case.id),
        "status": status,
        "status_notes": event_text(published.last_move) if published.last_move else None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description or None,
        "agency_responsible": published.agency,
        "service_notice": service_notice(case.category),
        "requested_datetime": w3(case.created_at),
        "updated_datetime": w3(closing.created_at if closing else published.updated_at),
        "expected_datetime": w3(published.expected_at),
        "address": case.place_label or case.address,
        "address_id": None,  # a code's token opens its page: it is not published
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media_url(published.photos),
    }


def token_entry(case_id: int, token: str) -> dict:
    return {"service_request_id": str(case_id), "token": token}


def update_entry(case: Case, event: CaseEvent) -> dict:
    return {
        "update_id": str(event.id),
        "service_request_id": str(event.case_id),
        "status": extended_status(case, event),
        "updated_datetime": w3(event.created_at),
        "description": event_text(event),
        "media_url": media_url(event.photos),
    }


def posted_update_entry(event: CaseEvent) -> dict:
    """What the extension answers a client that posted an update: the id it can find it by."""
    return {"update_id": str(event.id)}


def discovery(base_url: str) -> dict:
    return {
        "changeset": w3(CHANGESET),
        "contact": "网格通 gridapp：请联系所在城市的系统管理员，或拨打 12345 热线。",
        "key_service": "API keys (api_key) are issued by the city's system or district administrator; see the README section on Open311.",
        "endpoints": [
            {
                "specification": specification,
                "url": f"{base_url}/open311/v2",
                "changeset": w3(CHANGESET),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
            for specification in (SPECIFICATION, UPDATES_SPECIFICATION)
        ],
    }
