"""Where tapping a notification goes: a page for its target, chosen here rather than by the services
that notify, which only say what the notification is about (a case, an order, a redemption).

Cases open their H5 page; orders and redemptions open the mini-program's own pages.
"""
from __future__ import annotations

from gridapp.models.notifications import Notification

TARGET_PATHS = {
    "case": "/h5/reports/{id}",
    "order": "/h5/orders/{id}",
    "redemption": "/points/redemptions/{id}",
    "account_link": "/h5/links#link-{id}",
    "link_review": "/console/links#link-{id}",
    "suggestion": "/h5/suggestions/{id}",
    "rating_follow_up": "/h5/ratings#follow-up-{id}",
    "notice": "/h5/notices/{id}",
    "conversation": "/h5/direct/{id}",
    "task_force": "/h5/task-forces/{id}",
    "review_meeting": "/h5/review-meetings/{id}",
    "dispute": "/h5/disputes/{id}",
    "care_record": "/h5/care/{id}",
    "risk_rating": "/h5/care/risk#rating-{id}",
}


def notification_link(note: Notification) -> str | None:
    if note.target_kind is None:
        return None
    return TARGET_PATHS[note.target_kind].format(id=note.target_id)
