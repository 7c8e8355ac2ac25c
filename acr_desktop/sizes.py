"""Download sizes per platform: what a pull of each image of an index costs (config and every
layer, compressed, as the registry stores them), which layers the platforms share, and the
total for all of them. From the child manifests, or on ACR from `/acr/v1/<repo>/_manifests`."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from acr_desktop.registry import errors
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest
from acr_desktop.registry.operation import check_cancelled, current_operation
from acr_desktop.registry.redaction import quotable
from acr_desktop.text import format_size, plural, short_digest

if TYPE_CHECKING:
    from acr_desktop.registry.acr import ManifestInfo
    from acr_desktop.registry.client import FetchedManifest, RegistryClient

SIZE_WORDS = "Download size: the config and every layer, compressed, as the registry stores them"
ACR_SIZE_PAGES = 5  # pages of ACR's manifest list read for sizes before the manifests are asked
MAX_PLAUSIBLE_SIZE = 2**53  # bytes: a larger "imageSize" from a server is not believed
MAX_MEASURED = 512  # platform entries sized per index: a hostile index may list 20,000
NESTED = "A nested index, not an image: its platforms are sized on their own."
Report = Callable[[str, "ImageSize | str"], None]


@dataclass(frozen=True)
class ImageSize:
    """What pulling one image downloads. `layer_count` is 0 and `layer_digests` empty when the
    size came from ACR's metadata (`source == "acr"`): ACR says the total, not the layers."""

    digest: str  # the image manifest's digest
    download: int  # config.size + sum(layer sizes): compressed, as stored
    layer_count: int
    layer_digests: tuple[str, ...]  # () when the size came from ACR metadata
    config_size: int | None  # None from ACR metadata
    source: str  # "manifest" or "acr"
    layer_sizes: tuple[int, ...] = ()  # alongside layer_digests

    @property
    def layers_known(self) -> bool:
        """Whether layer_count / layer_digests say anything (they do for manifest sizes)."""
        return self.source == "manifest"


def image_size(digest: str, manifest: ImageManifest) -> ImageSize:
    """The download size of one image manifest (received with `digest`)."""
    return ImageSize(
        digest=digest,
        download=manifest.total_size,
        layer_count=len(manifest.layers),
        layer_digests=tuple(layer.digest for layer in manifest.layers),
        config_size=manifest.config.size,
        source="manifest",
        layer_sizes=tuple(layer.size for layer in manifest.layers),
    )


@dataclass(frozen=True)
class IndexSizes:
    """The sizes of an index's platform entries, by entry digest, and why any is missing."""

    sizes: Mapping[str, ImageSize]  # entry digest -> size (platform entries only)
    problems: Mapping[str, str]  # entry digest -> sentence (not found, not an image…)
    _layer_bytes: dict[str, int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for size in self.sizes.values():
            for digest, length in zip(size.layer_digests, size.layer_sizes, strict=False):
                self._layer_bytes.setdefault(digest, length)

    def shared(self) -> tuple[str, ...]:
        """Layer digests in every measured platform (in the first one's order); () with fewer
        than two platforms measured or any size without its layers (ACR metadata)."""
        measured = list(self.sizes.values())
        if len(measured) < 2 or not all(s.layers_known for s in measured):
            return ()
        common = set(measured[0].layer_digests)
        for size in measured[1:]:
            common &= set(size.layer_digests)
        return tuple(dict.fromkeys(d for d in measured[0].layer_digests if d in common))

    def union_download(self) -> int:
        """Bytes to download for all measured platforms, each layer once (configs each once;
        a size from ACR metadata, whose layers are unknown, counts whole)."""
        total = 0
        for size in self.sizes.values():
            total += (size.config_size or 0) if size.layers_known else size.download
        return total + sum(self._layer_bytes.values())

    def summary(self, index: ImageIndex) -> str:
        """One line: "3 platforms: 28.1 MB – 31.4 MB to download each; 2 layers (25.2 MB)
        shared by all; 34.9 MB for all platforms together (shared layers counted once)"."""
        entries = [d for d in _entries(index) if d.media_type not in mt.INDEX_TYPES]
        measured = [self.sizes[d.digest] for d in entries if d.digest in self.sizes]
        if not measured:
            if not entries:
                return "No platforms to measure."
            return f"Download size unknown for {plural(len(entries), 'platform')}."
        low = min(s.download for s in measured)
        high = max(s.download for s in measured)
        count = len(measured)
        head = (
            plural(count, "platform")
            if count == len(entries)
            else f"{count:,} of {plural(len(entries), 'platform')}"
        )
        each = " each" if count > 1 else ""
        low_text, high_text = format_size(low), format_size(high)
        # 1,401 B and 1,420 B are both "1.4 kB": one figure, not "1.4 kB – 1.4 kB"
        span = low_text if low_text == high_text else f"{low_text} – {high_text}"
        if low != high and low_text == high_text:
            span = f"about {span}"
        parts = [f"{head}: {span} to download{each}"]
        shared = self.shared()
        if shared:
            shared_bytes = sum(self._layer_bytes.get(d, 0) for d in shared)
            parts.append(
                f"{plural(len(shared), 'layer')} ({format_size(shared_bytes)}) shared by all"
            )
        if count > 1 and all(s.layers_known for s in measured):
            parts.append(
                f"{format_size(self.union_download())} for all platforms together "
                "(shared layers counted once)"
            )
        missing = len(entries) - count
        if missing:
            parts.append(f"{plural(missing, 'platform')} not measured")
        return "; ".join(parts)


def _entries(index: ImageIndex) -> list[Descriptor]:
    """The entries worth a size: platforms and other entries in their own right (attestations
    and builder records left out), each digest once."""
    return list({d.digest: d for d in index.platforms}.values())


def index_sizes(
    client: RegistryClient,
    top: FetchedManifest,
    *,
    report: Report | None = None,
    concurrency: int = 6,
    use_acr: bool = True,
) -> IndexSizes:
    """The download size of each platform entry of the index `top` (attestations skipped),
    reported (`report(entry_digest, size_or_sentence)`, on the calling thread) as each
    arrives. Each child manifest is fetched at most once (`client.cache`); on an Azure
    registry (`client.answers_acr`) whose token has `metadata_read`, sizes come from
    `/acr/v1/<repo>/_manifests` (a few pages) first, and the manifests are asked only for
    what ACR did not answer. At most MAX_MEASURED entries are fetched (the rest get a
    sentence). Cancel and deadline of the current operation are honoured (Cancelled /
    RegistryTimeout)."""
    index = top.manifest
    if not isinstance(index, ImageIndex):
        raise ValueError("index_sizes needs an index")
    sizes: dict[str, ImageSize] = {}
    problems: dict[str, str] = {}

    def tell(digest: str, answer: ImageSize | str) -> None:
        if isinstance(answer, ImageSize):
            sizes[digest] = answer
        else:
            problems[digest] = answer
        if report is not None:
            report(digest, answer)

    wanted: list[Descriptor] = []
    for entry in _entries(index):
        if entry.media_type in mt.INDEX_TYPES:
            tell(entry.digest, NESTED)
        else:
            wanted.append(entry)
    beyond, wanted = wanted[MAX_MEASURED:], wanted[:MAX_MEASURED]
    ref = top.reference
    if wanted and use_acr and client.answers_acr(ref.registry):
        for digest, size in _acr_sizes(client, ref.registry, ref.repository, wanted).items():
            tell(digest, size)
        wanted = [e for e in wanted if e.digest not in sizes]
    check_cancelled()
    if wanted:
        _fetch_sizes(client, top, wanted, tell, max(1, concurrency))
    for entry in beyond:
        tell(entry.digest, f"Not measured: only the first {MAX_MEASURED:,} platforms are sized.")
    return IndexSizes(sizes, problems)


def _fetch_sizes(
    client: RegistryClient,
    top: FetchedManifest,
    entries: list[Descriptor],
    tell: Callable[[str, ImageSize | str], None],
    concurrency: int,
) -> None:
    """Fetch the entries' manifests, `concurrency` at a time, each sub-thread in a copy of the
    caller's context (so the operation's cancel and deadline reach its requests)."""
    ref = top.reference

    def measure(entry: Descriptor) -> ImageSize | str:
        check_cancelled()
        try:
            fetched = client.get_child(ref, entry)
        except errors.RegistryError as exc:
            if _over():  # past the deadline: the whole measure ends, not just this entry
                raise
            return exc.sentence
        if isinstance(fetched.manifest, ImageManifest):
            return image_size(fetched.digest, fetched.manifest)
        kind = type(fetched.manifest).__name__
        what = {"ImageIndex": "an index", "Schema1Manifest": "a schema 1 manifest"}.get(
            kind, f"a manifest of type {quotable(fetched.media_type, limit=80)}"
        )
        return f"{short_digest(entry.digest)} is {what}, not an image with layers."

    if concurrency == 1 or len(entries) == 1:
        for entry in entries:
            tell(entry.digest, measure(entry))
        return
    pool = ThreadPoolExecutor(min(concurrency, len(entries)), thread_name_prefix="acr-sizes")
    pending: dict[Future[ImageSize | str], str] = {}
    try:
        for entry in entries:
            context = contextvars.copy_context()
            pending[pool.submit(context.run, measure, entry)] = entry.digest
        while pending:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            check_cancelled()
            for future in done:
                tell(pending.pop(future), future.result())
    finally:
        # On cancel: drop what has not started; what runs is ended by the operation's watchdog.
        pool.shutdown(wait=False, cancel_futures=True)


def _acr_sizes(
    client: RegistryClient, registry: str, repository: str, entries: list[Descriptor]
) -> dict[str, ImageSize]:
    """Sizes ACR's manifest metadata gives for `entries` (newest first, at most ACR_SIZE_PAGES
    pages, stopping once all are found); {} when the metadata cannot be read (no
    `metadata_read`, not really ACR): the manifests answer then."""
    wanted = {e.digest for e in entries}
    found: dict[str, ImageSize] = {}
    pages = client.iter_acr_manifests(registry, repository)
    try:
        for number, page in enumerate(pages, 1):
            for info in page:
                size = _acr_size(info) if info.digest in wanted else None
                if size is not None:
                    found.setdefault(info.digest, size)
            if len(found) == len(wanted) or number >= ACR_SIZE_PAGES:
                break
    except errors.RegistryError:  # refused (no metadata_read), not there, garbage, unreachable
        if _over():
            raise
        # what was found so far stands; the manifests answer for the rest (or say why not)
    return found


def _over() -> bool:
    """Whether the current operation is cancelled or past its deadline."""
    op = current_operation()
    return op is not None and op.over


def _acr_size(info: ManifestInfo) -> ImageSize | None:
    """An image's size from ACR metadata, if believable (an image, a sane number)."""
    size = info.image_size
    if size is None or size < 0 or size > MAX_PLAUSIBLE_SIZE:
        return None
    if info.media_type and info.media_type not in mt.IMAGE_TYPES:
        return None
    return ImageSize(info.digest, size, 0, (), None, "acr")


__all__ = [
    "SIZE_WORDS",
    "ImageSize",
    "IndexSizes",
    "image_size",
    "index_sizes",
]
