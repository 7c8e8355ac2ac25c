"""Previews of files from layers: encodings found (BOMs, UTF-8, legacy encodings), binaries as
hex, controls and bidi made visible, long lines wrapped, files cut short; and file names made safe
for Save as."""

from __future__ import annotations

import codecs
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acr_desktop.registry.file_preview import (
    HEX_LIMIT,
    LONG_LINE,
    TEXT_LIMIT,
    hex_dump,
    preview,
    safe_file_name,
)
from tests.layers.test_tar_fuzz import fuzz

ELF = bytes.fromhex("7f454c4602010100") + bytes(8) + bytes.fromhex("03003e00")


def test_an_empty_file() -> None:
    shown = preview(b"", 0)
    assert (shown.kind, shown.text, shown.encoding, shown.size, shown.truncated) == (
        "empty",
        "",
        None,
        0,
        False,
    )


def test_utf8_text_is_shown_whole() -> None:
    data = "Grüße, 世界! 🎉\nsecond line\n".encode()
    shown = preview(data, len(data))
    assert (shown.kind, shown.encoding, shown.text) == ("text", "utf-8", data.decode())
    assert (shown.size, shown.shown, shown.truncated, shown.wrapped_lines) == (
        len(data),
        len(data),
        False,
        0,
    )


@pytest.mark.parametrize(
    ("codec", "bom", "name"),
    [
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32-le"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_a_byte_order_mark_decides_the_encoding(codec: str, bom: bytes, name: str) -> None:
    text = "line one\nzwei: Grüße\n"
    data = bom + text.encode(codec)
    shown = preview(data, len(data))
    assert (shown.kind, shown.encoding, shown.text) == ("text", name, text)


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        ("Ceci est un texte en français, à côté de l'église.\n" * 5, "cp1252", "cp1252"),
        ("Grüße aus Köln, Déjà vu, naïve façade. " * 3, "latin-1", "cp1252"),
        ("Привет мир, как дела? Всё хорошо.\n" * 5, "cp1251", "cp1251"),
        ("日本語のテキストです。こんにちは世界。" * 5, "shift_jis", "cp932"),
    ],
)
def test_a_legacy_encoding_is_found(text: str, codec: str, expected: str) -> None:
    data = text.encode(codec)
    shown = preview(data, len(data))
    assert (shown.kind, shown.encoding, shown.text) == ("text", expected, text)


def test_mostly_utf8_with_a_stray_byte_stays_utf8() -> None:
    data = ("Grüße aus Köln, 世界. " * 20).encode() + b"\xff" + b" end"
    shown = preview(data, len(data))
    assert (shown.kind, shown.encoding) == ("text", "utf-8")
    assert shown.text.endswith("\ufffd end")


@pytest.mark.parametrize(
    "data",
    [ELF + bytes(1000), b"text\0with a NUL", bytes(range(1, 32)) * 40, bytes(range(128, 256)) * 8],
    ids=["elf", "nul", "controls", "high-bytes"],
)
def test_binary_data_is_shown_as_hex(data: bytes) -> None:
    shown = preview(data, len(data))
    assert (shown.kind, shown.encoding, shown.shown) == ("binary", None, len(data))
    assert shown.text == hex_dump(data)


def test_a_big_binary_shows_its_first_64_kib_and_its_size() -> None:
    data = ELF + bytes(TEXT_LIMIT - len(ELF))
    shown = preview(data, 10 * 2**30)
    assert (shown.kind, shown.size, shown.shown, shown.truncated) == (
        "binary",
        10 * 2**30,
        HEX_LIMIT,
        True,
    )
    assert shown.text.count("\n") == HEX_LIMIT // 16 - 1


def test_the_hex_view_has_offsets_hex_and_printable_ascii() -> None:
    assert hex_dump(ELF) == (
        "00000000  7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00  |.ELF............|\n"
        "00000010  03 00 3e 00                                       |..>.|"
    )
    assert hex_dump(b"\x1b[2J\xe2\x80\xae<b>") == (
        "00000000  1b 5b 32 4a e2 80 ae 3c  62 3e                    |.[2J...<b>|"
    )
    assert hex_dump(b"") == ""


def test_controls_and_bidi_are_shown_as_escapes_never_acted_on() -> None:
    text = (
        "red: \x1b[31mRED\x1b[0m\tbell\x07 nul-ish\x7f c1\x85\nevil\u202egnp.exe\u2066x\u200f\r\n"
    )
    data = text.encode()
    shown = preview(data, len(data))
    assert shown.text == (
        "red: \\x1b[31mRED\\x1b[0m\tbell\\x07 nul-ish\\x7f c1\\x85\n"
        "evil\\u202egnp.exe\\u2066x\\u200f\r\n"
    )


def test_long_lines_are_hard_wrapped_and_counted() -> None:
    data = b"short\n" + b"a" * (2 * LONG_LINE + 5) + b"\nmid\n" + b"b" * (LONG_LINE + 1)
    shown = preview(data, len(data))
    lines = shown.text.split("\n")
    assert [len(line) for line in lines] == [5, LONG_LINE, LONG_LINE, 5, 3, LONG_LINE, 1]
    assert shown.wrapped_lines == 2
    one_line = b"x" * TEXT_LIMIT
    assert preview(one_line, len(one_line)).wrapped_lines == 1


def test_a_text_cut_short_says_so_and_leaves_out_a_split_character() -> None:
    data = ("é" * 10).encode()[:-1]  # the last character cut in half
    shown = preview(data, 1000)
    assert (shown.kind, shown.text, shown.shown, shown.truncated) == ("text", "é" * 9, 18, True)


def test_only_the_first_mebibyte_is_looked_at() -> None:
    data = b"line\n" * (TEXT_LIMIT // 5 + 1000)
    shown = preview(data, len(data))
    assert shown.shown == TEXT_LIMIT
    assert shown.truncated


@fuzz
@given(st.binary(max_size=3000), st.integers(0, 10**12))
def test_any_bytes_give_a_preview(data: bytes, extra: int) -> None:
    shown = preview(data, len(data) + extra)
    assert shown.kind in {"text", "binary", "empty"}
    assert 0 <= shown.shown <= shown.size
    assert shown.truncated == (shown.shown < shown.size)
    assert not any(acts(char) for char in shown.text)


def acts(char: str) -> bool:
    """A character that would act rather than show: a control (but tab and line breaks), a
    format character (bidi, zero-width, tags), a line or paragraph separator, a lone surrogate."""
    return unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp", "Cs"} and char not in "\t\n\r"


def test_every_character_that_acts_is_escaped() -> None:
    # Each among plain letters (mostly controls would be data); no NUL (data) and no lone
    # surrogates (no decoding makes them).
    every = map(chr, range(1, sys.maxunicode + 1))
    acting = [c for c in every if acts(c) and unicodedata.category(c) != "Cs"]
    shown = preview("".join(c + "abcdefghijklmnopqrstu" for c in acting).encode(), 10**9)
    assert shown.kind == "text"
    assert not any(acts(char) for char in shown.text)
    assert "\\U000e0041" in shown.text  # TAG LATIN CAPITAL LETTER A


# -- Save as -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.txt", "report.txt"),
        (".bashrc", ".bashrc"),
        ("", "file"),
        (".", "file"),
        ("..", "file"),
        ("...", "file"),
        ("/", "file"),
        ("a/b\\c", "a_b_c"),
        ("evil\u202egnp.exe", "evil_gnp.exe"),
        ("bell\x07\x1b[31m", "bell__[31m"),
        ('what?<x>:"y"|*', "what__x___y___"),
        ("trailing. . ", "trailing"),
        ("  spaced  ", "spaced"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Lpt9.tar.gz", "_Lpt9.tar.gz"),
        ("COM¹", "_COM¹"),
        ("console", "console"),
        ("caf\udce9", "caf_"),
        ("日本語.txt", "日本語.txt"),
    ],
)
def test_file_names_are_made_safe_for_save_as(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_a_long_name_is_cut_to_255_bytes_keeping_its_extension() -> None:
    name = "é" * 300 + ".tar.gz"
    safe = safe_file_name(name)
    assert len(safe.encode()) <= 255
    assert safe.endswith("é.gz") or safe.endswith(".gz")
    assert safe.startswith("éé")
    long_extension = "x." + "y" * 400
    assert len(safe_file_name(long_extension).encode()) <= 255


@fuzz
@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr))).map("".join),
    )
)
def test_any_name_gives_a_safe_one(name: str) -> None:
    safe = safe_file_name(name)
    assert safe and safe not in {".", ".."}
    assert 0 < len(safe.encode("utf-8")) <= 255
    assert not any(c in safe for c in '/\\<>:"|?*')
    assert all(c.isprintable() for c in safe)
    assert safe == safe_file_name(safe)
