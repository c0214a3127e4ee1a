"""Tokens that name a printed code forever.

A token is the only secret in ``{PUBLIC_BASE_URL}/c/{token}``: anyone holding it can
report against that spot, so it must be unguessable and must not leak the database id
or creation order. 128 random bits from the OS CSPRNG make guessing and collisions
practically impossible; base64url keeps it to 22 characters, so the QR code stays a
low version with large modules.
"""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

TOKEN_BYTES = 16  # 128 bits
TOKEN_LENGTH = 22  # len(base64url(16 bytes)) without padding

# Printed tokens live for years: if TOKEN_BYTES ever grows, the shape check must still
# accept every length issued before, hence a range rather than one length.
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH},64}}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(s: object) -> bool:
    """Lets a route 404 scanner junk and typos without a database round trip."""
    return isinstance(s, str) and _TOKEN_SHAPE.fullmatch(s) is not None


def code_url(base_url: str, token: str) -> str:
    """Validated here because a malformed base URL gets printed and cannot be recalled."""
    if not looks_like_token(token):
        raise ValueError(f"not a code token: {token!r}")
    if not isinstance(base_url, str):
        raise ValueError(f"base_url must be a string, got {type(base_url).__name__}")
    base = base_url.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    if parts.query or parts.fragment or not base.isascii() or any(c.isspace() for c in base):
        raise ValueError(
            f"base_url must be plain ASCII without whitespace, query or fragment, got {base_url!r}"
        )
    return f"{base}/c/{token}"
