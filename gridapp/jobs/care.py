"""Key persons and households under watch: each visit not made by its due date is alerted once."""
from __future__ import annotations

from gridapp.jobs import every_city_id, job
from gridapp.services.care import register


@job(timeout=600, retries=1)
def alert_missed_care_visits() -> None:
    for city_id in every_city_id():
        while register.alert_missed_visits(city_id) == register.ALERT_BATCH:
            pass
