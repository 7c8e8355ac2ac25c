"""The Layers table's "Unpacked size" column, in the whole window against a real registry: it
fills in as the Files tab lists the layers, and at once from listings kept on disk (read on a
worker, no request to the registry); the total line adds the unpacked total once every layer's
is known. Screenshots at 1400×900."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.layer_listing import list_layer
from acr_desktop.registry.layer_stream import layer_sources
from acr_desktop.registry.listing_cache import ListingCache
from acr_desktop.registry.manifest import ImageManifest
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.text import format_size
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import NOT_LISTED, SORT_ROLE, LayersModel
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.layers import PushedImage, layer, push_layers_image, simple_layer
from tests.ui.conftest import CountingClient
from tests.ui.test_main_window import inspect

SHOTS = Path("/tmp/team/shots")  # looked at by people; not part of the repository
UNPACKED = LayersModel.COL_UNPACKED
HORIZONTAL = Qt.Orientation.Horizontal
TIP = Qt.ItemDataRole.ToolTipRole


def three_layers(registry: Registry, repository: str) -> PushedImage:
    """Three layers of different sizes (their content unique to `repository`), gzip'd."""
    tars = [
        simple_layer({"etc/": b"", f"etc/{repository}-{n}": bytes([65 + n]) * (n * 40_000 + 7)})
        for n in range(3)
    ]
    return push_layers_image(registry, repository, "v1", [layer(t) for t in tars])


def signed_in(qtbot: QtBot, window: MainWindow, image: PushedImage) -> None:
    window.store.session_only(image.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(image.registry, ALICE_USER)
    window.resize(1400, 900)
    inspect(qtbot, window, image.reference)


def cells(model: LayersModel) -> list[str]:
    return [model.index(r, UNPACKED).data() for r in range(model.rowCount())]


def shot(window: MainWindow, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / name))


def test_unpacked_sizes_fill_in_as_the_files_tab_lists_the_layers(
    qtbot: QtBot, window: MainWindow, layers_registry: Registry
) -> None:
    image = three_layers(layers_registry, "unpacked/listed")
    signed_in(qtbot, window, image)
    inspector = window.inspector
    model = inspector.layers_model
    assert model.headerData(UNPACKED, HORIZONTAL) == "Unpacked size"
    header_tip = model.headerData(UNPACKED, HORIZONTAL, TIP)
    assert "tar uncompressed" in header_tip and "Show files" in header_tip
    assert cells(model) == ["—", "—", "—"]  # nothing listed yet: not a guess, a dash
    assert model.index(0, UNPACKED).data(TIP) == NOT_LISTED
    assert "unpacked" not in inspector.layers_total.text()

    layers = inspector.layers
    layers.setFocus()
    layers.setCurrentIndex(layers.model().index(1, 0))
    qtbot.keyClick(layers, Qt.Key.Key_Return)  # Show files: lists layer 2, then the others
    qtbot.waitUntil(lambda: model.unpacked_total() is not None, timeout=30_000)

    sizes = [blob.uncompressed_size for blob in image.layers]
    assert cells(model) == [format_size(s) for s in sizes]
    assert [model.index(r, UNPACKED).data(SORT_ROLE) for r in range(3)] == sizes
    assert model.index(2, UNPACKED).data(TIP) == f"{sizes[2]:,} bytes, the tar uncompressed"
    total = sum(sizes)
    line = inspector.layers_total.text()
    assert line.endswith(f" · {format_size(total)} unpacked ({total:,} bytes)")
    assert line.startswith("3 layers · ")  # the compressed total stays first
    assert model.index(0, LayersModel.COL_SIZE).data(SORT_ROLE) == image.layers[0].size
    inspector.tabs.setCurrentIndex(0)
    shot(window, "unpacked-listed.png")


def _list_into_cache(image: PushedImage, layers: list[int]) -> None:
    """List `layers` of `image` with a client of their own, into the (test's) disk cache."""
    client = RegistryClient(Transport(timeout=(5.0, 30.0)))
    client.transport.set_credentials(image.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    ref = parse_reference(image.reference)
    manifest = client.get_manifest(ref).manifest
    assert isinstance(manifest, ImageManifest)
    sources = layer_sources(ref, manifest.layers)
    cache = ListingCache()
    for n in layers:
        list_layer(client, sources[n], cache=cache)


def test_unpacked_sizes_come_from_listings_on_disk_read_off_the_ui_thread(
    qtbot: QtBot, window: MainWindow, layers_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = three_layers(layers_registry, "unpacked/cached")
    _list_into_cache(image, [0, 2])  # listed before (another window, `acr-desktop files`)
    threads: list[threading.Thread] = []
    get = ListingCache.get

    def recorded(self: ListingCache, digest: str) -> object:
        threads.append(threading.current_thread())
        return get(self, digest)

    monkeypatch.setattr(ListingCache, "get", recorded)
    signed_in(qtbot, window, image)
    inspector = window.inspector
    model = inspector.layers_model
    sizes = [blob.uncompressed_size for blob in image.layers]
    qtbot.waitUntil(lambda: cells(model)[0] != "—", timeout=10_000)
    assert cells(model) == [format_size(sizes[0]), "—", format_size(sizes[2])]
    assert threads and threading.main_thread() not in threads
    client = window.client
    assert isinstance(client, CountingClient)
    blobs = [path for _method, path, _status in client.calls if "/blobs/" in path]
    assert not any(d in path for d in image.layer_digests for path in blobs)  # no registry trip
    assert model.unpacked_total() is None
    assert "unpacked" not in inspector.layers_total.text()  # not a total of two of three

    table = inspector.layers
    table.sortByColumn(UNPACKED, Qt.SortOrder.AscendingOrder)
    order = [table.proxy.index(r, LayersModel.COL_NUMBER).data() for r in range(3)]
    assert order == ["1", "3", "2"]  # by size; the one not known yet last
    shot(window, "unpacked-partly-known.png")

    inspector.show_files(1)  # the last one, by the Files tab: now the total is known
    qtbot.waitUntil(lambda: model.unpacked_total() is not None, timeout=30_000)
    total = sum(sizes)
    assert inspector.layers_total.text().endswith(
        f"{format_size(total)} unpacked ({total:,} bytes)"
    )
    assert [table.proxy.index(r, LayersModel.COL_NUMBER).data() for r in range(3)] == [
        "1",
        "2",
        "3",
    ]


def test_twenty_four_layers_listed_on_disk_under_a_long_reference(
    qtbot: QtBot, window: MainWindow, layers_registry: Registry
) -> None:
    repository = "unpacked/" + "a-rather-long-team-name/" * 3 + "service"
    tars = [simple_layer({f"opt/{n}/data": bytes([n]) * (n * 9_000 + 1)}) for n in range(24)]
    image = push_layers_image(layers_registry, repository, "2024.11.29-rc.1", tars)
    _list_into_cache(image, list(range(24)))
    signed_in(qtbot, window, image)
    model = window.inspector.layers_model
    qtbot.waitUntil(lambda: model.unpacked_total() is not None, timeout=10_000)
    total = sum(blob.uncompressed_size for blob in image.layers)
    assert model.unpacked_total() == total
    assert window.inspector.layers_total.text().startswith("24 layers · ")
    assert (
        f"{format_size(total)} unpacked ({total:,} bytes)" in window.inspector.layers_total.text()
    )
    assert not window.inspector.files.files.busy  # the Files tab listed nothing
    shot(window, "unpacked-24-layers.png")


def test_the_model_keeps_unpacked_sizes_by_digest_across_images(qtbot: QtBot) -> None:
    """Huge sizes as Python ints (no 32-bit truncation), digests not shown ignored, kept when
    the rows change (a layer's unpacked size never changes)."""
    from acr_desktop.registry.manifest import Descriptor
    from acr_desktop.ui.models import LayerRow

    model = LayersModel()
    a, b = f"sha256:{1:064x}", f"sha256:{2:064x}"
    model.set_rows([LayerRow(1, Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", a, 10))])
    changed: list[object] = []
    model.dataChanged.connect(lambda *args: changed.append(args))
    model.add_unpacked({a: 5 * 10**15, f"sha256:{9:064x}": 1})
    assert changed
    assert model.index(0, UNPACKED).data(SORT_ROLE) == 5 * 10**15
    assert model.unpacked_total() == 5 * 10**15
    model.set_rows([LayerRow(1, Descriptor("", a, 10)), LayerRow(2, Descriptor("", b, 3))])
    assert model.index(0, UNPACKED).data() == format_size(5 * 10**15)
    assert model.unpacked_total() is None
    schema1 = LayerRow(1, Descriptor("", a, 0), None, False)
    model.set_rows([schema1])
    assert model.index(0, UNPACKED).data() == "—"
    assert "schema 1" in model.index(0, UNPACKED).data(TIP)
