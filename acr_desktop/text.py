"""Small text helpers shared by the window and the command line (no Qt here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TextIO

_UNITS = ("B", "kB", "MB", "GB", "TB")


def format_size(size: int | None) -> str:
    """Decimal units, as registries and Docker show them: 31420102 → "31.4 MB"."""
    if size is None:
        return "—"
    value = float(size)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover - the loop always returns


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 layer`, `3 layers`, `1,204 tags` (with `words` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def short_digest(digest: str, length: int = 12) -> str:
    """`sha256:0123456789ab…` → `sha256:0123456789ab` (the form `docker images` shows)."""
    algorithm, _, hexpart = digest.partition(":")
    return f"{algorithm}:{hexpart[:length]}" if hexpart else digest


# What a terminal would act on rather than show: C0 controls (ESC starts colour, cursor and
# title sequences; BEL, BS and CR redraw the line), DEL, C1 controls (0x9b is a one-byte CSI),
# the bidi embeddings, overrides, isolates and marks that reorder what is shown, the line and
# paragraph separators, and lone surrogates (which cannot be encoded, so printing them raises).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_IN_LINE = re.compile(f"[\t\n]|{_UNSAFE.pattern}")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, newlines: bool = False) -> str:
    """`text` from a server or a reference, safe to print: every control character, escape
    sequence introducer, bidi control and lone surrogate shown as a visible `\\x1b` / `\\u202e`
    (so the rest of a sequence is harmless text). Tabs and newlines are escaped too unless
    `newlines`: a server cannot start a line of its own in a one-line message."""
    return (_UNSAFE if newlines else _UNSAFE_IN_LINE).sub(_escaped, text)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or odd stream: not a terminal
        return False


def write_line(out: TextIO, text: str) -> None:
    """Write one line of output through `terminal_safe`: where the CLI's text meets a terminal."""
    out.write(terminal_safe(text) + "\n")


def format_time(value: str | None) -> tuple[str, str]:
    """An RFC 3339 time from an image (`2024-05-01T12:03:05.123456789Z`) as people read it:
    (`2024-05-01 14:03` in local time, `2024-05-01 12:03:05 UTC` for a tooltip). One format
    everywhere (summary, Config, History, Referrers). ("—", "") when empty; text that is not a
    time comes back as it is, in both."""
    if not value:
        return "—", ""
    moment = _parse_time(value.strip())
    if moment is None:
        return value, value
    utc = moment.astimezone(UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M"), utc.strftime("%Y-%m-%d %H:%M:%S UTC")


_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?\s*([Zz]|[+-]\d{2}:?\d{2}|UTC)?$"
)


def _parse_time(value: str) -> datetime | None:
    match = _TIME.match(value)
    if match is None:
        return None
    day, clock, zone = match.groups()
    if zone is None or zone in ("Z", "z", "UTC"):
        zone = "+00:00"
    try:
        return datetime.fromisoformat(f"{day}T{clock}{zone}")
    except ValueError:
        return None
