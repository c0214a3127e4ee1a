from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageFont

from qr import fonts
from qr.render import QUIET_ZONE, qr_matrix, render_png, render_svg
from qr.tokens import code_url, new_token
from tests.support.qr import SVG_NS, decode, png_image, rasterise_svg, svg_matrix

BASE = "https://grid.example.gov.cn"
LONG_CAPTION = (
    "幸福里社区东区12号楼3单元地下车库入口旁配电房外墙（消防通道）\n"
    "请扫码反映问题：占道经营、垃圾堆放、设施损坏、噪音扰民等，我们将在24小时内处理"
)


def url() -> str:
    return code_url(BASE, new_token())


@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
@pytest.mark.parametrize("size_px", [150, 300, 600, 1024])
@pytest.mark.parametrize("caption", [None, "3号楼2单元 · 楼道\n请扫码反映问题", LONG_CAPTION])
def test_png_decodes_to_exactly_its_url(ec, size_px, caption):
    target = url()
    image = png_image(render_png(target, size_px=size_px, ec=ec, caption=caption))
    assert image.format == "PNG" and image.width == size_px
    assert decode(image) == [target]


def test_png_modules_match_the_encoder_and_keep_the_quiet_zone():
    target = url()
    matrix = qr_matrix(target, ec="H")
    image = png_image(render_png(target, size_px=500, ec="H")).convert("L")
    span = len(matrix) + 2 * QUIET_ZONE
    module = 500 // span
    offset = (500 - len(matrix) * module) // 2
    assert offset >= QUIET_ZONE * module
    centre, n = offset + module // 2, len(matrix)
    sampled = [
        [image.getpixel((centre + x * module, centre + y * module)) < 128 for x in range(n)]
        for y in range(n)
    ]
    assert sampled == matrix
    band = image.crop((0, 0, 500, offset))
    assert band.getextrema() == (255, 255), "quiet zone above the code is not blank"


def test_png_caption_is_drawn_below_the_code():
    target = url()
    plain = png_image(render_png(target, size_px=400))
    caption = "3号楼2单元 · 楼道\n请扫码反映问题"
    captioned = png_image(render_png(target, size_px=400, caption=caption))
    assert captioned.height > plain.height == 400
    caption_band = captioned.convert("L").crop((0, 400, 400, captioned.height))
    assert caption_band.getextrema()[0] < 64, "caption band has no dark text"
    assert captioned.convert("L").crop((0, 0, 400, 400)).tobytes() == plain.convert("L").tobytes()


def test_long_caption_wraps_within_the_image():
    image = png_image(render_png(url(), size_px=400, caption=LONG_CAPTION)).convert("L")
    font = ImageFont.truetype(str(fonts.font_path()), round(400 / 16), index=fonts.FACE_INDEX)
    assert image.height > 400 + 4 * font.size  # several wrapped lines
    left, right = image.crop((0, 400, 4, image.height)), image.crop((396, 400, 400, image.height))
    assert left.getextrema() == right.getextrema() == (255, 255), "caption runs off the edge"


def test_png_is_deterministic():
    target = url()
    assert render_png(target, caption="楼道") == render_png(target, caption="楼道")


@pytest.mark.parametrize("ec", ["L", "H"])
@pytest.mark.parametrize("module_px", [1, 4, 10])
def test_svg_is_xml_with_the_encoders_modules_and_decodes(ec, module_px):
    target = url()
    caption = "3号楼2单元 · 楼道\n请扫码反映问题 <门&窗>"
    svg = render_svg(target, ec=ec, caption=caption, module_px=module_px)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert texts == ["3号楼2单元 · 楼道", "请扫码反映问题 <门&窗>"]
    for text in root.iter(f"{SVG_NS}text"):
        family = text.get("font-family")
        assert "WenQuanYi Micro Hei" in family and "Noto Sans CJK SC" in family
        assert family.endswith("sans-serif")
    assert svg_matrix(svg, module_px, QUIET_ZONE) == qr_matrix(target, ec=ec)
    raster = rasterise_svg(svg)
    if module_px == 1:
        raster = raster.resize((raster.width * 4, raster.height * 4), Image.Resampling.NEAREST)
    assert decode(raster) == [target]


def test_svg_long_caption_wraps_into_several_text_lines():
    svg = render_svg(url(), caption=LONG_CAPTION)
    root = ET.fromstring(svg)
    lines = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert len(lines) > 2
    assert "".join(lines) == LONG_CAPTION.replace("\n", "")
    assert int(root.get("height")) > int(root.get("width"))


def test_svg_without_caption_is_square():
    root = ET.fromstring(render_svg(url(), module_px=3))
    assert root.get("width") == root.get("height")
    assert list(root.iter(f"{SVG_NS}text")) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ec": "X"}, "ec must be one of L, M, Q, H"),
        ({"ec": "m"}, "ec must be one of"),
        ({"size_px": 40}, r"size_px=40 is too small .* at least \d+ px"),
        ({"size_px": 600.0}, "size_px must be an int"),
        ({"size_px": True}, "size_px must be an int"),
        ({"caption": "楼道\x07"}, "control characters"),
        ({"caption": ["楼道"]}, "caption must be a string"),
        ({"caption": "𠀀"}, "cannot draw"),
    ],
)
def test_png_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        render_png(url(), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"module_px": 0}, "module_px must be a positive int"),
        ({"module_px": 2.5}, "module_px must be a positive int"),
        ({"ec": "Z"}, "ec must be one of"),
        ({"caption": 5}, "caption must be a string"),
    ],
)
def test_svg_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        render_svg(url(), **kwargs)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("", "non-empty string"),
        (None, "non-empty string"),
        ("https://网格.cn/c/x", "printable ASCII"),
        ("https://a.cn/c/x y", "printable ASCII"),
        ("https://a.cn/" + "x" * 3000, "too long for a QR code at ec=H"),
    ],
)
def test_bad_urls_are_rejected(target, message):
    with pytest.raises(ValueError, match=message):
        qr_matrix(target, ec="H")
