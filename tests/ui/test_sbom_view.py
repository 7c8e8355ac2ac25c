"""The SBOM window through real widgets: SBOMs built in code (filter, sort, counts, copy, CSV
export, keyboard, hostile text, 200,000 packages), the read job (loading, cancel, close, a
sentence on failure), then `open_sbom` against the real registry (`layers_registry`)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import NotFound
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.sbom import Package, Sbom, read_sbom
from acr_desktop.text import format_size
from acr_desktop.ui.messages import describe
from acr_desktop.ui.plain import tooltip
from acr_desktop.ui.sbom_view import PackagesModel, SbomWindow, open_sbom
from acr_desktop.ui.worker import JobRunner
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import supply as rig

TITLE = "SPDX SBOM of myreg.azurecr.io/team/app:1.4 (linux/amd64)"
THREE = Sbom(
    "SPDX 2.3",
    (
        Package("openssl", "3.0.11", "deb", "pkg:deb/debian/openssl@3.0.11", "Apache-2.0"),
        Package("lodash", "4.17.21", "npm", "pkg:npm/lodash@4.17.21", "MIT"),
        Package("libc6", "2.36-9", "deb", "", ""),
    ),
    "syft 1.2.0",
    "2025-01-02T03:04:05Z",
    None,
)


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)  # the windows are its children: deleted with it
    return widget


@pytest.fixture
def runner() -> Iterator[JobRunner]:
    jobs = JobRunner()
    yield jobs
    jobs.shutdown(2000)


def shown(sbom: Sbom, parent: QWidget) -> SbomWindow:
    window = SbomWindow(TITLE, parent)
    window.show_sbom(sbom)
    window.resize(900, 600)
    window.show()
    return window


def names(window: SbomWindow) -> list[str]:
    return [p.name for p in window.model.shown()]


def cells(window: SbomWindow, row: int) -> list[str]:
    model = window.table.model()
    return [model.index(row, c).data() for c in range(model.columnCount())]


def typed(qtbot: QtBot, window: SbomWindow, text: str) -> None:
    """Type `text` into the filter and wait for the debounced filter to apply it."""
    window.filter.setText(text)
    qtbot.waitUntil(lambda: window.model.text == text, timeout=2000)


def test_heading_counts_cells_and_filter(qtbot: QtBot, parent: QWidget) -> None:
    window = shown(THREE, parent)
    assert window.windowTitle() == TITLE and window.title.text() == TITLE
    assert window.heading.text().startswith("SPDX 2.3 · by syft 1.2.0 · created 2025-01-0")
    assert not window.notice.isVisible()
    assert window.count.text() == "3 packages"
    assert window.filter.placeholderText() == (
        "Filter packages — name, version, type, purl or licence"
    )
    assert cells(window, 2) == ["libc6", "2.36-9", "deb", "—", "—"]  # empty cells say so
    assert window.export_button.text() == "&Export CSV…"
    typed(qtbot, window, "DEB")  # case-free, any field
    assert names(window) == ["openssl", "libc6"]
    assert window.count.text() == "2 of 3 packages match"
    assert window.export_button.text() == "&Export 2 packages as CSV…"
    typed(qtbot, window, "apache")  # the licence
    assert window.count.text() == "1 of 3 packages matches"
    typed(qtbot, window, "pkg:npm deb")  # every word must match: none does
    assert window.count.text() == "0 of 3 packages match"
    assert not window.export_button.isEnabled()
    typed(qtbot, window, "")
    assert window.count.text() == "3 packages" and window.export_button.isEnabled()


def test_sorting_is_natural_and_keeps_the_filter(
    parent: QWidget, qtbot: QtBot, qtmodeltester: Any
) -> None:
    versions = Sbom("CycloneDX 1.5", tuple(
        Package(f"p{v}", v, "npm", "", "") for v in ("1.10.0", "1.9.2", "", "2.0", "1.9.10")
    ), None, None, "Stopped after 200,000 packages; the SBOM lists more.")  # fmt: skip
    window = shown(versions, parent)
    assert window.heading.text() == "CycloneDX 1.5"
    assert window.notice.isVisible() and window.notice.text().startswith("Stopped after")
    window.table.sortByColumn(PackagesModel.COL_VERSION, Qt.SortOrder.AscendingOrder)
    assert [p.version for p in window.model.shown()] == ["1.9.2", "1.9.10", "1.10.0", "2.0", ""]
    window.table.sortByColumn(PackagesModel.COL_NAME, Qt.SortOrder.DescendingOrder)
    assert names(window) == ["p2.0", "p1.10.0", "p1.9.10", "p1.9.2", "p"]
    typed(qtbot, window, "1.9")
    assert names(window) == ["p1.9.10", "p1.9.2"]  # filtered, still sorted
    window.table.sort_by(-1)
    assert names(window) == ["p1.9.2", "p1.9.10"]  # as listed
    qtmodeltester.check(window.model)


def test_copy_actions(parent: QWidget) -> None:
    window = shown(THREE, parent)
    assert [label for label, _ in window.table.copy_actions] == ["Copy purl", "Copy name@version"]
    window.table.selectAll()
    window.table.copy_default()  # Ctrl+C: the first action; a package without purl is left out
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == "pkg:deb/debian/openssl@3.0.11\npkg:npm/lodash@4.17.21"
    lines = window.table.copy_actions[1][1](window.table.selected_objects())
    assert lines == ["openssl@3.0.11", "lodash@4.17.21", "libc6@2.36-9"]


def test_export_writes_the_packages_shown_in_their_order(
    qtbot: QtBot, parent: QWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[Any, ...]] = []
    target = tmp_path / "out.csv"
    target.write_text("what was there before")

    def save_name(*args: Any) -> tuple[str, str]:
        asked.append(args)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window = shown(THREE, parent)
    window.export_name = "app-sbom.csv"
    typed(qtbot, window, "pkg:")
    window.table.sortByColumn(PackagesModel.COL_NAME, Qt.SortOrder.AscendingOrder)
    window.export_button.click()
    qtbot.waitUntil(lambda: window.status.text().startswith("Saved"), timeout=5000)
    assert asked[0][2] == str(Path.home() / "app-sbom.csv")
    size = format_size(target.stat().st_size)
    assert window.status.text() == f"Saved 2 packages as CSV ({size}) to {target}"
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows == [
        ["name", "version", "type", "purl", "licence"],
        ["lodash", "4.17.21", "npm", "pkg:npm/lodash@4.17.21", "MIT"],
        ["openssl", "3.0.11", "deb", "pkg:deb/debian/openssl@3.0.11", "Apache-2.0"],
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left
    target = tmp_path / "no-such-folder" / "out.csv"
    window.export_button.click()
    qtbot.waitUntil(lambda: "could not" in window.status.text(), timeout=5000)
    assert window.status.text() == (
        f"The CSV could not be written to {target}: No such file or directory."
    )
    assert window.isVisible()


def test_keyboard(qtbot: QtBot, parent: QWidget) -> None:
    window = shown(THREE, parent)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    assert window.focusWidget() is window.filter
    chain: list[QWidget] = [window.filter]
    for _ in range(3):
        qtbot.keyClick(QGuiApplication.focusObject(), Qt.Key.Key_Tab)
        chain.append(window.focusWidget())
    assert chain == [window.filter, window.table, window.export_button, window.close_button]
    qtbot.keyClick(window.close_button, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is window.filter
    qtbot.keyClicks(window.filter, "lodash")
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)  # at once, and no button pressed
    assert window.count.text() == "1 of 3 packages matches" and window.isVisible()
    qtbot.keyClick(window.filter, Qt.Key.Key_Escape)  # clears the filter, the window stays
    assert window.filter.text() == "" and window.count.text() == "3 packages"
    assert window.isVisible()
    qtbot.keyClick(window.filter, Qt.Key.Key_Escape)  # with nothing to clear: closes
    assert not window.isVisible()


def test_hostile_text_is_shown_as_text(qtbot: QtBot, parent: QWidget) -> None:
    purl = "pkg:npm/" + "a" * 292
    hostile = Sbom("SPDX 2.3", (
        Package("<b>bold</b>", "1", "npm", purl, "<img src=x>"),
        Package("evil\u202egnp.exe", "2\x1b[31m", "deb", "pkg:deb/x@2", "MIT"),
    ), "<i>" + "t" * 117, "not a time", "3 entries were not package objects.")  # fmt: skip
    window = shown(hostile, parent)
    for label in (window.heading, window.notice, window.title, window.count, window.status):
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert "by <i>ttt" in window.heading.text()
    first, second = cells(window, 0), cells(window, 1)
    assert first[:2] == ["<b>bold</b>", "1"] and first[4] == purl  # whole; the view elides
    assert second[:2] == ["evil\u27e8U+202E\u27e9gnp.exe", "2\u27e8U+001B\u27e9[31m"]
    tip = window.table.model().index(0, PackagesModel.COL_LICENCE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == tooltip("<img src=x>") and "&lt;img" in tip
    assert window.minimumSizeHint().width() < 600  # long values do not widen the window
    qtbot.wait(10)


def test_200000_packages_filter_and_sort(qtbot: QtBot, parent: QWidget, runner: JobRunner) -> None:
    kinds = ("deb", "npm", "pypi", "golang")
    big = Sbom("SPDX 2.3", tuple(
        Package(f"pkg-{i}", f"{i % 13}.{i % 101}", kinds[i % 4], f"pkg:{kinds[i % 4]}/pkg-{i}",
                "MIT" if i % 3 else "") for i in range(200_000)
    ), "syft", None, None)  # fmt: skip
    window = SbomWindow(TITLE, parent)
    window.load(runner, lambda: big)  # the index is made on the worker thread
    window.show()
    qtbot.waitUntil(lambda: window.sbom is big, timeout=20_000)
    assert window.count.text() == "200,000 packages"
    typed(qtbot, window, "PKG-19999")
    assert sorted(names(window)) == ["pkg-19999", *(f"pkg-19999{d}" for d in range(10))]
    window.table.sortByColumn(PackagesModel.COL_NAME, Qt.SortOrder.DescendingOrder)
    assert names(window)[:2] == ["pkg-199999", "pkg-199998"]
    typed(qtbot, window, "")
    window.table.sortByColumn(PackagesModel.COL_LICENCE, Qt.SortOrder.AscendingOrder)
    assert window.model.rowCount() == 200_000
    assert cells(window, 0)[3] == "MIT" and cells(window, 199_999)[3] == "—"  # empty last
    window.table.sortByColumn(PackagesModel.COL_VERSION, Qt.SortOrder.DescendingOrder)
    assert cells(window, 0)[1] == "12.100"


def _reading(gate: threading.Event) -> Callable[[], Sbom]:
    def read() -> Sbom:
        gate.wait(10)
        return THREE

    return read


def test_loading_cancel_and_close(qtbot: QtBot, parent: QWidget, runner: JobRunner) -> None:
    gate = threading.Event()
    window = SbomWindow(TITLE, parent)
    window.load(runner, _reading(gate))
    window.show()
    assert window.pages.currentIndex() == window.PAGE_LOADING
    assert window.loading.text() == "Reading the SBOM…" and window.cancel_button.isVisible()
    assert not window.export_button.isEnabled()
    window.cancel_button.click()
    assert window.problem.text() == "Stopped: the SBOM was not read."
    assert not runner.is_busy(window.channel)
    gate.set()
    qtbot.wait(50)
    assert window.sbom is None  # the cancelled answer is dropped
    window.close()  # closing while reading cancels the read
    second, never = SbomWindow(TITLE, parent), threading.Event()
    second.load(runner, _reading(never))
    second.show()
    assert runner.is_busy(second.channel)
    second.close()
    assert not runner.is_busy(second.channel)
    never.set()  # let its thread end


def test_a_failed_read_is_a_sentence(qtbot: QtBot, parent: QWidget, runner: JobRunner) -> None:
    error = NotFound("The manifest <b>x</b> was not found.", what="manifest")

    def read() -> Sbom:
        raise error

    window = SbomWindow(TITLE, parent)
    window.load(runner, read)
    window.show()
    qtbot.waitUntil(lambda: window.pages.currentIndex() == window.PAGE_PROBLEM, timeout=5000)
    assert window.problem.text() == describe(error).text
    assert window.problem.textFormat() == Qt.TextFormat.PlainText
    assert window.close_button.isEnabled() and window.isVisible()


# -- the real registry -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> rig.Supply:
    return rig.push_supply(layers_registry, "supply/ui-sbom")


@pytest.mark.registry
def test_open_sbom_reads_it_from_the_registry(
    qtbot: QtBot, parent: QWidget, runner: JobRunner, supply: rig.Supply
) -> None:
    client = RegistryClient()
    client.transport.set_credentials(supply.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    ref = parse_reference(supply.ref("image"))
    subject = client.get_manifest(ref).reference
    spdx = next(
        d for d in client.referrers(subject).descriptors if d.digest == supply["spdx"].digest
    )
    window = open_sbom(parent, runner, client, ref, spdx, f"SPDX SBOM of {ref}")
    assert window.isVisible() and window.windowTitle() == f"SPDX SBOM of {ref}"
    assert window.export_name == "ui-sbom-sbom.csv"
    qtbot.waitUntil(lambda: window.sbom is not None, timeout=10_000)
    assert names(window) == [row[0] for row in rig.PACKAGES]
    assert window.heading.text().startswith("SPDX 2.3")
    wrong = Descriptor(spdx.media_type, "sha256:" + "0" * 64, spdx.size)
    with pytest.raises(NotFound) as expected:
        read_sbom(client, ref, wrong)
    failed = open_sbom(parent, runner, client, ref, wrong, "SPDX SBOM that is not there")
    qtbot.waitUntil(lambda: failed.pages.currentIndex() == failed.PAGE_PROBLEM, timeout=10_000)
    assert failed.problem.text() == describe(expected.value).text
