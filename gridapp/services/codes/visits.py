"""Home visits (入户走访) opened by a grid worker's scan, then given notes and photos."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.clock import now
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Visit
from gridapp.services import photos as photo_service
from gridapp.services import uploads as photo_uploads
from gridapp.unit_of_work import unit_of_work

# Scanning again at the same door soon after continues the same visit.
SAME_VISIT = timedelta(hours=2)


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


def record_visit(actor: Actor, visit_id: int, notes: str, uploads: list[photo_service.Upload], upload_ids: list[int] = ()) -> Visit:
    """Notes and photos for a visit; photos are checked and cleaned like a report's (no EXIF or GPS is kept)."""
    return photo_service.stored_then(
        uploads, lambda stored: _record(actor, visit_id, notes, stored, upload_ids), required=False, uploaded=len(upload_ids)
    )


@unit_of_work
def _record(actor: Actor, visit_id: int, notes: str, stored: photo_service.Stored, upload_ids) -> Visit:
    visit = db.session.scalar(select(Visit).where(Visit.city_id == actor.city_id, Visit.id == visit_id, Visit.worker_id == actor.user_id))
    if visit is None:
        raise NotFound("走访记录不存在")
    stored = [*stored, *photo_uploads.claim(actor, list(upload_ids))]
    keys = visit.photos + [key for key, _photo in stored]
    if len(keys) > photo_service.MAX_PHOTOS:
        raise ValidationFailed(f"每次走访最多 {photo_service.MAX_PHOTOS} 张照片", details={"photos": ["too_many"]})
    visit.notes = notes
    visit.photo_keys = "\n".join(keys)
    visit.updated_at = now()
    return visit


def household_visits(city_id: int, household_id: int):
    return select(Visit).where(Visit.city_id == city_id, Visit.household_id == household_id).order_by(Visit.id.desc())
