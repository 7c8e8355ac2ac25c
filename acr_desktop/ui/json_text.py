"""The JSON view's text work, without Qt: pretty text, tokens, descriptor spans, view anchors.

Everything here is a pure function of strings, so a worker thread can run it for a big document
while the UI thread stays free. Positions are Qt document positions: UTF-16 code units, with a
CRLF or lone CR counted as the one paragraph break Qt makes of it.
"""

from __future__ import annotations

import gc
import json
import re
from dataclasses import dataclass

# One JSON token: a string (a key if a colon follows), number, literal or punctuation. Strings are
# whole tokens, so braces inside them never count as structure.
TOKEN = re.compile(
    r'(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")(?P<key>\s*:)?|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<literal>true|false|null)|(?P<punct>[{}\[\],:])"
)
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CHUNK = 1 << 16  # characters per step when counting across a big text


@dataclass(frozen=True)
class PreparedDocument:
    """What the view shows for some bytes: the decoded text and, when they are JSON, the pretty."""

    raw: bytes
    exact: str
    pretty: str | None  # None when the bytes are not JSON
    exact_shown: str  # each as the editor holds it (document_text), where positions point
    pretty_shown: str | None

    def text(self, exact: bool) -> tuple[str, str]:
        """The text to show and its document form: exact, or pretty when there is one."""
        if exact or self.pretty is None or self.pretty_shown is None:
            return self.exact, self.exact_shown
        return self.pretty, self.pretty_shown


def prepare(raw: bytes) -> PreparedDocument:
    """Decode and pretty-print `raw` (the slow part of showing a big manifest; thread-safe)."""
    # The parsed tree holds no cycles and is gone before this returns: without the collector,
    # a full collection over its 200,000 objects never holds the GIL away from the UI thread.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pretty: str | None = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pretty = None
    finally:
        if collecting:
            gc.enable()
    exact = raw.decode("utf-8", errors="replace")
    shown = None if pretty is None else document_text(pretty)
    return PreparedDocument(raw, exact, pretty, document_text(exact), shown)


def utf16(text: str) -> str:
    """Astral characters as surrogate pairs, so string indexes are Qt (UTF-16) positions."""
    if text.isascii():
        return text

    def pair(m: re.Match[str]) -> str:
        c = ord(m.group()) - 0x10000
        return chr(0xD800 + (c >> 10)) + chr(0xDC00 + (c & 0x3FF))

    return _ASTRAL.sub(pair, text)


def document_text(text: str) -> str:
    """`text` as a QTextDocument holds it: one break per line end, UTF-16 positions."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return utf16(text)


def highlight_ranges(line: str) -> list[tuple[int, int, str]]:
    """(start, length, kind) for each token of one line; kind names a colour."""
    ranges = []
    for m in TOKEN.finditer(utf16(line)):
        kind, string = m.lastgroup or "punct", m["string"]
        if m["key"]:
            ranges.append((m.end() - 1, 1, "punct"))
        elif string and _DIGEST.fullmatch(string, 1, len(string) - 1):
            kind = "digest"
        ranges.append((m.start(), len(string or m.group()), kind))
    return ranges


def _unquote(token: str | None) -> object:
    try:
        return None if token is None else json.loads(token)
    except ValueError:
        return None


def descriptor_spans(text: str) -> dict[str, tuple[int, int]]:
    """Digest -> the `{ ... }` span of the first object whose "digest" member is that digest.

    One pass over the whole text, so every later lookup is a dictionary read."""
    spans: dict[str, tuple[int, int]] = {}
    opened: list[int] = []  # positions of the open `{` and `[`
    pending: dict[int, str] = {}  # depth -> digest of the object open at that depth
    is_value = False
    for m in TOKEN.finditer(text):
        token = m.group()
        if is_value and m["string"]:
            value = _unquote(m["string"])
            if isinstance(value, str) and value not in spans:
                pending.setdefault(len(opened), value)
        in_object = bool(opened) and text[opened[-1]] == "{"
        key = m["string"] if m["key"] else None
        is_value = key == '"digest"' or (
            key is not None and "\\" in key and _unquote(key) == "digest"
        )
        is_value = is_value and in_object
        if token in ("{", "["):
            opened.append(m.start())
        elif token in ("}", "]") and opened:
            digest = pending.pop(len(opened), None)
            start = opened.pop()
            if digest is not None and digest not in spans:
                spans[digest] = (start, m.end())
    return spans


def _blanks(text: str, start: int, end: int) -> int:
    return sum(text.count(c, start, end) for c in " \n\t\r")


def anchor(old: str, position: int, new: str) -> int:
    """The place in `new` of what is at `position` in `old`, when the two differ in whitespace.

    Pretty and exact JSON differ only in the blanks between tokens, so the count of non-blank
    characters before a place names the same token in both (C-speed counts, no tokenising)."""
    wanted = position - _blanks(old, 0, position)
    seen, start = 0, 0
    while start < len(new):  # whole chunks first, then a binary search inside one
        end = min(start + _CHUNK, len(new))
        solid = (end - start) - _blanks(new, start, end)
        if seen + solid >= wanted:
            break
        seen, start = seen + solid, end
    low, high = start, min(start + _CHUNK, len(new))
    while low < high:  # the first place with `wanted` non-blank characters before it
        middle = (low + high) // 2
        if seen + (middle - start) - _blanks(new, start, middle) < wanted:
            low = middle + 1
        else:
            high = middle
    while low < len(new) and new[low] in " \n\t\r":  # onto the token itself
        low += 1
    return min(low, len(new))


def piece_end(text: str, start: int, size: int) -> int:
    """Where the piece of `text` from `start` of about `size` ends: after a line end.

    A line longer than `size` goes in whole: Qt lays a paragraph out again on every insert into
    it, so pieces of one long line (a one-line 4 MiB manifest) would cost far more than one go.
    Ending after LF, a piece never splits a CRLF (Qt would read two line ends)."""
    end = min(start + size, len(text))
    if end < len(text):
        newline = text.rfind("\n", start, end)
        if newline < start:
            newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    return end
