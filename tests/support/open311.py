"""Open311 test helpers: the spec's field lists, body parsing and a key for the test city."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from gridapp.services.open311.api_keys import issue_for_city

DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
DEFINITION_FIELDS = ["service_code", "attributes"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"]
VALUE_FIELDS = ["key", "name"]
CREATED_FIELDS = ["service_request_id", "service_notice", "account_id"]
TOKEN_FIELDS = ["service_request_id", "token"]
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]  # fmt: skip
UPDATE_FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
ERROR_FIELDS = ["code", "description"]

W3_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def new_key(city, name: str = "测试 311 应用", region=None) -> str:
    return issue_for_city(city.city.code, name, region.code if region is not None else None).key


def xml_root(response) -> ET.Element:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8", response.headers["Content-Type"]
    text = response.get_data(as_text=True)
    assert text.startswith(DECLARATION), text[:80]
    return ET.fromstring(response.get_data())


def json_body(response):
    assert response.headers["Content-Type"] == "application/json; charset=utf-8", response.headers["Content-Type"]
    return json.loads(response.get_data(as_text=True))


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def items(root: ET.Element, root_tag: str, item_tag: str, fields: list[str]) -> list[dict[str, str | None]]:
    """The list items of a list document, each checked to have exactly `fields` in order."""
    assert root.tag == root_tag
    found = []
    for item in root:
        assert item.tag == item_tag
        assert tags(item) == fields, tags(item)
        found.append({child.tag: child.text for child in item})
    return found


def errors_of(response, fmt: str) -> list[dict]:
    if fmt == "json":
        body = json_body(response)
        assert isinstance(body, list) and body
        for error in body:
            assert list(error) == ERROR_FIELDS and error["code"] == response.status_code and error["description"]
        return body
    root = xml_root(response)
    found = items(root, "errors", "error", ERROR_FIELDS)
    assert found and all(e["code"] == str(response.status_code) and e["description"] for e in found)
    return found
