"""Push deliveries as jobs: one try per run; a failed try fails the job so RQ retries it."""
from __future__ import annotations

from gridapp.extensions import db
from gridapp.jobs import QUEUE_NOTIFY, every_city_id, job
from gridapp.services.notifications import push


@job(queue=QUEUE_NOTIFY, timeout=30, retries=3)
def deliver_push(city_id: int, attempt_id: int) -> str:
    status = push.attempt(city_id, attempt_id)
    if status == "pending":
        raise push.DeliveryFailed(f"delivery {attempt_id} failed; will retry")
    return status


@job(queue=QUEUE_NOTIFY, timeout=300, retries=1)
def retry_deliveries() -> int:
    """Deliveries still pending a minute after their last try (inline mode has no RQ retries)."""
    count = 0
    for city_id in every_city_id():
        for attempt_id in push.pending_ids(city_id):
            db.session.rollback()
            try:
                deliver_push(city_id, attempt_id)
            except push.DeliveryFailed:
                pass
            count += 1
    return count
