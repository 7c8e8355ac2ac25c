"""Listing a layer's entries through the real token registry: the first entry handed over at
once and the rest in batches, the integrity of the whole filled in at the end, at most
MAX_KEPT_ENTRIES kept, typed errors for what is no tar, and the on-disk cache (read once, then
instant; only complete, verified listings kept)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests

from acr_desktop.registry import layer_listing
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.layer_entries import EntryKind, LayerListing, TarEntry
from acr_desktop.registry.layer_listing import BATCH_ENTRIES, list_layer
from acr_desktop.registry.layer_stream import LayerSource, layer_sources
from acr_desktop.registry.listing_cache import ListingCache
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.tar_reader import LayerFormatError, TruncatedLayer
from acr_desktop.registry.transport import Transport
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import layers as rig
from tests.rig.layers import LayerBlob, PushedImage

pytestmark = pytest.mark.registry
FILES: dict[str, bytes | rig.Member] = {
    "etc/": b"",
    "etc/os-release": b"NAME=listing\n",
    "usr/bin/tool": b"\x7fELF" + bytes(1000),
    "usr/bin/link": rig.Member("symlink", link="tool"),
}


class Counted:
    """A client whose blob requests are counted."""

    def __init__(self, registry: Registry) -> None:
        self.blob_requests = 0
        session = requests.Session()
        session.hooks["response"].append(self._hook)
        self.client = RegistryClient(Transport(session=session, timeout=(5.0, 30.0)))
        creds = Credentials(ALICE_USER, ALICE_PASSWORD)
        self.client.transport.set_credentials(registry.host, creds)

    def _hook(self, resp: requests.Response, *args: object, **kwargs: object) -> None:
        if "/blobs/" in (resp.request.path_url or "") and resp.status_code == 200:
            self.blob_requests += 1


def sources_of(image: PushedImage) -> list[LayerSource]:
    layers = [
        Descriptor(d["mediaType"], d["digest"], d["size"]) for d in image.manifest.json["layers"]
    ]
    return layer_sources(parse_reference(image.reference), layers, image.diff_ids)


def push(registry: Registry, name: str, *blobs: LayerBlob | bytes) -> list[LayerSource]:
    return sources_of(rig.push_layers_image(registry, f"layers/{name}", "v1", list(blobs)))


def test_entries_arrive_first_alone_then_in_batches_and_integrity_at_the_end(
    token_registry: Registry, tmp_path: Path
) -> None:
    raw = rig.debian_like(6_000)
    [source] = push(token_registry, "listing-debian", rig.layer(raw, "zstd"))
    batches: list[list[TarEntry]] = []
    progress: list[tuple[int, int]] = []
    listing = list_layer(
        Counted(token_registry).client,
        source,
        on_entries=batches.append,
        on_bytes=lambda done, total: progress.append((done, total)),
    )
    assert len(batches[0]) == 1
    assert all(len(b) <= BATCH_ENTRIES for b in batches)
    assert [e for b in batches for e in b] == list(listing.entries)
    assert listing.total_entries == len(listing.entries) == 6_000
    assert listing.complete
    assert listing.integrity is not None
    assert listing.integrity.digest_verified
    assert listing.integrity.diff_id_status == "verified"
    assert listing.integrity.compression == "zstd"
    assert progress[-1] == (source.descriptor.size, source.descriptor.size)


def test_a_listing_has_each_entry_as_its_headers_say(token_registry: Registry) -> None:
    [source] = push(token_registry, "listing-small", rig.layer(rig.simple_layer(FILES), "none"))
    listing = list_layer(Counted(token_registry).client, source)
    by_path = {e.path: e for e in listing.entries}
    assert list(by_path) == ["etc", "etc/os-release", "usr/bin/tool", "usr/bin/link"]
    assert by_path["etc"].kind == EntryKind.DIR
    assert by_path["usr/bin/tool"].size == 1004
    assert by_path["usr/bin/link"].kind == EntryKind.SYMLINK
    assert by_path["usr/bin/link"].link == "tool"
    assert listing.notes == ()


def test_the_cache_reads_a_layer_once_then_answers_at_once(
    token_registry: Registry, tmp_path: Path
) -> None:
    [source] = push(token_registry, "listing-cached", rig.layer(rig.simple_layer(FILES)))
    cache = ListingCache(tmp_path / "cache")
    counted = Counted(token_registry)
    first = list_layer(counted.client, source, cache=cache)
    assert counted.blob_requests == 1
    assert cache.count() == 1
    calls: list[list[TarEntry]] = []
    again = list_layer(counted.client, source, cache=cache, on_entries=calls.append)
    assert counted.blob_requests == 1  # no request: from the cache
    assert calls == [list(first.entries)]
    assert again.entries == first.entries
    assert again.integrity == first.integrity


def test_a_cached_listing_is_compared_with_each_configs_diff_id(
    token_registry: Registry, tmp_path: Path
) -> None:
    blob = rig.layer(rig.simple_layer(FILES))
    [source] = push(token_registry, "listing-diff-ids", blob)
    cache = ListingCache(tmp_path / "cache")
    client = Counted(token_registry).client
    assert list_layer(client, source, cache=cache).integrity.diff_id_status == "verified"  # type: ignore[union-attr]
    lying = dataclasses.replace(source, diff_id="sha256:" + "2" * 64)
    integrity = list_layer(client, lying, cache=cache).integrity
    assert integrity is not None
    assert integrity.diff_id_status == "mismatch"
    assert integrity.expected_diff_id == "sha256:" + "2" * 64
    unknown = list_layer(client, dataclasses.replace(source, diff_id=None), cache=cache)
    assert unknown.integrity is not None
    assert unknown.integrity.diff_id_status == "unknown"


def test_entries_past_the_limit_are_counted_not_kept_and_not_cached(
    token_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layer_listing, "MAX_KEPT_ENTRIES", 100)
    [source] = push(token_registry, "listing-many", rig.layer(rig.debian_like(500)))
    cache = ListingCache(tmp_path / "cache")
    handed: list[TarEntry] = []
    listing = list_layer(
        Counted(token_registry).client, source, cache=cache, on_entries=handed.extend
    )
    assert len(listing.entries) == 100 == len(handed)
    assert listing.total_entries > 100
    assert not listing.complete
    assert listing.integrity is not None and listing.integrity.digest_verified
    assert any("the first 100 are listed" in note for note in listing.notes)
    assert cache.count() == 0


@pytest.mark.parametrize(
    ("raw", "error", "words"),
    [
        (rig.not_a_tar(), LayerFormatError, "not a tar"),
        (rig.truncated_layer("data"), TruncatedLayer, "ends inside"),
        (rig.truncated_layer("header"), TruncatedLayer, "ends inside"),
    ],
    ids=["not a tar", "truncated in data", "truncated in a header"],
)
def test_what_is_no_readable_tar_is_a_typed_error_and_never_cached(
    token_registry: Registry, tmp_path: Path, raw: bytes, error: type[Exception], words: str
) -> None:
    [source] = push(token_registry, "listing-broken", rig.layer(raw))
    cache = ListingCache(tmp_path / "cache")
    with pytest.raises(error, match=words):
        list_layer(Counted(token_registry).client, source, cache=cache)
    assert cache.count() == 0


def test_an_empty_layer_lists_nothing_and_is_verified(token_registry: Registry) -> None:
    [source] = push(token_registry, "listing-empty", rig.layer(rig.empty_layer(), "zstd"))
    calls: list[list[TarEntry]] = []
    listing: LayerListing = list_layer(
        Counted(token_registry).client, source, on_entries=calls.append
    )
    assert listing.entries == () and listing.total_entries == 0
    assert listing.complete
    assert calls == []
