"""Caption text shared by the PNG, SVG and PDF renderers.

Each renderer measures text its own way (Pillow, reportlab, an estimate for SVG), so
validation and line breaking live here once and take the measuring function as an
argument: the three outputs then break a caption at the same kind of places.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from qr.fonts import missing_glyphs

ELLIPSIS = "…"
PLACEHOLDER = "□"
# Latin words and numbers stay whole ("12号楼", "A座" must not split inside "12");
# any other character, including each Han character, is a break opportunity.
_UNITS = re.compile(r"[A-Za-z0-9]+|\s+|.", re.DOTALL)


def caption_lines(caption: str | None, font: Path) -> list[str]:
    """Lines of a caption, ``\\n`` separating them; rejects what would print badly.
    A browser textarea sends ``\\r\\n``, so that counts as a line break too."""
    if caption is None:
        return []
    if not isinstance(caption, str):
        raise ValueError(f"caption must be a string, got {type(caption).__name__}")
    caption = caption.replace("\r\n", "\n")
    check_text(caption, font, what="caption", allow_newlines=True)
    return [line.strip() for line in caption.strip().split("\n") if line.strip()]


def check_text(text: str, font: Path, *, what: str, allow_newlines: bool = False) -> None:
    """Control characters would make the SVG invalid XML; missing glyphs print as boxes."""
    allowed = "\n" if allow_newlines else ""
    bad = [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed]
    if bad:
        raise ValueError(f"{what} contains control characters: {''.join(bad)!r}")
    missing = missing_glyphs(text, font)
    if missing:
        raise ValueError(
            f"{what} {text!r} has characters the caption font cannot draw: {missing!r}"
        )


def printable(text: str, font: Path, *, allow_newlines: bool = False) -> str:
    """``text`` as the font can draw it, for captions made from what people typed.

    A record's fields take any text (a shop's name may carry an emoji), yet its plate must
    still print: control characters become spaces, invisible marks the font lacks (joiners,
    variation selectors) are dropped, and any other character it lacks shows as a box
    drawn on purpose, so the plate is printed and the odd character can be seen on it.
    """
    kept = "\n" if allow_newlines else ""
    missing = set(missing_glyphs(text, font))
    box = PLACEHOLDER if not missing_glyphs(PLACEHOLDER, font) else "?"
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in kept:
            out.append(" ")
        elif ch not in missing and category != "Cs":
            out.append(ch)
        elif category not in ("Cf", "Mn", "Me"):
            out.append(box)
    return "".join(out)


def wrap(
    text: str,
    measure: Callable[[str], float],
    max_width: float,
    max_lines: int | None = None,
) -> list[str]:
    """Greedy line breaking; past ``max_lines`` the last line ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for unit in _pieces(text, measure, max_width):
        candidate = current + unit
        if current and measure(candidate.rstrip()) > max_width:
            lines.append(current.rstrip())
            current = unit.lstrip()
        else:
            current = candidate if current or not unit.isspace() else ""
    if current.strip():
        lines.append(current.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsize(lines[max_lines - 1], measure, max_width)]
    return lines


def _pieces(text: str, measure: Callable[[str], float], max_width: float) -> list[str]:
    pieces: list[str] = []
    for unit in _UNITS.findall(text):
        # A word wider than the whole line (a long room code) has to break somewhere.
        pieces.extend(unit if len(unit) > 1 and measure(unit) > max_width else [unit])
    return pieces


def _ellipsize(line: str, measure: Callable[[str], float], max_width: float) -> str:
    while line and measure(line + ELLIPSIS) > max_width:
        line = line[:-1].rstrip()
    return line + ELLIPSIS


def estimate_width_em(text: str) -> float:
    """Width in ems for the SVG, whose viewer picks the font: Han characters are 1 em
    in every CJK face, other characters roughly 0.55 em in the usual sans faces."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)
