"""Every entry of one layer, listed in one pass over its blob: entries handed over in batches
while the rest streams (the first as soon as it is read), at most MAX_KEPT_ENTRIES kept (the rest
counted), and the integrity of the whole checked at the end. A complete, verified listing is kept
in the on-disk cache, so a layer shared by many images is read once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from acr_desktop.registry.layer_entries import (
    MAX_KEPT_ENTRIES,
    DiffIdStatus,
    Integrity,
    LayerListing,
    TarEntry,
)
from acr_desktop.registry.layer_stream import LayerSource, OnBytes, open_layer

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient

OnEntries = Callable[[list[TarEntry]], None]
BATCH_SECONDS = 0.1  # entries are handed over at least this often while they stream…
BATCH_ENTRIES = 2000  # …or as soon as this many are waiting


class ListingStore(Protocol):
    """What a listing cache offers (listing_cache.ListingCache)."""

    def get(self, digest: str) -> LayerListing | None: ...

    def put(self, listing: LayerListing) -> None: ...


def list_layer(
    client: RegistryClient,
    source: LayerSource,
    *,
    on_entries: OnEntries | None = None,
    on_bytes: OnBytes | None = None,
    cache: ListingStore | None = None,
) -> LayerListing:
    """List `source`'s layer: from `cache` if it holds it (one `on_entries` call), else streamed
    from the registry. Typed errors for what cannot be read (the entries handed over until then
    stay valid); `Cancelled` once the operation is cancelled."""
    if cache is not None and (cached := cache.get(source.digest)) is not None:
        listing = _for_source(cached, source)
        if on_entries is not None and listing.entries:
            on_entries(list(listing.entries))
        return listing
    from acr_desktop.registry.tar_reader import TarReader

    kept: list[TarEntry] = []
    total = 0
    with open_layer(client, source, on_bytes=on_bytes) as stream:
        batches = _Batches(on_entries)

        def read(n: int) -> bytes:
            data = stream.read(n)
            batches.due()  # entries waiting while a big file's data streams past
            return data

        for entry in TarReader(read):
            total += 1
            if total <= MAX_KEPT_ENTRIES:
                kept.append(entry)
                batches.add(entry, first=total == 1)
        batches.hand_over()
        integrity = stream.finish()
        notes = list(stream.notes)
    if total > len(kept):
        notes.append(
            f"The layer has {total:,} entries; the first {len(kept):,} are listed (the rest are "
            "counted only, to keep memory bounded)."
        )
    listing = LayerListing(source.digest, tuple(kept), total, integrity, tuple(notes))
    if cache is not None and listing.complete and integrity.digest_verified:
        cache.put(listing)
    return listing


class _Batches:
    """Entries waiting to be handed over: the first at once, then every BATCH_SECONDS or
    BATCH_ENTRIES, whichever comes first."""

    def __init__(
        self, on_entries: OnEntries | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._on_entries = on_entries
        self._clock = clock
        self._waiting: list[TarEntry] = []
        self._handed = clock()

    def add(self, entry: TarEntry, *, first: bool) -> None:
        if self._on_entries is None:
            return
        self._waiting.append(entry)
        if first or len(self._waiting) >= BATCH_ENTRIES:
            self.hand_over()
        else:
            self.due()

    def due(self) -> None:
        if self._waiting and self._clock() - self._handed >= BATCH_SECONDS:
            self.hand_over()

    def hand_over(self) -> None:
        if self._on_entries is not None and self._waiting:
            batch, self._waiting = self._waiting, []
            self._handed = self._clock()
            self._on_entries(batch)


def _for_source(listing: LayerListing, source: LayerSource) -> LayerListing:
    """A cached listing, its diff_id compared with what this image's config says (the same
    layer may be listed under another config)."""
    integrity = listing.integrity
    if integrity is None or integrity.expected_diff_id == source.diff_id:
        return listing
    return replace(listing, integrity=with_expected(integrity, source.diff_id))


def with_expected(integrity: Integrity, expected: str | None) -> Integrity:
    status: DiffIdStatus = "unknown"
    if expected is not None:
        status = "verified" if expected == integrity.diff_id else "mismatch"
    return replace(integrity, expected_diff_id=expected, diff_id_status=status)
