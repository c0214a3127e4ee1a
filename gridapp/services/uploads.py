"""Photos uploaded one per request before the call that uses them, then claimed by it.

WeChat's mini-program sends files only with wx.uploadFile, one file per request, so a report
with three photos is three uploads and then one report naming their ids. An upload gets the
same checks and cleaning as a photo sent with the call (services.photos) and is stored at once;
the call that names it claims it in its own transaction, so an upload is used once, by the
person who uploaded it, before it expires. Uploads never claimed are removed by a periodic
sweep after UPLOAD_TTL_HOURS, files and rows.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from gridapp.authz import Actor, Permission, Role
from gridapp.clock import now
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import PhotoUpload
from gridapp.services import idempotency, photos
from gridapp.unit_of_work import after_commit, unit_of_work

UPLOADERS = Permission("photos.upload", Role, "anyone signed in uploads photos for their own later calls")


def upload(actor: Actor, file: photos.Upload, claim: idempotency.IdempotencyClaim | None = None) -> PhotoUpload | idempotency.Replayed:
    """Check, clean and store one photo for a later call; a retry with the same Idempotency-Key gets the first upload."""
    UPLOADERS.require(actor)
    replay = lambda upload_id: mine(actor, upload_id)  # noqa: E731
    earlier = idempotency.replay(claim, replay)
    if earlier is not None:
        return earlier
    return photos.stored_then([file], lambda stored: idempotency.create(claim, "photo_upload", lambda: _record(actor, *stored[0]), replay))


def mine(actor: Actor, upload_id: int) -> PhotoUpload:
    UPLOADERS.require(actor)
    row = db.session.scalar(
        select(PhotoUpload).where(PhotoUpload.city_id == actor.city_id, PhotoUpload.id == upload_id, PhotoUpload.user_id == actor.user_id)
    )
    if row is None:
        raise NotFound("照片不存在")
    return row


def expires_at(row: PhotoUpload):
    return row.created_at + _ttl()


@unit_of_work
def _record(actor: Actor, key: str, clean: photos.CleanPhoto) -> PhotoUpload:
    row = PhotoUpload(
        city_id=actor.city_id, user_id=actor.user_id, original_key=key, content_type=clean.content_type,
        width=clean.width, height=clean.height, byte_size=clean.byte_size,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _ttl() -> timedelta:
    return timedelta(hours=current_app.config["UPLOAD_TTL_HOURS"])


def claim(actor: Actor, upload_ids: list[int]) -> photos.Stored:
    """The caller's unused, unexpired uploads as (key, photo) pairs, marked used; in the caller's unit of work.

    Any id that is not such an upload refuses the whole call (422), naming it, and claims nothing.
    """
    if not upload_ids:
        return []
    if len(set(upload_ids)) != len(upload_ids):
        raise ValidationFailed("同一张照片不能使用两次", code="upload_repeated", details={"upload_ids": ["repeated"]})
    rows = {
        row.id: row
        for row in db.session.scalars(
            select(PhotoUpload)
            .where(PhotoUpload.city_id == actor.city_id, PhotoUpload.id.in_(upload_ids))
            .with_for_update()
        )
    }
    oldest = now() - _ttl()
    unusable = [
        i for i in upload_ids
        if i not in rows or rows[i].user_id != actor.user_id or rows[i].used_at is not None or rows[i].created_at < oldest
    ]
    if unusable:
        raise ValidationFailed(
            "照片已过期、已使用或不存在，请重新上传", code="upload_unusable", details={"upload_ids": unusable},
        )
    for row in rows.values():
        row.used_at = now()
    return [(rows[i].original_key, rows[i]) for i in upload_ids]


@unit_of_work
def purge_unused(city_id: int) -> int:
    """Remove the city's uploads nobody claimed in time; their files go once the rows are gone."""
    stale = db.session.scalars(
        select(PhotoUpload).where(
            PhotoUpload.city_id == city_id, PhotoUpload.used_at.is_(None), PhotoUpload.created_at < now() - _ttl()
        ).limit(1000)
    ).all()
    keys = [row.original_key for row in stale]
    for row in stale:
        db.session.delete(row)
    after_commit(lambda: photos.discard(keys))
    return len(stale)
