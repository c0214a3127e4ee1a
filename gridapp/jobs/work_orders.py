"""Callbacks to the platforms that pushed work orders in (services.open311.work_orders)."""
from __future__ import annotations

from gridapp.jobs import every_city_id, job
from gridapp.services.open311 import work_orders


@job(queue="gridapp-notify", timeout=120, retries=0)
def send_work_order_callbacks(city_id: int, work_order_id: int) -> None:
    work_orders.send_due(city_id, work_order_id)


@job(timeout=600, retries=1)
def retry_work_order_callbacks() -> None:
    for city_id in every_city_id():
        for work_order_id in work_orders.due_work_orders(city_id):
            work_orders.send_due(city_id, work_order_id)
