"""Printable A4 sheets of door plates, for batches of up to thousands of codes.

Codes are drawn as vectors (one filled path of module runs per code), so they stay
sharp at any printer resolution and no bitmap exists at any point: memory grows only
with reportlab's compact page streams, never with images. Layout is a fixed grid
computed from ``SheetLayout`` alone, so a reprint of plate N lands where it did the
first time, and tests can crop each plate at known coordinates.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from qr import fonts
from qr.captions import check_text, wrap
from qr.render import QUIET_ZONE, dark_runs, qr_matrix

Progress = Callable[[int, int], None]

_CUT_LINE = Color(0.7, 0.7, 0.7)
_SUBTITLE = Color(0.25, 0.25, 0.25)
# Below this a phone at arm's length across a corridor struggles; printers are fine.
MIN_MODULE_MM = 0.6


@dataclass(frozen=True)
class Plate:
    url: str
    title: str = ""
    subtitle: str = ""


Encoded = tuple[Plate, list[list[bool]]]


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points measured from the page's top-left corner, the way
    a rasterised page is addressed."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class SheetLayout:
    """Plates sit in a grid of equal cells; the cell edges are the cut lines."""

    columns: int = 3
    rows: int = 4
    page_size: tuple[float, float] = A4
    margin: float = 12 * mm
    inset: float = 2.5 * mm  # cut line to plate frame: room for an imprecise cut
    qr_size: float = 44 * mm  # code including its quiet zone
    title_pt: float = 12.0
    subtitle_pt: float = 8.5
    title_lines: int = 2

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise ValueError("a sheet needs at least one column and one row")
        frame = self.plate_box(0)
        text_height = (self.title_lines * self.title_pt + self.subtitle_pt) * 1.3
        if frame.width < self.qr_size or frame.height < self.qr_size + text_height:
            raise ValueError(
                f"plates of {frame.width / mm:.1f}x{frame.height / mm:.1f} mm cannot hold a "
                f"{self.qr_size / mm:.1f} mm code and its captions; use fewer columns or rows"
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def cell_width(self) -> float:
        return (self.page_size[0] - 2 * self.margin) / self.columns

    @property
    def cell_height(self) -> float:
        return (self.page_size[1] - 2 * self.margin) / self.rows

    def cell_box(self, slot: int) -> Box:
        row, column = divmod(slot, self.columns)
        return Box(
            self.margin + column * self.cell_width,
            self.margin + row * self.cell_height,
            self.cell_width,
            self.cell_height,
        )

    def plate_box(self, slot: int) -> Box:
        cell = self.cell_box(slot)
        return Box(cell.x + self.inset, cell.y + self.inset,
                   cell.width - 2 * self.inset, cell.height - 2 * self.inset)

    def qr_box(self, slot: int) -> Box:
        """Near the frame's top edge: the quiet zone already is the white margin."""
        frame = self.plate_box(slot)
        return Box(frame.x + (frame.width - self.qr_size) / 2, frame.y + 1 * mm,
                   self.qr_size, self.qr_size)


def write_sheets(
    plates: Iterable[Plate | Mapping[str, str] | object],
    out: BinaryIO,
    *,
    layout: SheetLayout = SheetLayout(),
    ec: str = "Q",
    total: int | None = None,
    progress: Progress | None = None,
    font_path: Path | None = None,
) -> int:
    """Writes the PDF to ``out`` and returns the number of plates.

    ``plates`` holds ``Plate``s, dicts or any objects with ``url``, ``title`` and
    ``subtitle``; it is consumed lazily, a page at a time, so a database cursor works.
    ``ec`` defaults to Q because these codes live outdoors for years and collect dirt.
    ``progress(done, total)`` is called after each page but the last, then once the
    file is written, so ``done == total`` means the PDF is complete; an exception
    raised by it aborts the run. ``total`` defaults to ``len(plates)`` when there is
    one. reportlab writes only at the end, so a bad plate (reported as
    "plate #N: ...") leaves ``out`` untouched.
    """
    if total is None and isinstance(plates, Sized):
        total = len(plates)
    if progress is not None and total is None:
        raise ValueError("pass total= when plates has no len() and progress is wanted")
    font_file = fonts.font_path(font_path)
    font_name = fonts.reportlab_font_name(font_file)
    canvas = Canvas(out, pagesize=layout.page_size, pageCompression=1, invariant=1)
    canvas.setTitle("网格二维码门牌")
    canvas.setCreator("gridapp qr.sheets")
    done = 0
    for page in _pages(_validated(plates, font_file, layout, ec, total), layout.per_page):
        _draw_cut_lines(canvas, layout)
        for slot, (plate, matrix) in enumerate(page):
            _draw_plate(canvas, layout, slot, plate, matrix, font_name)
        canvas.showPage()
        done += len(page)
        if progress is not None and total is not None and done < total:
            progress(done, total)
    if done == 0:
        raise ValueError("no plates to print")
    if total is not None and done != total:
        raise ValueError(f"total={total} but {done} plates were given")
    canvas.save()
    if progress is not None:
        progress(done, done)
    return done


def _validated(
    plates: Iterable[object], font_file: Path, layout: SheetLayout, ec: str, total: int | None
) -> Iterator[Encoded]:
    """Fails before anything is drawn for the plate at fault, naming it, so a job
    reports "plate #1234: ..." rather than a bare encoder error."""
    for index, item in enumerate(plates):
        if total is not None and index >= total:
            raise ValueError(f"total={total} but more plates were given")
        try:
            plate = _as_plate(item)
            for what, text in (("title", plate.title), ("subtitle", plate.subtitle)):
                check_text(text, font_file, what=what)
            matrix = qr_matrix(plate.url, ec=ec)
            module = layout.qr_size / (len(matrix) + 2 * QUIET_ZONE)
            if module < MIN_MODULE_MM * mm:
                raise ValueError(
                    f"url of {len(plate.url)} chars makes modules {module / mm:.2f} mm wide, "
                    f"under {MIN_MODULE_MM} mm; shorten PUBLIC_BASE_URL or enlarge qr_size"
                )
            yield plate, matrix
        except ValueError as exc:
            raise ValueError(f"plate #{index + 1}: {exc}") from None


def _as_plate(item: object) -> Plate:
    get = item.get if isinstance(item, Mapping) else lambda name: getattr(item, name, None)
    return Plate(
        _string("url", get("url")),
        _string("title", get("title") or ""),
        _string("subtitle", get("subtitle") or ""),
    )


def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {type(value).__name__}")
    return value


def _pages(items: Iterator[Encoded], size: int) -> Iterator[list[Encoded]]:
    page: list[Encoded] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def _draw_cut_lines(canvas: Canvas, layout: SheetLayout) -> None:
    width, height = layout.page_size
    canvas.saveState()
    canvas.setStrokeColor(_CUT_LINE)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    left, right = layout.margin, width - layout.margin
    for row in range(layout.rows + 1):
        y = height - layout.margin - row * layout.cell_height
        canvas.line(left, y, right, y)
    for column in range(layout.columns + 1):
        x = layout.margin + column * layout.cell_width
        canvas.line(x, layout.margin, x, height - layout.margin)
    canvas.restoreState()


def _draw_plate(
    canvas: Canvas, layout: SheetLayout, slot: int, plate: Plate,
    matrix: list[list[bool]], font_name: str,
) -> None:
    page_height = layout.page_size[1]
    frame = layout.plate_box(slot)
    canvas.setLineWidth(0.8)
    canvas.setStrokeColor(black)
    canvas.roundRect(frame.x, page_height - frame.y - frame.height, frame.width, frame.height,
                     radius=3 * mm, stroke=1, fill=0)

    code = layout.qr_box(slot)
    module = code.width / (len(matrix) + 2 * QUIET_ZONE)
    canvas.saveState()
    # Module units, y growing downwards like the matrix: keeps the stream short.
    canvas.translate(code.x + QUIET_ZONE * module, page_height - code.y - QUIET_ZONE * module)
    canvas.scale(module, -module)
    canvas.setFillColor(black)
    # One fill of integer rectangles, written directly: reportlab's path object
    # formats every coordinate as a float and made this the slowest step of a batch.
    canvas.addLiteral(" ".join(f"{x} {y} {n} 1 re" for y, x, n in dark_runs(matrix)) + " f")
    canvas.restoreState()

    text_width = frame.width - 6 * mm
    title = wrap(plate.title, lambda s: stringWidth(s, font_name, layout.title_pt),
                 text_width, layout.title_lines) if plate.title else []
    subtitle = wrap(plate.subtitle, lambda s: stringWidth(s, font_name, layout.subtitle_pt),
                    text_width, 1) if plate.subtitle else []
    lines = [(line, layout.title_pt, black) for line in title]
    lines += [(line, layout.subtitle_pt, _SUBTITLE) for line in subtitle]
    block = sum(size * 1.3 for _, size, _ in lines)
    text_top = code.y + code.height
    space = frame.y + frame.height - text_top
    y = text_top + (space - block) / 2  # centred between code and frame
    center = frame.x + frame.width / 2
    for line, size, color in lines:
        y += size * 1.3
        canvas.setFont(font_name, size)
        canvas.setFillColor(color)
        canvas.drawCentredString(center, page_height - y + size * 0.3, line)
