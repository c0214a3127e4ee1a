"""Case events for other aggregates, without the case service knowing who listens.

services.cases publishes every step of a case here; points (residents' awards) and
orders (taking a payout back) subscribe at start-up (`subscriptions.register`). The
handlers run synchronously, inside the unit of work of the step that published, so a
step and what it pays or reverses commit or roll back together. This keeps the import
graph one-way: orders and points may import cases, cases imports neither.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

Handler = Callable[[object, str], None]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(action: str, handler: Handler) -> None:
    """Call `handler(case, action)` after each `action` step; subscribing twice is once."""
    if handler not in _handlers[action]:
        _handlers[action].append(handler)


def publish(case, action: str) -> None:
    """Run the subscribers of `action`, in the order they subscribed."""
    for handler in list(_handlers.get(action, ())):
        handler(case, action)
