"""Two images compared part by part, as plain data: their layers (by digest, then by diff_id), their
configs (field by field) and their filesystems (all layers applied, filesystem.MergedFs). For the
compare (acr_desktop/compare.py, which fetches). Each step linear in what it compares, bounded."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.filesystem import MergedFs, Node
    from acr_desktop.registry.image_config import ImageConfig
    from acr_desktop.registry.layer_listing import ListingStore
    from acr_desktop.registry.layer_stream import LayerSource
    from acr_desktop.registry.manifest import Descriptor

LayerState = Literal["shared", "recompressed", "added", "removed"]
FileState = Literal["added", "removed", "changed"]
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
MAX_FILE_CHANGES = 10_000  # paths reported per pair of images


@dataclass(frozen=True)
class LayerPair:
    """One row of the layers side by side: a layer of the left, of the right, or of both."""

    state: LayerState
    left: Descriptor | None
    right: Descriptor | None
    left_index: int | None
    right_index: int | None
    diff_id: str | None


def pair_layers(
    left: tuple[Descriptor, ...],
    right: tuple[Descriptor, ...],
    left_diff_ids: tuple[str, ...] = (),
    right_diff_ids: tuple[str, ...] = (),
) -> tuple[LayerPair, ...]:
    """Layers matched by digest first (shared), then by diff_id (the same tar recompressed);
    the rest removed (left) or added (right). Left order kept, added ones after; linear."""
    by_digest: dict[str, deque[int]] = {}
    by_diff: dict[str, deque[int]] = {}
    for j, d in enumerate(right):
        by_digest.setdefault(d.digest, deque()).append(j)
        if j < len(right_diff_ids):
            by_diff.setdefault(right_diff_ids[j], deque()).append(j)
    used: set[int] = set()
    match = [take(by_digest.get(d.digest), used) for d in left]
    states: list[LayerState] = ["shared" if m is not None else "removed" for m in match]
    for i, m in enumerate(match):
        if m is None and i < len(left_diff_ids):
            match[i] = take(by_diff.get(left_diff_ids[i]), used)
            states[i] = "recompressed" if match[i] is not None else "removed"
    rows = []
    for i, (d, m) in enumerate(zip(left, match, strict=True)):
        diff_id = left_diff_ids[i] if i < len(left_diff_ids) else None
        if diff_id is None and m is not None and m < len(right_diff_ids):
            diff_id = right_diff_ids[m]
        rows.append(LayerPair(states[i], d, right[m] if m is not None else None, i, m, diff_id))
    for j, d in enumerate(right):
        if j not in used:
            diff_id = right_diff_ids[j] if j < len(right_diff_ids) else None
            rows.append(LayerPair("added", None, d, None, j, diff_id))
    return tuple(rows)


def take(queue: deque[int] | None, used: set[int]) -> int | None:
    """The first index in `queue` not yet `used` (then used); amortised O(1)."""
    while queue:
        i = queue.popleft()
        if i not in used:
            used.add(i)
            return i
    return None


@dataclass(frozen=True)
class FieldChange:
    """One difference in the config (or the manifest's base-image annotations)."""

    part: str  # "env", "label", "entrypoint", "cmd", "user", "workdir", "port", "volume", …
    key: str | None  # the env name / label key / port; None for single fields
    left: str | None  # None: absent on that side
    right: str | None


def config_changes(
    left: ImageConfig,
    right: ImageConfig,
    left_annotations: Mapping[str, str] | None = None,
    right_annotations: Mapping[str, str] | None = None,
) -> tuple[FieldChange, ...]:
    """What differs between two configs: single fields, then env by name, labels by key, ports,
    volumes, and the base image (manifest annotations, else the same keys as labels)."""
    out: list[FieldChange] = []

    def single(part: str, a: str | None, b: str | None) -> None:
        if (a or None) != (b or None):
            out.append(FieldChange(part, None, a or None, b or None))

    for part, a, b in (
        ("created", left.created, right.created),
        ("os", left.os, right.os),
        ("architecture", left.architecture, right.architecture),
        ("variant", left.variant, right.variant),
        ("os version", left.os_version, right.os_version),
        ("author", left.author, right.author),
        ("user", left.user, right.user),
        ("workdir", left.working_dir, right.working_dir),
        ("entrypoint", _argv_text(left.entrypoint), _argv_text(right.entrypoint)),
        ("cmd", _argv_text(left.cmd), _argv_text(right.cmd)),
    ):
        single(part, a, b)
    out += _keyed("env", _env(left.env), _env(right.env))
    out += _keyed("label", dict(sorted(left.labels.items())), right.labels)
    out += _keyed("port", {p: p for p in left.exposed_ports}, {p: p for p in right.exposed_ports})
    out += _keyed("volume", {v: v for v in left.volumes}, {v: v for v in right.volumes})
    for part, key in (("base name", BASE_NAME), ("base digest", BASE_DIGEST)):
        single(part, _base(key, left_annotations, left), _base(key, right_annotations, right))
    return tuple(out)


def _keyed(part: str, left: Mapping[str, str], right: Mapping[str, str]) -> Iterator[FieldChange]:
    for key, value in left.items():
        if right.get(key) != value:
            yield FieldChange(part, key, value, right.get(key))
    for key in sorted(right.keys() - left.keys()):
        yield FieldChange(part, key, None, right[key])


def _argv_text(argv: tuple[str, ...] | None) -> str | None:
    return None if argv is None else json.dumps(list(argv), ensure_ascii=False)


def _env(env: Iterable[str]) -> dict[str, str]:
    """Env by variable name; the last of a name wins, as at run time."""
    out: dict[str, str] = {}
    for item in env:
        name, _, value = item.partition("=")
        out[name] = value
    return out


def _base(key: str, annotations: Mapping[str, str] | None, config: ImageConfig) -> str | None:
    return (annotations or {}).get(key) or config.labels.get(key) or None


@dataclass(frozen=True)
class FileChange:
    path: str
    state: FileState
    left_size: int | None  # a folder's: the files below it
    right_size: int | None


@dataclass(frozen=True)
class ImageFs:
    """An image's merged filesystem, and per layer what identifies its content (its diff_id,
    else its digest): a path written by layers of the same content is the same file."""

    fs: MergedFs
    layer_keys: tuple[str, ...]


def image_fs(
    client: RegistryClient,
    sources: Sequence[LayerSource],
    cache: ListingStore,
    *,
    cached_only: bool,
) -> ImageFs | None:
    """The layers applied in order. `cached_only`: None unless `cache` holds every layer's
    listing; else the missing ones are listed (streamed from the registry, then cached)."""
    from acr_desktop.registry.filesystem import MergedFs
    from acr_desktop.registry.layer_listing import list_layer

    fs = MergedFs()
    for source in sources:
        if cached_only:
            listing = cache.get(source.digest)
        else:
            listing = list_layer(client, source, cache=cache)
        if listing is None:
            return None
        fs.apply(source.index, listing.entries)
    return ImageFs(fs, tuple(s.diff_id or s.digest for s in sources))


def file_changes(left: ImageFs, right: ImageFs) -> tuple[FileChange, ...]:
    """Both trees walked together; a path on one side only is reported once (a folder with its
    total size, not its contents). At most MAX_FILE_CHANGES, sorted by path."""
    found = list(_walk(left, right))
    found.sort(key=lambda c: c.path)
    return tuple(found)


def _walk(left: ImageFs, right: ImageFs) -> Iterator[FileChange]:
    count = 0
    stack: list[tuple[str, Node, Node]] = [("", left.fs.root, right.fs.root)]
    while stack:
        prefix, a, b = stack.pop()
        ac, bc = a.children or {}, b.children or {}
        for name in sorted(ac.keys() | bc.keys()):
            x, y, path = ac.get(name), bc.get(name), prefix + name
            change: FileChange | None = None
            if x is not None and y is None:
                change = FileChange(path, "removed", x.size, None)
            elif x is None and y is not None:
                change = FileChange(path, "added", None, y.size)
            elif x is not None and y is not None:
                if x.is_dir and y.is_dir:
                    stack.append((path + "/", x, y))
                elif _changed(x, left.layer_keys, y, right.layer_keys):
                    change = FileChange(path, "changed", x.size, y.size)
            if change is not None:
                yield change
                count += 1
                if count >= MAX_FILE_CHANGES:
                    return


def _changed(x: Node, x_keys: tuple[str, ...], y: Node, y_keys: tuple[str, ...]) -> bool:
    """A folder on one side only, other metadata (type, size, link, mode, owner), or a different
    mtime written by layers of different content (a rebuilt file of the same size)."""
    ea, eb = x.entry, y.entry
    if x.is_dir != y.is_dir or ea is None or eb is None:
        return x.is_dir != y.is_dir
    if (ea.kind, ea.size, ea.link, ea.mode, ea.uid, ea.gid) != (
        eb.kind,
        eb.size,
        eb.link,
        eb.mode,
        eb.uid,
        eb.gid,
    ):
        return True
    return _key(x_keys, x.layer) != _key(y_keys, y.layer) and ea.mtime != eb.mtime


def _key(keys: tuple[str, ...], layer: int) -> str | None:
    return keys[layer] if 0 <= layer < len(keys) else None
