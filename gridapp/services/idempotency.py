"""Idempotency-Key for creating calls: a retried request gets the first answer back, never a second resource.

A phone on a bad network sends a create, loses the answer and sends it again. The
client puts the same `Idempotency-Key` on both; the first creates and records the key
in the same transaction, the retry finds the key and gets the same resource back.
Two retries racing each other both try to insert the key row: the database's unique
constraint lets one win, and the loser replays the winner's resource. The same key
with a different body is a client bug and is refused.

Replays return the resource as it is now (by id), not a byte copy of the first answer:
the resident wants to see their report, and it may have moved on since.

Every creating service goes through `create`, which holds the whole sequence:

    def create_thing(actor, data, claim=None):
        return idempotency.create(claim, "thing", lambda: _make(actor, data), lambda id: load(actor, id))

`_make` runs inside the unit of work that first inserts the key row (so a racing retry
waits there) and then records the new row's id under it. The HTTP status of a replay
is the web layer's business, not recorded here.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import IdempotencyKey
from gridapp.unit_of_work import unit_of_work

T = TypeVar("T")
log = logging.getLogger(__name__)
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class Replayed:
    """Wraps a resource returned for a retried request, so callers can say so (a header)."""

    resource: object


@dataclass(frozen=True)
class IdempotencyClaim:
    city_id: int
    client: str  # "user:<id>": keys are private to whoever sent them
    key: str
    scope: str  # which operation, e.g. "POST /api/v1/reports"
    fingerprint: str


def fingerprint(fields: Iterable[tuple[str, str]], files: Iterable[tuple[str, str]] = ()) -> str:
    """A digest of what was asked for: field values and file contents, not their encoding.

    Multipart boundaries and field order differ between two sends of the same form, so
    the raw body cannot be compared.
    """
    canonical = json.dumps({"fields": sorted(fields), "files": sorted(files)}, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(city_id: int, user_id: int, key: str | None, scope: str, digest: str) -> IdempotencyClaim | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key 须为 1 至 {MAX_KEY_LENGTH} 个可打印 ASCII 字符", details={"Idempotency-Key": ["invalid"]}
        )
    return IdempotencyClaim(city_id, f"user:{user_id}", key, scope, digest)


def find(claim: IdempotencyClaim) -> IdempotencyKey | None:
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.city_id == claim.city_id, IdempotencyKey.client == claim.client, IdempotencyKey.key == claim.key
        )
    )
    if row is not None and (row.scope != claim.scope or row.fingerprint != claim.fingerprint):
        raise ValidationFailed(
            "该 Idempotency-Key 已用于内容不同的请求，请为新的提交生成新的 Key",
            code="idempotency_key_reused",
            details={"Idempotency-Key": [claim.key]},
        )
    return row


def replay(claim: IdempotencyClaim | None, load: Callable[[int], T]) -> Replayed | None:
    """What was created earlier under this claim, if anything (raises when the key was used for something else).

    `create` checks this itself; a caller with slow work before it (photos) checks first too.
    """
    row = find(claim) if claim is not None else None
    if row is None or row.resource_id is None:
        return None
    return Replayed(load(row.resource_id))


def create(claim: IdempotencyClaim | None, kind: str, make: Callable[[], T], load: Callable[[int], T]) -> T | Replayed:
    """`make()` at most once per claim, in one unit of work with the key; a retry gets `load(id)` of the first."""
    earlier = replay(claim, load)
    if earlier is not None:
        return earlier
    try:
        return _made_once(claim, kind, make)
    except IntegrityError:
        db.session.rollback()
        earlier = replay(claim, load)
        if earlier is None:
            raise
        log.info("idempotency key %s/%s: lost the race, replaying the winner's %s", claim.client, claim.key, kind)
        return earlier


@unit_of_work
def _made_once(claim: IdempotencyClaim | None, kind: str, make: Callable[[], T]) -> T:
    if claim is None:
        return make()
    # The key row first: a concurrent twin blocks on its unique constraint here, then fails.
    row = IdempotencyKey(city_id=claim.city_id, client=claim.client, key=claim.key, scope=claim.scope, fingerprint=claim.fingerprint)
    db.session.add(row)
    db.session.flush()
    made = make()
    db.session.flush()
    row.resource_type, row.resource_id = kind, made.id
    return made
