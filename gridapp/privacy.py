"""Masking personal data for display (PIPL: show only what the viewer needs)."""
from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough to recognise one's own number, not enough to call it."""
    if not phone:
        return None
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(id_number: str | None) -> str | None:
    """110***********1234: keeps the region prefix and the last four, hides the birth date."""
    if not id_number:
        return None
    if len(id_number) < 8:
        return "*" * len(id_number)
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张*明 / 李*: a surname is enough for a resident to know who is meant."""
    if not name:
        return None
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
