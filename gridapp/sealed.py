"""Personal data stored sealed: encrypted for display to the few who may see it, and a keyed hash to find it by.

A petitioner's ID number or phone is never stored in the clear: a lookup compares HMAC-SHA256 digests (keyed
by SECRET_KEY, so a leaked table cannot be matched against a list of numbers), and the value itself is kept
Fernet-encrypted (PERSONAL_DATA_KEY, or a key derived from SECRET_KEY) for the officer who opens it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet
from flask import current_app

from gridapp.errors import ValidationFailed

ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11})$")


def normalise_id_number(value: str) -> str:
    """An 18-character resident ID (身份证号), upper-case X, without spaces."""
    value = re.sub(r"\s", "", value or "").upper()
    if not ID_NUMBER_RE.match(value):
        raise ValidationFailed("请输入正确的 18 位身份证号码", details={"id_number": ["invalid"]})
    return value


def normalise_phone(value: str) -> str:
    """A mobile number, or a landline with its area code (letters come with a landline too)."""
    value = re.sub(r"[\s-]", "", value or "")
    value = value.removeprefix("+86")
    if not PHONE_RE.match(value):
        raise ValidationFailed("请输入正确的手机号码或带区号的固定电话", details={"phone": ["invalid"]})
    return value


def lookup_hash(city_id: int, kind: str, value: str) -> str:
    """The digest a sealed value is found by: the same value in the same city always gives the same digest."""
    key = hashlib.sha256(b"gridapp-lookup:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{city_id}:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    configured = current_app.config.get("PERSONAL_DATA_KEY")
    if configured:
        return Fernet(configured.encode())
    derived = hashlib.sha256(b"gridapp-seal:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(value: str | None) -> str | None:
    return None if value is None else _fernet().encrypt(value.encode()).decode()


def unseal(token: str | None) -> str | None:
    return None if token is None else _fernet().decrypt(token.encode()).decode()
