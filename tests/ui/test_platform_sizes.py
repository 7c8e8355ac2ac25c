"""Download sizes in the platforms table (issue 14), through the real inspector against the real
token registry: "…" while measuring, then each platform's download size and layer count (sorted
on raw values), the summary line of the index, headers that say which size they are, sizes kept
by digest across inspects (no request the second time), a move that cancels the job, a nested
index sized when it is opened, and a failed entry with its sentence in the tooltip."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from acr_desktop.inspection import inspect, inspect_entry
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.sizes import ImageSize
from acr_desktop.text import format_size
from acr_desktop.ui import insp_sizes
from acr_desktop.ui.insp_levels import level_of
from acr_desktop.ui.insp_sizes import CHANNEL
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import OBJECT_ROLE, SORT_ROLE, LayersModel, PlatformsModel
from acr_desktop.ui.worker import JobRunner
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.content import (
    OCI_CONFIG,
    OCI_LAYER,
    OCI_MANIFEST,
    Blob,
    Manifest,
    _compact,
    _push_manifest,
    attestation,
)
from tests.rig.kinds import oci_index
from tests.ui.conftest import CountingClient
from tests.ui.test_main_window import inspect as inspect_in_window

REPOSITORY = "sizes/window"
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
SHOTS = "/tmp/team/shots"
ARCHES = [
    ("linux", "amd64", None), ("linux", "arm64", "v8"), ("linux", "arm", "v7"),
    ("linux", "arm", "v6"), ("linux", "386", None), ("linux", "ppc64le", None),
    ("linux", "s390x", None), ("linux", "riscv64", None), ("linux", "mips64le", None),
    ("linux", "loong64", None), ("windows", "amd64", None), ("freebsd", "amd64", None),
    ("linux", "amd64", "v2"), ("linux", "amd64", "v3"), ("linux", "mips64", None),
    ("linux", "arm", "v5"),
]  # fmt: skip
BASE = (Blob(OCI_LAYER, b"base-one" * 40_000), Blob(OCI_LAYER, b"base-two" * 15_000))


def _noise(seed: str, n: int) -> bytes:
    out = b""
    while len(out) < n:
        out += hashlib.sha256(f"{seed}{len(out)}".encode()).digest()
    return out[:n]


def platform_image(number: int, repository: str = REPOSITORY) -> Manifest:
    """ARCHES[number]: the two shared base layers and one of its own (a size of its own)."""
    os_name, arch, variant = ARCHES[number]
    platform = {"architecture": arch, "os": os_name} | ({"variant": variant} if variant else {})
    layers = [*BASE, Blob(OCI_LAYER, _noise(f"own{number}", 5_000 + 7_919 * number))]
    cfg = {"architecture": arch, "os": os_name, "created": "2024-01-02T03:04:05Z",
           "rootfs": {"type": "layers", "diff_ids": [b.digest for b in layers]}}  # fmt: skip
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [b.descriptor() for b in layers]}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, layers, platform=platform)


def download(image: Manifest) -> int:
    assert image.config is not None
    return image.config.size + sum(b.size for b in image.layers)


@dataclass
class Pushed:
    registry: Registry
    top: Manifest  # 16 platforms and an attestation
    images: list[Manifest]
    nested: Manifest  # an index of [an index of two platforms, one image]

    def reference(self, tag: str) -> str:
        return f"{self.registry.host}/{REPOSITORY}:{tag}"


@pytest.fixture(scope="module")
def pushed(layers_registry: Registry) -> Pushed:
    images = [platform_image(n) for n in range(len(ARCHES))]
    top = oci_index(REPOSITORY, [*images, attestation(REPOSITORY, images[0])])
    inner = oci_index(REPOSITORY, images[1:3])
    nested = oci_index(REPOSITORY, [inner, images[3]])
    with requests.Session() as session:
        session.headers.update(layers_registry.push_headers((REPOSITORY,)))
        pushed: set[tuple[str, str]] = set()
        _push_manifest(session, layers_registry.url, top, "sixteen", pushed)
        _push_manifest(session, layers_registry.url, top, "again", pushed)
        _push_manifest(session, layers_registry.url, nested, "nested", pushed)
        _push_manifest(session, layers_registry.url, images[0], "plain", pushed)
    return Pushed(layers_registry, top, images, nested)


def signed_in(registry: Registry) -> CountingClient:
    client = CountingClient(timeout=(5.0, 10.0))
    client.transport.set_credentials(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


@pytest.fixture
def bound(qtbot: QtBot, pushed: Pushed) -> Iterator[tuple[Inspector, CountingClient, JobRunner]]:
    widget = Inspector()
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    client, runner = signed_in(pushed.registry), JobRunner()
    widget.bind(runner, lambda: client, lambda _registry: None)
    widget.referrers_panel.auto = lambda: False  # these count the sizes' requests alone
    yield widget, client, runner
    runner.shutdown(2000)


def cell(model: PlatformsModel, row: int, column: int, role: int = DISPLAY) -> Any:
    return model.index(row, column).data(role)


def column(model: PlatformsModel, col: int, role: int = DISPLAY) -> list[Any]:
    return [cell(model, r, col, role) for r in range(model.rowCount())]


def sized(model: PlatformsModel) -> bool:
    return "…" not in column(model, PlatformsModel.COL_DOWNLOAD)


def child_fetches(client: CountingClient) -> list[str]:
    return [p for m, p, _s in client.calls if m == "GET" and "/manifests/sha256:" in p]


def test_each_platform_shows_its_download_size_and_layers_and_the_summary_the_range(
    qtbot: QtBot, pushed: Pushed, bound: tuple[Inspector, CountingClient, JobRunner]
) -> None:
    inspector, client, runner = bound
    ins = inspect(client, parse_reference(pushed.reference("sixteen")), Platform("linux", "amd64"))
    before = len(child_fetches(client))
    inspector.show_inspection(ins)
    model = inspector.platforms_model
    assert model.rowCount() == 16
    assert runner.is_busy(CHANNEL)
    # While measuring: "…" in both size columns, and the summary says so.
    assert "…" in column(model, PlatformsModel.COL_DOWNLOAD)
    assert inspector.platforms_box.sizes_line.text().startswith(
        "Measuring the download sizes of 16 platforms…"
    )
    qtbot.waitUntil(lambda: sized(model), timeout=20_000)
    qtbot.waitUntil(lambda: not runner.is_busy(CHANNEL), timeout=20_000)
    by_digest = {m.digest: m for m in pushed.images}
    for r in range(16):
        row = model.index(r, 0).data(OBJECT_ROLE)
        image = by_digest[row.descriptor.digest]
        assert cell(model, r, PlatformsModel.COL_DOWNLOAD) == format_size(download(image))
        assert cell(model, r, PlatformsModel.COL_DOWNLOAD, SORT_ROLE) == download(image)
        assert cell(model, r, PlatformsModel.COL_LAYERS) == "3"
        tip = cell(model, r, PlatformsModel.COL_DOWNLOAD, Qt.ItemDataRole.ToolTipRole)
        assert f"{download(image):,} bytes to download" in tip and "3 layers" in tip
        assert cell(model, r, PlatformsModel.COL_MANIFEST) == format_size(image.size)
    # The entry shown was fetched by the inspect: the sizes job asked for the 15 others only.
    assert len(child_fetches(client)) - before == 15
    assert len(set(child_fetches(client))) == len(child_fetches(client))  # each child once
    low, high = min(map(download, pushed.images)), max(map(download, pushed.images))
    line = inspector.platforms_box.sizes_line.text()
    assert line.startswith(
        f"16 platforms: {format_size(low)} – {format_size(high)} to download each; "
        f"2 layers ({format_size(sum(b.size for b in BASE))}) shared by all"
    )
    assert "for all platforms together (shared layers counted once)" in line
    assert inspector.platforms_box.sizes_line.isVisible()
    # The chosen platform's own size, called what it is.
    label = inspector.summary.form.labelForField(inspector.summary.size_label)
    assert isinstance(label, QLabel) and label.text() == "Download size"
    assert inspector.summary.size_label.text().startswith(
        f"linux/amd64: {format_size(download(pushed.images[0]))} ("
    )
    # Sorting on the raw byte counts, largest first.
    inspector.platforms.sortByColumn(PlatformsModel.COL_DOWNLOAD, Qt.SortOrder.DescendingOrder)
    proxy = inspector.platforms.proxy
    shown = [proxy.index(r, PlatformsModel.COL_DOWNLOAD).data(SORT_ROLE) for r in range(16)]
    assert shown == sorted(map(download, pushed.images), reverse=True)
    inspector.grab().save(f"{SHOTS}/h3-sizes-sixteen.png")


def test_every_size_header_says_which_size_it_is(
    qtbot: QtBot, pushed: Pushed, bound: tuple[Inspector, CountingClient, JobRunner]
) -> None:
    inspector, client, _runner = bound
    inspector.show_inspection(inspect(client, parse_reference(pushed.reference("sixteen"))))
    model = inspector.platforms_model
    horizontal = Qt.Orientation.Horizontal
    headers = [model.headerData(c, horizontal) for c in range(model.columnCount())]
    assert headers[5:8] == ["Download size", "Layers", "Manifest bytes"]
    assert "Size" not in headers  # no bare "Size": each says which
    tips = {
        h: model.headerData(c, horizontal, Qt.ItemDataRole.ToolTipRole)
        for c, h in enumerate(headers)
    }
    assert (
        "compressed" in tips["Download size"] and "config and every layer" in tips["Download size"]
    )
    assert "not of the image itself" in tips["Manifest bytes"]
    layers = inspector.layers_model
    assert layers.headerData(LayersModel.COL_SIZE, horizontal) == "Compressed size"
    assert (
        "compressed"
        in layers.headerData(LayersModel.COL_SIZE, horizontal, Qt.ItemDataRole.ToolTipRole).lower()
    )
    assert "Download size" in inspector.summary.size_label.toolTip()
    # The attestation, listed as a row of its own, has no size and says why.
    inspector.platforms_box.show_references.setChecked(True)
    rows = [model.index(r, 0).data(OBJECT_ROLE) for r in range(model.rowCount())]
    attestation_row = next(r for r, row in enumerate(rows) if row.descriptor.is_reference)
    assert cell(model, attestation_row, PlatformsModel.COL_DOWNLOAD) == "—"
    assert "attestation" in cell(
        model, attestation_row, PlatformsModel.COL_DOWNLOAD, Qt.ItemDataRole.ToolTipRole
    )


def test_sizes_are_kept_by_digest_so_a_second_inspect_shows_them_at_once_without_a_request(
    qtbot: QtBot, pushed: Pushed, bound: tuple[Inspector, CountingClient, JobRunner]
) -> None:
    inspector, client, runner = bound
    inspector.show_inspection(inspect(client, parse_reference(pushed.reference("sixteen"))))
    model = inspector.platforms_model
    qtbot.waitUntil(lambda: sized(model) and not runner.is_busy(CHANNEL), timeout=20_000)
    first = column(model, PlatformsModel.COL_DOWNLOAD)
    again = inspect(client, parse_reference(pushed.reference("again")))  # same index, other tag
    calls = len(client.calls)
    inspector.show_inspection(again)
    assert not runner.is_busy(CHANNEL)  # nothing to measure: every size is known
    assert column(model, PlatformsModel.COL_DOWNLOAD) == first
    assert inspector.platforms_box.sizes_line.text().startswith("16 platforms: ")
    # Choosing another platform of the same index keeps the sizes, and asks for none.
    level = level_of(again)
    entry = again.index.platforms[3] if again.index else None
    assert entry is not None and level is not None
    other = inspect_entry(client, again.reference, again.top, entry)
    inspector.show_inspection(other, level)
    assert column(model, PlatformsModel.COL_DOWNLOAD) == first
    assert not runner.is_busy(CHANNEL)
    # No manifest asked for: the sizes job's fetch of that platform serves the inspect too.
    assert [c for c in client.calls[calls:] if "/manifests/" in c[1]] == []


def test_moving_on_cancels_the_job_and_coming_back_measures_only_what_is_missing(
    qtbot: QtBot, pushed: Pushed, bound: tuple[Inspector, CountingClient, JobRunner]
) -> None:
    inspector, _client, runner = bound
    client = signed_in(pushed.registry)  # a fresh cache: nothing measured yet
    inspector.sizes.bind(runner, lambda: client, lambda _r: None)
    inspector.sizes._known.clear()  # as a fresh window: no size known from the other tests
    index = inspect(client, parse_reference(pushed.reference("sixteen")))
    inspector.show_inspection(index)
    assert runner.is_busy(CHANNEL)
    inspector.show_inspection(inspect(client, parse_reference(pushed.reference("plain"))))
    assert not runner.is_busy(CHANNEL)  # an image has no platforms: the job is cancelled
    assert inspector.platforms_box.isHidden()
    assert inspector.platforms_box.sizes_line.isHidden()
    inspector.show_inspection(index)  # back: what arrived is shown, the rest measured
    model = inspector.platforms_model
    qtbot.waitUntil(lambda: sized(model) and not runner.is_busy(CHANNEL), timeout=20_000)
    fetched = child_fetches(client)
    assert len(fetched) == len(set(fetched))  # no child asked twice (cancelled or not)
    assert column(model, PlatformsModel.COL_LAYERS) == ["3"] * 16


def test_a_nested_index_is_sized_when_it_is_opened(
    qtbot: QtBot, pushed: Pushed, bound: tuple[Inspector, CountingClient, JobRunner]
) -> None:
    inspector, client, runner = bound
    outer = inspect(client, parse_reference(pushed.reference("nested")), Platform("linux", "arm"))
    inspector.show_inspection(outer)
    model = inspector.platforms_model
    qtbot.waitUntil(lambda: sized(model) and not runner.is_busy(CHANNEL), timeout=20_000)
    rows = [model.index(r, 0).data(OBJECT_ROLE) for r in range(model.rowCount())]
    inner_row = next(r for r, row in enumerate(rows) if row.descriptor.kind == "index")
    assert cell(model, inner_row, PlatformsModel.COL_DOWNLOAD) == "—"
    assert "nested index" in cell(
        model, inner_row, PlatformsModel.COL_DOWNLOAD, Qt.ItemDataRole.ToolTipRole
    )
    image_row = 1 - inner_row
    assert cell(model, image_row, PlatformsModel.COL_DOWNLOAD) == format_size(
        download(pushed.images[3])
    )
    # Open the nested index: its two platforms are measured.
    entry = rows[inner_row].descriptor
    with qtbot.waitSignal(inspector.platform_chosen) as chosen:
        inspector.platforms.selectRow(inner_row)
        inspector.platforms.clicked.emit(model.index(inner_row, 0))
    assert chosen.args[0].digest == entry.digest
    from acr_desktop.ui.insp_levels import arrived

    opened = inspect_entry(client, outer.reference, outer.top, entry)
    inspector.show_inspection(opened, level_of(opened, arrived(opened, ())))
    assert model.rowCount() == 2
    qtbot.waitUntil(lambda: sized(model) and not runner.is_busy(CHANNEL), timeout=20_000)
    assert sorted(column(model, PlatformsModel.COL_DOWNLOAD, SORT_ROLE)) == sorted(
        download(m) for m in pushed.images[1:3]
    )
    assert inspector.platforms_box.sizes_line.text().startswith("2 platforms: ")


def test_a_failed_entry_says_why_in_its_tooltip_and_sorts_last(
    qtbot: QtBot, pushed: Pushed, bound: tuple[Inspector, CountingClient, JobRunner]
) -> None:
    inspector, client, runner = bound
    runner.cancel(CHANNEL)
    inspector.sizes.bind(runner, lambda: client, lambda _r: None)
    inspector.show_inspection(inspect(client, parse_reference(pushed.reference("sixteen"))))
    inspector.sizes.stop()
    assert inspector.platforms_box.sizes_line.text() == "Download sizes not measured."
    model = inspector.platforms_model
    digests = [m.digest for m in pushed.images]
    hostile = "manifest unknown \u202e<b>gnp.exe</b>\x1b[31m " + "x" * 300
    sizes: dict[str, ImageSize | str] = {digests[0]: hostile}
    for n, d in enumerate(digests[1:], 1):
        sizes[d] = ImageSize(d, 10**15 + n, 3, (), 1, "manifest")  # petabytes: no overflow
    model.set_sizes(sizes, measuring=False)
    rows = [model.index(r, 0).data(OBJECT_ROLE).descriptor.digest for r in range(16)]
    failed = rows.index(digests[0])
    assert cell(model, failed, PlatformsModel.COL_DOWNLOAD) == "⚠ unknown"
    tip = cell(model, failed, PlatformsModel.COL_DOWNLOAD, Qt.ItemDataRole.ToolTipRole)
    assert "Download size unknown: manifest unknown" in tip
    assert "<b>" not in tip and "&lt;b&gt;" in tip  # the server's markup shown, not obeyed
    proxy = inspector.platforms.proxy
    inspector.platforms.sortByColumn(PlatformsModel.COL_DOWNLOAD, Qt.SortOrder.AscendingOrder)
    values = [proxy.index(r, PlatformsModel.COL_DOWNLOAD).data(SORT_ROLE) for r in range(16)]
    assert values == [*(10**15 + n for n in range(1, 16)), None]  # no 32-bit cut; unknown last
    inspector.platforms.sortByColumn(PlatformsModel.COL_DOWNLOAD, Qt.SortOrder.DescendingOrder)
    values = [proxy.index(r, PlatformsModel.COL_DOWNLOAD).data(SORT_ROLE) for r in range(16)]
    assert values == [None, *(10**15 + n for n in range(15, 0, -1))]
    assert proxy.index(1, PlatformsModel.COL_DOWNLOAD).data() == "1000.0 TB"
    inspector.grab().save(f"{SHOTS}/h3-sizes-failed.png")


def test_the_window_cancels_the_sizes_when_another_reference_is_inspected(
    qtbot: QtBot, window: MainWindow, pushed: Pushed
) -> None:
    registry = pushed.registry.host
    window.store.session_only(registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(registry, ALICE_USER)
    window.resize(1400, 900)
    inspector = window.inspector
    # What the lead's one-line change in main_window does (Inspector.bind for Files and sizes).
    inspector.bind(window.runner, lambda: window.client, window.sign_in.apply)
    inspector.sizes._known.clear()
    inspect_in_window(qtbot, window, pushed.reference("sixteen"))
    assert window.runner.is_busy(CHANNEL)
    window.reference_bar.setText(pushed.reference("plain"))
    qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)
    assert not window.runner.is_busy(CHANNEL)  # moving on cancels at once
    qtbot.waitUntil(inspector.platforms_box.isHidden, timeout=10_000)
    inspect_in_window(qtbot, window, pushed.reference("sixteen"))
    model = inspector.platforms_model
    qtbot.waitUntil(lambda: sized(model), timeout=20_000)
    assert inspector.platforms_box.sizes_line.text().startswith("16 platforms: ")
    window.grab().save(f"{SHOTS}/h3-window-sizes.png")


def test_an_index_too_big_to_measure_one_by_one_costs_no_request_and_says_so(
    qtbot: QtBot,
    pushed: Pushed,
    bound: tuple[Inspector, CountingClient, JobRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inspector, _client, runner = bound
    client = signed_in(pushed.registry)
    inspector.sizes.bind(runner, lambda: client, lambda _r: None)
    inspector.sizes._known.clear()
    monkeypatch.setattr(insp_sizes, "MEASURE_LIMIT", 15)  # the 16 platforms are one too many
    ins = inspect(client, parse_reference(pushed.reference("sixteen")))
    calls = len(client.calls)
    inspector.show_inspection(ins)
    assert not runner.is_busy(CHANNEL)
    qtbot.wait(200)
    assert len(client.calls) == calls  # not one request for the sizes
    model = inspector.platforms_model
    assert set(column(model, PlatformsModel.COL_DOWNLOAD)) == {"—"}
    assert inspector.platforms_box.sizes_line.text() == (
        "Download sizes not measured: more than 15 platforms are not measured one by one"
    )
