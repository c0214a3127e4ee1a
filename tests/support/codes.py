"""Decoding what admins download: PNG/SVG images and plates cut from PDF sheets."""
from __future__ import annotations

import io

from PIL import Image

from qr.sheets import SheetLayout  # noqa: E402
from tests.support.qr import decode, rasterise_svg

__all__ = ["decode", "decode_png", "decode_svg", "plates_of_pdf"]


def decode_png(data: bytes) -> list[str]:
    return decode(Image.open(io.BytesIO(data)))


def decode_svg(svg: str) -> list[str]:
    return decode(rasterise_svg(svg))


def plates_of_pdf(pdf: bytes, count: int, dpi: int = 150, layout: SheetLayout = SheetLayout()) -> list[list[str]]:
    """What each plate's code decodes to, cut from the rasterised pages at the layout's fixed boxes."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    scale = dpi / 72
    found = []
    page_image = None
    for index in range(count):
        page_number, slot = divmod(index, layout.per_page)
        if slot == 0:
            page_image = document[page_number].render(scale=scale).to_pil().convert("L")
        box = layout.qr_box(slot)
        margin = 3
        crop = page_image.crop((
            int(box.x * scale) - margin, int(box.y * scale) - margin,
            int((box.x + box.width) * scale) + margin, int((box.y + box.height) * scale) + margin,
        ))
        found.append(decode(crop))
    assert len(document) == -(-count // layout.per_page)
    return found
