"""Home visits (入户走访) opened by a grid worker's scan, then given notes and photos, and a household's
visit history for the grid's workers and the officials over it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Household, HouseholdAccessLog, Visit
from gridapp.services import photos as photo_service
from gridapp.services import uploads as photo_uploads
from gridapp.services.regions.tree import get_region
from gridapp.unit_of_work import unit_of_work

# Scanning again at the same door soon after continues the same visit.
SAME_VISIT = timedelta(hours=2)
HISTORY_READERS = Permission(
    "codes.visit_history", {Role.GRID_WORKER} | OFFICIAL_ROLES | {Role.SYSTEM_ADMIN},
    "the grid's workers and the officials over it follow who visited a household, and what they noted",
)


@dataclass(frozen=True)
class History:
    household: Household
    visits: Select  # newest first, each with its worker loaded


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
        uploads, lambda stored: write_notes(actor, visit_id, notes, stored, upload_ids), required=False, uploaded=len(upload_ids)
    )


@unit_of_work
def write_notes(actor: Actor, visit_id: int, notes: str, stored: photo_service.Stored, upload_ids) -> Visit:
    """A visit's notes and its photos, stored already (`record_visit`; a key person's visit, services.care.register)."""
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


@unit_of_work
def history(actor: Actor, household_id: int) -> History:
    """A household's visits, within the reader's grids or subtree; reading them is logged like any other read
    of the household's record (the members see it in their household-reads)."""
    HISTORY_READERS.require(actor)
    household = db.session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.id == household_id))
    if household is None:
        raise NotFound("住户不存在")
    require_region(actor, actor.city_id, get_region(actor.city_id, household.grid_id).path, roles=HISTORY_READERS)
    db.session.add(HouseholdAccessLog(city_id=actor.city_id, household_id=household.id, user_id=actor.user_id, action="read", via="visits"))
    visits = (
        select(Visit)
        .where(Visit.city_id == actor.city_id, Visit.household_id == household.id)
        .options(selectinload(Visit.worker))
        .order_by(Visit.created_at.desc(), Visit.id.desc())
    )
    return History(household, visits)
