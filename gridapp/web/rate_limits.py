"""Routes that no rate limit applies to skip Flask-Limiter altogether.

Flask-Limiter looks up the limits of every request, limited or not: a quarter of the cost of an
anonymous scan, the busiest answer the app gives. Routes that declare no limit and write nothing
while answering (scans count in memory: services.codes.scan_log) name their endpoint here, and
gridapp.web.pipeline never calls the extension's hooks for them.
"""
from __future__ import annotations

_UNLIMITED: set[str] = set()


def skip_limits(endpoint: str) -> None:
    _UNLIMITED.add(endpoint)


def unlimited(endpoint: str | None) -> bool:
    return endpoint in _UNLIMITED
