"""The bounded JSON loader: every way a document can be too deep, too big a number or not text
is one InvalidResponse naming the document, decided in time linear in its length."""

from __future__ import annotations

import time

import pytest

from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.json_doc import (
    MAX_DEPTH,
    clean_text,
    load_json,
    load_json_object,
    nesting_depth,
)


def rejected(data: bytes | str, what: str = "manifest") -> str:
    with pytest.raises(InvalidResponse) as caught:
        load_json(data, what=what)
    return caught.value.sentence


def test_ordinary_documents_load() -> None:
    assert load_json(b'{"a": [1, 2.5, "x", null, true]}', what="manifest") == {
        "a": [1, 2.5, "x", None, True]
    }
    assert load_json("\ufeff[]".encode(), what="manifest") == []  # a UTF-8 BOM is allowed
    assert load_json('"\\ud83d\\ude00"', what="token answer") == "😀"  # a surrogate pair
    assert load_json(str(2**64), what="x") == 2**64  # 20 digits: still a number


def test_depth_limit_is_exact_and_named() -> None:
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, what="manifest") is not None
    sentence = rejected("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert sentence == "The manifest is nested deeper than 64 levels; it was not read."
    assert rejected('{"a":' * 100_000 + "1" + "}" * 100_000, what="image config").startswith(
        "The image config is nested deeper"
    )


def test_brackets_inside_strings_do_not_count() -> None:
    text = '["' + "[" * 1000 + '\\"[[[", "{{{"]'
    assert nesting_depth(text.encode(), MAX_DEPTH) == 1
    assert load_json(text, what="manifest")[1] == "{{{"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("9" * 5000, "more than 20 digits"),
        ("-" + "1" * 21, "more than 20 digits"),
        ("1e400", "too large to represent"),
        ("-1e999999", "too large to represent"),
        ("0." + "0" * 200 + "1", "more than 100 characters"),
        ("NaN", "not a JSON number"),
        ("[Infinity]", "not a JSON number"),
    ],
)
def test_numbers_out_of_range_are_rejected(text: str, why: str) -> None:
    sentence = rejected(text, what="token answer")
    assert sentence.startswith("The token answer holds")
    assert why in sentence


def test_text_that_is_not_unicode_is_rejected() -> None:
    assert rejected(b'{"a": "\xff"}') == "The manifest is not valid UTF-8 (byte 7)."
    assert "lone surrogate" in rejected('"\\ud800"')
    assert "lone surrogate" in rejected('{"\\udc00": 1}')
    assert "lone surrogate" in rejected('"\ud800"')  # a str holding a surrogate itself


def test_not_json_and_not_an_object() -> None:
    assert rejected(b"").startswith("The manifest is not valid JSON (")
    assert rejected(b'{"a": 1').startswith("The manifest is not valid JSON (")
    with pytest.raises(InvalidResponse, match="The error body is not a JSON object"):
        load_json_object(b"[1]", what="error body")


def test_time_is_linear_in_the_input() -> None:
    hostile = [
        "[" * 4_000_000,
        '"' + '\\"' * 2_000_000,  # one endless string of escaped quotes
        '"\\' * 1_300_000,
        '["' + "[" * 4_000_000,
    ]
    for text in hostile:
        started = time.perf_counter()
        with pytest.raises(InvalidResponse):
            load_json(text, what="manifest")
        assert time.perf_counter() - started < 1.0, text[:10]


def test_clean_text_replaces_only_lone_surrogates() -> None:
    assert clean_text("plain ü") == "plain ü"
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("\ud83d\ude00") == "😀"
    clean_text("x\udfff\ud800").encode("utf-8")
