"""Reading a creating request's Idempotency-Key and uploaded files into what services take.

Services never see the request: the view hands them an IdempotencyClaim (key,
caller, operation, fingerprint of what was sent) and plain Upload objects.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from flask import request

from gridapp.authz import Actor
from gridapp.services import idempotency
from gridapp.services.photos import Upload, read_upload

if TYPE_CHECKING:
    from gridapp.services.open311.requests import Caller

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def uploads(files: Iterable) -> list[Upload]:
    """The uploaded files' bytes, each cut off at the byte limit (refused beyond it)."""
    return [read_upload(f.stream, f.filename) for f in files]


def request_claim(actor: Actor | Caller, fields: dict, files: list[Upload] = ()) -> idempotency.IdempotencyClaim | None:
    """The claim for this request, or None when the client sent no key; keys belong to the sending user
    (an Open311 key's service account for an Open311 caller)."""
    digest = idempotency.fingerprint(
        [(name, "" if value is None else str(value)) for name, value in fields.items()],
        [(f.filename, f.digest) for f in files],
    )
    scope = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
    return idempotency.claim(actor.city_id, actor.user_id, request.headers.get(HEADER), scope, digest)


def created(result, schema_dump):
    """(body, 201, headers): a replay answers 201 like the first answer and says so in a header.

    Every creating route answers 201, so the status is decided here and never recorded with the key.
    """
    if isinstance(result, idempotency.Replayed):
        return schema_dump(result.resource), 201, {REPLAYED_HEADER: "true"}
    return schema_dump(result), 201


def acted(result, schema_dump):
    """(body, 200, headers) for an idempotent step on something that exists (resolving a case or an order): a
    resend under the same key answers what the first send made of it, and says so in a header."""
    if isinstance(result, idempotency.Replayed):
        return schema_dump(result.resource), 200, {REPLAYED_HEADER: "true"}
    return schema_dump(result), 200
