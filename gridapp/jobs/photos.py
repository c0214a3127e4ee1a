"""Jobs that make the sizes of uploaded photos, off the resident's request."""
from __future__ import annotations

from gridapp.jobs import QUEUE_MEDIA, job
from gridapp.services import photos


@job(queue=QUEUE_MEDIA, timeout=120, retries=3)
def make_photo_sizes(city_id: int, photo_id: int) -> None:
    photos.make_sizes(city_id, photo_id)
