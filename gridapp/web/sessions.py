"""No Flask session: gridapp's sessions are JWTs (a header, or HttpOnly cookies it sets itself).

Flask would otherwise build a signing serializer and look for its session cookie on every
request, a fifth of a passer-by's scan. The null session it hands out instead raises if any
code ever writes to `flask.session`, so nothing can come to depend on it unnoticed.
"""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class NoSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        return None  # Flask then hands out a NullSession, which refuses writes

    def save_session(self, app, session, response) -> None:
        return None


def init_app(app: Flask) -> None:
    app.session_interface = NoSessionInterface()
