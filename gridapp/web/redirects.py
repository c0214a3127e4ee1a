"""Where a sign-in page may send people afterwards: only a path on this site.

Browsers are lenient with what they treat as another host: `/\\evil.example`, `/<tab>/evil.example`
and `//evil.example` all leave the site, and a percent-encoded form may be decoded again on the
way. So the target is decoded until it stops changing and refused if any form of it could name
a scheme or a host.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

_MAX_DECODINGS = 5


def same_site_path(target: str | None, *, under: str = "/") -> str | None:
    """`target` if it is a path on this site under `under` in every decoding, otherwise None."""
    if not target:
        return None
    forms, current = [target], target
    for _ in range(_MAX_DECODINGS):
        decoded = unquote(current)
        if decoded == current:
            break
        forms.append(decoded)
        current = decoded
    else:
        return None  # still changing: nested encodings are not a link anyone meant
    return target if all(_is_plain_path(form, under) for form in forms) else None


def _is_plain_path(path: str, under: str) -> bool:
    if not path.startswith(under) or path.startswith("//") or "\\" in path:
        return False
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc
