"""The inspect view's "Report ▾" (issue 14), through the real widgets against the real token
registry: Copy as Markdown (from the keyboard, with the download sizes once they arrived) and
Save as JSON… (the CLI's report with the sizes, written whole or not at all)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from acr_desktop.inspection import inspect
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.text import format_size
from acr_desktop.ui.insp_sizes import CHANNEL
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.worker import JobRunner
from tests.rig import ALICE_PASSWORD, ALICE_USER
from tests.ui.conftest import CountingClient
from tests.ui.test_inspector_rig import pick_from_popup
from tests.ui.test_main_window import inspect as inspect_in_window
from tests.ui.test_platform_sizes import SHOTS, Pushed, download, pushed, signed_in, sized

__all__ = ["pushed"]  # fixture


@pytest.fixture
def shown(qtbot: QtBot, pushed: Pushed) -> Iterator[tuple[Inspector, CountingClient]]:
    """The 16-platform index inspected (linux/arm64/v8 chosen), its sizes all in."""
    widget = Inspector()
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    client, runner = signed_in(pushed.registry), JobRunner()
    widget.bind(runner, lambda: client, lambda _registry: None)
    ref = parse_reference(pushed.reference("sixteen"))
    widget.show_inspection(inspect(client, ref, Platform("linux", "arm64", "v8")))
    qtbot.waitUntil(lambda: sized(widget.platforms_model), timeout=20_000)
    qtbot.waitUntil(lambda: not runner.is_busy(CHANNEL), timeout=20_000)
    yield widget, client
    runner.shutdown(2000)


def test_copy_as_markdown_from_the_keyboard_has_every_platforms_size(
    qtbot: QtBot, pushed: Pushed, shown: tuple[Inspector, CountingClient]
) -> None:
    inspector, _client = shown
    button = inspector.summary.report
    button.setFocus()
    assert button.hasFocus()
    copied: list[str] = []
    inspector.copied.connect(copied.append)
    seen: list[list[str]] = []
    pick_from_popup("Copy as Markdown", seen)
    qtbot.keyClick(button, Qt.Key.Key_Down)  # as the Copy ▾ buttons: Down opens the menu
    qtbot.waitUntil(lambda: bool(copied), timeout=5_000)
    assert seen == [["Copy as Markdown", "Save as JSON…"]]
    text = QGuiApplication.clipboard().text()
    assert text == copied[0]
    lines = text.splitlines()
    assert lines[0] == f"### {pushed.registry.host}/sizes/window:sixteen"
    assert "| Entry | Digest | Download size | Layers | Manifest bytes |" in lines
    for image in pushed.images:
        row = next(line for line in lines if line.endswith(f"`{image.digest}` | "
                   f"{format_size(download(image))} | 3 | {image.size:,} |"))  # fmt: skip
        assert image.platform is not None
        assert row.startswith(f"| {image.platform['os']}/{image.platform['architecture']}")
    assert any(line.startswith("| **All platforms** | 16 platforms: ") for line in lines)
    assert "#### Layers of linux/arm64/v8" in lines
    assert any(line.startswith("| attestation for linux/amd64 |") and "| — | — |" in line
               for line in lines)  # fmt: skip


def test_save_as_json_writes_the_report_with_the_sizes(
    qtbot: QtBot,
    pushed: Pushed,
    shown: tuple[Inspector, CountingClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inspector, _client = shown
    target = tmp_path / "report.json"
    asked: list[str] = []

    def choose(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "JSON (*.json)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    inspector.summary.report.json.trigger()
    assert Path(asked[0]).name == f"window-{pushed.top.digest.replace(':', '-')[:19]}-inspect.json"
    report = json.loads(target.read_text())
    assert report["schema"] == 1 and report["digest"] == pushed.top.digest
    by_digest = {e["digest"]: e for e in report["entries"]}
    for image in pushed.images:
        assert by_digest[image.digest]["download_size"] == download(image)
        assert by_digest[image.digest]["layer_count"] == 3
    attestation = next(e for e in report["entries"] if e["kind"] == "attestation")
    assert attestation["download_size"] is None
    assert report["download_sizes"]["summary"].startswith("16 platforms: ")
    assert report["selected_entry"]["platform"] == "linux/arm64/v8"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # nothing left beside it


def test_a_failed_save_says_why_and_leaves_the_file_there_as_it_was(
    qtbot: QtBot,
    shown: tuple[Inspector, CountingClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inspector, _client = shown
    target = tmp_path / "report.json"
    target.write_text("the report saved yesterday")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    assert inspector.summary.save_json() is None
    assert warned == [f"The report could not be written to {target}: No space left on device."]
    assert target.read_text() == "the report saved yesterday"  # whole or not at all
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: ("", ""))  # cancelled
    assert inspector.summary.save_json() is None and len(warned) == 1


def test_the_report_of_an_image_in_the_window_and_the_status_line(
    qtbot: QtBot,
    window: MainWindow,
    pushed: Pushed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = pushed.registry.host
    window.store.session_only(registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(registry, ALICE_USER)
    window.resize(1400, 900)
    inspect_in_window(qtbot, window, pushed.reference("plain"))
    summary = window.inspector.summary
    summary.report.markdown.trigger()
    text = QGuiApplication.clipboard().text()
    image = pushed.images[0]
    assert (
        f"| **Download size** | {format_size(download(image))} ({download(image):,} bytes)" in text
    )
    assert "#### Entries" not in text  # an image has none
    target = tmp_path / "plain.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    summary.report.json.trigger()
    assert json.loads(target.read_text())["kind"] == "image"
    assert window.statusBar().currentMessage().startswith("Saved the inspect report (")
    assert window.inspector.platforms_model.rowCount() == 0
    window.grab().save(f"{SHOTS}/h3-window-image-report.png")


def test_the_menus_copy_the_report_as_markdown_and_save_it_as_json(
    qtbot: QtBot,
    window: MainWindow,
    pushed: Pushed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    menus = window.menus
    copy = next(a for a in menus.edit.actions() if a.text() == "Copy report as Markdown")
    save = next(a for a in menus.file.actions() if a.text() == "Save report as JSON…")
    assert copy.shortcut().toString() == "Ctrl+Shift+M"
    copy.trigger()  # nothing inspected yet
    assert window.statusBar().currentMessage() == "Nothing to copy: inspect a reference first."
    registry = pushed.registry.host
    window.store.session_only(registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(registry, ALICE_USER)
    inspect_in_window(qtbot, window, pushed.reference("sixteen"))
    model = window.inspector.platforms_model
    qtbot.waitUntil(lambda: sized(model), timeout=20_000)  # the window measures by itself
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    text = QGuiApplication.clipboard().text()
    assert text.startswith(f"### {registry}/sizes/window:sixteen\n")
    assert any(
        line.startswith("| **All platforms** | 16 platforms: ") for line in text.splitlines()
    )
    target = tmp_path / "menu.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    save.trigger()
    report = json.loads(target.read_text())
    assert report["download_sizes"]["measured"] == 16
    assert window.statusBar().currentMessage().startswith("Saved the inspect report (")
