"""Home visits (入户走访) opened by a grid worker's scan, then given notes and photos."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.clock import now
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Visit
from gridapp.storage import media_storage
from gridapp.unit_of_work import unit_of_work

# Scanning again at the same door soon after continues the same visit.
SAME_VISIT = timedelta(hours=2)
MAX_PHOTOS = 9
PHOTO_TYPES = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}


def open_visit(city_id: int, household_id: int, worker_id: int, code_id: int | None) -> Visit:
    visit = db.session.scalar(
        select(Visit)
        .where(
            Visit.city_id == city_id, Visit.household_id == household_id, Visit.worker_id == worker_id,
            Visit.created_at >= now() - SAME_VISIT,
        )
        .order_by(Visit.id.desc())
        .limit(1)
    )
    if visit is None:
        visit = Visit(city_id=city_id, household_id=household_id, worker_id=worker_id, code_id=code_id)
        db.session.add(visit)
        db.session.flush()
    return visit


def _photo_key(data: bytes) -> tuple[str, str]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationFailed("照片格式不正确", details={"photos": ["not_an_image"]}) from None
    if kind not in PHOTO_TYPES:
        raise ValidationFailed("照片只支持 JPEG、PNG、WebP", details={"photos": [kind]})
    ext, content_type = PHOTO_TYPES[kind]
    stamp = now()
    return f"visits/{stamp:%Y}/{stamp:%m}/{uuid.uuid4().hex}.{ext}", content_type


@unit_of_work
def record_visit(actor: Actor, visit_id: int, notes: str, photos: list[bytes]) -> Visit:
    visit = db.session.scalar(select(Visit).where(Visit.city_id == actor.city_id, Visit.id == visit_id, Visit.worker_id == actor.user_id))
    if visit is None:
        raise NotFound("走访记录不存在")
    keys = visit.photos
    if len(keys) + len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"每次走访最多 {MAX_PHOTOS} 张照片", details={"photos": ["too_many"]})
    storage = media_storage()
    for data in photos:
        key, content_type = _photo_key(data)
        storage.save(key, data, content_type)
        keys.append(key)
    visit.notes = notes
    visit.photo_keys = "\n".join(keys)
    visit.updated_at = now()
    return visit


def household_visits(city_id: int, household_id: int):
    return select(Visit).where(Visit.city_id == city_id, Visit.household_id == household_id).order_by(Visit.id.desc())
