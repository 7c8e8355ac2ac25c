"""A tar header's fields read one by one, whatever their shape: octal and base-256 numbers,
names and their flags, PAX records, checksums (signed or not). The tar reader's general
path; usual headers are read by its quick path (tar_reader.TarReader._usual)."""

from __future__ import annotations

import functools
import zlib

from acr_desktop.registry import layer_entries as le

_PAX_KEYS = {"path", "linkpath", "size", "uid", "gid", "uname", "gname", "mtime"}


def decoded(raw: bytes) -> tuple[str, int]:
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape"), le.NOT_UTF8


def field_text(raw: bytes) -> bytes:
    """A NUL-terminated header field's bytes."""
    return raw.partition(b"\0")[0]


def number(raw: bytes) -> int | None:
    """An octal or base-256 header number; None when it is not one."""
    if raw[:1] >= b"\x80":
        if raw[0] == 0xFF:
            return int.from_bytes(raw, "big", signed=True)
        return int.from_bytes(bytes([raw[0] & 0x7F]) + raw[1:], "big")
    text = raw.strip(b" \0")
    if not text.isdigit():  # also refuses what int() would take: signs, "_", "0o"
        return None if text else 0
    try:
        return int(text, 8)
    except ValueError:  # an 8 or a 9
        return None


def decimal(text: str) -> int | None:
    digits = text[1:] if text[:1] == "-" else text
    if not (0 < len(digits) <= 30 and digits.isascii() and digits.isdigit()):
        return None
    return int(text)


def seconds(text: str) -> float | None:
    whole, _, fraction = text.partition(".")
    if decimal(whole) is None or (fraction and not (fraction.isascii() and fraction.isdigit())):
        return None
    value = float(f"{whole}.{fraction[:9] or 0}")
    return value if abs(value) < 1e18 else None


def normalise(raw: str) -> tuple[str, int]:
    """The path a `TarEntry` keeps for the name `raw`, with ABSOLUTE and DOTDOT flags."""
    flags = le.ABSOLUTE if raw.startswith("/") else 0
    parts = [part for part in raw.split("/") if part and part != "."]
    if ".." in parts:
        flags |= le.DOTDOT
    return "/".join(parts), flags


def pax_records(data: bytes) -> tuple[dict[str, str], bool]:
    """The records of a PAX extended header ("LEN key=value\\n"…) whose keys this reader uses,
    and whether all of it could be read (a damaged record ends the reading: False)."""
    records: dict[str, str] = {}
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] == 0:  # NUL padding after the last record
            return records, not data[pos:].strip(b"\0")
        space = data.find(b" ", pos, pos + 21)
        length_text = data[pos:space]
        if space < 0 or not length_text.isdigit():
            return records, False
        length = int(length_text)
        record_end = pos + length
        if length < len(length_text) + 3 or record_end > end or data[record_end - 1] != 0x0A:
            return records, False
        key, equals, value = data[space + 1 : record_end - 1].partition(b"=")
        if not equals:
            return records, False
        name = key.decode("utf-8", "replace")
        if name in _PAX_KEYS or name.startswith("GNU.sparse."):
            records[name] = value.decode("utf-8", "surrogateescape")
        pos = record_end
    return records, True


def checksum_ok(block: bytes, expected: int | None) -> bool:
    """Whether `expected` is the header's sum, with its checksum field counted as spaces: as
    unsigned bytes (the standard) or signed ones (some old tars)."""
    view = memoryview(block)
    # Adler-32's low half is 1 + the byte sum mod 65521; 256 bytes never sum past 65280.
    total = (zlib.adler32(view[:256]) & 0xFFFF) + (zlib.adler32(view[256:]) & 0xFFFF) - 2
    unsigned = total - sum(view[148:156]) + 8 * 0x20
    if expected == unsigned:
        return True
    high = sum(1 for byte in block if byte >= 0x80) - sum(1 for b in view[148:156] if b >= 0x80)
    return expected == unsigned - 256 * high


def real_size(kind: bytes, block: bytes, pax: dict[str, str]) -> int | None:
    """A sparse file's real size (-1: unreadable); None for a file that is not sparse."""
    if kind == b"S":
        value = number(block[483:495])
        return -1 if value is None else value
    if not any(key.startswith("GNU.sparse.") for key in pax):
        return None
    text = pax.get("GNU.sparse.realsize") or pax.get("GNU.sparse.size")
    value = decimal(text) if text else None
    return -1 if value is None else value


@functools.lru_cache(maxsize=256)  # a layer has few owners; each of its entries names one
def owner_name(value: str | bytes) -> str:
    """An owner name for display: never a lone surrogate."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "replace")


def pax_flags(value: str) -> int:
    """NOT_UTF8 when a PAX value was not UTF-8 (it was decoded with surrogateescape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return le.NOT_UTF8
    return 0
