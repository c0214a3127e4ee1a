from __future__ import annotations

import io
import math
from types import SimpleNamespace

import pytest

import qr.sheets
from qr.render import qr_matrix
from qr.sheets import Plate, SheetLayout, write_sheets
from qr.tokens import code_url, new_token
from tests.support.qr import plates_of_pdf

BASE = "https://grid.example.gov.cn"
LAYOUT = SheetLayout()


def make_plates(count: int) -> list[object]:
    """Plates in every accepted shape, with short, long and missing captions."""
    plates: list[object] = []
    for i in range(count):
        url = code_url(BASE, new_token())
        title = f"{i // 6 + 1}号楼{i % 6 + 1}单元 · 楼道"
        subtitle = "请扫码反映问题"
        if i % 7 == 3:
            title = "幸福里社区东区12号楼3单元地下车库入口旁配电房外墙（消防通道）"
            subtitle = "请扫码反映问题：占道经营、垃圾堆放、设施损坏，我们将在24小时内处理"
        if i % 10 == 9:
            subtitle = ""
        if i % 3 == 0:
            plates.append(Plate(url, title, subtitle))
        elif i % 3 == 1:
            plates.append({"url": url, "title": title, "subtitle": subtitle})
        else:
            plates.append(SimpleNamespace(url=url, title=title, subtitle=subtitle))
    return plates


def url_of(plate: object) -> str:
    return plate["url"] if isinstance(plate, dict) else plate.url


@pytest.fixture(scope="module")
def sheet() -> tuple[list[object], bytes, list[tuple[int, int]]]:
    plates = make_plates(30)
    calls: list[tuple[int, int]] = []
    out = io.BytesIO()
    assert write_sheets(plates, out, progress=lambda done, total: calls.append((done, total))) == 30
    return plates, out.getvalue(), calls


@pytest.mark.slow
@pytest.mark.parametrize("dpi", [150, 200])
def test_every_plate_decodes_to_exactly_its_url_when_rasterised(sheet, pdfium, dpi):
    plates, pdf_bytes, _ = sheet
    assert len(pdfium.PdfDocument(pdf_bytes)) == math.ceil(30 / LAYOUT.per_page) == 3
    decoded = plates_of_pdf(pdf_bytes, len(plates), dpi, LAYOUT)
    for index, (plate, found) in enumerate(zip(plates, decoded, strict=True)):
        assert found == [url_of(plate)], f"plate #{index + 1} at {dpi} dpi"


def test_pages_carry_the_chinese_captions_as_text(sheet, pdfium):
    plates, pdf_bytes, _ = sheet
    document = pdfium.PdfDocument(pdf_bytes)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    flat = "".join(text.split())
    for plate in plates:
        title = plate["title"] if isinstance(plate, dict) else plate.title
        # Long titles are wrapped to two lines and cut with an ellipsis.
        assert "".join(title.split())[:16] in flat
    assert "请扫码反映问题" in flat and "…" in flat


def test_font_is_embedded_so_every_printer_shows_the_same_glyphs(sheet):
    _, pdf_bytes, _ = sheet
    assert b"/FontFile2" in pdf_bytes


def test_progress_reports_each_page_and_completion(sheet):
    _, _, calls = sheet
    assert calls == [(12, 30), (24, 30), (30, 30)]


def test_sheets_are_byte_for_byte_deterministic(sheet):
    plates, pdf_bytes, _ = sheet
    again = io.BytesIO()
    write_sheets(plates, again)
    assert again.getvalue() == pdf_bytes


def test_layout_places_plates_inside_the_page_without_overlap():
    width, height = LAYOUT.page_size
    boxes = [LAYOUT.plate_box(slot) for slot in range(LAYOUT.per_page)]
    for box in boxes:
        assert box.x > 0 and box.x + box.width < width and box.y > 0 and box.y + box.height < height
        code = LAYOUT.qr_box(boxes.index(box))
        assert box.x < code.x and code.x + code.width < box.x + box.width
        assert box.y < code.y and code.y + code.height < box.y + box.height
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            p, q = boxes[a], boxes[b]
            assert (p.x + p.width <= q.x or q.x + q.width <= p.x
                    or p.y + p.height <= q.y or q.y + q.height <= p.y)


def test_five_thousand_plates_stream_page_by_page(pdfium, monkeypatch):
    """Encoding is stubbed (one real matrix for all) to keep this quick; what is checked
    is that input is pulled lazily, a page at a time, and all 417 pages come out."""
    total = 5_000
    matrix = qr_matrix(code_url(BASE, new_token()), ec="Q")
    monkeypatch.setattr(qr.sheets, "qr_matrix", lambda url, ec: matrix)
    pulled = 0

    def plates():
        nonlocal pulled
        for i in range(total):
            pulled += 1
            yield Plate(code_url(BASE, new_token()), f"{i + 1}号门牌", "请扫码反映问题")

    calls: list[tuple[int, int]] = []

    def progress(done: int, of: int) -> None:
        assert pulled <= done + LAYOUT.per_page, "input was read ahead of the pages drawn"
        calls.append((done, of))

    out = io.BytesIO()
    assert write_sheets(plates(), out, total=total, progress=progress) == total
    pages = math.ceil(total / LAYOUT.per_page)
    assert len(calls) == pages and calls[-1] == (total, total)
    assert len(pdfium.PdfDocument(out.getvalue())) == pages


def test_progress_needs_a_total_for_generators():
    with pytest.raises(ValueError, match="pass total="):
        write_sheets(iter(make_plates(2)), io.BytesIO(), progress=lambda d, t: None)


@pytest.mark.parametrize(
    ("plates", "kwargs", "message"),
    [
        ([], {}, "no plates to print"),
        (make_plates(3), {"total": 5}, "total=5 but 3 plates"),
        (iter(make_plates(3)), {"total": 2}, "total=2 but more plates"),
        ([Plate("https://a.cn/c/x y")], {}, r"plate #1: url must be printable ASCII"),
        ([Plate(None)], {}, "plate #1: url must be a string, got NoneType"),
        ([{"url": code_url(BASE, new_token()), "title": 5}], {}, "plate #1: title must be a str"),
        ([Plate(code_url(BASE, new_token()), "𠀀号楼")], {}, "plate #1: title .* cannot draw"),
        ([Plate(code_url(BASE, new_token()), "", "楼\x00")], {}, "plate #1: subtitle contains"),
        ([Plate(code_url(BASE, new_token()))], {"ec": "X"}, "ec must be one of"),
        ([Plate("https://a.cn/" + "x" * 400)], {}, r"plate #1: url of 413 chars makes modules"),
    ],
)
def test_bad_input_is_rejected_naming_the_plate(plates, kwargs, message):
    with pytest.raises(ValueError, match=message):
        write_sheets(plates, io.BytesIO(), **kwargs)


def test_layout_that_cannot_fit_a_plate_is_rejected():
    with pytest.raises(ValueError, match="cannot hold"):
        SheetLayout(columns=5)
    with pytest.raises(ValueError, match="at least one column"):
        SheetLayout(rows=0)
