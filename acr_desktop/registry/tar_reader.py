"""A streaming reader of a layer's tar: ustar, GNU and PAX headers become `TarEntry` values one
at a time, with memory bounded whatever the number or size of the entries (unlike `tarfile`,
which keeps every member and reads whole PAX/GNU records into memory). Any bytes give entries
or a `LayerFormatError` whose sentence says where. Usual headers take a quick path (`_usual`)
that makes the same entry as the general one (`_any`) with a few calls instead of one per field;
benchmarks/tar_reader_bench.py measures both against `tar -tv`."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from zlib import adler32

from acr_desktop.registry import layer_entries as le
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.layer_entries import EntryKind, TarEntry
from acr_desktop.registry.tar_fields import (
    checksum_ok,
    decimal,
    decoded,
    field_text,
    normalise,
    number,
    owner_name,
    pax_flags,
    pax_records,
    real_size,
    seconds,
)

BLOCK = 512
MAX_RECORD = 1024 * 1024  # PAX and GNU long-name records beyond this are skipped, not read
_SKIP_CHUNK = 1024 * 1024
_ZERO_BLOCK = bytes(BLOCK)
_HEADER = struct.Struct("100s8s8s8s12s12s8sc100s8s32s32s8s8s155s12x")
# A usual header: name, (numbers), type, link, magic, uname, gname, prefix; its numbers (bytes
# 100-156: mode, uid, gid, size, mtime, checksum) are octal digits each ended by NUL or space.
_USUAL = struct.Struct("100s56xc100s6s2x32s32s16x155s12x")
_SHAPE = bytes.maketrans(b"01234567\0 ", b"00000000  ")
_USUAL_SHAPE = b"0000000 0000000 0000000 00000000000 00000000000 000000  "
_SEVEN_DIGITS, _ELEVEN_DIGITS = 8**7 - 1, 8**11 - 1
_MAX_OWNERS = 1024  # owner names remembered (a layer has few; a hostile one is bounded)
_KINDS = dict.fromkeys((b"0", b"\0", b"7"), EntryKind.FILE)  # 7: contiguous, a regular file
_KINDS |= {b"1": EntryKind.HARDLINK, b"2": EntryKind.SYMLINK, b"3": EntryKind.CHARDEV}
_KINDS |= {b"4": EntryKind.BLOCKDEV, b"5": EntryKind.DIR, b"6": EntryKind.FIFO}
# These carry no data whatever their size field says (as Go's archive/tar, which runtimes use).
_HEADER_ONLY = {b"1", b"2", b"3", b"4", b"5", b"6"}
_EXTENSIONS = {b"x", b"g", b"L", b"K"}
_UNUSUAL_KINDS = _EXTENSIONS | {b"S"}  # never read by the usual header's quick path
_OTHER = EntryKind.OTHER
# Global records ("g") may say who owns the entries after them and when they were written, but
# never their names or sizes: Go's archive/tar, which runtimes unpack layers with, ignores global
# records, and a listing must not show other names than the runtime unpacks (nor read headers
# where it reads data).
_GLOBAL_KEYS = {"uid", "gid", "uname", "gname", "mtime"}


class LayerFormatError(InvalidResponse):
    """Not a tar this app can read; the sentence says where (`position`, in uncompressed bytes)."""

    def __init__(self, sentence: str, *, position: int | None = None) -> None:
        super().__init__(sentence)
        self.position = position


class TruncatedLayer(LayerFormatError):
    """The stream ended inside a header or inside an entry's data."""


class TarReader:
    """Entries of a tar read from `read(n)` (up to n bytes; b"" at the end), one at a time.

    The data of an entry not read with `read_data`/`read_data_chunks` is skipped when the next
    entry is asked for. The reader never asks for a byte past the end of the archive (two zero
    blocks, or the stream's end at a header boundary): what follows is left for the caller.
    """

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.position = 0  # uncompressed bytes consumed
        self.count = 0  # entries yielded
        self.ended = False  # the end of the archive was reached
        self._data_left = 0  # stored data of the current entry not yet consumed
        self._padding = 0  # zeros after the current entry's data
        self._global: dict[str, str] = {}  # PAX global records ("g"), for every later entry
        # What extension headers said about the next entry:
        self._pax: dict[str, str] = {}
        self._long_name: bytes | None = None
        self._long_link: bytes | None = None
        self._flags = 0
        self._pending = False  # any of the above (or global records): no quick path
        self._owners: dict[bytes, str] = {}  # a header's owner field → the name shown

    # -- the stream ---------------------------------------------------------------------------

    def _fill(self, first: bytes, n: int) -> bytes:
        """`first` (what one read gave) made up to `n` bytes: fewer only at the stream's end."""
        if len(first) >= n or not first:
            return first[:n] if len(first) > n else first
        data = bytearray(first)
        while len(data) < n and (more := self._read(n - len(data))):
            data += more[: n - len(data)]
        return bytes(data)

    def _take(self, n: int) -> bytes:
        """Up to `n` bytes: fewer only at the end of the stream."""
        data = self._fill(self._read(n), n)
        self.position += len(data)
        return data

    def _truncated(self, what: str) -> TruncatedLayer:
        at = self.position
        return TruncatedLayer(
            f"The layer ends inside {what} (at byte {at:,} of the tar).", position=at
        )

    def _skip(self, n: int, what: str) -> None:
        while n > 0:
            chunk = self._read(min(n, _SKIP_CHUNK))[:n]
            if not chunk:
                raise self._truncated(what)
            self.position += len(chunk)
            n -= len(chunk)

    def _block(self) -> bytes | None:
        """The next 512-byte block; None at the end of the stream on a block boundary."""
        block = self._take(BLOCK)
        if block and len(block) < BLOCK:
            raise self._truncated("an entry's header")
        return block or None

    def _stream_ends(self, got: int, left: int) -> None:
        """After a short read of `got` bytes where `left` bytes of data and a header were due:
        the stream ended at a header boundary (the end), or inside data or a header."""
        self.position += got
        if got < left:
            raise self._truncated("an entry's data")
        if got > left:
            raise self._truncated("an entry's header")
        self._end(None, self.position)

    # -- the current entry's data -------------------------------------------------------------

    def read_data(self, limit: int) -> bytes:
        """The next (at first: the first) `limit` bytes, at most, of the current entry's stored
        data. A sparse file's stored data is its packed parts, not the file as it would be."""
        want = min(limit, self._data_left)
        if want <= 0:
            return b""
        data = self._take(want)
        self._data_left -= len(data)
        if len(data) < want:
            raise self._truncated("an entry's data")
        return data

    def read_data_chunks(self, chunk: int = 65536) -> Iterator[bytes]:
        """The rest of the current entry's stored data, in pieces of at most `chunk` bytes."""
        while self._data_left > 0:
            yield self.read_data(max(chunk, 1))

    # -- headers ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[TarEntry]:
        read, usual = self._read, self._usual
        while not self.ended:
            left = self._data_left + self._padding  # skipped here: read with the next header
            self._data_left = self._padding = 0
            if left > _SKIP_CHUNK:
                self._skip(left, "an entry's data")
                left = 0
            want = left + BLOCK
            if len(data := read(want)) != want and len(data := self._fill(data, want)) < want:
                self._stream_ends(len(data), left)
                return
            self.position += want
            entry = None if self._pending else usual(data, left)
            if entry is None:
                entry = self._any(data[left:want], self.position - BLOCK)
                if entry is None:  # an extension header, or the end
                    continue
            self.count += 1
            yield entry

    def _usual(self, data: bytes, at: int) -> TarEntry | None:
        """The entry of a plain header (octal numbers ended by NUL or space, the unsigned sum as
        checksum, UTF-8 names, no extension record before it): the entry `_any` would make, made
        without a call per field; None for any other header."""
        block = data[at : at + BLOCK] if at else data
        numbers = block[100:156]
        if numbers.translate(_SHAPE) != _USUAL_SHAPE:
            return None
        # Their octal digits end to end are one number in which each field keeps its own bits.
        value = int(numbers.translate(None, b"\0 "), 8)
        # The checksum: the sum of the header's bytes, its own field counted as spaces. Adler-32's
        # low half is 1 + the sum of the bytes, mod 65521: exact for ASCII bytes (≤ 504 × 127).
        total = adler32(block[156:], adler32(block[:148])) & 0xFFFF
        if total + 8 * 0x20 - 1 != value & 0o777777 or not block.isascii():
            return None  # a signed sum or other bytes: `_any` says
        name, kind, link, magic, uname, gname, prefix = _USUAL.unpack(block)
        if kind in _UNUSUAL_KINDS:
            return None
        raw = name.partition(b"\0")[0]
        if magic == b"ustar\0" and prefix[0]:
            raw = prefix.partition(b"\0")[0] + b"/" + raw
        try:
            text = raw.decode()
            target = link.partition(b"\0")[0].decode() if link[0] else ""
        except UnicodeDecodeError:
            return None
        path, flags = text[2:] if text[:2] == "./" else text, 0
        if not path or path[0] in "/." or "//" in path or "/." in path:
            path, flags = normalise(text)
        elif path[-1] == "/":
            path = path[:-1]
        if (user := self._owners.get(uname)) is None:
            user = self._owner(uname)
        if (group := self._owners.get(gname)) is None:
            group = self._owner(gname)
        stored = 0 if kind in _HEADER_ONLY else value >> 51 & _ELEVEN_DIGITS
        self._data_left, self._padding = stored, -stored % BLOCK
        return TarEntry(
            path,
            EntryKind.DIR if kind == b"\0" and text[-1:] == "/" else _KINDS.get(kind, _OTHER),
            stored,
            value >> 126 & 0o7777,  # mode
            value >> 105 & _SEVEN_DIGITS,  # uid
            value >> 84 & _SEVEN_DIGITS,  # gid
            user,
            group,
            float(value >> 18 & _ELEVEN_DIGITS),  # mtime
            target,
            flags,
        )

    def _owner(self, field: bytes) -> str:
        if len(self._owners) >= _MAX_OWNERS:
            self._owners.clear()
        name = self._owners[field] = owner_name(field_text(field))
        return name

    def _any(self, block: bytes, start: int) -> TarEntry | None:
        """The entry of any header (None after an extension header or at the end)."""
        if block == _ZERO_BLOCK:
            self._end(block, start)
            return None
        fields = _HEADER.unpack(block)
        if not checksum_ok(block, number(fields[6])):
            what = "This layer is not a tar" if start == 0 else "The layer's tar is damaged"
            raise LayerFormatError(
                f"{what}: the header at byte {start:,} fails its checksum.", position=start
            )
        kind = fields[7]
        stored = self._stored_size(kind, number(fields[4]), start)
        if kind in _EXTENSIONS:
            self._extension(kind, stored)
            self._pending = True
            return None
        entry = self._entry(block, fields, stored)
        self._pax, self._long_name, self._long_link, self._flags = {}, None, None, 0
        self._pending = bool(self._global)
        if kind == b"S" and block[482]:
            self._skip_sparse_map()
        self._data_left, self._padding = stored, -stored % BLOCK
        return entry

    def _end(self, block: bytes | None, start: int) -> None:
        if block is not None:  # one zero block: a second one (or the stream's end) must follow
            second = self._block()
            if second is not None and second != _ZERO_BLOCK:
                raise LayerFormatError(
                    f"The layer's tar is damaged: an empty block at byte {start:,} is followed "
                    "by more entries.",
                    position=start,
                )
        self.ended = True
        if self._pax or self._long_name is not None or self._long_link is not None:
            sentence = f"The layer's tar ends after an extended header (at byte {start:,})"
            error = TruncatedLayer if block is None else LayerFormatError
            raise error(f"{sentence}, before the entry it describes.", position=start)

    def _stored_size(self, kind: bytes, size: int | None, start: int) -> int:
        """Bytes of data that follow this header in the tar."""
        if kind in _HEADER_ONLY:
            return 0
        if kind not in _EXTENSIONS and (pax_size := self._pax.get("size")):
            size = decimal(pax_size)
        if size is None or size < 0:
            raise LayerFormatError(
                f"The layer's tar has an unreadable size in the header at byte {start:,}.",
                position=start,
            )
        return size

    def _extension(self, kind: bytes, size: int) -> None:
        if size > MAX_RECORD:
            self._skip(size + (-size % BLOCK), "an extended header")
            self._flags |= le.BAD_FIELD
            return
        data = self._take(size)
        if len(data) < size:
            raise self._truncated("an extended header")
        self._skip(-size % BLOCK, "an extended header")
        if kind == b"L":
            self._long_name = field_text(data)
        elif kind == b"K":
            self._long_link = field_text(data)
        else:
            records, whole = pax_records(data)
            if not whole:
                self._flags |= le.BAD_FIELD
            if kind == b"g":
                self._global.update((k, v) for k, v in records.items() if k in _GLOBAL_KEYS)
                self._global = {key: value for key, value in self._global.items() if value}
            else:
                self._pax.update(records)  # an empty value unsets a key (checked where read)

    def _skip_sparse_map(self) -> None:
        """Old GNU sparse headers continue in extension blocks, each saying if another follows."""
        while True:
            block = self._block()
            if block is None:
                raise self._truncated("a sparse file's map")
            if not block[504]:
                return

    def _entry(self, block: bytes, fields: tuple[bytes, ...], stored: int) -> TarEntry:
        kind_byte: bytes = fields[7]
        pax = {**self._global, **self._pax} if self._pax or self._global else self._pax
        name, flags = self._name(block, fields, pax)
        link, link_flags = decoded(field_text(fields[8]))
        if self._long_link is not None:
            link, link_flags = decoded(self._long_link)
        if pax.get("linkpath"):
            link, link_flags = pax["linkpath"], pax_flags(pax["linkpath"])
        kind = _KINDS.get(kind_byte, EntryKind.OTHER)
        if kind_byte == b"\0" and name.endswith("/"):
            kind = EntryKind.DIR  # old (v7) tars mark directories by the trailing slash
        elif kind_byte == b"S":
            kind = EntryKind.FILE
        mode = number(fields[1])
        uid = decimal(pax["uid"]) if pax.get("uid") else number(fields[2])
        gid = decimal(pax["gid"]) if pax.get("gid") else number(fields[3])
        mtime = seconds(pax["mtime"]) if pax.get("mtime") else number(fields[5])
        if mode is None or uid is None or gid is None or mtime is None or min(mode, uid, gid) < 0:
            flags |= le.BAD_FIELD
        size = stored
        if pax or kind_byte == b"S":
            real = real_size(kind_byte, block, pax)
            if real is not None:
                flags |= le.SPARSE if real >= 0 else le.SPARSE | le.BAD_FIELD
                size = max(real, 0)
        path, path_flags = normalise(name)
        return TarEntry(
            path=path,
            kind=kind,
            size=size,
            mode=max(mode or 0, 0) & 0o7777,
            uid=max(uid or 0, 0),
            gid=max(gid or 0, 0),
            uname=owner_name(pax.get("uname") or field_text(fields[10])),
            gname=owner_name(pax.get("gname") or field_text(fields[11])),
            mtime=float(mtime or 0),
            link=link,
            flags=flags | path_flags | link_flags,
        )

    def _name(
        self, block: bytes, fields: tuple[bytes, ...], pax: dict[str, str]
    ) -> tuple[str, int]:
        """The entry's name as written, with its NOT_UTF8/LONG_NAME/BAD_FIELD flags."""
        name = pax.get("GNU.sparse.name") or pax.get("path")
        if name:
            return name, self._flags | le.LONG_NAME | pax_flags(name)
        if self._long_name is not None:
            name, bad = decoded(self._long_name)
            return name, self._flags | le.LONG_NAME | bad
        raw = field_text(fields[0])
        if block[257:263] == b"ustar\0" and fields[14][:1] != b"\0":  # POSIX: prefix/name
            raw = field_text(fields[14]) + b"/" + raw
        name, bad = decoded(raw)
        return name, self._flags | bad
