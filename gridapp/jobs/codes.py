"""Jobs for codes: door-plate sheets, texts asking bike owners to move their bike, and the check-in retention sweep."""
from __future__ import annotations

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.integrations.sms import sms_sender
from gridapp.jobs import QUEUE_MEDIA, QUEUE_NOTIFY, every_city_id, job
from gridapp.models import EBike
from gridapp.services.codes import move_requests, sheets, venue_checkins


@job(queue=QUEUE_NOTIFY, timeout=30, retries=3)
def sms_move_request(city_id: int, ebike_id: int) -> None:
    """The phone is read here, never passed through the queue."""
    bike = db.session.scalar(select(EBike).where(EBike.city_id == city_id, EBike.id == ebike_id))
    if bike is None or not bike.owner_phone:
        return
    sms_sender().send(bike.owner_phone, f"【网格通】有人请您挪动电动车 {bike.plate_no}，谢谢配合。")


@job(queue=QUEUE_NOTIFY, timeout=60, retries=1)
def sweep_move_requests() -> None:
    """Periodic: "please move" requests left unread in the owner's inbox go by SMS."""
    move_requests.send_overdue()


@job(queue=QUEUE_NOTIFY, timeout=600, retries=1)
def purge_check_ins() -> int:
    """Periodic: venue check-ins past CHECKIN_RETENTION_DAYS are deleted, city by city."""
    return sum(venue_checkins.purge_expired(city_id) for city_id in every_city_id())


@job(queue=QUEUE_MEDIA, timeout=1800, retries=2)
def build_sheet(city_id: int, job_id: int) -> None:
    """Draw a large batch of door plates; progress is committed after every page."""
    batch = sheets.start_sheet(city_id, job_id)
    if batch is None:
        return
    try:
        pdf = sheets.draw(batch, progress=lambda done, _total: sheets.record_progress(city_id, job_id, done))
        sheets.complete_sheet(city_id, job_id, pdf)
    except Exception as exc:
        db.session.rollback()
        sheets.fail_sheet(city_id, job_id, f"{type(exc).__name__}: {exc}")
        raise
