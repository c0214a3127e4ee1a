"""Input the database cannot store (gridapp.storable), checked at the HTTP door: a 4xx, never a crash.

URL ids use the bounded converter: an id no row can have is simply not found.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from gridapp.storable import INT64_MAX, INT64_MIN


class Int64Converter(IntegerConverter):
    """`<int:...>` in every URL rule: an id past 2^63 - 1 matches no rule and answers 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT64_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int64(text: str) -> int:
    """A query argument as an id (``request.args.get(name, type=int64)``): ValueError past 64 bits, like any non-number."""
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{text!r} does not fit 64 bits")
    return value


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = Int64Converter
