"""What a layer's tar says about one path: the plain data every part of "files inside layers"
shares (the tar reader makes them, the merged filesystem, the cache, the CLI and the window
read them)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class EntryKind(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHARDEV = "char device"
    BLOCKDEV = "block device"
    FIFO = "fifo"
    OTHER = "other"  # a type flag this reader does not know: listed, never interpreted


class Change(StrEnum):
    """What a layer does to a path, seen against the layers below it."""

    ADDED = "added"  # not present below
    MODIFIED = "modified"  # present below, written again here
    DELETED = "deleted"  # a whiteout `.wh.NAME`
    OPAQUE = "opaque"  # `.wh..wh..opq`: the directory's lower contents are hidden
    UNKNOWN = "added or modified"  # lower layers not listed yet


# The letter `ls -l` shows for each kind (OTHER has none: "?").
TYPE_LETTERS = {
    EntryKind.FILE: "-",
    EntryKind.DIR: "d",
    EntryKind.SYMLINK: "l",
    EntryKind.HARDLINK: "h",
    EntryKind.CHARDEV: "c",
    EntryKind.BLOCKDEV: "b",
    EntryKind.FIFO: "p",
}


def mode_text(kind: EntryKind, mode: int) -> str:
    """`drwxr-xr-x` as `ls -l` writes it (set-id and sticky bits as s/S and t/T)."""
    out = [TYPE_LETTERS.get(kind, "?")]
    for shift, special, letter in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        bits = (mode >> shift) & 7
        out.append("r" if bits & 4 else "-")
        out.append("w" if bits & 2 else "-")
        if mode & special:
            out.append(letter if bits & 1 else letter.upper())
        else:
            out.append("x" if bits & 1 else "-")
    return "".join(out)


# Flags: what is unusual about an entry, said in words next to it. Never acted on.
ABSOLUTE = 1  # the name started with "/"
DOTDOT = 2  # the name has a ".." part (kept as data; never resolved)
NOT_UTF8 = 4  # the name's bytes are not UTF-8 (decoded with surrogateescape)
SPARSE = 8  # a sparse file: `size` is its real size, the tar holds less
LONG_NAME = 16  # the name came from a PAX or GNU long-name record
BAD_FIELD = 32  # a numeric field could not be read; it is shown as 0

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"


# Not frozen: a frozen dataclass's __init__ costs ~3 µs against ~0.3 µs, and a layer may hold a
# million entries. Nothing changes an entry after the reader made it (hashable by its fields).
@dataclass(slots=True, unsafe_hash=True)
class TarEntry:
    """One tar member, as its headers describe it. `path` is normalised: no leading "/" or "./",
    no empty or "." parts, no trailing "/"; ".." parts are kept (and flagged). The root itself
    (a member named "./" or "/") has path "". For a whiteout, `path` is the whiteout file's own
    path (`a/.wh.b`); `target` below says what it deletes."""

    path: str
    kind: EntryKind
    size: int  # bytes of content as the headers say (a sparse file's real size)
    mode: int  # permission bits and set-id/sticky bits (0o7777), without the type
    uid: int
    gid: int
    uname: str
    gname: str
    mtime: float  # seconds since the epoch (PAX may carry fractions)
    link: str = ""  # symlink or hard-link target, as written (never resolved)
    flags: int = 0

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    @property
    def is_whiteout(self) -> bool:
        return self.name.startswith(WHITEOUT_PREFIX) and self.name != OPAQUE_MARKER

    @property
    def is_opaque_marker(self) -> bool:
        return self.name == OPAQUE_MARKER

    @property
    def target(self) -> str:
        """The path a whiteout deletes ("a/b" for "a/.wh.b"), the directory an opaque marker
        empties ("a" for "a/.wh..wh..opq"), else the entry's own path."""
        if self.is_opaque_marker:
            return self.parent
        if self.is_whiteout:
            name = self.name[len(WHITEOUT_PREFIX) :]
            return f"{self.parent}/{name}" if self.parent else name
        return self.path


DiffIdStatus = Literal["verified", "mismatch", "unknown"]  # unknown: no diff_id to compare with


@dataclass(frozen=True, slots=True)
class Integrity:
    """What was checked once a layer had been read to its end."""

    digest_verified: bool  # the compressed bytes hashed to the descriptor's digest and size
    diff_id: str  # sha256 of the uncompressed tar, as computed
    diff_id_status: DiffIdStatus  # against the config's rootfs.diff_ids entry for this layer
    expected_diff_id: str | None
    uncompressed_size: int
    compression: str  # "gzip", "zstd" or "none": what the bytes were (not what the type said)


@dataclass(frozen=True, slots=True)
class LayerListing:
    """Every entry of one layer (base first order within the tar), as read to the end."""

    digest: str  # the layer blob's digest
    entries: tuple[TarEntry, ...]  # at most MAX_KEPT_ENTRIES of them, in tar order
    total_entries: int  # all entries counted, also those beyond what was kept
    integrity: Integrity | None  # None when the stream was not read to its end
    notes: tuple[str, ...] = ()  # sentences for a person (e.g. "the first 500,000 … kept")

    @property
    def complete(self) -> bool:
        return self.integrity is not None and self.total_entries == len(self.entries)


MAX_KEPT_ENTRIES = 500_000  # entries kept per layer; the rest are counted (bounded memory)
