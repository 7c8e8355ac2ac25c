"""Layer listings kept on disk by layer digest, so a layer shared by many images is read once.
Bounded in bytes, least recently used out. Files are zlib-compressed JSON in columns (never
pickle); a file that cannot be read back exactly is treated as absent and removed."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import fields
from itertools import repeat
from pathlib import Path
from typing import Any

from acr_desktop.registry.layer_entries import (
    DiffIdStatus,
    EntryKind,
    Integrity,
    LayerListing,
    TarEntry,
)

MiB = 1024 * 1024
DEFAULT_LIMIT = 256 * MiB
CACHE_DIR_ENV = "ACR_DESKTOP_CACHE_DIR"  # overrides the folder (tests, portable installs)
FORMAT = 1
MAGIC = b"acr-desktop layer listing %d\n" % FORMAT
SUFFIX = ".listing"
MAX_FILE = 64 * MiB  # compressed bytes read back at most
MAX_JSON = 256 * MiB  # decompressed bytes at most (a corrupt file is no zip bomb)
STALE_TEMP = 3600.0  # seconds after which a temp file left by a crash is removed

_DIGEST = re.compile(r"(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})")
_OURS = re.compile(r"(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})\.listing")
_KINDS = {kind.value: kind for kind in EntryKind}
_FIELDS = tuple(f.name for f in fields(TarEntry))
_STATUSES: dict[str, DiffIdStatus] = {
    "verified": "verified",
    "mismatch": "mismatch",
    "unknown": "unknown",
}

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """`$ACR_DESKTOP_CACHE_DIR`, else the platform's cache folder for the app, from platformdirs
    (`~/.cache/acr-desktop/layers` on Linux), as logs.py names the app's folders."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs  # here: importing this module should not cost its import

    name = "ACR Desktop" if sys.platform in ("win32", "darwin") else "acr-desktop"
    return platformdirs.user_cache_path(name, appauthor=False) / "layers"


def file_name(digest: str) -> str | None:
    """The cache file's name for a digest, or None if it is no digest (so none escapes)."""
    if not _DIGEST.fullmatch(digest):
        return None
    return digest.replace(":", "-") + SUFFIX


class CorruptListing(ValueError):
    """A cache file that is not a listing this version wrote. Never leaves this module."""


class ListingCache:
    """Complete, digest-verified layer listings on disk. Safe for several jobs (and processes)
    at once: files are written whole to a temp file and renamed into place; a file removed by
    another job is simply a miss."""

    def __init__(self, directory: Path | None = None, limit: int = DEFAULT_LIMIT) -> None:
        self.directory = directory if directory is not None else default_cache_dir()
        self._limit = limit
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = max(int(value), 0)
        self._evict()

    def get(self, digest: str) -> LayerListing | None:
        name = file_name(digest)
        if name is None:
            return None
        path = self.directory / name
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_FILE + 1)
        except OSError:
            return None
        try:
            listing = decode(data, digest)
        except CorruptListing as problem:
            log.warning("layer cache: %s is unreadable (%s); removed", name, problem)
            _remove(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently used goes first: a read counts as a use
        return listing

    def put(self, listing: LayerListing) -> None:
        """Keep a complete listing whose digest was verified; anything else is ignored, and so is
        a folder that cannot be written (the cache only saves time)."""
        integrity = listing.integrity
        name = file_name(listing.digest)
        if name is None or integrity is None or not integrity.digest_verified:
            return
        if not listing.complete:
            return
        data = encode(listing)
        if data is None or len(data) > min(self._limit, MAX_FILE):
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=self.directory)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temp, self.directory / name)
            except BaseException:
                _remove(Path(temp))
                raise
        except OSError as problem:
            log.warning("layer cache: could not keep %s: %s", name, problem)
            return
        self._evict()

    def size(self) -> int:
        return sum(size for _, _, size in self._files())

    def count(self) -> int:
        return len(self._files())

    def clear(self) -> None:
        with self._lock:
            for path, _, _ in self._files():
                _remove(path)

    def _files(self) -> list[tuple[Path, float, int]]:
        """(path, last use, size) of every listing file; leftover temp files are removed. Only
        names this cache writes are touched, whatever else the folder holds."""
        found: list[tuple[Path, float, int]] = []
        try:
            names = os.listdir(self.directory)
        except OSError:
            return found
        now = time.time()
        for name in names:
            path = self.directory / name
            try:
                status = path.stat()
            except OSError:
                continue  # removed meanwhile by another job
            if name.startswith(".tmp-") and name.endswith(SUFFIX):
                if now - status.st_mtime > STALE_TEMP:
                    _remove(path)
            elif _OURS.fullmatch(name):
                found.append((path, status.st_mtime, status.st_size))
        return found

    def _evict(self) -> None:
        with self._lock:
            files = sorted(self._files(), key=lambda item: item[1])
            total = sum(size for _, _, size in files)
            for path, _, size in files:
                if total <= self._limit:
                    break
                _remove(path)
                total -= size


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


_SHAPE = ("kind", "mode", "uid", "gid", "uname", "gname", "link", "flags")  # shared by many


def encode(listing: LayerListing) -> bytes | None:
    """A listing as this cache stores it: MAGIC, then zlib-compressed JSON in columns. What many
    entries share (kind, mode, owner, link target, flags) is kept once, as a table of shapes.
    None if too large to read back."""
    entries = listing.entries
    integrity = listing.integrity
    assert integrity is not None
    shapes: dict[tuple[object, ...], int] = {}
    document = {
        "digest": listing.digest,
        "total_entries": listing.total_entries,
        "notes": list(listing.notes),
        "integrity": {
            "digest_verified": integrity.digest_verified,
            "diff_id": integrity.diff_id,
            "diff_id_status": integrity.diff_id_status,
            "expected_diff_id": integrity.expected_diff_id,
            "uncompressed_size": integrity.uncompressed_size,
            "compression": integrity.compression,
        },
        "path": [entry.path for entry in entries],
        "size": [entry.size for entry in entries],
        "mtime": [entry.mtime for entry in entries],
        "shape": [
            shapes.setdefault(
                (e.kind.value, e.mode, e.uid, e.gid, e.uname, e.gname, e.link, e.flags),
                len(shapes),
            )
            for e in entries
        ],
    }
    document["shapes"] = [list(shape) for shape in shapes]
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=True)
    if len(text) > MAX_JSON:
        return None
    return MAGIC + zlib.compress(text.encode("ascii"), 6)


def decode(data: bytes, digest: str) -> LayerListing:
    """The listing in a cache file's bytes (written by `encode`), or CorruptListing."""
    if not data.startswith(MAGIC) or len(data) > MAX_FILE:
        raise CorruptListing("not a listing of this version")
    try:
        unzip = zlib.decompressobj()
        text = unzip.decompress(memoryview(data)[len(MAGIC) :], MAX_JSON)
        if unzip.unconsumed_tail or unzip.unused_data or not unzip.eof:
            raise CorruptListing("truncated or too large")
        document = json.loads(text)
    except (zlib.error, ValueError, RecursionError) as problem:
        raise CorruptListing(str(problem)) from None
    try:
        return _listing(document, digest)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as problem:
        raise CorruptListing(f"{type(problem).__name__}: {problem}") from None


_STR: frozenset[type] = frozenset({str})
_INT: frozenset[type] = frozenset({int})
_NUMBER: frozenset[type] = frozenset({int, float})


def _column(values: object, accepted: frozenset[type]) -> list[Any]:
    if not isinstance(values, list) or not set(map(type, values)) <= accepted:
        raise CorruptListing("a column of the wrong type")
    return values


def _listing(document: Any, digest: str) -> LayerListing:
    if not isinstance(document, dict) or document.get("digest") != digest:
        raise CorruptListing("another digest")
    raw = document["integrity"]
    status = raw["diff_id_status"]
    expected = raw["expected_diff_id"]
    integrity = Integrity(
        digest_verified=_typed(raw["digest_verified"], bool),
        diff_id=_typed(raw["diff_id"], str),
        diff_id_status=_STATUSES[status],
        expected_diff_id=None if expected is None else _typed(expected, str),
        uncompressed_size=_typed(raw["uncompressed_size"], int),
        compression=_typed(raw["compression"], str),
    )
    paths = _column(document["path"], _STR)
    count = len(paths)
    sizes = _column(document["size"], _INT)
    mtimes = _column(document["mtime"], _NUMBER)
    shape = _column(document["shape"], _INT)
    if (
        _typed(document["total_entries"], int) != count
        or count != len(sizes)
        or count != len(mtimes)
        or count != len(shape)
        or min(shape, default=0) < 0
    ):
        raise CorruptListing("columns of different lengths")
    shared = _shapes(document["shapes"])
    by_field: dict[str, Iterable[Any]] = {"path": paths, "size": sizes, "mtime": mtimes}
    for name, column in zip(_SHAPE, shared, strict=True):
        by_field[name] = map(column.__getitem__, shape)
    entries = _entries([by_field[name] for name in _FIELDS], count)
    notes = tuple(_column(document["notes"], _STR))
    return LayerListing(digest, entries, count, integrity, notes)


def _shapes(raw: object) -> list[list[Any]]:
    """The shapes table, checked, as one column per shared field."""
    if not isinstance(raw, list):
        raise CorruptListing("no shapes")
    kinds: list[Any] = []
    for shape in raw:
        kind, mode, uid, gid, uname, gname, link, flags = shape
        kinds.append(_KINDS[kind])
        for number in (mode, uid, gid, flags):
            _typed(number, int)
        for text in (uname, gname, link):
            _typed(text, str)
    columns = [list(column) for column in zip(*raw, strict=True)] or [[] for _ in _SHAPE]
    columns[0] = kinds
    return columns


def _entries(columns: list[Iterable[Any]], count: int) -> tuple[TarEntry, ...]:
    """TarEntry values made column by column: each field set by its slot, in C loops. Calling
    the frozen dataclass's __init__ per entry costs about twice as much, which a 30,000-entry
    listing read on every reopen would feel."""
    entries = list(map(object.__new__, repeat(TarEntry, count)))
    for name, column in zip(_FIELDS, columns, strict=True):
        deque(map(getattr(TarEntry, name).__set__, entries, column), maxlen=0)
    return tuple(entries)


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise CorruptListing("a field of the wrong type")
    return value
