"""A layer's bytes decompressed as they are read: gzip (also several members), zstd (also several
frames) or a plain tar, told apart by their first bytes, never by the media type. Every read
gives at most what was asked for, so a small stream that expands to gigabytes costs only what is
read of it; a stream that ends inside a gzip member or a zstd frame is an error, not an end."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Literal, Protocol

from acr_desktop.registry.errors import InvalidResponse

Compression = Literal["gzip", "zstd", "none"]
Read = Callable[[int], bytes]  # up to n bytes; b"" at the end

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_MAX_WINDOW = 1 << 27  # 128 MiB, libzstd's own default limit: a larger window is refused
_CHUNK = 128 * 1024  # compressed bytes asked of the source at a time
_PIECE = 4096  # the least compressed bytes given to zlib at a time


class CompressionError(InvalidResponse):
    """The layer's bytes are not the gzip or zstd data they start as (corrupt, or cut short)."""


class Decoder(Protocol):
    def read(self, n: int) -> bytes: ...


def sniff(head: bytes) -> Compression:
    """What the first bytes of a layer say it is."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class _Source:
    """The compressed bytes: those already taken to look at, then the rest from `read`."""

    def __init__(self, head: bytes, read: Read) -> None:
        self._head = head
        self._read = read

    def read(self, n: int) -> bytes:
        if self._head:
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._read(n)


def decoder(head: bytes, read: Read) -> tuple[Compression, Decoder]:
    """A decoder for the stream whose first bytes are `head` and whose rest `read` gives."""
    kind = sniff(head)
    source = _Source(head, read)
    if kind == "gzip":
        return kind, GzipDecoder(source)
    if kind == "zstd":
        return kind, ZstdDecoder(source)
    return kind, PlainReader(source)


class PlainReader:
    """An uncompressed tar, read from the network in pieces of at least _CHUNK bytes however
    small the reads asked of it (a tar reader asks 512 bytes at a time)."""

    def __init__(self, source: _Source) -> None:
        self._source = source
        self._buffer = b""
        self._at = 0

    def read(self, n: int) -> bytes:
        if self._at >= len(self._buffer):
            self._buffer, self._at = self._source.read(max(n, _CHUNK)), 0
        data = self._buffer[self._at : self._at + n]
        self._at += len(data)
        return data


class GzipDecoder:
    """Concatenated gzip members, as `gzip -dc` reads them; zero bytes after the last member
    (padding some tools write) are allowed, anything else after it is an error.

    zlib copies the input it did not use (its `unconsumed_tail`) on every call, so it is given
    pieces of the compressed bytes in proportion to what is asked, never a whole chunk for a
    512-byte read; where a member ends is told by what it left unused."""

    def __init__(self, source: _Source) -> None:
        self._source = source
        self._d = zlib.decompressobj(31)
        self._input = b""  # compressed bytes from the source, used up to `_at`
        self._view = memoryview(self._input)
        self._at = 0
        self.members = 1

    def read(self, n: int) -> bytes:
        if n <= 0:
            return b""  # (zlib takes a max_length of 0 as no limit)
        size = min(max(n // 2, _PIECE), _CHUNK)
        while True:
            d = self._d
            if d.eof:
                if not self._next_member():
                    return b""
                d = self._d
            if self._at >= len(self._input) and not self._more():
                raise CompressionError(
                    "The layer's gzip data ends in the middle of its content: the blob is cut "
                    "short."
                )
            piece = self._view[self._at : self._at + size]
            try:
                data = d.decompress(piece, n)
            except zlib.error as exc:
                raise CompressionError(f"The layer's gzip data is corrupt ({exc}).") from None
            self._at += len(piece) - len(d.unused_data if d.eof else d.unconsumed_tail)
            if data:
                return data

    def _more(self) -> bool:
        """More compressed bytes after those not used yet; False at the source's end."""
        chunk = self._source.read(_CHUNK)
        if not chunk:
            return False
        rest = self._input[self._at :]
        self._input = rest + chunk if rest else chunk
        self._view, self._at = memoryview(self._input), 0
        return True

    def _next_member(self) -> bool:
        """After a member: another one (True), or the end (False)."""
        while len(self._input) - self._at < len(GZIP_MAGIC) and self._more():
            pass
        if self._at >= len(self._input):
            return False
        if self._input.startswith(GZIP_MAGIC, self._at):
            self._d = zlib.decompressobj(31)
            self.members += 1
            return True
        while True:
            if self._input[self._at :].strip(b"\0"):
                raise CompressionError(
                    "After its gzip data the layer holds bytes that are not gzip."
                )
            self._at = len(self._input)
            if not self._more():
                return False


class ZstdDecoder:
    """zstd frames one after another (skippable frames skipped), through the `zstandard`
    package's bounded reader. That reader takes a stream cut inside a frame as the end, so the
    frame and block headers are followed here (ZstdFrames) to tell the two apart."""

    def __init__(self, source: _Source) -> None:
        import zstandard  # here: the window and the CLI start without it

        self._source = _FramedSource(source)
        self._error: type[Exception] = zstandard.ZstdError
        limits = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        framed: Any = self._source  # any object with read(n) will do
        self._reader: Any = limits.stream_reader(framed, read_size=_CHUNK, read_across_frames=True)

    def read(self, n: int) -> bytes:
        try:
            data: bytes = self._reader.read(n)
        except self._error as exc:
            raise CompressionError(f"The layer's zstd data is corrupt ({exc}).") from None
        if not data and self._source.ended and not self._source.frames.between_frames:
            raise CompressionError(
                "The layer's zstd data ends in the middle of a frame: the blob is cut short."
            )
        return data


class _FramedSource:
    """The zstandard reader's source: the compressed bytes pass the frame walker on their way."""

    def __init__(self, source: _Source) -> None:
        self._source = source
        self.frames = ZstdFrames()
        self.ended = False

    def read(self, n: int) -> bytes:
        data = self._source.read(n)
        if data:
            self.frames.feed(data)
        else:
            self.ended = True
        return data


class ZstdFrames:
    """Follows zstd frame and block headers (RFC 8878) in the compressed bytes, skipping their
    content: `between_frames` says whether the bytes so far end on a frame boundary."""

    def __init__(self) -> None:
        self._state = "magic"
        self._want = 4
        self._buf = b""
        self._skip = 0
        self._checksum = 0
        self.frames = 0

    @property
    def between_frames(self) -> bool:
        return self._state in ("magic", "unknown") and not self._buf and not self._skip

    def feed(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n and self._state != "unknown":
            if self._skip:
                step = min(self._skip, n - i)
                self._skip -= step
                i += step
                continue
            take = min(self._want - len(self._buf), n - i)
            self._buf += data[i : i + take]
            i += take
            if len(self._buf) == self._want:
                head, self._buf = self._buf, b""
                self._advance(head)

    def _advance(self, head: bytes) -> None:
        state = self._state
        if state == "magic":
            if head == ZSTD_MAGIC:
                self._state, self._want = "header", 1
            elif head[0] & 0xF0 == 0x50 and head[1:] == b"\x2a\x4d\x18":
                self._state = "skippable"  # its size, then its content
            else:
                self._state = "unknown"  # not zstd: the decompressor says so
        elif state == "skippable":
            self._skip = int.from_bytes(head, "little")
            self._state = "magic"
        elif state == "header":
            flags = head[0]
            single = flags >> 5 & 1
            self._checksum = 4 if flags & 4 else 0
            size_field = (single, 2, 4, 8)[flags >> 6]
            self._skip = (1 - single) + (0, 1, 2, 4)[flags & 3] + size_field
            self._state, self._want = "block", 3
        else:  # a block header: last-block bit, type, size
            value = int.from_bytes(head, "little")
            self._skip = 1 if (value >> 1) & 3 == 1 else value >> 3  # an RLE block holds 1 byte
            if value & 1:
                self._skip += self._checksum
                self._state, self._want = "magic", 4
                self.frames += 1
