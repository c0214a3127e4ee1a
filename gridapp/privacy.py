"""Masking personal data for display (PIPL: show only what the viewer needs)."""
from __future__ import annotations


def _keep_ends(value: str | None, head: int, tail: int) -> str | None:
    if not value:
        return None
    if len(value) <= head + tail:
        return "*" * len(value)
    return f"{value[:head]}{'*' * (len(value) - head - tail)}{value[-tail:]}"


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough to recognise one's own number, not enough to call it."""
    return _keep_ends(phone, 3, 4)


def mask_id_number(id_number: str | None) -> str | None:
    """150***********1234: keeps the region prefix and the last four, hides the birth date."""
    return _keep_ends(id_number, 3, 4)


def mask_name(name: str | None) -> str | None:
    """张*明 / 李*: a surname is enough for a resident to know who is meant."""
    if not name:
        return None
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
