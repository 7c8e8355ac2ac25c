"""One layer blob streamed from its registry (or, when asked, from a non-distributable layer's
own URLs): its compressed bytes checked against the descriptor's size and digest as they arrive,
decompressed as they are read (layer_decode.py), and its uncompressed digest compared with the
config's `rootfs.diff_ids` once it has been read to the end."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from acr_desktop.registry.auth import USER_AGENT, repository_scope
from acr_desktop.registry.body_stream import BodyStream, open_body
from acr_desktop.registry.errors import (
    Cancelled,
    DigestMismatch,
    NotFound,
    RegistryError,
    ServerError,
)
from acr_desktop.registry.layer_decode import Compression, decoder
from acr_desktop.registry.layer_entries import DiffIdStatus, Integrity
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.operation import check_cancelled
from acr_desktop.registry.problems import RequestContext
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.reference import Reference
from acr_desktop.registry.sending import Connection

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.image_config import ImageConfig

OnBytes = Callable[[int, int], None]  # (compressed bytes read, the layer's size)
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
_DRAIN = 1024 * 1024
_MAX_URLS = 8  # of a descriptor's `urls` tried at most
_REPORT_EVERY = 256 * 1024  # on_bytes is told after this many more bytes (and at the end)


class EncryptedLayer(RegistryError):
    """An encrypted layer (`+encrypted`): its files cannot be read without its keys."""


class ForeignLayer(NotFound):
    """A non-distributable (foreign) layer the registry does not hold; `urls` are where its
    descriptor says it can be fetched from (never with credentials)."""

    def __init__(self, sentence: str, *, urls: tuple[str, ...]) -> None:
        super().__init__(sentence, what="blob")
        self.urls = urls


@dataclass(frozen=True)
class LayerSource:
    """Where one layer comes from: `ref` names the registry and repository; `diff_id` is the
    config's `rootfs.diff_ids[index]` (None when the config is missing or says none)."""

    ref: Reference
    descriptor: Descriptor
    diff_id: str | None
    index: int
    allow_urls: bool = False  # fetch a non-distributable layer from its descriptor's `urls`

    @property
    def digest(self) -> str:
        return self.descriptor.digest

    @property
    def encrypted(self) -> bool:
        return self.descriptor.media_type.lower().split(";")[0].strip().endswith("+encrypted")

    @property
    def foreign(self) -> bool:
        media = self.descriptor.media_type.lower()
        return ".nondistributable." in media or ".foreign." in media

    @property
    def declared_compression(self) -> Compression | None:
        """What the media type says (None when it does not say: an unknown type)."""
        media = self.descriptor.media_type.lower().split(";")[0].strip().removesuffix("+encrypted")
        if media.endswith(("gzip", "+gz")):
            return "gzip"
        if media.endswith("zstd"):
            return "zstd"
        return "none" if media.endswith("tar") else None


def layer_sources(
    ref: Reference, layers: Sequence[Descriptor], diff_ids: Sequence[str] = ()
) -> list[LayerSource]:
    """A source per layer of an image (base first); `diff_ids` from its config's rootfs. A
    config with fewer diff_ids than layers leaves the rest None (nothing to compare with)."""
    return [
        LayerSource(ref, layer, diff_ids[i] if i < len(diff_ids) else None, i)
        for i, layer in enumerate(layers)
    ]


def image_layer_sources(
    ref: Reference, manifest: ImageManifest, config: ImageConfig | None
) -> list[LayerSource]:
    """The layers of an inspected image (`Inspection.image_manifest` and its `config.config`)."""
    return layer_sources(ref, manifest.layers, config.diff_ids if config is not None else ())


@contextmanager
def open_layer(
    client: RegistryClient, source: LayerSource, *, on_bytes: OnBytes | None = None
) -> Iterator[LayerStream]:
    """The layer's uncompressed bytes, read as needed. Leaving the block closes the connection
    at once, however much is left unread."""
    if source.encrypted:
        raise EncryptedLayer(
            f"Layer {source.index + 1} is encrypted ({source.descriptor.media_type}): its files "
            "cannot be listed without the key it was encrypted for."
        )
    algorithm = source.digest.split(":", 1)[0]
    if algorithm not in _HASHES:
        raise DigestMismatch(
            f"The layer's digest uses {quotable(algorithm, limit=20)}, which cannot be checked "
            "here (sha256 and sha512 can).",
            expected=source.digest,
            actual="unsupported",
        )
    body = _open_from_urls(client, source) if source.allow_urls else _open(client, source)
    try:
        yield LayerStream(body, source, on_bytes)
    finally:
        body.close()


def _open(client: RegistryClient, source: LayerSource) -> BodyStream:
    ref = source.ref
    ctx = RequestContext(ref.registry, "blob", ref.repository, source.digest)
    path = f"/v2/{ref.repository}/blobs/{source.digest}"
    try:
        return client.transport.open_stream(ctx, path, (repository_scope(ref.repository),))
    except NotFound as exc:
        if not source.foreign:
            raise
        urls = source.descriptor.urls
        where = (
            f" Its descriptor says it can be fetched from {_shown(urls)}; choose to fetch it from "
            "there (no credentials are sent) if you trust that address."
            if urls
            else " Its descriptor names no address to fetch it from."
        )
        raise ForeignLayer(
            f"Layer {source.index + 1} is non-distributable: it is usually kept out of "
            f"registries (Windows base layers, for one), and {ref.registry} does not hold it."
            + where,
            urls=urls,
        ) from exc


def _open_from_urls(client: RegistryClient, source: LayerSource) -> BodyStream:
    """From the descriptor's `urls`, in order: plain HTTP(S), no credentials of any kind."""
    urls = [u for u in source.descriptor.urls[:_MAX_URLS] if _plain_http(u)]
    if not urls:
        raise ForeignLayer(
            f"Layer {source.index + 1} names no HTTP or HTTPS address (without a user name or "
            "password in it) to fetch it from.",
            urls=source.descriptor.urls,
        )
    transport = client.transport
    conn = Connection(transport.session, transport.timeout)  # no client certificate either
    failure: RegistryError | None = None
    for url in urls:
        try:
            answer = open_body(conn, url, {"User-Agent": USER_AGENT}, None, transport.min_rate)
        except Cancelled:
            raise
        except RegistryError as exc:
            failure = exc
            continue
        if isinstance(answer, BodyStream):
            return answer
        failure = ServerError(
            f"{_shown([answer.url])} answered HTTP {answer.status} for layer {source.index + 1}.",
            status=answer.status,
        )
    assert failure is not None
    raise failure


def _plain_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return (
            parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc
        )
    except ValueError:
        return False


def _shown(urls: Sequence[str]) -> str:
    return ", ".join(quotable(u, limit=200) for u in urls[:3]) + (" …" if len(urls) > 3 else "")


class _CheckedBody:
    """The compressed bytes as they arrive: counted, hashed, never more than the descriptor's
    size (the stream stops at once), and verified when they end."""

    def __init__(self, body: BodyStream, source: LayerSource, on_bytes: OnBytes | None) -> None:
        self._body = body
        self._descriptor = source.descriptor
        self._hash = _HASHES[source.digest.split(":", 1)[0]]()
        self._on_bytes = on_bytes
        self.count = 0
        self.verified = False
        self._reported = 0
        size = self._descriptor.size
        if body.length is not None and body.length != size:
            raise self._mismatch(f"{body.host} is sending {body.length:,} bytes")

    def read(self, n: int) -> bytes:
        if self.verified:
            return b""
        # one byte past the size at most: enough to know the body is longer than described
        data = self._body.read(max(1, min(n, self._descriptor.size - self.count + 1)))
        if not data:
            self._verify()
            return b""
        if self.count + len(data) > self._descriptor.size:
            raise self._mismatch(f"{self._body.host} sent more than that")
        self.count += len(data)
        self._hash.update(data)
        if self._on_bytes is not None and (
            self.count - self._reported >= _REPORT_EVERY or self.count == self._descriptor.size
        ):
            self._reported = self.count
            self._on_bytes(self.count, self._descriptor.size)
        return data

    def _verify(self) -> None:
        if self.count != self._descriptor.size:
            raise self._mismatch(f"{self._body.host} sent {self.count:,} bytes")
        actual = f"{self._descriptor.digest.split(':', 1)[0]}:{self._hash.hexdigest()}"
        if actual != self._descriptor.digest:
            raise DigestMismatch(
                f"The layer does not match its digest {self._descriptor.digest} (it hashes to "
                f"{actual}): {self._body.host} sent something else than what was asked for.",
                expected=self._descriptor.digest,
                actual=actual,
            )
        self.verified = True

    def _mismatch(self, what: str) -> DigestMismatch:
        return DigestMismatch(
            f"The layer is {self._descriptor.size:,} bytes by its descriptor, but {what}: it is "
            "not the layer that was asked for.",
            expected=self._descriptor.digest,
            actual="unknown",
        )


class LayerStream:
    """A layer's uncompressed bytes (`read`), and what was checked once it ends (`finish`)."""

    def __init__(self, body: BodyStream, source: LayerSource, on_bytes: OnBytes | None) -> None:
        self.source = source
        self._raw = _CheckedBody(body, source, on_bytes)
        self._diff = hashlib.sha256()
        self.uncompressed_read = 0
        self.notes: list[str] = []
        head = b""
        while len(head) < 4 and (more := self._raw.read(4 - len(head))):
            head += more
        self.compression, self._decoder = decoder(head, self._raw.read)
        declared = source.declared_compression
        if declared is not None and declared != self.compression:
            said = "no compression" if declared == "none" else declared
            found = "a plain tar" if self.compression == "none" else self.compression
            self.notes.append(
                f"The layer's type says {said}, but its bytes are {found}; read as {found}."
            )

    @property
    def compressed_read(self) -> int:
        return self._raw.count

    def read(self, n: int) -> bytes:
        """Up to `n` uncompressed bytes (fewer only at the end; b"" once it has ended). Never
        decompresses more than it returns."""
        check_cancelled()  # a bomb may expand for long between two network reads
        parts: list[bytes] = []
        want = n
        while want > 0:
            data = self._decoder.read(want)
            if not data:
                break
            parts.append(data)
            want -= len(data)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._diff.update(data)
        self.uncompressed_read += len(data)
        return data

    def finish(self) -> Integrity:
        """Read what is left (DigestMismatch if the blob is not what its descriptor says) and
        say what was checked: the compressed digest and size, the uncompressed digest against
        the config's diff_id."""
        while self.read(_DRAIN):
            pass
        while self._raw.read(_DRAIN):  # bytes after the compressed data's end (zero padding)
            pass
        diff_id = "sha256:" + self._diff.hexdigest()
        expected = self.source.diff_id
        status: DiffIdStatus = "unknown"
        if expected is not None:
            status = "verified" if expected == diff_id else "mismatch"
        return Integrity(
            digest_verified=self._raw.verified,
            diff_id=diff_id,
            diff_id_status=status,
            expected_diff_id=expected,
            uncompressed_size=self.uncompressed_read,
            compression=self.compression,
        )
