"""信访 clocks and referral deadlines: what ran out is marked overdue (a handling that ran out becomes a
long-running case, 积案), and answers whose review window passed are closed."""
from __future__ import annotations

from gridapp.jobs import every_city_id, job
from gridapp.services.petitions import workflow
from gridapp.services.referrals import workflow as referrals


def _every_city(sweep) -> int:
    """Each city's batches until one changes nothing; how many changed in all."""
    changed = 0
    for city_id in every_city_id():
        while batch := sweep(city_id):
            changed += batch
    return changed


@job(timeout=600, retries=1)
def sweep_petition_clocks() -> int:
    return _every_city(workflow.sweep)


@job(timeout=600, retries=1)
def sweep_referral_deadlines() -> int:
    return _every_city(referrals.sweep_overdue)
