"""Housekeeping that keeps short-lived records (authentication, finished jobs) from piling up."""
from __future__ import annotations

from gridapp.jobs import QUEUE_DEFAULT, job
from gridapp.services import outbox
from gridapp.services.accounts import login_codes
from gridapp.services.accounts import revocations as tokens


@job(queue=QUEUE_DEFAULT, timeout=120, retries=1)
def purge_expired_tokens() -> None:
    tokens.purge_expired()
    login_codes.purge_old_challenges()


@job(queue=QUEUE_DEFAULT, timeout=120, retries=1)
def purge_outbox() -> int:
    """Finished jobs' outbox rows, once nobody needs to see them."""
    return outbox.purge_done()
