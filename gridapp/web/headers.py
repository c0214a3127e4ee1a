"""Headers every answer carries for the browser's side of privacy and safety.

- Pages send a Content-Security-Policy: scripts only from this site or with this answer's nonce
  (the pages' few inline calls and Swagger UI's start-up script carry it), no framing anywhere.
- Answers to a signed-in caller, and answers that set the session cookies, are `no-store`: they
  carry personal data and tokens that no shared cache or back button should keep. Views that
  chose their own caching (static files, /media) keep it.
- Production is HTTPS only, so it asks browsers never to try plain HTTP (HSTS).
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from gridapp.web.access import current_actor
from gridapp.web.maps import tile_origin

HSTS = "max-age=31536000"


NONCE_KEY = "gridapp.csp_nonce"


def csp_nonce() -> str:
    """The nonce of this answer's inline scripts (templates call it), kept with the request: one per answer."""
    return request.environ.setdefault(NONCE_KEY, secrets.token_urlsafe(18))


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _media_sources(config) -> list[str]:
    """Where pages load photos from: this site, the public origin media URLs are built on, and S3."""
    sources = [_origin(config["PUBLIC_BASE_URL"])]
    if config["MEDIA_STORAGE"] == "s3":
        # Without a public URL, photos are presigned links to the bucket's own host.
        sources.append(_origin(config.get("S3_PUBLIC_URL")) or _origin(config.get("S3_ENDPOINT_URL")) or "https:")
    return [s for s in sources if s]


def content_security_policy(config, nonce: str | None) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    images = " ".join(["'self'", "data:", "blob:", *_media_sources(config), *filter(None, [tile_origin(config)])])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",  # the dashboard's heat-map cells colour themselves
        f"img-src {images}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_security_headers(response):
    if response.mimetype == "text/html":
        policy = content_security_policy(current_app.config, request.environ.get(NONCE_KEY))
        response.headers["Content-Security-Policy"] = policy
    if (current_actor() is not None or "Set-Cookie" in response.headers) and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["GRIDAPP_ENV"] == "production":
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
