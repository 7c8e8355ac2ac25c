"""Small text helpers shared by the window and the command line (no Qt here)."""

from __future__ import annotations

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
