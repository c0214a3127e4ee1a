"""Routes that no rate limit applies to skip Flask-Limiter altogether.

Flask-Limiter looks up the limits of every request, limited or not: a quarter of the cost of an
anonymous scan, the busiest answer the app gives. Routes that declare no limit and write nothing
while answering (scans count in memory: services.codes.scan_log) name their endpoint here.
"""
from __future__ import annotations

from flask import request

from gridapp.extensions import limiter

_UNLIMITED: set[str] = set()


def skip_limits(endpoint: str) -> None:
    _UNLIMITED.add(endpoint)


@limiter.request_filter  # registered once, on the one limiter every app shares
def _unlimited() -> bool:
    return request.endpoint in _UNLIMITED
