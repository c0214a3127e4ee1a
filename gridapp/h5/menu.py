"""The staff home's menu on the H5 pages: one line per entry, shown to the holders of its role.

Each lane of staff pages adds its own lines here; an entry whose page is not part of this app
(its blueprint not registered) is left out rather than shown as a dead link.
"""
from __future__ import annotations

from flask import current_app, url_for

from gridapp.authz import Actor, Role

# (role, label, endpoint), in the order the home lists them.
STAFF_MENU = (
    (Role.GRID_WORKER, "我的待办", "h5_worker.inbox"),
)


def _served(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def staff_menu(actor: Actor) -> list[dict]:
    """The entries of every role the person holds, each page once."""
    entries, seen = [], set()
    for role, label, endpoint in STAFF_MENU:
        if role in actor.roles and endpoint not in seen and _served(endpoint):
            seen.add(endpoint)
            entries.append({"label": label, "url": url_for(endpoint)})
    return entries


def is_staff_page(path: str) -> bool:
    """Whether a path is under one of the staff pages, so the sign-in page opens on the staff tab."""
    return any(_served(endpoint) and path.startswith(url_for(endpoint)) for _role, _label, endpoint in STAFF_MENU)
