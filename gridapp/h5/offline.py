"""The H5 pages as an installable app that works without signal: the web app manifest, the service worker and
the page it shows for a navigation while the network is down.

The worker (static/service-worker.js) is served from /h5/sw.js so that it may control every H5 page, behind a
prelude naming the shell it keeps (the pages' scripts, styles, vendored libraries and icons) and the shell's
content hash: a deploy that changes any of those files changes the worker's bytes, so browsers install the new
worker and drop the old cache. Only these static files and the offline page are kept: no page or API answer,
which may carry personal data, is ever cached.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for

from gridapp.web.access import public
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_offline", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)

APP_NAME = "网格通"
THEME = "#b3141b"
BACKGROUND = "#f5f6f7"
ICON_SIZES = (192, 512)
WORKER = "service-worker.js"
# Static files every H5 page may need offline (globs under static/); the role pages' scripts in static/h5/ too.
SHELL = (
    "h5.css", "h5.js", "photos.js", "drafts.js", "reports.js", "map.js", "links.js", "links.css", "scan.js", "favicon.svg",
    "icons/*.png", "h5/*.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/images/*.png",
    "vendor/browser-image-compression/browser-image-compression.js",
)  # fmt: skip
SHELL_KEY = "gridapp.h5_shell"


def _shell() -> tuple[list[str], str]:
    """The shell's URLs and its content hash, worked out once per process (a deploy restarts it)."""
    found = current_app.extensions.get(SHELL_KEY)
    if found is None:
        static = Path(current_app.static_folder)
        files = sorted({path for pattern in SHELL for path in static.glob(pattern) if path.is_file()})
        digest = hashlib.sha256()
        for path in [*files, static / WORKER]:
            digest.update(path.relative_to(static).as_posix().encode() + b"\0" + path.read_bytes())
        digest.update(_offline_page().encode())
        urls = [url_for("static", filename=path.relative_to(static).as_posix()) for path in files]
        found = current_app.extensions[SHELL_KEY] = ([*urls, url_for("h5_offline.offline")], digest.hexdigest()[:16])
    return found


def _offline_page() -> str:
    return render_template("h5/offline.html", actor=None)  # the same for everyone: it is kept on the phone


@bp.get("/sw.js")
@public()
def service_worker():
    urls, version = _shell()
    prelude = "self.GRIDAPP_SHELL = " + json.dumps({"version": version, "files": urls, "offline": url_for("h5_offline.offline")})
    body = prelude + ";\n" + (Path(current_app.static_folder) / WORKER).read_text(encoding="utf-8")
    return Response(body, mimetype="text/javascript", headers={
        "Service-Worker-Allowed": url_for("h5.home"),
        "Cache-Control": "no-cache",  # browsers check the worker on every visit; a deploy takes effect at once
    })  # fmt: skip


@bp.get("/manifest.webmanifest")
@public()
def manifest():
    icons = [
        {"src": url_for("static", filename=f"icons/h5-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in ICON_SIZES
    ]
    body = {
        "name": APP_NAME, "short_name": APP_NAME, "lang": "zh-CN", "dir": "ltr", "id": url_for("h5.home"),
        "start_url": url_for("h5.home"), "scope": url_for("h5.home"), "display": "standalone",
        "theme_color": THEME, "background_color": BACKGROUND, "icons": icons,
    }  # fmt: skip
    return Response(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json", headers={"Cache-Control": "no-cache"}
    )


@bp.get("/offline")
@public()
def offline():
    return Response(_offline_page(), mimetype="text/html", headers={"Cache-Control": "no-cache"})
