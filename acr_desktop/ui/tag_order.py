"""The version order of a tag list, computed in the worker once the list is in: `1.9` before
`1.10`, words (latest, main) apart from the versions.

A list can hold a million tags, so the order is built to be cheap in memory and kind to the UI
thread: one short string key per tag (not a tuple of tuples), runs sorted in C a chunk at a
time and merged in Python (a single `sorted()` of a million keys holds the GIL for a second)."""

from __future__ import annotations

import heapq
import re
import time

_CHUNKS = re.compile(r"(\d+)")
_DIGIT = re.compile(r"\d")
_LONGEST = 0x10FFFF - 0x30  # a length that still fits in one character


def version_key(name: str) -> str:
    """A string that sorts like `versions.natural_key(name)`: digit runs compare as numbers
    (shorter number first, then digit by digit; leading zeros ignored), before any text at the
    same place; text compares case-insensitively. Never calls `int()` on the digits, so a tag of
    5,000 digits costs nothing special."""
    parts: list[str] = []
    for i, chunk in enumerate(_CHUNKS.split(name)):
        if not chunk:
            continue
        if i % 2:
            digits = chunk.lstrip("0") if chunk.isascii() else _ascii_digits(chunk)
            parts.append("\x01" + chr(0x30 + min(len(digits), _LONGEST)) + digits)
        else:
            parts.append("\x02" + chunk.lower())
    return "".join(parts)


def _ascii_digits(chunk: str) -> str:
    """Digits of another script (`٣`, `３`) as ASCII digits, leading zeros dropped."""
    import unicodedata

    return "".join(str(unicodedata.decimal(c, 0)) for c in chunk).lstrip("0")


def is_word(name: str) -> bool:
    """No digit at all: a word (latest, stable, main), not a version."""
    return _DIGIT.search(name) is None


def name_order(names: list[str], chunk: int = 8192) -> tuple[list[int], list[int]]:
    """Indices of `names` in ascending version order: (versions, words)."""
    keys = [version_key(n) for n in names]
    runs = []
    for start in range(0, len(keys), chunk):
        run = list(range(start, min(start + chunk, len(keys))))
        run.sort(key=keys.__getitem__)
        runs.append(run)
        time.sleep(0)  # give the GIL to the UI thread
    order = list(heapq.merge(*runs, key=keys.__getitem__)) if len(runs) > 1 else (runs or [[]])[0]
    del keys, runs
    versions: list[int] = []
    words: list[int] = []
    for i in order:
        (words if is_word(names[i]) else versions).append(i)
    return versions, words
