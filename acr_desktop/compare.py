"""Compare two references: per platform (matched by os/arch/variant) the layers side by side, the
config's differences, the history and, when listings are known, the files. For the window and the
CLI alike; each digest fetched at most once (client.cache); one digest on both sides: 2 requests."""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.client import FetchedManifest, RegistryClient
from acr_desktop.registry.errors import DigestMismatch, RegistryError
from acr_desktop.registry.image_config import HistoryStep, ImageConfig
from acr_desktop.registry.image_diff import (
    MAX_FILE_CHANGES,
    FieldChange,
    FileChange,
    FileState,
    LayerPair,
    LayerState,
    config_changes,
    file_changes,
    image_fs,
    pair_layers,
    take,
)
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest
from acr_desktop.registry.operation import current_operation
from acr_desktop.registry.platforms import Platform, normalize
from acr_desktop.registry.reference import Reference
from acr_desktop.text import plural

if TYPE_CHECKING:
    from acr_desktop.registry.layer_listing import ListingStore

MAX_PLATFORMS = 64  # platform pairs compared (a hostile index may list thousands)
CONCURRENCY = 4  # platforms fetched at once


class NotComparable(RegistryError):
    """One side is neither an image nor an index (schema 1, an unknown type)."""


@dataclass(frozen=True)
class PlatformComparison:
    """One platform (or the two plain images) compared."""

    label: str  # "linux/amd64", or "image" for two plain images
    left: FetchedManifest | None  # None: only on the other side (or it could not be fetched)
    right: FetchedManifest | None
    left_config: ImageConfig | None
    right_config: ImageConfig | None
    layers: tuple[LayerPair, ...]  # the left's layers with their match, then the added ones
    config_changes: tuple[FieldChange, ...]
    left_history: tuple[HistoryStep, ...]
    right_history: tuple[HistoryStep, ...]
    files: tuple[FileChange, ...] | None  # None: no listings available
    problems: tuple[str, ...]

    @property
    def identical(self) -> bool:
        """The same manifest on both sides."""
        left, right = self.left, self.right
        return left is not None and right is not None and left.digest == right.digest

    @property
    def size_delta(self) -> int:
        """Right download size minus left (config + layers, compressed)."""
        return _download(self.right) - _download(self.left)


@dataclass(frozen=True)
class Comparison:
    left_ref: Reference
    right_ref: Reference
    left: FetchedManifest
    right: FetchedManifest
    identical: bool  # same digest: nothing more fetched
    platforms: tuple[PlatformComparison, ...]
    only_left: tuple[str, ...]  # platform labels present on one side only
    only_right: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Pair:
    """What to compare: each side's top manifest and its index entry (None: the top itself)."""

    label: str
    left: FetchedManifest
    left_entry: Descriptor | None
    right: FetchedManifest
    right_entry: Descriptor | None


def _download(fetched: FetchedManifest | None) -> int:
    if fetched is None or not isinstance(fetched.manifest, ImageManifest):
        return 0
    return fetched.manifest.total_size


def compare(  # noqa: PLR0913 - the shared API: two references and three options
    client: RegistryClient,
    left: Reference,
    right: Reference,
    *,
    platform: Platform | None = None,
    files: bool = False,
    report: Callable[[str], None] | None = None,
) -> Comparison:
    """Compare `left` with `right`. Typed errors when a top manifest cannot be fetched or a
    platform asked for is missing; what goes wrong for one platform is in its `problems`.
    `files`: list the layers (streamed, cached) to compare files; else only cached listings.
    `report` hears what is being fetched (from helper threads too)."""
    say = report or (lambda _text: None)
    say(f"Fetching {left}")
    lf = client.get_manifest(left)
    say(f"Fetching {right}")
    rf = client.get_manifest(right)
    if lf.digest == rf.digest:  # nothing more to fetch
        return Comparison(left, right, lf, rf, True, (), (), (), ())
    notes: list[str] = []
    pairs, only_left, only_right = _pairs(client, lf, rf, platform, notes)
    if len(pairs) > MAX_PLATFORMS:
        notes.append(f"The first {MAX_PLATFORMS} of {len(pairs)} platforms are compared.")
        pairs = pairs[:MAX_PLATFORMS]
    compared = _compare_all(client, pairs, files, say)
    return Comparison(left, right, lf, rf, False, compared, only_left, only_right, tuple(notes))


def _pairs(
    client: RegistryClient,
    lf: FetchedManifest,
    rf: FetchedManifest,
    wanted: Platform | None,
    notes: list[str],
) -> tuple[list[_Pair], tuple[str, ...], tuple[str, ...]]:
    lm, rm = lf.manifest, rf.manifest
    for side in (lf, rf):
        if not isinstance(side.manifest, ImageManifest | ImageIndex):
            raise NotComparable(
                f"{side.reference} is a {mt.plain_name(side.media_type)}: only images and "
                "indexes are compared."
            )
    if isinstance(lm, ImageIndex) and isinstance(rm, ImageIndex) and wanted is None:
        return _match(lf, lm, rf, rm, notes)
    if isinstance(lm, ImageManifest) and isinstance(rm, ImageManifest):
        if wanted is not None:
            notes.append("Both references are single images: --platform does not apply.")
        return [_Pair("image", lf, None, rf, None)], (), ()
    if wanted is None:  # an image and an index: the index's entry for the image's platform
        image, index = (lf, rf) if isinstance(lm, ImageManifest) else (rf, lf)
        wanted = _image_platform(client, image, notes)
        notes.append(
            f"{image.reference} is a single image ({wanted.display()}); it is compared with "
            f"the entry of {index.reference} for its platform."
        )
    le = _pick(lf, lm, wanted) if isinstance(lm, ImageIndex) else None
    re_ = _pick(rf, rm, wanted) if isinstance(rm, ImageIndex) else None
    entry = le or re_
    assert entry is not None
    return [_Pair(_label(entry), lf, le, rf, re_)], (), ()


def _pick(top: FetchedManifest, index: ImageIndex, wanted: Platform) -> Descriptor:
    found = index.find_platform(wanted)
    if found is None:
        from acr_desktop.inspection import NoSuchPlatform

        raise NoSuchPlatform(top.reference, wanted, index.real_platforms)
    return found


def _image_platform(client: RegistryClient, image: FetchedManifest, notes: list[str]) -> Platform:
    """The platform a plain image says it is (its config); this computer's if it says none."""
    from acr_desktop.inspection import default_platform

    assert isinstance(image.manifest, ImageManifest)
    try:
        cfg = client.get_config(image.reference, image.manifest.config).config
    except RegistryError as exc:
        notes.append(f"{exc.sentence} This computer's platform is compared instead.")
        return default_platform()
    if not cfg.os or not cfg.architecture:
        return default_platform()
    return Platform(cfg.os, cfg.architecture, cfg.variant, cfg.os_version)


def _label(entry: Descriptor) -> str:
    return entry.platform.display() if entry.platform is not None else entry.digest


def _match(
    lf: FetchedManifest, lm: ImageIndex, rf: FetchedManifest, rm: ImageIndex, notes: list[str]
) -> tuple[list[_Pair], tuple[str, ...], tuple[str, ...]]:
    """Pair the platform entries: same os/arch/variant (normalised as containerd does), the same
    OS version (then build) preferred. Linear: a queue per key, entries taken once."""
    lefts = [d for d in lm.manifests if d.kind == "platform" and d.platform]
    rights = [d for d in rm.manifests if d.kind == "platform" and d.platform]
    skipped = len(lm.manifests) - len(lefts) + len(rm.manifests) - len(rights)
    if skipped:
        what = plural(skipped, "index entry that is not a platform image", "index entries that "
                      "are not platform images")  # fmt: skip
        notes.append(f"{what} (attestations, build records, nested indexes…) not compared.")
    used: set[int] = set()
    match: list[int | None] = [None] * len(lefts)
    for tier in range(3):  # every entry's best match first, then the next best for the rest
        queues: dict[tuple[str, ...], deque[int]] = {}
        for i, d in enumerate(rights):
            queues.setdefault(_keys(d)[tier], deque()).append(i)
        for n, d in enumerate(lefts):
            if match[n] is None:
                match[n] = take(queues.get(_keys(d)[tier]), used)
    pairs: list[_Pair] = []
    only_left: list[str] = []
    labels: dict[str, int] = {}
    for d, found in zip(lefts, match, strict=True):
        label = _unique(_label(d), labels)
        if found is None:
            only_left.append(label)
        else:
            pairs.append(_Pair(label, lf, d, rf, rights[found]))
    only_right = [_unique(_label(d), labels) for i, d in enumerate(rights) if i not in used]
    return pairs, tuple(only_left), tuple(only_right)


def _keys(entry: Descriptor) -> tuple[tuple[str, ...], ...]:
    """Best first: the same OS version, the same build (major.minor.build), the same name."""
    assert entry.platform is not None
    name, version = normalize(entry.platform), entry.platform.os_version or ""
    return (*name, version), (*name, ".".join(version.split(".")[:3])), name


def _unique(label: str, seen: dict[str, int]) -> str:
    """`label`, else `label #2`, `label #3` … (an index may list a platform twice)."""
    seen[label] = n = seen.get(label, 0) + 1
    return label if n == 1 else f"{label} #{n}"


def _compare_all(
    client: RegistryClient, pairs: list[_Pair], files: bool, say: Callable[[str], None]
) -> tuple[PlatformComparison, ...]:
    """Each pair on a helper thread (a few at once), in the job's context: its cancel and
    deadline reach them. Results in the pairs' order."""
    if len(pairs) <= 1:
        return tuple(_compare_pair(client, p, files, say) for p in pairs)
    pool = ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(pairs)))
    futures: list[Future[PlatformComparison]] = []
    try:
        for p in pairs:
            context = contextvars.copy_context()
            futures.append(pool.submit(context.run, _compare_pair, client, p, files, say))
        return tuple(f.result() for f in futures)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _compare_pair(
    client: RegistryClient, pair: _Pair, files: bool, say: Callable[[str], None]
) -> PlatformComparison:
    say(f"Comparing {pair.label}")
    problems: list[str] = []
    left, right = _side(client, pair, "left", problems), _side(client, pair, "right", problems)
    lcfg = _config(client, left, "left", problems)
    rcfg = _config(client, right, "right", problems)
    lman, rman = _image(left), _image(right)
    layers: tuple[LayerPair, ...] = ()
    if lman is not None and rman is not None:
        ids = (lcfg.diff_ids if lcfg else (), rcfg.diff_ids if rcfg else ())
        layers = pair_layers(lman.layers, rman.layers, *ids)
    changes: tuple[FieldChange, ...] = ()
    if lcfg is not None and rcfg is not None and lman is not None and rman is not None:
        changes = config_changes(lcfg, rcfg, lman.annotations, rman.annotations)
    pc = PlatformComparison(
        pair.label, left, right, lcfg, rcfg, layers, changes,
        lcfg.history if lcfg else (), rcfg.history if rcfg else (), None, (),
    )  # fmt: skip
    try:
        found = compare_files(client, pc, cached_only=not files)
    except RegistryError as exc:
        _problem(exc, problems, f"Files not compared: {exc.sentence}")
        found = None
    if found is not None and len(found) >= MAX_FILE_CHANGES:
        problems.append(f"More than {MAX_FILE_CHANGES:,} paths differ; the first are listed.")
    return replace(pc, files=found, problems=tuple(problems))


def _side(
    client: RegistryClient, pair: _Pair, side: str, problems: list[str]
) -> FetchedManifest | None:
    top, entry = (pair.left, pair.left_entry) if side == "left" else (pair.right, pair.right_entry)
    try:
        return top if entry is None else client.get_child(top.reference, entry)
    except RegistryError as exc:
        _problem(exc, problems, f"The {side} side: {exc.sentence}")
        return None


def _problem(exc: RegistryError, problems: list[str], sentence: str) -> None:
    """What could not be fetched is noted; what fails verification ends the compare, and so
    does the operation's end (cancel, deadline): a timeout is not "a part is missing"."""
    op = current_operation()
    if isinstance(exc, DigestMismatch) or (op is not None and op.over):
        raise exc
    problems.append(sentence)


def _image(fetched: FetchedManifest | None) -> ImageManifest | None:
    return fetched.manifest if fetched and isinstance(fetched.manifest, ImageManifest) else None


def _config(
    client: RegistryClient, fetched: FetchedManifest | None, side: str, problems: list[str]
) -> ImageConfig | None:
    if fetched is None:
        return None
    manifest = _image(fetched)
    if manifest is None:
        what = mt.plain_name(fetched.media_type)
        problems.append(f"The {side} side is a {what}, not an image: nothing to compare in it.")
        return None
    if manifest.config.media_type not in mt.IMAGE_CONFIG_TYPES:
        return None  # an artifact: its config is not an image's
    try:
        return client.get_config(fetched.reference, manifest.config).config
    except RegistryError as exc:
        _problem(exc, problems, f"The {side} side's config: {exc.sentence}")
        return None


def compare_files(
    client: RegistryClient,
    pc: PlatformComparison,
    *,
    cached_only: bool = True,
    cache: ListingStore | None = None,
) -> tuple[FileChange, ...] | None:
    """Paths added, removed and changed between the two images' filesystems (at most
    MAX_FILE_CHANGES). `cached_only`: from listings already in the cache (None unless every
    layer of both is there); else the missing layers are listed (streamed, then cached)."""
    from acr_desktop.registry.layer_stream import layer_sources

    lman, rman = _image(pc.left), _image(pc.right)
    if pc.left is None or pc.right is None or lman is None or rman is None:
        return None
    if cache is None:
        from acr_desktop.registry.listing_cache import ListingCache

        cache = ListingCache()
    sides = []
    for fetched, man, cfg in ((pc.left, lman, pc.left_config), (pc.right, rman, pc.right_config)):
        sources = layer_sources(fetched.reference, man.layers, cfg.diff_ids if cfg else ())
        fs = image_fs(client, sources, cache, cached_only=cached_only)
        if fs is None:
            return None
        sides.append(fs)
    return file_changes(*sides)


__all__ = ["MAX_FILE_CHANGES", "Comparison", "FieldChange", "FileChange", "FileState",
           "LayerPair", "LayerState", "NotComparable", "PlatformComparison", "compare",
           "compare_files", "config_changes", "pair_layers"]  # fmt: skip
