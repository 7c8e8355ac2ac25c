"""The version order of a tag list, computed in the worker once the list is in: `1.9` before
`1.10`, words (latest, main) apart from the versions, and the `sha256-…` tags that stand for
signatures, attestations, SBOMs and referrers (cosign's tags, the referrers tag schema) last.

A list can hold a million tags, so the order is built to be cheap in memory and kind to the UI
thread: one short string key per tag (not a tuple of tuples), runs sorted in C a chunk at a
time and merged in Python (a single `sorted()` of a million keys holds the GIL for a second)."""

from __future__ import annotations

import heapq
import re
import time
from typing import NamedTuple

_CHUNKS = re.compile(r"(\d+)")
_DIGIT = re.compile(r"\d")
_LONGEST = 0x10FFFF - 0x30  # a length that still fits in one character
# `sha256-<hex>` names a subject's referrers index (the OCI referrers tag schema); cosign adds
# `.sig`, `.att` or `.sbom` for its signature, attestation and SBOM of that subject.
_FALLBACK = re.compile(r"(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})(\.sig|\.att|\.sbom)?")


def fallback_kind(name: str) -> str | None:
    """`.sig`, `.att`, `.sbom` or `""` (a referrers index) for a tag that stands for something
    attached to the digest it names; None for an ordinary tag."""
    if not name.startswith("sha"):
        return None
    match = _FALLBACK.fullmatch(name)
    return None if match is None else match[2] or ""


def fallback_subject(name: str) -> str:
    """The digest a fallback tag is about: `sha256-ab….sig` → `sha256:ab…`."""
    return name.split(".", 1)[0].replace("-", ":", 1)


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


class NameOrder(NamedTuple):
    """Indices into a tag list: versions and words in ascending order, then the fallback tags."""

    versions: list[int]
    words: list[int]
    fallbacks: list[int]


def name_order(names: list[str], chunk: int = 8192) -> NameOrder:
    """Indices of `names` in ascending version order: versions, words, fallback tags."""
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
    fallbacks: list[int] = []
    for i in order:
        if is_word(names[i]):
            words.append(i)
        elif fallback_kind(names[i]) is None:
            versions.append(i)
        else:
            fallbacks.append(i)
    return NameOrder(versions, words, fallbacks)
