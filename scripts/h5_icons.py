"""Draw the H5 app icons (gridapp/static/icons/h5-192.png and h5-512.png) after static/favicon.svg.

Pillow draws no SVG, so the favicon's three shapes are drawn again here, four times larger, then scaled down
(smooth edges). Run again after the favicon changes: `.venv/bin/python scripts/h5_icons.py`.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "gridapp" / "static"
BRAND = "#b3141b"
SIZES = (192, 512)
SCALE = 4


def icon(size: int) -> Image.Image:
    unit = size * SCALE / 64  # the favicon's viewBox is 64 units wide
    image = Image.new("RGBA", (size * SCALE,) * 2, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size * SCALE - 1, size * SCALE - 1), radius=round(14 * unit), fill=BRAND)
    width = round(5 * unit)
    draw.rectangle((13.5 * unit, 13.5 * unit, 50.5 * unit, 50.5 * unit), outline="white", width=width)  # stroke centred on 16-48
    draw.line((16 * unit, 32 * unit, 48 * unit, 32 * unit), fill="white", width=width)
    draw.line((32 * unit, 16 * unit, 32 * unit, 48 * unit), fill="white", width=width)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    (STATIC / "icons").mkdir(exist_ok=True)
    for size in SIZES:
        icon(size).save(STATIC / "icons" / f"h5-{size}.png", optimize=True)
