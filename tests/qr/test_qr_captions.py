from __future__ import annotations

import pytest

from qr.captions import ELLIPSIS, PLACEHOLDER, caption_lines, check_text, estimate_width_em, printable, wrap


def width(text: str) -> float:
    return float(len(text))


def test_short_text_stays_on_one_line():
    assert wrap("请扫码反映问题", width, 10) == ["请扫码反映问题"]


def test_han_text_breaks_between_any_characters():
    assert wrap("幸福里社区东区配电房外墙", width, 5) == ["幸福里社区", "东区配电房", "外墙"]


def test_numbers_and_latin_words_are_not_split():
    assert wrap("东区12号楼", width, 3) == ["东区", "12号", "楼"]
    assert wrap("A座 B座", width, 2) == ["A座", "B座"]


def test_spaces_are_not_kept_at_line_edges():
    assert wrap("3号楼 · 楼道", width, 4) == ["3号楼", "· 楼道"]


def test_a_word_wider_than_the_line_is_split():
    assert wrap("ABCDEFGH", width, 3) == ["ABC", "DEF", "GH"]


def test_lines_beyond_the_limit_end_in_an_ellipsis():
    lines = wrap("一二三四五六七八九十", width, 4, max_lines=2)
    assert lines == ["一二三四", "五六七" + ELLIPSIS]


def test_caption_lines_split_on_newlines_and_drop_blank_lines(font_file):
    assert caption_lines(" 3号楼2单元 · 楼道 \n\n请扫码反映问题\n", font_file) == [
        "3号楼2单元 · 楼道",
        "请扫码反映问题",
    ]
    assert caption_lines("楼道\r\n请扫码", font_file) == ["楼道", "请扫码"]
    assert caption_lines(None, font_file) == []


@pytest.mark.parametrize(
    ("caption", "message"),
    [(123, "must be a string"), ("楼道\x00", "control characters"), ("楼道\t", "control"),
     ("𠀀楼", "cannot draw: '𠀀'")],
)
def test_caption_lines_reject_what_would_print_badly(font_file, caption, message):
    with pytest.raises(ValueError, match=message):
        caption_lines(caption, font_file)


def test_svg_width_estimate_counts_han_as_one_em():
    assert estimate_width_em("网格") == 2.0
    assert estimate_width_em("ab") == pytest.approx(1.1)


def test_printable_text_passes_the_caption_check_whatever_was_typed(font_file):
    typed = "3号楼😀\t东\x00区\ud915\ufe0f\n2单元"
    shown = printable(typed, font_file)
    check_text(shown, font_file, what="caption")
    assert shown == f"3号楼{PLACEHOLDER} 东 区{PLACEHOLDER} 2单元"
    assert printable(typed, font_file, allow_newlines=True).endswith("\n2单元")
    assert printable("幸福里社区 A座", font_file) == "幸福里社区 A座"  # what the font draws is left alone
