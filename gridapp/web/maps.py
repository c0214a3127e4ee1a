"""The tile layer under every map, as pages hand it to static/map.js, and the origin its images load from.

Without MAP_TILE_URL there is no tile layer: maps draw the grid and community boundaries as their base.
The URL is a Leaflet template: `{z}/{x}/{y}`, `{s}` for MAP_TILE_SUBDOMAINS and `{key}` for MAP_TILE_KEY
(天地图's `tk=`, AMap's `key=`). MAP_TILE_COORDS names the tiles' coordinate system: wgs84 for 天地图
(CGCS2000), gcj02 for AMap and Tencent, whose tiles the WGS-84 positions must be shifted onto.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app


def tile_layer(config) -> dict | None:
    if not config.get("MAP_TILE_URL"):
        return None
    return {
        "url": config["MAP_TILE_URL"],
        "key": config["MAP_TILE_KEY"] or "",
        "coords": config["MAP_TILE_COORDS"],
        "subdomains": config["MAP_TILE_SUBDOMAINS"],
        "attribution": config["MAP_TILE_ATTRIBUTION"],
    }


def tile_origin(config) -> str | None:
    """The tiles' origin for the Content-Security-Policy; a `{s}` subdomain becomes a wildcard."""
    parts = urlsplit(config.get("MAP_TILE_URL") or "")
    if not (parts.scheme and parts.netloc):
        return None
    host = ".".join("*" if "{" in label else label for label in parts.netloc.split("."))
    return f"{parts.scheme}://{host}"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["map_tiles"] = lambda: tile_layer(current_app.config)
