"""Domain errors.

Services raise these instead of HTTP exceptions so they stay usable from jobs and the
CLI; the web layer maps each to one status code and the one JSON error shape. The
`code` is a stable slug clients can branch on; the message is shown to people and is
therefore Chinese.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Gone(DomainError):
    status = 410
    code = "gone"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class UpstreamUnavailable(DomainError):
    """A partner system (WeChat, SMS gateway) failed; not the caller's fault."""

    status = 502
    code = "upstream_unavailable"


class UpstreamUnreachable(UpstreamUnavailable):
    """A partner system could not be reached at all (network down, timed out): the service is
    unavailable for now and a retry later may succeed, so 503 rather than a bad answer's 502."""

    status = 503
