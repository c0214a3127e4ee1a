"""Open311 GeoReport v2 under /open311: discovery, services, requests, tokens and updates.

Not part of the smorest API: the spec fixes the paths, the XML/JSON bodies and the
error shape. Routes are `public()` to the JWT layer because 311 clients carry an
api_key, not a session; the key is checked in services (api_keys.authenticate), and
each route's policy scope names which check applies:
- `open311_discovery`: nothing to check;
- `open311_read`: no key needed; a key, when sent, must be valid and narrows the scope;
- `open311_api_key`: a valid key is required (403 otherwise).
Requests are rate limited per api_key (per address without one).
"""
from __future__ import annotations

from flask import Flask

from gridapp.open311 import views  # noqa: F401  (routes register on bp)
from gridapp.open311.blueprint import PREFIX, bp
from gridapp.open311.errors import render_error
from gridapp.web import errors as web_errors


def init_app(app: Flask) -> None:
    web_errors.PREFIX_RENDERERS[PREFIX + "/"] = render_error
    app.register_blueprint(bp)
