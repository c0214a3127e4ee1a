"""The statutory clocks of a petition (信访工作条例), from the settings, and the level-skipping rule.

Each state that waits on someone has one clock, kept in `Petition.due_at`: deciding on acceptance
(PETITION_ACCEPT_DAYS from registration), handling (PETITION_HANDLE_DAYS from acceptance, plus an approved
extension of at most PETITION_EXTENSION_MAX_DAYS), the petitioner's window to ask for review or re-review
after an answer (PETITION_REVIEW_REQUEST_DAYS) and the review body's answer (PETITION_REVIEW_DAYS).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from gridapp.models.petitions import LEVELS

# The waiting states and the setting that times each from the moment it is entered.
STATE_CLOCKS = {
    "registered": "PETITION_ACCEPT_DAYS",
    "accepted": "PETITION_HANDLE_DAYS",
    "answered": "PETITION_REVIEW_REQUEST_DAYS",
    "reviewing": "PETITION_REVIEW_DAYS",
    "reviewed": "PETITION_REVIEW_REQUEST_DAYS",
    "rereviewing": "PETITION_REVIEW_DAYS",
}
# States whose clock is the petitioner's window: when it passes, the petition closes; the others fall overdue.
WINDOWS = frozenset({"answered", "reviewed"})
LEVEL_LABELS = {"township": "镇（街道）", "district": "区（县）", "city": "市", "province": "省", "national": "京（国家）"}
# The level that should first handle a petition about a region node.
RESPONSIBLE_LEVEL = {"grid": "township", "community": "township", "street": "township", "district": "district", "city": "city"}


def days(setting: str) -> int:
    return current_app.config[setting]


def due(state: str, since: datetime) -> datetime | None:
    setting = STATE_CLOCKS.get(state)
    return since + timedelta(days=days(setting)) if setting else None


def extension_max() -> int:
    return days("PETITION_EXTENSION_MAX_DAYS")


def skips_levels(region_level: str, lodged_level: str) -> bool:
    """越级访: lodged more than one level above the one responsible. A petitioner may go to the responsible
    organ or the one above it (条例 第十八条); anything higher skips levels."""
    responsible = LEVELS.index(RESPONSIBLE_LEVEL[region_level])
    return LEVELS.index(lodged_level) > responsible + 1
