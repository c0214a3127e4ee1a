"""Work orders in and out: callbacks to the platforms that pushed them in (services.open311.work_orders),
cases sent on to outside Open311 systems and their updates fetched (services.open311.outside)."""
from __future__ import annotations

import logging

from gridapp.jobs import every_city_id, job
from gridapp.services.open311 import outside, work_orders

log = logging.getLogger(__name__)


@job(queue="gridapp-notify", timeout=120, retries=0)
def send_work_order_callbacks(city_id: int, work_order_id: int) -> None:
    work_orders.send_due(city_id, work_order_id)


@job(timeout=600, retries=1)
def retry_work_order_callbacks() -> None:
    for city_id in every_city_id():
        for work_order_id in work_orders.due_work_orders(city_id):
            work_orders.send_due(city_id, work_order_id)


@job(timeout=120, retries=3)
def send_case_outside(city_id: int, external_request_id: int) -> None:
    outside.send(city_id, external_request_id)


@job(timeout=600, retries=1)
def fetch_outside_updates() -> None:
    for city_id in every_city_id():
        for endpoint_id in outside.endpoints_with_requests(city_id):
            try:
                outside.fetch_updates(city_id, endpoint_id)
            except (OSError, ValueError):  # one system away or answering nonsense: the others are still asked
                log.exception("fetching the updates of outside system %s (city %s) failed", endpoint_id, city_id)
