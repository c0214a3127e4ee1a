"""Reading codes back the way a phone or a print shop would: decoding PNG and SVG images,
and plates cut from rasterised PDF sheets (plain functions, used by the qr package's tests
and by the tests of the images and sheets admins download)."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image, ImageDraw

from qr.sheets import SheetLayout

SVG_NS = "{http://www.w3.org/2000/svg}"
_RUN = re.compile(r"M(\d+),(\d+)h(\d+)v(\d+)h-\d+z")


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def png_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def decode_png(data: bytes) -> list[str]:
    return decode(png_image(data))


def decode_svg(svg: str) -> list[str]:
    return decode(rasterise_svg(svg))


def plates_of_pdf(pdf: bytes, count: int, dpi: int = 150, layout: SheetLayout = SheetLayout()) -> list[list[str]]:
    """What each plate decodes to, cut from the rasterised pages at the layout's fixed plate boxes
    (a whole plate: its code, caption and frame, so a stray second code would show)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == -(-count // layout.per_page), f"{len(document)} pages for {count} plates"
    scale = dpi / 72
    found = []
    page_image = None
    for index in range(count):
        page_number, slot = divmod(index, layout.per_page)
        if slot == 0:
            page_image = document[page_number].render(scale=scale, grayscale=True).to_pil()
        box = layout.plate_box(slot)
        crop = page_image.crop((
            round(box.x * scale), round(box.y * scale),
            round((box.x + box.width) * scale), round((box.y + box.height) * scale),
        ))
        found.append(decode(crop))
    return found


def svg_path_runs(svg: str) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) of every rectangle in the code's path, in px."""
    path = ET.fromstring(svg).find(f"{SVG_NS}path")
    assert path is not None, "SVG has no <path> of modules"
    d = path.get("d", "")
    runs = [tuple(map(int, m.groups())) for m in _RUN.finditer(d)]
    assert "".join(m.group(0) for m in _RUN.finditer(d)) == d, "unexpected path syntax"
    return runs


def rasterise_svg(svg: str) -> Image.Image:
    """Enough of an SVG renderer for our own output: a white page and the module runs."""
    root = ET.fromstring(svg)
    image = Image.new("L", (int(root.get("width")), int(root.get("height"))), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in svg_path_runs(svg):
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=0)
    return image


def svg_matrix(svg: str, module_px: int, quiet_zone: int) -> list[list[bool]]:
    runs = svg_path_runs(svg)
    origin = quiet_zone * module_px
    width = int(ET.fromstring(svg).get("width"))
    n = width // module_px - 2 * quiet_zone
    matrix = [[False] * n for _ in range(n)]
    for x, y, w, h in runs:
        assert h == module_px and w % module_px == 0
        row = (y - origin) // module_px
        for col in range((x - origin) // module_px, (x - origin + w) // module_px):
            matrix[row][col] = True
    return matrix
