"""The compare window and its entry points, through real widgets: hand-made comparisons first
(what is shown, in words, by keyboard), then the controller's jobs (cancel, close), then end to
end against images pushed to `layers_registry`."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from acr_desktop import compare as compare_module
from acr_desktop.compare import Comparison, FieldChange, LayerPair, PlatformComparison
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import FetchedManifest
from acr_desktop.registry.image_config import HistoryStep
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.ui.compare_models import LayerPairsModel
from acr_desktop.ui.compare_view import CompareWindow
from acr_desktop.ui.comparing import CompareDialog
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.roles import SORT_ROLE
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.compare_images import CompareImages, push_compare_images
from tests.ui.conftest import CountingClient

SHOTS = Path("/tmp/team/shots")
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG = "application/vnd.oci.image.config.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def layer(seed: str, size: int) -> Descriptor:
    return Descriptor(LAYER, digest(seed), size)


def fetched(ref: Reference, seed: str, layers: tuple[Descriptor, ...] = ()) -> FetchedManifest:
    manifest = ImageManifest(MANIFEST, Descriptor(CONFIG, digest(seed + "config"), 1000), layers)
    d = digest(seed)
    return FetchedManifest(ref.with_digest(d), b"{}", d, MANIFEST, manifest, d, "requested digest")


def step(text: str) -> HistoryStep:
    return HistoryStep("2024-01-02T03:04:05Z", text, None, False, None)


BASE = layer("base", 30_000_000)
APP_A, APP_B = layer("app-a", 2_000_000), layer("app-b", 2_500_000)
GZ1, GZ9 = layer("gz1", 5_000_000), layer("gz9", 4_000_000)
OLD = layer("old", 700_000)
NEW = layer("new", 1_200_000)


def platform(
    label: str, left: Reference, right: Reference, *, same: bool = False
) -> PlatformComparison:
    left_layers = (BASE, APP_A, GZ1, OLD)
    right_layers = left_layers if same else (BASE, APP_B, GZ9, NEW)
    pairs = (LayerPair("shared", BASE, BASE, 0, 0, None),) + (
        ()
        if same
        else (
            LayerPair("removed", APP_A, None, 1, None, None),
            LayerPair("recompressed", GZ1, GZ9, 2, 2, digest("tar")),
            LayerPair("removed", OLD, None, 3, None, None),
            LayerPair("added", None, APP_B, None, 1, None),
            LayerPair("added", None, NEW, None, 3, None),
        )
    )
    changes = (
        ()
        if same
        else (
            FieldChange("env", "VERSION", "1.4", "1.5"),
            FieldChange("label", "org.opencontainers.image.version", "1.4", None),
            FieldChange("cmd", None, '["serve"]', '["serve", "--fast"]'),
            FieldChange("base name", None, None, "docker.io/library/debian:12"),
        )
    )
    return PlatformComparison(
        label=label,
        left=fetched(left, label + "L", left_layers),
        right=fetched(right, label + ("L" if same else "R"), right_layers),
        left_config=None,
        right_config=None,
        layers=pairs,
        config_changes=changes,
        left_history=(step("ADD rootfs.tar /"), step("RUN make app")),
        right_history=(step("ADD rootfs.tar /"), step("RUN make app --fast"), step("USER app")),
        files=None,
        problems=(),
    )


def comparison(
    left_text: str = "example.test/app:1.4",
    right_text: str = "example.test/app:1.5",
    labels: tuple[str, ...] = ("linux/amd64", "linux/arm64"),
    *,
    identical: bool = False,
) -> Comparison:
    left, right = Reference(*_split(left_text)), Reference(*_split(right_text))
    platforms = tuple(platform(label, left, right, same=n == 1) for n, label in enumerate(labels))
    top_l = fetched(left, "top-left")
    top_r = top_l if identical else fetched(right, "top-right")
    return Comparison(
        left_ref=left,
        right_ref=right,
        left=top_l,
        right=top_r,
        identical=identical,
        platforms=() if identical else platforms,
        only_left=() if identical else ("linux/s390x",),
        only_right=() if identical else ("windows/amd64",),
        notes=(),
    )


def _split(text: str) -> tuple[str, str, str]:
    registry, _, rest = text.partition("/")
    repository, _, tag = rest.rpartition(":")
    return registry, repository, tag


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[CompareWindow]:
    win = CompareWindow()
    qtbot.addWidget(win)
    win.resize(1100, 720)
    win.show()
    yield win


def cells(model: Any, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def shot(widget: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


# -- what is shown ------------------------------------------------------------------------------
def test_identical_says_so_at_once(view: CompareWindow) -> None:
    view.show_comparison(comparison(identical=True))
    assert view.verdict.isVisible()
    assert view.verdict.text().startswith("Identical")
    assert not view.chooser_row.isVisible()
    assert view.body.currentIndex() == 0  # no tables to read
    assert view.copy_button.isEnabled() and view.save_button.isEnabled()


def test_layers_side_by_side_in_words_with_size_change(view: CompareWindow) -> None:
    view.show_comparison(comparison())
    model = view.layers_model
    states = cells(model, LayerPairsModel.COL_STATE)
    assert states == [
        "= same layer", "− removed", "≈ recompressed", "− removed", "+ added", "+ added"
    ]  # fmt: skip
    deltas = cells(model, LayerPairsModel.COL_DELTA)
    assert deltas[0] == "0 B" and deltas[1] == "−2.0 MB" and deltas[2] == "−1.0 MB"
    assert deltas[4] == "+2.5 MB"
    # The colour only adds to the words: every changed row has both.
    for row, state in enumerate(states):
        colour = model.index(row, LayerPairsModel.COL_STATE).data(Qt.ItemDataRole.ForegroundRole)
        assert (colour is None) == (state == "= same layer")
    tip = model.index(2, LayerPairsModel.COL_STATE).data(Qt.ItemDataRole.ToolTipRole)
    assert "same content" in tip.lower() and digest("tar") in tip
    # Sizes sort on raw values, not on their text.
    view.layers.sort_by(LayerPairsModel.COL_DELTA)
    raw = [model.index(r, LayerPairsModel.COL_DELTA).data(SORT_ROLE) for r in range(6)]
    assert raw == sorted(raw)
    assert "download size change" in view.platform_summary.text()
    assert "1 same, 1 recompressed, 2 added, 2 removed" in view.platform_summary.text()


def test_platforms_matched_and_one_sided_listed(view: CompareWindow) -> None:
    view.show_comparison(comparison())
    assert view.chooser.count() == 2
    assert view.chooser.itemText(0).startswith("linux/amd64 — 5 layers differ")
    assert view.chooser.itemText(1) == "linux/arm64 — identical"
    assert view.one_side.text() == "Only in A: linux/s390x · Only in B: windows/amd64"
    assert view.verdict.text() == "Different: 1 of 2 platforms differs"


def test_config_history_and_absent_values(view: CompareWindow) -> None:
    view.show_comparison(comparison())
    assert view.tabs.tabText(1) == "&Config (4)"
    config = view.config_model
    assert cells(config, 0) == ["env", "label", "cmd", "base name"]
    assert cells(config, 3)[1] == "(not set)" and cells(config, 2)[3] == "(not set)"
    history = view.history_model
    assert cells(history, 1) == ["same", "differs", "B only"]
    assert cells(history, 3)[2] == "USER app"


def test_keyboard_only_platforms_tabs_and_escape(qtbot: QtBot, view: CompareWindow) -> None:
    view.show_comparison(comparison())
    view.activateWindow()
    view.chooser.setFocus()
    qtbot.keyClick(view.chooser, Qt.Key.Key_Down)
    assert view.current_platform() == "linux/arm64"
    assert cells(view.layers_model, LayerPairsModel.COL_STATE) == ["= same layer"]
    # Ctrl+Tab moves between the tabs; Alt+<mnemonic> reaches each one.
    qtbot.keyClick(view.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert view.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    qtbot.keyClick(view, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert view.tabs.currentIndex() == 2  # &History
    qtbot.keyClick(view, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert view.chooser.hasFocus()  # &Platform:
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # nothing running: Esc closes
    assert not view.isVisible()


def test_esc_stops_a_running_compare(qtbot: QtBot, view: CompareWindow) -> None:
    left = Reference("example.test", "app", "1.4")
    view.start(left, left.with_tag("1.5"))
    assert view.busy and view.stop_button.isEnabled()
    with qtbot.waitSignal(view.stop_wanted):
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.isVisible()  # Esc stops first; it closes only when nothing runs


def test_hostile_names_are_one_line_and_plain(qtbot: QtBot, view: CompareWindow) -> None:
    evil = "example.test/" + "a/" * 60 + "app:<b>evil</b>\u202egnp"
    c = comparison(evil, "example.test/app:1.5")
    hostile = dataclass_replace_label(c, "linux/amd64\n<i>x</i>\u202e|`")
    view.show_comparison(hostile)
    assert "\n" not in view.chooser.itemText(0)
    assert "\u202e" not in view.chooser.itemText(0)
    assert view.header.text().startswith(evil)  # whole in text() / tooltip, elided when drawn
    assert "…" in view.header.shown_text()
    assert view.windowTitle().count("\n") == 0


def dataclass_replace_label(c: Comparison, label: str) -> Comparison:
    import dataclasses

    first = dataclasses.replace(c.platforms[0], label=label)
    return dataclasses.replace(c, platforms=(first, *c.platforms[1:]))


def test_fits_1400_by_900_with_long_references_and_many_platforms(
    qtbot: QtBot, view: CompareWindow
) -> None:
    left = (
        "registry.example.test/" + "team/" * 12 + "service-with-a-long-name:2024.11.29-build.1234"
    )
    labels = tuple(f"linux/arch{n}/v{n}" for n in range(18))
    view.resize(1400, 900)
    view.show_comparison(comparison(left, left.replace("1234", "1235"), labels))
    qtbot.wait(50)
    assert view.width() <= 1400 and view.height() <= 900
    assert view.layers.isVisible() and view.layers.viewport().height() > 200
    assert view.chooser.count() == 18
    shot(view, "compare-1400x900")
    view.tabs.setCurrentIndex(1)
    shot(view, "compare-config")
    view.tabs.setCurrentIndex(2)
    shot(view, "compare-history")
    view.tabs.setCurrentIndex(3)
    shot(view, "compare-files-none")


# -- the entry points and the jobs --------------------------------------------------------------
A = Reference("example.test", "team/app", "1.4")
B = Reference("example.test", "team/app", "1.5")


def fake_compare(monkeypatch: pytest.MonkeyPatch, answer: Callable[..., Comparison]) -> list[Any]:
    """Replace the compare service (the window imports it when a job starts)."""
    calls: list[Any] = []

    def compare(client: Any, left: Reference, right: Reference, **options: Any) -> Comparison:
        calls.append((left, right, options))
        return answer(left, right, options)

    monkeypatch.setattr(compare_module, "compare", compare)
    return calls


def compare_window(window: MainWindow) -> CompareWindow:
    shown = window.view.comparing.window
    assert shown is not None
    return shown


def test_tools_menu_entry_and_no_shortcut_clash(window: MainWindow) -> None:
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tools")
    assert isinstance(tools, QMenu)
    action = next(a for a in tools.actions() if a.text() == "Compare with…")
    assert action.shortcut() == QKeySequence("Ctrl+Shift+K")
    keys: list[str] = []

    def walk(menu: QMenu) -> None:
        for a in menu.actions():
            sub = a.menu()
            if isinstance(sub, QMenu):
                walk(sub)
            elif not a.shortcut().isEmpty():
                keys.append(a.shortcut().toString())

    for top in window.menuBar().actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub)
    assert len(keys) == len(set(keys)), sorted(keys)
    assert "Ctrl+Shift+K" in keys


def test_compare_with_from_the_bar_by_keyboard(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_compare(monkeypatch, lambda left, right, _o: comparison(str(left), str(right)))
    window.inspecting.current = A  # what the reference bar shows
    window.activateWindow()
    qtbot.keyClick(
        window,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.view.comparing.dialog
    assert isinstance(dialog, CompareDialog)
    assert dialog.left_edit.text() == str(A)
    assert dialog.right_edit.text() == "example.test/team/app:"
    edit = dialog.right_edit
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit and not edit.hasSelectedText())
    assert edit.cursorPosition() == len(edit.text())  # typing adds the tag
    qtbot.keyClicks(dialog.right_edit, "1.5")
    qtbot.keyClick(dialog.right_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.view.comparing.window is not None)
    view = compare_window(window)
    qtbot.waitUntil(lambda: view.comparison is not None)
    assert calls[0][:2] == (A, B)
    assert view.header.text() == f"{A} ⇄ {B}"
    assert view.chooser.count() == 2 and not view.busy


def test_the_dialog_says_what_is_wrong_and_stays(qtbot: QtBot, window: MainWindow) -> None:
    window.inspecting.current = A
    dialog = window.view.comparing.ask()
    dialog.right_edit.setText("example.test/team/app:bad tag!")
    qtbot.keyClick(dialog.right_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.problem.isVisible() and dialog.problem.text().startswith("B: ")
    assert window.view.comparing.window is None


def test_tag_pane_pairs_compare_at_once_and_one_tag_asks(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_compare(monkeypatch, lambda left, right, _o: comparison(str(left), str(right)))
    pane = window.navigator.tag_pane
    pane.compare_wanted.emit(A, B)  # "Compare these two"
    view = compare_window(window)
    qtbot.waitUntil(lambda: view.comparison is not None)
    assert calls[0][:2] == (A, B)
    pane.compare_wanted.emit(B, None)  # "Compare with…" on one tag: that tag is A
    dialog = window.view.comparing.dialog
    assert dialog is not None and dialog.left_edit.text() == str(B)


def blocking(started: threading.Event) -> Callable[..., Comparison]:
    from acr_desktop.registry.operation import sleep_cancellable

    def answer(left: Reference, right: Reference, _options: Any) -> Comparison:
        started.set()
        sleep_cancellable(30)  # raises Cancelled once the job is cancelled
        raise AssertionError("not cancelled")

    return answer


def test_stop_and_esc_cancel_the_compare(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()
    fake_compare(monkeypatch, blocking(started))
    view = window.view.comparing.compare(A, B)
    qtbot.waitUntil(started.is_set)
    assert view.busy and view.status.text() == f"Comparing {A} with {B}…"
    view.activateWindow()  # the person is in the compare window (the main window has Esc too)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.runner.is_busy("compare"))
    assert not view.stop_button.isEnabled() and view.isVisible()
    assert view.status.text() == "Stopped."
    started.clear()
    window.view.comparing.compare(A, B)
    qtbot.waitUntil(started.is_set)
    view.stop_button.setFocus()
    qtbot.keyClick(view.stop_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.runner.is_busy("compare"))


def test_closing_the_window_ends_its_jobs(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()
    fake_compare(monkeypatch, blocking(started))
    view = window.view.comparing.compare(A, B)
    qtbot.waitUntil(started.is_set)
    view.close()
    qtbot.waitUntil(lambda: not window.runner.is_busy("compare"))
    assert window.view.comparing.window is None


def test_a_failure_is_one_sentence(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acr_desktop.registry.errors import NotFound

    def answer(left: Reference, right: Reference, _options: Any) -> Comparison:
        raise NotFound(f"{right} was not found.", what="tag")

    fake_compare(monkeypatch, answer)
    view = window.view.comparing.compare(A, B)
    qtbot.waitUntil(lambda: not view.busy)
    assert "not found" in view.status.text() and "Traceback" not in view.status.text()
    assert view.comparison is None and not view.copy_button.isEnabled()


def test_list_files_runs_in_a_job_and_shows_the_changes(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_compare(monkeypatch, lambda left, right, _o: comparison(str(left), str(right)))
    asked: list[Any] = []
    changes = (
        compare_module.FileChange("etc/app.conf", "changed", 120, 180),
        compare_module.FileChange("usr/bin/new", "added", None, 5_000_000),
        compare_module.FileChange("usr/bin/old", "removed", 4_000_000, None),
    )

    def compare_files(client: Any, pc: PlatformComparison, **options: Any) -> Any:
        asked.append((pc.label, options))
        return changes

    monkeypatch.setattr(compare_module, "compare_files", compare_files)
    view = window.view.comparing.compare(A, B)
    qtbot.waitUntil(lambda: view.comparison is not None)
    view.tabs.setCurrentIndex(3)
    assert view.list_files.isVisible() and not view.files.isVisible()
    view.list_files.setFocus()
    qtbot.keyClick(view.list_files, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.files_model.rowCount() == 3)
    assert asked[0][0] == "linux/amd64" and asked[0][1]["cached_only"] is False
    assert cells(view.files_model, 0) == ["≠ changed", "+ added", "− removed"]
    assert not view.list_files.isVisible() and view.files.isVisible()
    assert view.comparison is not None and view.comparison.platforms[0].files == changes
    shot(view, "compare-files-listed")


# -- end to end against the real registry -------------------------------------------------------
@pytest.fixture(scope="module")
def images(layers_registry: Registry) -> CompareImages:
    return push_compare_images(layers_registry)


def signed_in_window(window: MainWindow, images: CompareImages) -> MainWindow:
    window.store.session_only(images.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(images.registry, ALICE_USER)
    return window


def compared(qtbot: QtBot, window: MainWindow, left: str, right: str) -> CompareWindow:
    view = window.view.comparing.compare(parse_reference(left), parse_reference(right))
    view.resize(1400, 900)
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    assert view.comparison is not None, view.status.text()
    return view


def manifest_gets(window: MainWindow) -> list[str]:
    client = window.client
    assert isinstance(client, CountingClient)
    calls = client.calls
    return [path for method, path, status in calls if "/manifests/" in path and status == 200]


def test_real_v1_with_v2_platforms_layers_config_history(
    qtbot: QtBot, window: MainWindow, images: CompareImages
) -> None:
    signed_in_window(window, images)
    view = compared(qtbot, window, images.ref("v1"), images.ref("v2"))
    labels = [view.chooser.itemData(n) for n in range(view.chooser.count())]
    assert labels == ["linux/amd64", "linux/arm64"]
    assert view.one_side.text() == "Only in A: linux/arm/v7 · Only in B: linux/s390x"
    assert view.verdict.text() == "Different: 2 of 2 platforms differ"
    states = cells(view.layers_model, LayerPairsModel.COL_STATE)
    assert states[0] == "= same layer" and states[1] == "≈ recompressed"
    assert states.count("+ added") == 2 and states.count("− removed") == 1
    parts, keys = cells(view.config_model, 0), cells(view.config_model, 1)
    config = set(zip(parts, keys, strict=True))
    assert ("env", "APP_VERSION") in config and ("user", "—") in config
    assert any(part.startswith("base") for part, _ in config)
    assert "differs" in cells(view.history_model, 1)
    shot(view, "compare-real-layers")
    view.tabs.setCurrentIndex(1)
    shot(view, "compare-real-config")
    view.tabs.setCurrentIndex(2)
    shot(view, "compare-real-history")


def test_real_identical_at_once_with_two_requests(
    qtbot: QtBot, window: MainWindow, images: CompareImages
) -> None:
    signed_in_window(window, images)
    before = len(manifest_gets(window))
    view = compared(qtbot, window, images.ref("v1"), images.ref("same"))
    assert view.verdict.text().startswith("Identical")
    assert len(manifest_gets(window)) - before == 2  # the two tops, nothing more
    shot(view, "compare-real-identical")


def test_real_files_listed_on_request(
    qtbot: QtBot, window: MainWindow, images: CompareImages
) -> None:
    signed_in_window(window, images)
    view = compared(qtbot, window, images.ref("v1-amd64"), images.ref("v2-amd64"))
    assert view.verdict.text() == "Different images"
    assert not view.chooser_row.isVisible()  # nothing to choose between two plain images
    view.tabs.setCurrentIndex(3)
    assert view.list_files.isVisible()
    view.list_files.setFocus()
    qtbot.keyClick(view.list_files, Qt.Key.Key_Space)
    qtbot.waitUntil(view.files.isVisible, timeout=30_000)
    files = dict(zip(cells(view.files_model, 4), cells(view.files_model, 0), strict=True))
    assert files.get("app/new.txt") == "+ added"
    assert files.get("app/old.txt") == "− removed"
    assert files.get("app/app.py") == "≠ changed"
    assert "app/same.txt" not in files
    shot(view, "compare-real-files")


def test_real_copy_as_markdown_and_save_as_json(
    qtbot: QtBot,
    window: MainWindow,
    images: CompareImages,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed_in_window(window, images)
    view = compared(qtbot, window, images.ref("v1-amd64"), images.ref("hostile"))
    view.copy_button.setFocus()
    qtbot.keyClick(view.copy_button, Qt.Key.Key_Space)
    markdown = QGuiApplication.clipboard().text()
    assert markdown.startswith("## Compare ") and "compare/app:hostile" in markdown
    assert "\x1b" not in markdown and "\u202e" not in markdown
    target = tmp_path / "compare.json"
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "")
    )
    sentence = view.save_json()
    assert sentence is not None and str(target) in sentence
    saved = json.loads(target.read_text())
    assert "schema_version" in saved
    assert not list(tmp_path.glob(".compare-*"))  # the temporary file was renamed
    shot(view, "compare-real-hostile")
    view.tabs.setCurrentIndex(1)
    texts = [view.config_model.index(r, c).data() for r in range(21) for c in range(4)]
    assert not any("\n" in t or "\x1b" in t or "\u202e" in t for t in texts)
    shot(view, "compare-real-hostile-config")


def test_fits_a_1400_by_900_screen_at_150_percent(qtbot: QtBot, view: CompareWindow) -> None:
    """At 150 % a 1400×900 screen is 933×600 device-independent pixels."""
    view.show_comparison(comparison())
    hint = view.minimumSizeHint()
    assert hint.width() <= 933 and hint.height() <= 600, hint
    view.resize(933, 600)
    qtbot.wait(20)
    assert view.layers.viewport().height() > 100
    shot(view, "compare-933x600")


def test_esc_stops_a_file_listing_and_the_button_comes_back(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acr_desktop.registry.operation import sleep_cancellable

    fake_compare(monkeypatch, lambda left, right, _o: comparison(str(left), str(right)))
    started = threading.Event()

    def compare_files(client: Any, pc: PlatformComparison, **options: Any) -> Any:
        started.set()
        sleep_cancellable(30)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(compare_module, "compare_files", compare_files)
    view = window.view.comparing.compare(A, B)
    qtbot.waitUntil(lambda: view.comparison is not None)
    view.tabs.setCurrentIndex(3)
    view.list_files.click()
    qtbot.waitUntil(started.is_set)
    assert not view.list_files.isEnabled() and view.stop_button.isEnabled()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.runner.is_busy("compare-files"))
    assert view.list_files.isEnabled() and view.isVisible()
    assert view.status.text() == "Stopped listing the files."
    assert view.comparison is not None  # what was compared stays
