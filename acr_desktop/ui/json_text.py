"""The JSON view's text work, without Qt: pretty text, tokens, descriptor spans, view anchors.

Everything here is a pure function of strings, so a worker thread can run it for a big document
while the UI thread stays free. Positions are Qt document positions: UTF-16 code units, with a
CRLF or lone CR counted as the one paragraph break Qt makes of it ("shown" positions). Lines
longer than WRAP go into the editor cut into display blocks, because Qt lays a block out whole (a
one-line 4 MiB manifest held the UI thread 16 s); ShownText maps between the two.
"""

from __future__ import annotations

import bisect
import gc
import json
import re
from array import array

# One JSON token: a string (a key if a colon follows), number, literal or punctuation. Strings are
# whole tokens, so braces inside them never count as structure.
TOKEN = re.compile(
    r'(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")(?P<key>\s*:)?|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<literal>true|false|null)|(?P<punct>[{}\[\],:])"
)
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CHUNK = 1 << 16  # characters per step when counting across a big text
WRAP = 4000  # longest display block: 4,000 characters lay out in a few ms
# From outside a string: whole strings and other characters; group 1 is the last comma passed.
_CUT = re.compile(r'(?:[^"\r\n,]++|"(?:[^"\\\r\n]++|\\.)*+"|(,))*+')
_STRING_REST = re.compile(r'(?:[^"\\\r\n]++|\\.)*+"')  # from inside a string through its end


class ShownText:
    """A text as received (or pretty), as the document holds it, and as the editor shows it.

    `display` is `text` with a line break added at each of `breaks` (shown positions; `marks` are
    the editor positions of the added breaks): it is what goes into the editor. (Plain classes
    here, not dataclasses: this module is imported on the window's start path.)"""

    __slots__ = ("breaks", "display", "marks", "shown", "text")

    def __init__(
        self, text: str, shown: str, display: str, breaks: array[int] | None = None
    ) -> None:
        self.text = text  # what `JsonView.text()` and Copy give
        self.shown = shown  # document_text(text): where find, spans and anchors point
        self.display = display
        self.breaks = array("q") if breaks is None else breaks
        self.marks = array("q", (position + i for i, position in enumerate(self.breaks)))

    def to_display(self, position: int) -> int:
        """The editor position of shown `position`."""
        return position + bisect.bisect_right(self.breaks, position)

    def from_display(self, position: int) -> int:
        """The shown position of editor `position`; an added break stands for the place after it."""
        return position - bisect.bisect_left(self.marks, position)

    def source(self, start: int, end: int) -> str:
        """The characters of `text` between two shown positions: what Copy gives."""
        if self.text is self.shown:
            return self.text[start:end]
        return self.text[source_index(self.text, start) : source_index(self.text, end)]


def shown_text(text: str, width: int = WRAP) -> ShownText:
    """`text` in its three forms; lines over `width` cut after a comma outside strings."""
    cuts = [
        cut for start, end in _long_lines(text, width) for cut in _cuts(text, start, end, width)
    ]
    shown = document_text(text)
    if not cuts:
        return ShownText(text, shown, text)
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return ShownText(text, shown, "\n".join(pieces), _shown_positions(text, cuts))


def _long_lines(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each line longer than `width`, with a few C-speed finds per `width // 2`.

    Such a line holds a whole window of `width // 2` without a line end, and the walk lands on
    its first character: it jumps to just past the last line end of each window it looks at."""
    lines: list[tuple[int, int]] = []
    step, ends = max(1, width // 2), ("\n", "\r") if "\r" in text else ("\n",)
    position = 0
    while position + step <= len(text):
        window_end = position + step
        last = max(text.rfind(mark, position, window_end) for mark in ends)
        if last >= 0:
            position = last + 1
            continue
        found = [i for i in (text.find(mark, window_end) for mark in ends) if i >= 0]
        stop = min(found, default=len(text))
        if stop - position > width:
            lines.append((position, stop))
        position = stop + 1
    return lines


def _cuts(text: str, start: int, end: int, width: int) -> list[int]:
    """Where to cut the line text[start:end]: after a comma outside strings, else at `width`."""
    cuts: list[int] = []
    inside = False  # the last cut fell inside a string
    while end - start > width:
        limit, begin = start + width, start
        if inside:
            rest = _STRING_REST.match(text, start, limit)
            begin = rest.end() if rest else limit
        match = _CUT.match(text, begin, limit) if begin < limit else None
        if match is not None and match.end(1) > start + width // 2:
            cut, inside = match.end(1), False
        else:  # no comma late enough: a hard cut, inside the string the match stopped at
            inside = inside if match is None else match.end() < limit
            cut = limit
            while inside and text[cut - 1] == "\\" and cut > start + 1:
                cut -= 1  # never between a backslash and what it escapes
        cuts.append(cut)
        start = cut
    return cuts


def _shown_positions(text: str, indexes: list[int]) -> array[int]:
    """The shown positions of ascending `indexes` into `text`."""
    astral, crlf = not text.isascii(), "\r\n" in text
    positions, shift, previous = array("q"), 0, 0
    for index in indexes:
        shift += len(_ASTRAL.findall(text, previous, index)) if astral else 0
        shift -= text.count("\r\n", previous, index) if crlf else 0
        positions.append(index + shift)
        previous = index
    return positions


def source_index(text: str, position: int) -> int:
    """The index in `text` of shown `position` (document_text's counting, backwards)."""
    if text.isascii() and "\r" not in text:
        return min(max(position, 0), len(text))
    index = seen = 0
    end = len(text)
    while index < len(text):  # whole chunks first, then character by character in one
        end = min(index + _CHUNK, len(text))
        end += text[end - 1 : end + 1] == "\r\n"  # never between a CR and its LF
        size = len(document_text(text[index:end]))
        if seen + size > position:
            break
        seen, index = seen + size, end
    while index < end and seen < position:
        seen += 2 if ord(text[index]) > 0xFFFF else 1
        index += 2 if text[index : index + 2] == "\r\n" else 1
    return index


class PreparedDocument:
    """What the view shows for some bytes: the decoded text and, when they are JSON, the pretty."""

    __slots__ = ("exact", "pretty", "raw")

    def __init__(self, raw: bytes, exact: ShownText, pretty: ShownText | None) -> None:
        self.raw, self.exact = raw, exact
        self.pretty = pretty  # None when the bytes are not JSON

    def text(self, exact: bool) -> ShownText:
        """The text to show: the exact one, or the pretty one when there is one."""
        return self.exact if exact or self.pretty is None else self.pretty


# Inside JSON strings, what would act rather than show (bidi controls that reverse a line, C1
# controls, line and paragraph separators): pretty-printed as \u escapes, still valid JSON.
_ACTING = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape_acting(text: str) -> str:
    return _ACTING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def prepare(raw: bytes) -> PreparedDocument:
    """Decode and pretty-print `raw` (the slow part of showing a big manifest; thread-safe)."""
    # The parsed tree holds no cycles and is gone before this returns: without the collector,
    # a full collection over its 200,000 objects never holds the GIL away from the UI thread.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pretty: str | None = _escape_acting(
            json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        )
    except (ValueError, RecursionError):
        pretty = None
    finally:
        if collecting:
            gc.enable()
    exact = shown_text(raw.decode("utf-8", errors="replace"))
    return PreparedDocument(raw, exact, None if pretty is None else shown_text(pretty))


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
    it (display text has no line over WRAP anyway). Ending after LF, a piece never splits a CRLF
    (Qt would read two line ends)."""
    end = min(start + size, len(text))
    if end < len(text):
        newline = text.rfind("\n", start, end)
        if newline < start:
            newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    return end
