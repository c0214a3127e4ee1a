"""Where the CJK caption font comes from.

Plates stay on walls for years and get reprinted piecemeal, so a reprint must look
exactly like the original on any server. That rules out asking the OS for "some
Chinese font": we name one file, WenQuanYi Micro Hei, shipped byte-identical by the
PyPI package ``paperang-p2-fonts-cjk`` (works on a machine that has only Python) and
by Debian's ``fonts-wqy-microhei``. It has TrueType outlines, which reportlab needs
(it refuses the CFF outlines of Noto/Source Han OTFs), and covers GB 2312 and more.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

ENV_VAR = "QR_FONT_PATH"
PYPI_REQUIREMENT = "paperang-p2-fonts-cjk==0.1.0"
_PACKAGE = "paperang_p2_fonts_cjk"
_PACKAGE_FILE = "fonts/wqy-microhei.ttc"
_DEBIAN_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

#: Face inside a .ttc collection; 0 is the proportional "WenQuanYi Micro Hei".
#: Plain .ttf files ignore it.
FACE_INDEX = 0

#: What an SVG viewer should use, since an SVG does not carry the font: ours first,
#: then the usual CJK sans faces of Linux, macOS and Windows, so no viewer shows tofu.
SVG_FONT_FAMILY = (
    "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', "
    "'PingFang SC', 'Microsoft YaHei', 'Heiti SC', sans-serif"
)


class FontNotFoundError(FileNotFoundError):
    """No caption font: the message says what to install or set."""


def font_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """An explicit choice that is missing is an error, not a cue to fall back:
    silently printing with a different font is the mismatch this module exists to stop.
    """
    for source, chosen in (("font path argument", explicit), (ENV_VAR, os.environ.get(ENV_VAR))):
        if chosen:
            path = Path(chosen)
            if not path.is_file():
                raise FontNotFoundError(f"{source} points to {str(path)!r}, which is not a file")
            return path
    packaged = _packaged_font()
    if packaged is not None:
        return packaged
    if _DEBIAN_PATH.is_file():
        return _DEBIAN_PATH
    raise FontNotFoundError(
        "No CJK caption font found. Install it with `pip install "
        f"{PYPI_REQUIREMENT}` (or `apt-get install fonts-wqy-microhei`), "
        f"or set {ENV_VAR} to a TrueType .ttf/.ttc file."
    )


def _packaged_font() -> Path | None:
    try:
        candidate = resources.files(_PACKAGE).joinpath(_PACKAGE_FILE)
    except ModuleNotFoundError:
        return None
    path = Path(str(candidate))
    return path if path.is_file() else None


def missing_glyphs(text: str, path: Path) -> str:
    """Characters the font would draw as tofu boxes, in order of first appearance.

    Checked up front because a rare place-name character printed as a box is only
    noticed after the plate is on the wall.
    """
    cmap = _cmap(path)
    missing = dict.fromkeys(ch for ch in text if ord(ch) not in cmap and not ch.isspace())
    return "".join(missing)


def reportlab_font_name(path: Path) -> str:
    """Registers lazily because reportlab's font registry is process-global and
    parsing the 5 MB collection costs a quarter of a second."""
    font = _ttfont(path)
    if font.fontName not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(font)
    return font.fontName


@lru_cache(maxsize=4)
def _cmap(path: Path) -> frozenset[int]:
    return frozenset(_ttfont(path).face.charToGlyph)


@lru_cache(maxsize=4)
def _ttfont(path: Path) -> TTFont:
    # Named after the file so two fonts in one process never replace each other.
    name = "qr-cjk-" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    try:
        return TTFont(name, str(path), subfontIndex=FACE_INDEX)
    except TTFError as exc:
        raise ValueError(
            f"{path} cannot be used for captions: {exc}. Use a font with TrueType "
            "outlines (.ttf/.ttc); reportlab cannot embed CFF-outline .otf fonts."
        ) from exc
