"""Single codes as PNG (for screens and ad-hoc printing) and SVG (for print shops).

Both keep the full 4-module quiet zone that ISO/IEC 18004 asks for: it is what lets a
phone find the code on a busy wall, and it is the first thing a designer trims.
"""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError

from qr import fonts
from qr.captions import caption_lines, estimate_width_em, wrap

QUIET_ZONE = 4  # modules on every side
EC_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
MIN_MODULE_PX = 2  # below this any resampling on the way to paper or screen breaks the code
MIN_CAPTION_PX = 10

Matrix = Sequence[Sequence[bool]]


def qr_matrix(url: str, *, ec: str = "M") -> list[list[bool]]:
    """Dark modules without the quiet zone; the one encoder behind every output,
    so PNG, SVG and PDF of one URL always carry the identical symbol."""
    if not isinstance(url, str) or not url:
        raise ValueError("url must be a non-empty string")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError(f"url must be printable ASCII without spaces (percent-encode it): {url!r}")
    if ec not in EC_LEVELS:
        raise ValueError(f"ec must be one of {', '.join(EC_LEVELS)}, got {ec!r}")
    code = qrcode.QRCode(error_correction=EC_LEVELS[ec], border=0)
    code.add_data(url)
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):  # qrcode 8 reports "version 41" as ValueError
        raise ValueError(f"url is too long for a QR code at ec={ec} ({len(url)} chars)") from None
    return code.get_matrix()


def render_png(
    url: str,
    *,
    size_px: int = 600,
    ec: str = "M",
    caption: str | None = None,
    font_path: Path | None = None,
) -> bytes:
    """A ``size_px``-wide image: the code fills a ``size_px`` square (modules are whole
    pixels, spare pixels widen the quiet zone) and caption lines go below it.
    ``caption`` lines are separated by ``\\n``; long lines wrap."""
    matrix = qr_matrix(url, ec=ec)
    if not isinstance(size_px, int) or isinstance(size_px, bool):
        raise ValueError(f"size_px must be an int, got {size_px!r}")
    span = len(matrix) + 2 * QUIET_ZONE
    module = size_px // span
    if module < MIN_MODULE_PX:
        raise ValueError(
            f"size_px={size_px} is too small for this code: it needs at least "
            f"{span * MIN_MODULE_PX} px ({span} modules incl. quiet zone at ec={ec})"
        )
    lines: list[str] = []
    if caption is not None:
        font_file = fonts.font_path(font_path)
        lines = caption_lines(caption, font_file)
    image = Image.new("L", (size_px, size_px), 255)
    symbol = _symbol_image(matrix).resize((len(matrix) * module,) * 2, Image.Resampling.NEAREST)
    offset = (size_px - len(matrix) * module) // 2
    image.paste(symbol, (offset, offset))
    if lines:
        image = _with_caption(image, lines, font_file, text_width=len(matrix) * module)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _symbol_image(matrix: Matrix) -> Image.Image:
    n = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    return Image.frombytes("L", (n, n), pixels)


def _with_caption(
    code: Image.Image, lines: list[str], font_file: Path, text_width: int
) -> Image.Image:
    width = code.width
    font_px = max(MIN_CAPTION_PX, round(width / 16))
    font = _pil_font(font_file, font_px)
    wrapped = [part for line in lines for part in wrap(line, font.getlength, text_width)]
    line_height = round(font_px * 1.35)
    image = Image.new("L", (width, width + line_height * len(wrapped) + font_px // 2), 255)
    image.paste(code, (0, 0))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(wrapped):
        draw.text((width / 2, width + i * line_height), line, font=font, fill=0, anchor="ma")
    return image


@lru_cache(maxsize=16)
def _pil_font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px, index=fonts.FACE_INDEX)


def render_svg(
    url: str,
    *,
    ec: str = "M",
    caption: str | None = None,
    module_px: int = 10,
    font_path: Path | None = None,
) -> str:
    """Vector output for print shops. Dark modules form one path of horizontal runs
    (small, and no hairline seams between neighbouring modules when scaled). The
    caption is live text in a CJK font-family list, since the SVG does not embed
    the font; its lines wrap by an estimate that holds for any CJK face, and it is
    still checked against our font so that what we print ourselves has no tofu."""
    matrix = qr_matrix(url, ec=ec)
    if not isinstance(module_px, int) or isinstance(module_px, bool) or module_px < 1:
        raise ValueError(f"module_px must be a positive int, got {module_px!r}")
    lines = caption_lines(caption, fonts.font_path(font_path)) if caption is not None else []
    n = len(matrix)
    width = (n + 2 * QUIET_ZONE) * module_px
    font_px = width / 16  # same proportions as the PNG; a vector needs no pixel minimum
    em_width = n * module_px / font_px
    wrapped = [part for line in lines for part in wrap(line, estimate_width_em, em_width)]
    line_height = font_px * 1.35
    height = round(width + (line_height * len(wrapped) + font_px / 2 if wrapped else 0))

    svg = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        version="1.1",
        width=str(width),
        height=str(height),
        viewBox=f"0 0 {width} {height}",
    )
    ET.SubElement(svg, "rect", width=str(width), height=str(height), fill="#fff")
    ET.SubElement(svg, "path", {
        "d": _runs_path(matrix, module_px, QUIET_ZONE * module_px),
        "fill": "#000",
        "shape-rendering": "crispEdges",
    })
    for i, line in enumerate(wrapped):
        text = ET.SubElement(svg, "text", {
            "x": f"{width / 2:g}",
            "y": f"{width + i * line_height + font_px:.2f}",
            "fill": "#000",
            "font-family": fonts.SVG_FONT_FAMILY,
            "font-size": f"{font_px:.2f}",
            "text-anchor": "middle",
        })
        text.text = line  # ElementTree escapes &, < and > itself
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode") + "\n"


def _runs_path(matrix: Matrix, module_px: int, origin: int) -> str:
    return "".join(
        f"M{origin + x * module_px},{origin + y * module_px}"
        f"h{length * module_px}v{module_px}h-{length * module_px}z"
        for y, x, length in dark_runs(matrix)
    )


def dark_runs(matrix: Matrix) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules: vector
    outputs draw runs, not modules, to stay small and seam-free."""
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs
