"""GeoReport v2 bodies in XML and JSON from one description, by the spec's Spark convention.

A dict is an element with its children in order; a list is an element whose children
are all named after its items (services → service). JSON keeps the same keys, with the
root's list or object as the whole document.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Response

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "service_request_updates": "request_update",  # the answer to a POSTed update
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


# Characters XML 1.0 cannot carry at all (control characters a text field may have accepted).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub(" ", str(value))


def element(tag: str, value) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, dict):
        node.extend(element(key, child) for key, child in value.items())
    elif isinstance(value, list):
        node.extend(element(LIST_ITEMS[tag], child) for child in value)
    else:
        node.text = _text(value)
    return node


def body(fmt: str, root: str, payload) -> tuple[str, str]:
    if fmt == "json":
        return json.dumps(payload, ensure_ascii=False), JSON_TYPE
    return XML_DECLARATION + ET.tostring(element(root, payload), encoding="unicode"), XML_TYPE


def render(fmt: str, root: str, payload, status: int = 200, headers=None) -> Response:
    text, content_type = body(fmt, root, payload)
    response = Response(text.encode("utf-8"), status=status, headers=headers or {})
    response.headers["Content-Type"] = content_type
    return response
