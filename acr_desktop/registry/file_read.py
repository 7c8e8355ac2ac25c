"""One file out of a layer: its first bytes for a preview (the read stops as soon as they are
in, and the connection is closed), or the whole file saved where the user chose, and nowhere else:
never a link, never extracted, written to a temp file beside it and renamed into place."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from acr_desktop.registry.errors import NotFound, RegistryError
from acr_desktop.registry.layer_entries import SPARSE, EntryKind, TarEntry
from acr_desktop.registry.layer_stream import LayerSource, LayerStream, open_layer
from acr_desktop.registry.redaction import quotable

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.tar_reader import TarReader

_CHUNK = 256 * 1024
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True)
class FileRead:
    """An entry and the first bytes of its data; `complete` when they are all of it."""

    entry: TarEntry
    data: bytes
    complete: bool


class NoSuchFile(NotFound):
    """The layer has no entry at `path`."""

    def __init__(self, sentence: str, *, path: str) -> None:
        super().__init__(sentence, what="file")
        self.path = path


class NotARegularFile(RegistryError):
    """Only regular files are saved: a link, a folder or a device is refused (never followed)."""


class SaveFailed(RegistryError):
    """The file could not be written where the user chose (`destination`)."""

    def __init__(self, sentence: str, *, destination: Path) -> None:
        super().__init__(sentence)
        self.destination = destination


def read_file(client: RegistryClient, source: LayerSource, path: str, *, limit: int) -> FileRead:
    """The entry at `path` in `source`'s layer and at most `limit` bytes of its data. The layer
    is read only up to there (the first entry with that path: a tar rarely holds two) and its
    connection closed at once; nothing is decompressed past those bytes. A sparse file's bytes
    are those the tar stores (its non-empty parts), so it is never `complete`."""
    with open_layer(client, source) as stream:
        reader, entry = _find(stream, source, path)
        data = reader.read_data(max(limit, 0)) if entry.kind == EntryKind.FILE else b""
    complete = len(data) >= entry.size and not entry.flags & SPARSE
    return FileRead(entry, data, complete or entry.kind != EntryKind.FILE)


def save_file(
    client: RegistryClient,
    source: LayerSource,
    path: str,
    destination: Path,
    *,
    on_bytes: Callable[[int, int], None] | None = None,
) -> int:
    """Write the regular file at `path` in `source`'s layer to `destination` (replacing what is
    there, a link itself rather than what it points to); the bytes written. On any failure
    nothing is left behind. `on_bytes(written, size)` as the file's data arrives."""
    with open_layer(client, source) as stream:
        reader, entry = _find(stream, source, path)
        _refuse_unless_regular(entry, source)
        temp = destination.with_name(f".{destination.name[:200]}.{secrets.token_hex(4)}.part")
        try:
            handle = os.open(temp, _TEMP_FLAGS, 0o666)
        except OSError as exc:
            raise _failed(destination, exc) from None
        written = 0
        try:
            with os.fdopen(handle, "wb") as file:
                for chunk in reader.read_data_chunks(_CHUNK):
                    file.write(chunk)
                    written += len(chunk)
                    if on_bytes is not None:
                        on_bytes(written, entry.size)
            os.replace(temp, destination)
        except OSError as exc:
            _remove(temp)
            raise _failed(destination, exc) from None
        except BaseException:
            _remove(temp)
            raise
    return written


def _find(stream: LayerStream, source: LayerSource, path: str) -> tuple[TarReader, TarEntry]:
    from acr_desktop.registry.tar_fields import normalise
    from acr_desktop.registry.tar_reader import TarReader

    wanted, _ = normalise(path)
    reader = TarReader(stream.read)
    for entry in reader:
        if entry.path == wanted:
            return reader, entry
    raise NoSuchFile(
        f"Layer {source.index + 1} has no entry “{quotable(wanted, limit=200)}”.", path=wanted
    )


def _refuse_unless_regular(entry: TarEntry, source: LayerSource) -> None:
    name = quotable(entry.path, limit=200)
    if entry.kind == EntryKind.FILE and not entry.flags & SPARSE:
        return
    if entry.kind == EntryKind.FILE:
        what = "a sparse file (the tar holds only its non-empty parts)"
    elif entry.kind in (EntryKind.SYMLINK, EntryKind.HARDLINK):
        kind = "symbolic" if entry.kind == EntryKind.SYMLINK else "hard"
        what = f"a {kind} link to “{quotable(entry.link, limit=200)}”"
    else:
        what = f"a {entry.kind.value}"
    raise NotARegularFile(
        f"“{name}” in layer {source.index + 1} is {what}: only regular files are saved, and "
        "links are never followed."
    )


def _failed(destination: Path, exc: OSError) -> SaveFailed:
    reason = exc.strerror or type(exc).__name__
    return SaveFailed(
        f"Could not write {quotable(str(destination), limit=300)}: {reason}.",
        destination=destination,
    )


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
