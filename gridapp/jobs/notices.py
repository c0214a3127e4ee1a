"""Delivering a notice to its recipients' inboxes and phones, away from the request that published it."""
from __future__ import annotations

from gridapp.jobs import QUEUE_NOTIFY, job
from gridapp.services.notices import publishing


@job(queue=QUEUE_NOTIFY, timeout=600, retries=3)
def fan_out_notice(city_id: int, notice_id: int) -> int:
    return publishing.fan_out(city_id, notice_id)
