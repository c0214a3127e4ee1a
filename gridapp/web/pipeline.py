"""Every request's own steps (timing, request id, rate limits, access, headers) run as one hook each side.

Each subsystem registers its hooks with Flask as usual, in create_app's fixed order. Flask would
then call them one by one, wrapping each in `ensure_sync` (an `inspect` of the function on every
call) and looking the request up again through its context proxies: a fixed cost every answer
pays, a third of an anonymous scan's. `collapse` runs last in create_app and puts the app-wide
hooks registered so far into one before-request, one after-request and one teardown function
that call them in exactly Flask's order, with Flask's rules (the first before-request hook that
answers ends the chain; after-request hooks in reverse order of registration).

Flask-Limiter's three hooks are called only for routes some limit may apply to: a route that
declared itself unlimited (gridapp.web.rate_limits.skip_limits) never enters the extension, which
would otherwise build its per-request context, resolve and evaluate an empty list of limits, and
reset the context again. Hooks registered after `collapse` (tests, blueprints) still run, after these.
"""
from __future__ import annotations

from functools import partial

from flask import Flask, request

from gridapp.extensions import limiter
from gridapp.web import rate_limits


def _is_limiter(function) -> bool:
    owner = function.args[0] if isinstance(function, partial) and function.args else getattr(function, "__self__", None)
    return owner is limiter


def _limited(function):
    def only_where_limits_apply(*args):
        if not rate_limits.unlimited(request.endpoint):
            return function(*args)
        return args[0] if args else None  # an after-request hook hands the response on

    return only_where_limits_apply


def _hooks(functions) -> list:
    return [_limited(f) if _is_limiter(f) else f for f in functions]


def collapse(app: Flask) -> None:
    before = _hooks(app.before_request_funcs.pop(None, []))
    after = _hooks(reversed(app.after_request_funcs.pop(None, [])))  # Flask calls them last registered first
    teardown = _hooks(reversed(app.teardown_request_funcs.pop(None, [])))

    def before_request():
        for hook in before:
            answer = hook()
            if answer is not None:
                return answer
        return None

    def after_request(response):
        for hook in after:
            response = hook(response)
        return response

    def teardown_request(error=None):
        for hook in teardown:
            hook(error)

    if before:
        app.before_request(before_request)
    if after:
        app.after_request(after_request)
    if teardown:
        app.teardown_request(teardown_request)
