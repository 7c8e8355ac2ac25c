"""The Files tab's work on the worker: an image's layers listed (the one asked for first, then
the layers below it, then the rest), their filesystem merged, paths found, a file previewed or
saved. `ImageFiles` keeps what arrived for the inspection on show and says so by signals; what
a job sends after the inspection changed is dropped."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from acr_desktop.registry.layer_entries import Change, LayerListing, TarEntry
from acr_desktop.ui.worker import Job, JobRunner

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.file_preview import Preview
    from acr_desktop.registry.file_read import FileRead
    from acr_desktop.registry.filesystem import Found, MergedFs
    from acr_desktop.registry.layer_stream import LayerSource
    from acr_desktop.registry.listing_cache import ListingCache

CHANNEL, FIND, READ, UNPACKED = "files", "files-find", "files-read", "files-unpacked"
MAX_FOUND = 10_000  # paths a Find lists (the rest are counted)
BYTES_EVERY = 0.1  # seconds between progress reports of one layer
Report = Callable[[object], None]


@dataclass(frozen=True)
class Batch:
    layer: int
    entries: list[TarEntry]


@dataclass(frozen=True)
class Bytes:
    layer: int
    done: int
    total: int


@dataclass(frozen=True)
class Listed:
    layer: int
    listing: LayerListing


@dataclass(frozen=True)
class Changes:
    layer: int
    changes: list[Change]


@dataclass(frozen=True)
class FindResult:
    pattern: str
    found: list[Found]
    total: int  # matches in all (more than `found` when past MAX_FOUND)
    layers: int  # layers searched that were read to their end
    rows: list[int] | None  # the matching rows of the layer shown, in tar order


@dataclass(frozen=True)
class Previewed:
    read: FileRead
    preview: Preview
    hex: str  # the hex view of a binary's first bytes ("" for text)


class LayerFailed(Exception):
    """Layer `layer` could not be listed: `error` says why (a RegistryError)."""

    def __init__(self, layer: int, error: BaseException) -> None:
        super().__init__(str(error))
        self.layer = layer
        self.error = error


def layer_sources(ins: Inspection, allow_urls: frozenset[int] = frozenset()) -> list[LayerSource]:
    """Where each layer of the image shown comes from (its diff_id from the config's rootfs);
    the layers in `allow_urls` fetched from their descriptors' `urls`."""
    from acr_desktop.registry.layer_stream import layer_sources as sources

    image, shown = ins.image_manifest, ins.image or ins.top
    diff_ids = ins.config.config.diff_ids if ins.config is not None else ()
    found = sources(shown.reference, image.layers, diff_ids) if image is not None else []
    return [replace(s, allow_urls=s.index in allow_urls) for s in found]


def default_client() -> RegistryClient:
    """A client of its own, for a Files tab not bound to a window's (tests, a lone inspector)."""
    from acr_desktop.ui.providers import new_client

    return new_client()


def _bytes_reporter(report: Report, layer: int) -> Callable[[int, int], None]:
    last = [0.0]

    def on_bytes(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= BYTES_EVERY or done >= total:
            last[0] = now
            report(Bytes(layer, done, total))

    return on_bytes


@dataclass(frozen=True)
class Plan:
    """What one listing job does: the layers' sources, the one wanted first, those already
    listed (not read again), and the disk cache's limit (None: its default)."""

    sources: list[LayerSource]
    first: int
    known: dict[int, LayerListing]
    cache_limit: int | None = None


def list_image(client: RegistryClient, plan: Plan, report: Report) -> MergedFs:
    """On the worker: list layer `first` (its entries reported as they arrive), then the layers
    below it (then `first`'s changes are known), then the rest; the merged filesystem."""
    from acr_desktop.registry.filesystem import MergedFs
    from acr_desktop.registry.listing_cache import ListingCache

    limit = plan.cache_limit
    cache = ListingCache() if limit is None else ListingCache(limit=limit)
    fs = MergedFs()
    listed: dict[int, LayerListing] = {}
    applied = 0  # layers applied to `fs`, base first
    first, sources = plan.first, plan.sources
    for n in [first, *range(first), *range(first + 1, len(sources))]:
        listing = plan.known.get(n) or _list_one(client, sources[n], n, cache, report)
        listed[n] = listing
        report(Listed(n, listing))
        while applied in listed:  # base first, as soon as the layers below are there
            report(Changes(applied, fs.apply(applied, listed[applied].entries)))
            applied += 1
    fs.node("")  # folder sizes are summed here, off the UI thread
    return fs


def _list_one(
    client: RegistryClient, source: LayerSource, n: int, cache: ListingCache, report: Report
) -> LayerListing:
    from acr_desktop.registry.errors import RegistryError
    from acr_desktop.registry.layer_listing import list_layer

    try:
        return list_layer(
            client,
            source,
            on_entries=lambda batch: report(Batch(n, list(batch))),
            on_bytes=_bytes_reporter(report, n),
            cache=cache,
        )
    except RegistryError as exc:
        raise LayerFailed(n, exc) from exc


def find_paths(
    pattern: str,
    layers: Sequence[Sequence[TarEntry]],
    shown: Sequence[TarEntry] | None,
    listed: int | None = None,
) -> FindResult:
    """On the worker: `pattern` (a glob) across `layers` (`listed` of them read to their end),
    and the rows of `shown` it matches."""
    from acr_desktop.registry.filesystem import find, glob_match

    found: list[Found] = []
    total = 0
    for hit in find(pattern, layers):
        total += 1
        if len(found) < MAX_FOUND:
            found.append(hit)
    rows = None
    if shown is not None:
        match = glob_match(pattern)
        rows = [n for n, e in enumerate(shown) if match(e.path)]
    return FindResult(pattern, found, total, len(layers) if listed is None else listed, rows)


def preview_file(client: RegistryClient, source: LayerSource, path: str) -> Previewed:
    """On the worker: the first bytes of `path` (the read stops there) made ready to show."""
    from acr_desktop.registry.file_preview import HEX_LIMIT, TEXT_LIMIT, hex_dump, preview
    from acr_desktop.registry.file_read import read_file

    read = read_file(client, source, path, limit=TEXT_LIMIT)
    shown = preview(read.data, read.entry.size)
    hexed = hex_dump(read.data[:HEX_LIMIT]) if shown.kind == "binary" else ""
    return Previewed(read, shown, hexed)


def unpacked_on_disk(digests: Sequence[str]) -> dict[str, int]:
    """On the worker: the unpacked size (the tar's bytes) of each layer listed on disk."""
    from acr_desktop.registry.listing_cache import ListingCache
    from acr_desktop.registry.operation import check_cancelled

    cache = ListingCache()
    found: dict[str, int] = {}
    for digest in digests:
        check_cancelled()
        integrity = (listing := cache.get(digest)) and listing.integrity
        if integrity:
            found[digest] = integrity.uncompressed_size
    return found


@dataclass
class LayerState:
    """What arrived for one layer."""

    entries: list[TarEntry] = field(default_factory=list)  # so far (the listing's, once done)
    listing: LayerListing | None = None
    changes: list[Change] | None = None
    done: int = 0  # compressed bytes read
    error: BaseException | None = None


class ImageFiles(QObject):
    """The files of the image on show, as they arrive; one listing job at a time.

    Signals:
    entries_added(int, object): layer n streamed a batch (a list of TarEntry).
    bytes_read(int): layer n read more bytes (its `state(n).done`).
    listed(int): layer n was read to its end (`state(n).listing`).
    changes_known(int): what layer n does to each path is known (`state(n).changes`).
    merged(): every layer is listed and applied (`fs`).
    failed(object): the job ended with this error (a LayerFailed says which layer).
    settled(): the listing job is over, whatever its end (finished, failed or stopped).
    """

    entries_added = Signal(int, object)
    bytes_read = Signal(int)
    listed = Signal(int)
    changes_known = Signal(int)
    merged = Signal()
    failed = Signal(object)
    settled = Signal()

    def __init__(
        self,
        runner: JobRunner,
        client: Callable[[], RegistryClient],
        prepare: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.client, self.prepare = runner, client, prepare
        self.inspection: Inspection | None = None
        self.sources: list[LayerSource] = []
        self.layers: list[LayerState] = []
        self.fs: MergedFs | None = None
        self.allow_urls: frozenset[int] = frozenset()
        self.cache_limit: int | None = None  # bytes the disk cache may take (None: its default)
        self._job: Job | None = None

    def show_inspection(self, ins: Inspection | None) -> None:
        """Forget the previous image (its jobs' answers are dropped from now on)."""
        self.stop()
        for channel in (FIND, READ):
            self.runner.cancel(channel)
        self.inspection = ins
        self.allow_urls = frozenset()
        self.sources = layer_sources(ins) if ins is not None else []
        self.layers = [LayerState() for _ in self.sources]
        self.fs = None

    def same_image(self, ins: Inspection) -> bool:
        """`ins` shows the layers on show (what was listed stays)."""
        shown = self.inspection
        if shown is None or ins.image_manifest is None or shown.image_manifest is None:
            return False
        here, there = shown.image or shown.top, ins.image or ins.top
        return (
            here.reference.registry == there.reference.registry
            and here.reference.repository == there.reference.repository
            and shown.image_manifest.layers == ins.image_manifest.layers
        )

    @property
    def busy(self) -> bool:
        return self._job is not None and self._job.running and not self._job.cancelled

    def state(self, layer: int) -> LayerState:
        return self.layers[layer]

    def complete(self) -> bool:
        return self.fs is not None

    def start(self, first: int, *, allow_urls: bool = False) -> None:
        """List the layers, `first` first (those listed already come from the disk cache)."""
        ins = self.inspection
        if ins is None or not 0 <= first < len(self.sources):
            return
        if allow_urls:
            self.allow_urls |= {first}
            self.sources = layer_sources(ins, self.allow_urls)
        known = {}
        for n, state in enumerate(self.layers):
            if state.listing is None:
                state.entries, state.done, state.error = [], 0, None
            else:
                known[n] = state.listing
        self.prepare(ins.reference.registry)
        client = self.client()
        plan = Plan(list(self.sources), first, known, self.cache_limit)
        job = self.runner.start(
            CHANNEL, lambda report: list_image(client, plan, report), with_progress=True
        )
        self._job = job
        job.progress.connect(lambda value: self._progress(job, value))
        job.returned.connect(lambda fs: self._merged(job, fs))
        job.errored.connect(lambda exc: self._failed(job, exc))
        job.settled.connect(lambda: self._settled(job))

    def stop(self) -> bool:
        """Stop listing; what arrived stays. False when nothing was running."""
        running = self.busy
        self.runner.cancel(CHANNEL)
        if running:
            self._job = None
            self.settled.emit()
        return running

    def _progress(self, job: Job, value: Any) -> None:
        if job is not self._job:
            return
        if isinstance(value, Batch):
            self.layers[value.layer].entries.extend(value.entries)
            self.entries_added.emit(value.layer, value.entries)
        elif isinstance(value, Bytes):
            self.layers[value.layer].done = value.done
            self.bytes_read.emit(value.layer)
        elif isinstance(value, Listed):
            state = self.layers[value.layer]
            state.listing = value.listing
            state.done = self.sources[value.layer].descriptor.size
            if len(state.entries) != len(value.listing.entries):  # a cache hit said it at once
                state.entries = list(value.listing.entries)
            self.listed.emit(value.layer)
        elif isinstance(value, Changes):
            self.layers[value.layer].changes = value.changes
            self.changes_known.emit(value.layer)

    def _merged(self, job: Job, fs: MergedFs) -> None:
        if job is self._job:
            self.fs = fs
            self.merged.emit()

    def _failed(self, job: Job, exc: BaseException) -> None:
        if job is self._job:
            if isinstance(exc, LayerFailed) and 0 <= exc.layer < len(self.layers):
                self.layers[exc.layer].error = exc.error
            self.failed.emit(exc)

    def _settled(self, job: Job) -> None:
        if job is self._job:
            self._job = None
            self.settled.emit()

    # -- one file ------------------------------------------------------------------------------
    def preview(self, layer: int, path: str) -> Job | None:
        """Read the start of `path` in layer `layer` (answers a Previewed, or an error)."""
        if self.inspection is None or not 0 <= layer < len(self.sources):
            return None
        self.prepare(self.inspection.reference.registry)
        client, source = self.client(), self.sources[layer]
        return self.runner.start(READ, lambda: preview_file(client, source, path))

    def save(self, layer: int, path: str, destination: Path, report: Report | None = None) -> Job:
        """Write only `path` of layer `layer` to `destination` (answers the bytes written)."""
        from acr_desktop.registry.file_read import save_file

        assert self.inspection is not None
        self.prepare(self.inspection.reference.registry)
        client, source = self.client(), self.sources[layer]

        def work(report: Report) -> int:
            return save_file(
                client, source, path, destination, on_bytes=lambda d, t: report((d, t))
            )

        return self.runner.start(READ, work, with_progress=True)

    def find(self, pattern: str, shown_layer: int | None) -> Job:
        """Find `pattern` in every layer listed so far (answers a FindResult)."""
        layers = [tuple(s.entries) for s in self.layers]
        shown = layers[shown_layer] if shown_layer is not None else None
        listed = sum(1 for s in self.layers if s.listing is not None)
        return self.runner.start(FIND, lambda: find_paths(pattern, layers, shown, listed))
