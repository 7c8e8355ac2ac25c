"""A file from a layer made fit to show: text (its encoding found, controls and bidi made visible,
long lines wrapped) or a hex view of a binary's first bytes; and a file name made safe to offer
in Save as. The bytes are untrusted: nothing here interprets them beyond decoding."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

TEXT_LIMIT = 1024 * 1024  # bytes of a text file shown
HEX_LIMIT = 64 * 1024  # bytes of a binary file shown as hex
LONG_LINE = 2000  # characters; longer lines are hard-wrapped
_MIN_DETECTED = 32  # fewer bytes than this are too few to guess a legacy encoding from
# Legacy encodings looked for in a file that is not UTF-8, the more common first.
_LEGACY: tuple[str, ...] = ("cp1252", "cp1250", "cp1251", "koi8_r", "cp932", "euc_jp")
_LEGACY += ("gb18030", "big5", "euc_kr", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257")
_LEGACY += ("cp1258", "cp874")
_CHAOS_WINDOW = 0.15  # charset_normalizer's "mess" ratios this close count as a tie
_MAX_REPLACED = 0.01  # share of undecodable characters above which text is taken for binary

_BOMS = (  # longest first: the UTF-32 little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not tab, line feed, return
_BINARY_CONTROLS = dict.fromkeys({*range(0x20), 0x7F} - {0x09, 0x0A, 0x0C, 0x0D, 0x1B})
# Format characters (bidi controls reorder what is shown; tag characters hide text; zero-width
# ones hide themselves) and the line/paragraph separators: Unicode's Cf, Zl and Zp.
_INVISIBLE = re.compile(
    r"[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    r"\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    r"\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    r"\U000e0020-\U000e007f]"
)


@dataclass(frozen=True)
class Preview:
    """What to show of a file: `text` is the decoded text (kind "text") or the hex view of its
    first HEX_LIMIT bytes (kind "binary")."""

    kind: Literal["text", "binary", "empty"]
    text: str
    encoding: str | None  # the text's encoding; None for a binary or an empty file
    size: int  # the file's full size
    shown: int  # bytes of it shown
    truncated: bool  # shown < size
    wrapped_lines: int  # lines longer than LONG_LINE characters, hard-wrapped


def preview(data: bytes, size: int) -> Preview:
    """A preview of a file of `size` bytes whose first bytes are `data` (at most TEXT_LIMIT of
    them are looked at)."""
    data = data[:TEXT_LIMIT]
    size = max(size, len(data))
    if size == 0:
        return Preview("empty", "", None, 0, 0, False, 0)
    decoded = _decode(data, complete=len(data) == size)
    if decoded is None:
        shown = min(len(data), HEX_LIMIT)
        return Preview("binary", hex_dump(data[:shown]), None, size, shown, shown < size, 0)
    text, encoding, used = decoded
    text, wrapped = _wrap(_visible(text))
    return Preview("text", text, encoding, size, used, used < size, wrapped)


def _decode(data: bytes, *, complete: bool) -> tuple[str, str, int] | None:
    """(text, encoding, bytes decoded), or None for a binary. An incomplete character at the
    end of a file cut short is left out."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            codec = "utf-8" if encoding == "utf-8-sig" else encoding
            decoder = codecs.getincrementaldecoder(codec)("replace")
            text = decoder.decode(data[len(bom) :], final=complete)
            if text.count("\ufffd") > _MAX_REPLACED * len(text) + 1 or _looks_binary(text):
                return None
            return text, encoding, len(data) - len(decoder.getstate()[0])
    if b"\0" in data:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = decoder.decode(data, final=complete)
    if bad := text.count("\ufffd") - data.count(b"\xef\xbf\xbd"):
        # Mostly UTF-8 with a few stray bytes: UTF-8 still. Else another encoding, or data.
        good = len(text) - len(text.encode("ascii", "ignore")) - bad
        if bad > good // 10:
            return _legacy(data)
    if _looks_binary(text):
        return None
    return text, "utf-8", len(data) - len(decoder.getstate()[0])


def _looks_binary(text: str) -> bool:
    """Mostly control characters (other than tab, line breaks, form feed and escape): data."""
    controls = len(text) - len(text.translate(_BINARY_CONTROLS))
    return controls > 0.1 * len(text) + 2


def _legacy(data: bytes) -> tuple[str, str, int] | None:
    """Text in a legacy encoding, when charset_normalizer finds one plausible enough. Among
    nearly as plausible guesses the more common encoding wins (short Western text otherwise
    comes out as, say, Baltic)."""
    if len(data) < _MIN_DETECTED:
        return None
    from charset_normalizer import from_bytes  # heavy: only when a file is not UTF-8

    matches = list(from_bytes(data, cp_isolation=list(_LEGACY)))
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    best = min(
        (match for match in matches if match.chaos <= least + _CHAOS_WINDOW),
        key=lambda match: _LEGACY.index(match.encoding) if match.encoding in _LEGACY else 99,
    )
    text = data.decode(best.encoding, "replace")
    if text.count("\ufffd") > _MAX_REPLACED * len(text) + 1 or _looks_binary(text):
        return None
    return text, codecs.lookup(best.encoding).name, len(data)


def _visible(text: str) -> str:
    """Controls (but tab and line breaks) as `\\x1b`, bidi and other format characters as
    `\\u202e`: shown, never acted on. (Private-use and unassigned characters stay.)"""
    if text.isprintable():
        return text
    text = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
    return _INVISIBLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _wrap(text: str) -> tuple[str, int]:
    """`text` with each line longer than LONG_LINE characters cut into lines of LONG_LINE."""
    if len(text) <= LONG_LINE:
        return text, 0
    lines = text.split("\n")
    wrapped = 0
    for index, line in enumerate(lines):
        if len(line) > LONG_LINE:
            wrapped += 1
            lines[index] = "\n".join(
                line[start : start + LONG_LINE] for start in range(0, len(line), LONG_LINE)
            )
    return "\n".join(lines), wrapped


def hex_dump(data: bytes) -> str:
    """`00000000  7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00  |.ELF............|`: offset,
    16 bytes in hex, and the same as ASCII with anything not printable shown as '.'."""
    lines = []
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        left, right = row[:8].hex(" "), row[8:].hex(" ")
        ascii_ = row.decode("ascii", "replace").translate(_ASCII_SHOWN)
        lines.append(f"{offset:08x}  {left:<23}  {right:<23}  |{ascii_}|")
    return "\n".join(lines)


_ASCII_SHOWN = {c: "." for c in [*range(0x20), 0x7F, 0xFFFD]}

# -- Save as -------------------------------------------------------------------------------------

_MAX_NAME_BYTES = 255
_UNSAFE = re.compile(r'[/\\<>:"|?*]')  # separators, and what Windows forbids in a name
_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?")


def safe_file_name(name: str) -> str:
    """`name` (a tar entry's name, untrusted) as a file name to offer in Save as: no path
    separators, controls, bidi or other invisible characters, nothing Windows forbids, not "."
    or "..", not a Windows device name, at most 255 UTF-8 bytes; never empty ("file")."""
    if not name.isprintable():  # controls, bidi and other format characters, lone surrogates
        name = "".join(c if c.isprintable() else "_" for c in name)
    name = _UNSAFE.sub("_", name).strip(" ").rstrip(". ")
    if not name.strip("._"):
        return "file"
    if _RESERVED.fullmatch(name):
        name = "_" + name
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, extension = name.rpartition(".")
        if not dot or not stem or len(extension.encode("utf-8")) > 16:
            stem, extension = name, ""
        room = _MAX_NAME_BYTES - len(extension.encode("utf-8")) - (1 if extension else 0)
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ")
        name = f"{stem}.{extension}" if extension else stem
    return name or "file"
