from __future__ import annotations

import base64
import re

import pytest

from qr.tokens import TOKEN_LENGTH, code_url, looks_like_token, new_token


def test_ten_thousand_tokens_are_unique_url_safe_and_carry_128_bits():
    tokens = [new_token() for _ in range(10_000)]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
        assert len(token) == TOKEN_LENGTH
        assert len(base64.urlsafe_b64decode(token + "==")) * 8 >= 128
        assert looks_like_token(token)


def test_every_token_bit_is_random():
    """Counters, ids or timestamps leave some bits nearly constant; random bits are set
    in half the tokens, here within 9 standard deviations, so this never flakes."""
    n = 2_000
    counts = [0] * 128
    for _ in range(n):
        value = int.from_bytes(base64.urlsafe_b64decode(new_token() + "=="), "big")
        for bit in range(128):
            counts[bit] += value >> bit & 1
    assert all(0.4 * n < count < 0.6 * n for count in counts), counts


@pytest.mark.parametrize(
    "candidate",
    ["", "short", "a" * 21, "a" * 65, "x" * 21 + "/", "x" * 21 + " ", "x" * 21 + ".",
     "x" * 21 + "\n", "网" * 22, None, 12345, "x" * 22 + "\n"],
)
def test_looks_like_token_rejects_junk(candidate):
    assert not looks_like_token(candidate)


def test_looks_like_token_accepts_longer_future_tokens():
    assert looks_like_token("A" * 32)


@pytest.mark.parametrize(
    "base", ["https://grid.example.gov.cn", "https://grid.example.gov.cn/", "https://grid.example.gov.cn//"]
)
def test_code_url_strips_trailing_slashes(base):
    token = new_token()
    assert code_url(base, token) == f"https://grid.example.gov.cn/c/{token}"


def test_code_url_keeps_a_path_prefix():
    token = new_token()
    assert code_url("http://localhost:5000/grid/", token) == f"http://localhost:5000/grid/c/{token}"


@pytest.mark.parametrize(
    ("base", "token", "message"),
    [
        ("https://grid.example.gov.cn", "bad token", "not a code token"),
        ("grid.example.gov.cn", None, "absolute http"),
        ("ftp://grid.example.gov.cn", None, "absolute http"),
        ("https://", None, "absolute http"),
        ("https://grid.example.gov.cn/?a=1", None, "query"),
        ("https://grid.example.gov.cn/#x", None, "query"),
        ("https://网格.cn", None, "ASCII"),
        ("https://grid.example.gov.cn/a b", None, "whitespace"),
        (None, None, "must be a string"),
    ],
)
def test_code_url_rejects_bad_arguments(base, token, message):
    with pytest.raises(ValueError, match=message):
        code_url(base, token if token is not None else new_token())
