"""Jobs that make the sizes of uploaded photos, off the resident's request, and remove uploads nobody used."""
from __future__ import annotations

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.jobs import QUEUE_MEDIA, job
from gridapp.models import City
from gridapp.services import photos, uploads


@job(queue=QUEUE_MEDIA, timeout=120, retries=3)
def make_photo_sizes(city_id: int, photo_id: int) -> None:
    photos.make_sizes(city_id, photo_id)


@job(queue=QUEUE_MEDIA, timeout=600, retries=1)
def purge_unused_uploads() -> None:
    for city_id in db.session.scalars(select(City.id).order_by(City.id)).all():
        while uploads.purge_unused(city_id):
            pass
