"""Jobs that make the sizes of uploaded photos, off the resident's request, and remove uploads nobody used."""
from __future__ import annotations

import logging

from gridapp.extensions import db
from gridapp.jobs import QUEUE_MEDIA, every_city_id, job
from gridapp.services import photos, uploads

log = logging.getLogger(__name__)


@job(queue=QUEUE_MEDIA, timeout=120, retries=3)
def make_photo_sizes(city_id: int, photo_id: int) -> None:
    photos.make_sizes(city_id, photo_id)


@job(queue=QUEUE_MEDIA, timeout=600, retries=0)
def repair_photo_sizes() -> int:
    """The repair sweep: photos still without sizes a while after upload (their job gave up) get them here."""
    made = 0
    for city_id in every_city_id():
        for photo_id in photos.without_sizes(city_id):
            try:
                photos.make_sizes(city_id, photo_id)
                made += 1
            except Exception:  # one unreadable original must not stop the sweep; the next sweep tries again
                db.session.rollback()
                log.exception("could not make the sizes of photo %s (city %s)", photo_id, city_id)
    return made


@job(queue=QUEUE_MEDIA, timeout=600, retries=1)
def purge_unused_uploads() -> None:
    for city_id in every_city_id():
        while uploads.purge_unused(city_id):
            pass
