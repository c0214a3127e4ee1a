"""The one JSON error shape every 4xx and 5xx answers with, checked alike by every test."""
from __future__ import annotations


def assert_error(response, status: int, code: str) -> dict:
    """Exactly {"code", "message", "details"}, with `code` and a message to show."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    return body
