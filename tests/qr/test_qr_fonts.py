from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from qr import fonts

# WenQuanYi Micro Hei 0.2.0-beta as shipped by paperang-p2-fonts-cjk 0.1.0 and by
# Debian's fonts-wqy-microhei: byte-identical, so every server draws the same glyphs.
WQY_MICROHEI_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"


def test_default_font_is_the_pinned_wenquanyi_file(font_file, monkeypatch):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    assert fonts.font_path() == font_file
    assert hashlib.sha256(font_file.read_bytes()).hexdigest() == WQY_MICROHEI_SHA256


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    image = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(image).text((8, 8), ch, font=font, fill=255)
    return image.tobytes()


def test_chinese_glyphs_are_real_not_tofu(font_file):
    font = ImageFont.truetype(str(font_file), 64, index=fonts.FACE_INDEX)
    tofu_char = "\U0001F600"
    assert fonts.missing_glyphs(tofu_char, font_file) == tofu_char
    wang, ge, notdef = (_glyph(font, ch) for ch in ("网", "格", tofu_char))
    assert any(wang) and any(ge)
    assert wang != ge
    assert notdef not in (wang, ge)


def test_missing_glyphs_lists_each_uncovered_character_once(font_file):
    assert fonts.missing_glyphs("3号楼2单元 · 楼道\n请扫码反映问题，谢谢！", font_file) == ""
    assert fonts.missing_glyphs("𠀀楼𠀀\U0001F600", font_file) == "𠀀\U0001F600"


def test_explicit_path_wins_over_environment(font_file, tmp_path, monkeypatch):
    other = tmp_path / "other.ttc"
    other.write_bytes(font_file.read_bytes())
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "elsewhere.ttc"))
    assert fonts.font_path(other) == other


def test_environment_wins_over_package(font_file, tmp_path, monkeypatch):
    other = tmp_path / "other.ttc"
    other.write_bytes(font_file.read_bytes())
    monkeypatch.setenv(fonts.ENV_VAR, str(other))
    assert fonts.font_path() == other


def test_a_named_font_that_is_missing_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "nope.ttc"))
    with pytest.raises(fonts.FontNotFoundError, match=r"QR_FONT_PATH points to .*nope\.ttc"):
        fonts.font_path()
    with pytest.raises(fonts.FontNotFoundError, match="font path argument"):
        fonts.font_path(tmp_path / "gone.ttf")


def test_no_font_anywhere_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "_packaged_font", lambda: None)
    monkeypatch.setattr(fonts, "_DEBIAN_PATH", tmp_path / "absent.ttc")
    with pytest.raises(fonts.FontNotFoundError) as info:
        fonts.font_path()
    message = str(info.value)
    assert "pip install paperang-p2-fonts-cjk==0.1.0" in message
    assert "fonts-wqy-microhei" in message and "QR_FONT_PATH" in message


def test_unusable_font_file_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"OTTO" + bytes(200))
    with pytest.raises(ValueError, match="cannot be used for captions"):
        fonts.reportlab_font_name(junk)


def test_reportlab_registration_is_idempotent(font_file):
    assert fonts.reportlab_font_name(font_file) == fonts.reportlab_font_name(Path(font_file))
