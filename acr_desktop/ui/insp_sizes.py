"""Download sizes of an index's entries in the window: one job on channel "sizes" for the index
listed (started when it is shown, superseded when another is, cancelled when the person moves
to another reference), its answers put into the platforms table in batches as they arrive,
and every image's size kept by digest across inspects. Also the words of the two size cells."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import RegistryError
from acr_desktop.text import format_size, plural

if TYPE_CHECKING:
    from acr_desktop.registry.client import FetchedManifest, RegistryClient
    from acr_desktop.registry.manifest import Descriptor, ImageIndex
    from acr_desktop.sizes import ImageSize, IndexSizes
    from acr_desktop.ui.worker import Job, JobRunner

CHANNEL = "sizes"
BATCH_MS = 100  # answers arriving within this are shown together (one repaint, one re-sort)
KNOWN_LIMIT = 20_000  # image sizes kept by digest, the oldest dropped first
SIZES_TIMEOUT = 120.0  # seconds one index's sizes may take in all
MEASURE_LIMIT = (
    256  # platforms measured by themselves; a bigger index would cost that many requests
)
DOWNLOAD_TIP = (
    "Download size: what pulling this platform's image downloads — the config and every layer, "
    "compressed, as the registry stores them (layers shared with other platforms are counted "
    "in each). Not the size unpacked on disk."
)
LAYERS_TIP = "Layers: how many layers the platform's image has (from its manifest)."
MANIFEST_TIP = (
    "Manifest bytes: the size of this entry's manifest document (the JSON describing the "
    "image), not of the image itself. See Download size."
)

ALL_PLATFORMS_TIP = (
    "Download sizes of the platforms listed: the range, the layers all of them share, and what "
    "pulling every platform downloads (shared layers counted once). Each is the config and every "
    "layer, compressed, as the registry stores them."
)


class SizeCells(NamedTuple):
    download: str
    layers: str
    tip: str | None  # for both cells
    download_bytes: int | None  # to sort on
    layer_count: int | None


def measured(d: Descriptor) -> bool:
    """Whether an entry gets a download size: an image of its own (not an attestation or a
    builder record about another entry, not a nested index)."""
    return not d.is_reference and d.media_type not in mt.INDEX_TYPES


def size_cells(d: Descriptor, answer: ImageSize | str | None, measuring: bool) -> SizeCells:
    """The "Download size" and "Layers" cells of entry `d`: "…" while measuring, the size, a
    warning with the sentence in the tooltip, or "—" with why there is none."""
    if d.is_reference:
        why = "An attestation or record about another entry: not an image to pull on its own."
        return SizeCells("—", "—", why, None, None)
    if d.media_type in mt.INDEX_TYPES:
        why = "A nested index: open it to see the sizes of its platforms."
        return SizeCells("—", "—", why, None, None)
    if isinstance(answer, str):
        return SizeCells("⚠ unknown", "—", f"Download size unknown: {answer}", None, None)
    if answer is None:
        if measuring:
            return SizeCells("…", "…", "Measuring: fetching this entry's manifest…", None, None)
        return SizeCells("—", "—", "Not measured.", None, None)
    return _measured(answer)


def _measured(answer: ImageSize) -> SizeCells:
    size = f"{answer.download:,} bytes to download"
    if not answer.layers_known:
        tip = f"{size} (ACR's image size for this manifest; it does not list the layers)."
        return SizeCells(format_size(answer.download), "—", tip, answer.download, None)
    config = f"{answer.config_size:,} bytes" if answer.config_size is not None else "—"
    tip = (
        f"{size}: the config ({config}) and {plural(answer.layer_count, 'layer')}, "
        "compressed, as the registry stores them."
    )
    count = answer.layer_count
    return SizeCells(format_size(answer.download), f"{count:,}", tip, answer.download, count)


class SizedTable(Protocol):
    def set_sizes(self, sizes: Mapping[str, ImageSize | str], *, measuring: bool) -> None: ...


class PlatformSizes(QObject):
    """Measures the index listed and hands its answers to `table` (the platforms model).

    Signals:
    changed(): the sizes of the index listed changed (a batch arrived, or the job ended).
    """

    changed = Signal()

    def __init__(self, table: SizedTable, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self._runner: JobRunner | None = None
        self._client: Callable[[], RegistryClient] | None = None
        self._prepare: Callable[[str], None] = lambda _registry: None
        self._known: OrderedDict[str, ImageSize] = OrderedDict()  # every index, by digest
        self.index: FetchedManifest | None = None  # the index listed
        self._answers: dict[str, ImageSize | str] = {}  # its entries' answers so far
        self._job: Job | None = None
        self._complete = False
        self._failure: str | None = None  # why the job ended without an answer
        self._pending: list[tuple[str, ImageSize | str]] = []
        self._batch = QTimer(self)
        self._batch.setSingleShot(True)
        self._batch.setInterval(BATCH_MS)
        self._batch.timeout.connect(self._flush)

    def bind(
        self,
        runner: JobRunner,
        client: Callable[[], RegistryClient],
        prepare: Callable[[str], None],
    ) -> None:
        """Use the window's worker, client and sign-in (credentials handed before the job)."""
        self._runner, self._client, self._prepare = runner, client, prepare

    @property
    def measuring(self) -> bool:
        return self._job is not None and not self._job.cancelled

    def show(self, index: FetchedManifest | None) -> None:
        """Size the entries of `index` (the index listed; None: no index listed). The same
        index again keeps its job or its answers; sizes known from before show at once."""
        same = index is not None and self.index is not None and index.digest == self.index.digest
        if same and (self._complete or self.measuring):
            self._table.set_sizes(self._answers, measuring=self.measuring)
            return
        self.stop()
        self.index, self._answers, self._complete, self._failure = index, {}, False, None
        wanted = self._wanted()
        for digest in wanted:
            if digest in self._known:
                self._answers[digest] = self._known[digest]
        self._complete = index is not None and len(self._answers) == len(wanted)
        if index is not None and not self._complete and self._runner is not None:
            if len(wanted) <= MEASURE_LIMIT:
                self._start(index)
            else:
                self._failure = f"more than {MEASURE_LIMIT:,} platforms are not measured one by one"
        self._table.set_sizes(self._answers, measuring=self.measuring)
        self.changed.emit()

    def stop(self) -> None:
        """Cancel the job (what arrived stays); `show` of the same index starts it again."""
        job, self._job = self._job, None
        if job is None:
            return
        if self._runner is not None:
            self._runner.cancel(CHANNEL)
        self._flush()
        self._table.set_sizes(self._answers, measuring=False)
        self.changed.emit()

    def _wanted(self) -> list[str]:
        index = self._listed()
        entries = index.manifests if index is not None else ()
        return list(dict.fromkeys(d.digest for d in entries if measured(d)))

    def _listed(self) -> ImageIndex | None:
        from acr_desktop.registry.manifest import ImageIndex

        manifest = self.index.manifest if self.index is not None else None
        return manifest if isinstance(manifest, ImageIndex) else None

    def _start(self, index: FetchedManifest) -> None:
        assert self._runner is not None and self._client is not None
        self._prepare(index.reference.registry)
        client = self._client()

        def work(report: Callable[[object], None]) -> IndexSizes:
            from acr_desktop.sizes import index_sizes

            return index_sizes(client, index, report=lambda d, a: report((d, a)))

        job = self._runner.start(CHANNEL, work, with_progress=True, timeout=SIZES_TIMEOUT)
        job.progress.connect(lambda item, j=job: self._arrived(j, item))
        job.returned.connect(lambda result, j=job: self._returned(j, result))
        job.errored.connect(lambda exc, j=job: self._errored(j, exc))
        job.settled.connect(lambda j=job: self._settled(j))
        self._job = job

    def _arrived(self, job: Job, item: tuple[str, ImageSize | str]) -> None:
        if job is self._job:
            self._pending.append(item)
            if not self._batch.isActive():
                self._batch.start()

    def _flush(self) -> None:
        self._batch.stop()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        for digest, answer in pending:
            self._answers[digest] = answer
            if not isinstance(answer, str):
                self._known[digest] = answer
                self._known.move_to_end(digest)
        while len(self._known) > KNOWN_LIMIT:
            self._known.popitem(last=False)
        self._table.set_sizes(self._answers, measuring=self.measuring)
        self.changed.emit()

    def _returned(self, job: Job, result: IndexSizes) -> None:
        if job is self._job:
            self._pending += [*result.sizes.items(), *result.problems.items()]
            self._complete, self._job = True, None
            self._flush()

    def _errored(self, job: Job, exc: BaseException) -> None:
        if job is self._job:
            why = exc.sentence if isinstance(exc, RegistryError) else type(exc).__name__
            self._failure = f"stopped: {why}"
            self._job = None
            self._flush()

    def _settled(self, job: Job) -> None:
        if job is self._job:  # cancelled: what arrived stays, the rest is "not measured"
            self._job = None
            self._flush()
            self._table.set_sizes(self._answers, measuring=False)
            self.changed.emit()

    # -- what is known -------------------------------------------------------------------------
    def sizes_for(self, index: FetchedManifest) -> IndexSizes | None:
        """What is known of `index`'s entries (complete or not), or None when nothing is."""
        from acr_desktop.registry.manifest import ImageIndex
        from acr_desktop.sizes import ImageSize, IndexSizes

        if self.index is not None and index.digest == self.index.digest:
            answers: Mapping[str, ImageSize | str] = self._answers
        elif isinstance(index.manifest, ImageIndex):
            entries = (d.digest for d in index.manifest.manifests)
            answers = {d: self._known[d] for d in entries if d in self._known}
        else:
            return None
        if not answers:
            return None
        sizes = {d: a for d, a in answers.items() if isinstance(a, ImageSize)}
        return IndexSizes(sizes, {d: a for d, a in answers.items() if isinstance(a, str)})

    def summary(self) -> str | None:
        """The line for the summary: the range and what is shared once measured, how far it is
        while measuring, why it stopped; None when there is nothing to measure."""
        index, wanted = self._listed(), self._wanted()
        if index is None or self.index is None or not wanted:
            return None
        if self._runner is None and not self._answers:
            return None  # nothing measures here (no worker): say nothing rather than "unknown"
        if self.measuring:
            done = sum(1 for d in wanted if d in self._answers)
            what = plural(len(wanted), "platform")
            return f"Measuring the download sizes of {what}… ({done:,} so far)"
        known = self.sizes_for(self.index)
        if known is None:
            return f"Download sizes not measured{': ' + self._failure if self._failure else '.'}"
        line = known.summary(index)
        return f"{line} — {self._failure}" if self._failure else line
