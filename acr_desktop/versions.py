"""Ordering and filtering tags the way people read them: `1.10` after `1.9`, globs or substrings."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

_CHUNKS = re.compile(r"(\d+)")

SortKey = tuple[tuple[int, int | str], ...]


def natural_key(text: str) -> SortKey:
    """Digits compare as numbers, the rest case-insensitively: v1.9 < v1.10 < v2."""
    parts: list[tuple[int, int | str]] = []
    for i, chunk in enumerate(_CHUNKS.split(text)):
        if not chunk:
            continue
        parts.append((0, int(chunk)) if i % 2 else (1, chunk.lower()))
    return tuple(parts)


def matcher(pattern: str) -> Callable[[str], bool]:
    """A glob (`1.*`, `v?.?`, `[0-9]*`) when the pattern has glob characters, else a substring.
    Case-insensitive either way."""
    pattern = pattern.strip().lower()
    if not pattern:
        return lambda _name: True
    if any(c in pattern for c in "*?["):
        regex = re.compile(fnmatch.translate(pattern))
        return lambda name: regex.match(name.lower()) is not None
    return lambda name: pattern in name.lower()
