"""The Files tab used as a person uses it: the Path column takes the room (at 1400×900, at 150 %
and at 800×600, each in a process of its own), Esc stops a listing, Tab and Enter get around,
Ctrl+C copies paths, the layout a person chose comes back, hostile names are one literal line,
and a whole task from the keyboard on a real X desktop (Xvfb + openbox + xdotool).

Run as a program (`python -m tests.ui.test_files_desktop REF SETTINGS PNG`), it is the child
of the screen-size tests: it opens the window, shows layer 2's files, and prints where
everything ended up as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTreeView, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.layer_entries import EntryKind
from acr_desktop.ui.file_preview_dialog import FilePreviewDialog
from acr_desktop.ui.files_columns import CELL_PADDING, MIN_PATH_CHARS, ColumnFit
from acr_desktop.ui.files_models import EntriesModel
from acr_desktop.ui.files_panel import FilesPanel
from acr_desktop.ui.files_tree import TreeModel
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import OBJECT_ROLE
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.tables import RowTable
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.desktop import App, Desktop
from tests.rig.layers import (
    Member,
    PushedImage,
    debian_like,
    layer,
    push_layers_image,
    simple_layer,
    whiteout_layers,
)

SHOTS = Path("/tmp/team/h6-shots")  # looked at by people; not part of the repository
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def token_registry(layers_registry: Registry) -> Registry:
    """The layers tests' own token registry: what they push stays out of the shared catalog."""
    return layers_registry


@pytest.fixture(scope="module")
def three(token_registry: Registry) -> PushedImage:
    """The three-layer image (overwrite, whiteout, opaque folder) in the token registry."""
    base, one, two = whiteout_layers()
    blobs = [layer(base, "gzip"), layer(one, "zstd"), layer(two, "none")]
    return push_layers_image(token_registry, "files/desktop", "three", blobs, docker=True)


def signed_in(qtbot: QtBot, window: MainWindow, image: PushedImage) -> None:
    """The window at 1400×900, signed in for this session, showing `image`."""
    window.store.session_only(image.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(image.registry, ALICE_USER)
    window.resize(1400, 900)
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.reference_bar.setText(image.reference)
        qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)


def files_shown(qtbot: QtBot, window: MainWindow, layer: int) -> None:
    """The Files tab is on show with layer `layer` (0-based), and its entries arrived."""
    inspector = window.inspector
    qtbot.waitUntil(lambda: inspector.tabs.currentWidget() is inspector.files, timeout=5_000)
    assert inspector.files.shown_layer == layer
    qtbot.waitUntil(lambda: inspector.files.entries_model.rowCount() > 0, timeout=20_000)


def shot(widget: QWidget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path))
    return path


def header_of(view: QAbstractItemView) -> QHeaderView:
    return view.header() if isinstance(view, QTreeView) else view.horizontalHeader()  # type: ignore[attr-defined]


def widths(view: QAbstractItemView) -> list[int]:
    header = header_of(view)
    return [header.sectionSize(c) for c in range(header.count())]


def elided_cells(view: QAbstractItemView, skip: int, rows: int = 50) -> list[tuple[int, str]]:
    """(column, text) of the cells of the first `rows` rows, column `skip` aside, whose text is
    wider than their column."""
    model, metrics, sizes = view.model(), view.fontMetrics(), widths(view)
    found = []
    for row in range(min(rows, model.rowCount())):
        for column, width in enumerate(sizes):
            text = model.index(row, column).data()
            fits = metrics.horizontalAdvance(text or "") + CELL_PADDING // 2 <= width
            if column != skip and isinstance(text, str) and not fits:
                found.append((column, text))
    return found


def show_layer_by_enter(qtbot: QtBot, window: MainWindow, layer: int) -> FilesPanel:
    """Layers tab, row `layer` (0-based), Enter: its files; every layer listed."""
    inspector = window.inspector
    inspector.tabs.setCurrentIndex(0)
    layers = inspector.layers
    layers.setFocus()
    layers.setCurrentIndex(layers.model().index(layer, 0))
    qtbot.keyClick(layers, Qt.Key.Key_Return)
    files_shown(qtbot, window, layer)
    panel = inspector.files
    qtbot.waitUntil(lambda: panel.files.fs is not None and not panel.files.busy, timeout=20_000)
    return panel


# -- the columns -----------------------------------------------------------------------------------
def test_the_path_column_takes_the_room_the_others_leave(
    qtbot: QtBot,
    window: MainWindow,
    three: PushedImage,
) -> None:
    signed_in(qtbot, window, three)  # 1400×900
    panel = show_layer_by_enter(qtbot, window, 1)
    table = panel.table
    sizes = widths(table)
    path = EntriesModel.COL_PATH
    assert sum(sizes) == table.viewport().width(), sizes  # no room left over, none missing
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible(), timeout=5_000)
    assert sizes[path] == max(sizes), sizes
    assert elided_cells(table, path) == []  # "deleted", owners, times: whole
    shot(window, "layer-1400x900.png")

    window.resize(1800, 900)  # a wider window: the Path column takes it all
    qtbot.waitUntil(lambda: widths(table)[path] > sizes[path], timeout=5_000)
    wider = widths(table)
    assert [w for c, w in enumerate(wider) if c != path] == [
        w for c, w in enumerate(sizes) if c != path
    ]
    window.resize(1400, 900)

    panel.scope.setCurrentIndex(0)  # the whole image: the tree's Name column the same way
    tree = panel.tree
    tree.expandToDepth(0)  # as many rows as fit: no vertical scroll bar takes room
    qtbot.waitUntil(lambda: sum(widths(tree)) == tree.viewport().width(), timeout=5_000)
    qtbot.waitUntil(lambda: not tree.horizontalScrollBar().isVisible(), timeout=5_000)
    names = widths(tree)
    assert names[TreeModel.COL_NAME] == max(names), names
    assert elided_cells(tree, TreeModel.COL_NAME) == []  # hardlink, symlink targets: whole
    waste = widths(panel.waste)
    assert waste[1] == max(waste) and sum(waste) == panel.waste.viewport().width()
    shot(window, "whole-1400x900.png")


def test_a_column_a_person_sizes_stays_and_comes_back_next_time(
    qtbot: QtBot,
    window: MainWindow,
    three: PushedImage,
    tmp_path: Path,
) -> None:
    signed_in(qtbot, window, three)
    panel = show_layer_by_enter(qtbot, window, 1)
    table, owner = panel.table, EntriesModel.COL_OWNER
    header = table.horizontalHeader()
    chosen = widths(table)[owner] + 12  # wider by what the Path column can give
    header.resizeSection(owner, chosen)  # as a drag of the column's edge does
    assert widths(table)[owner] == chosen
    assert sum(widths(table)) == table.viewport().width()  # the Path column gave the room
    table.columns.fit()  # rows arrive: measured again, the person's width kept
    assert widths(table)[owner] == chosen
    sizes = panel.split.sizes()
    panel.split.setSizes([sizes[0] - 100, *sizes[1:-1], sizes[-1] + 100])
    kept = panel.split.sizes()

    settings = Preferences(QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    panel.save_state(settings)
    again = FilesPanel()
    qtbot.addWidget(again)
    again.resize(panel.size())
    again.restore_state(settings)
    again.views.setCurrentWidget(again.table)
    again.show()
    again.table.columns.natural = list(table.columns.natural)  # the same rows measured
    again.table.columns.apply()
    assert widths(again.table)[owner] == chosen
    assert again.split.sizes()[-1] == kept[-1]
    assert again.table.columns.fill  # the Path column still takes the rest
    qtbot.waitUntil(lambda: sum(widths(again.table)) == again.table.viewport().width())


def test_a_person_sizing_the_path_column_keeps_that_width(qtbot: QtBot) -> None:
    table = RowTable(EntriesModel())
    fit = ColumnFit(table, EntriesModel.COL_PATH, EntriesModel.SAMPLES)
    qtbot.addWidget(table)
    table.resize(900, 300)
    table.show()
    fit.fit()
    table.horizontalHeader().resizeSection(EntriesModel.COL_PATH, 150)
    table.resize(1200, 300)
    qtbot.waitUntil(lambda: table.viewport().width() > 1000, timeout=5_000)
    assert widths(table)[EntriesModel.COL_PATH] == 150
    assert not fit.fill


# -- keys ----------------------------------------------------------------------------------------
def test_escape_in_the_files_tab_stops_the_listing_and_is_the_windows_again_after(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    big = push_layers_image(token_registry, "files/debian", "escape", [debian_like()])
    signed_in(qtbot, window, big)
    inspector, panel = window.inspector, window.inspector.files
    cancel = next(a for a in window.menus.go.actions() if a.text() == "Cancel the inspect")
    window_escapes: list[bool] = []
    cancel.triggered.connect(lambda _=False: window_escapes.append(True))
    stopped: list[int] = []

    def escape_at_the_first_batch(_layer: int, _batch: object) -> None:
        if not stopped:
            panel.table.setFocus()
            qtbot.keyClick(panel.table, Qt.Key.Key_Escape)  # shortcuts are tried first, as for real
            stopped.append(panel.entries_model.rowCount())

    panel.files.entries_added.connect(escape_at_the_first_batch)
    inspector.show_files(0)
    qtbot.waitUntil(lambda: bool(stopped) and not panel.files.runner.busy, timeout=20_000)
    assert window_escapes == []  # the key was the Files tab's
    assert panel.progress.text() == "Stopped: 0 of 1 layers listed"
    assert 0 < panel.entries_model.rowCount() < 30_000
    qtbot.keyClick(panel.table, Qt.Key.Key_Escape)  # nothing runs here: the window's Esc
    assert window_escapes == [True]


def test_tab_enter_and_ctrl_c_in_the_files_tab(
    qtbot: QtBot,
    window: MainWindow,
    three: PushedImage,
) -> None:
    signed_in(qtbot, window, three)
    panel = show_layer_by_enter(qtbot, window, 2)
    panel.scope.setFocus()
    order: list[QWidget | None] = [panel.scope]
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order[:3] == [panel.scope, panel.find_box, panel.table]  # Stop is hidden: skipped
    assert order[3] is panel.preview_button  # Find and Waste are hidden here
    table = panel.table
    table.setFocus()
    model = panel.entries_model
    rows = {model.index(r, 0).data(OBJECT_ROLE).path: r for r in range(model.rowCount())}
    table.selectRow(rows["etc/os-release"])
    copied: list[str] = []
    panel.copied.connect(copied.append)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert copied == ["etc/os-release"]
    assert QGuiApplication.clipboard().text() == "etc/os-release"
    qtbot.keyClick(table, Qt.Key.Key_Return)
    preview = panel.commands.dialog
    assert isinstance(preview, FilePreviewDialog)
    qtbot.waitUntil(lambda: preview.shown is not None, timeout=10_000)
    assert preview.text.toPlainText().startswith("NAME=")
    dialog: FilePreviewDialog | None = preview
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    assert not preview.isVisible()
    assert not panel.files.busy

    panel.scope.setCurrentIndex(0)  # the tree: Enter opens a folder, previews a file
    tree = panel.tree
    tree.setFocus()
    etc = next(
        tree.model().index(r, 0)
        for r in range(tree.model().rowCount())
        if tree.model().index(r, 0).data() == "etc"
    )
    tree.setCurrentIndex(etc)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert tree.isExpanded(etc)
    tree.setCurrentIndex(tree.model().index(1, 0, etc))  # etc/os-release
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    dialog = panel.commands.dialog
    assert isinstance(dialog, FilePreviewDialog) and dialog.entry.path == "etc/os-release"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


# -- hostile names -------------------------------------------------------------------------------
LONG = "/".join(["a-long-directory-name"] * 180) + "/end.txt"  # ~4,000 characters
HOSTILE: dict[str, bytes | Member] = {
    "evil\u202egnp.exe": b"bidi\n",
    "esc\x1b[2J\x1b]0;title\x07.txt": b"escapes\n",
    "<img src=x><b>bold.html": b"markup\n",
    "two\nlines\rand\u2028more.txt": b"breaks\n",
    LONG: b"long\n",
    "caf\udce9.txt": b"latin-1 name\n",
    "link\u202e": Member("symlink", link="\u202etarget\n<b>x</b>"),
    "owner.txt": Member(data=b"o\n", uname="<i>root</i>\u202e", gname="\x1bgrp"),
}


def one_literal_line(text: str) -> bool:
    bad = {"\n", "\r", "\u2028", "\u2029", "\x1b", "\x07", "\u202e"}
    return not bad & set(text) and "\udce9" not in text


def test_hostile_names_are_one_literal_line_everywhere(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    image = push_layers_image(token_registry, "files/hostile-names", "one", [simple_layer(HOSTILE)])
    signed_in(qtbot, window, image)
    panel = show_layer_by_enter(qtbot, window, 0)
    model = panel.entries_model
    assert model.rowCount() == len(HOSTILE)
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            text = model.index(row, column).data() or ""
            assert one_literal_line(text), (row, column, text)
            tip = model.index(row, column).data(Qt.ItemDataRole.ToolTipRole) or ""
            assert not QtGui.Qt.mightBeRichText(tip) or "&lt;" in tip, tip  # never markup
    paths = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "evil⟨U+202E⟩gnp.exe" in paths
    assert "caf\\xe9.txt" in paths
    long_row = next(r for r, p in enumerate(paths) if p.endswith("end.txt"))
    assert "…" in paths[long_row] and len(paths[long_row]) < 1_100  # both ends, one line
    tip = model.index(long_row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("a-long-directory-name/")
    shot(window, "hostile-layer.png")

    panel.scope.setCurrentIndex(0)
    tree = panel.tree.model()
    for row in range(tree.rowCount()):
        for column in range(tree.columnCount()):
            text = tree.index(row, column).data() or ""
            assert one_literal_line(text), (row, column, text)
    shot(window, "hostile-tree.png")

    panel.scope.setCurrentIndex(1)
    rows = {model.index(r, 0).data(OBJECT_ROLE).path: r for r in range(model.rowCount())}
    for name in ("<img src=x><b>bold.html", LONG, "two\nlines\rand\u2028more.txt"):
        panel.table.setCurrentIndex(panel.table.model().index(rows[name], 0))
        dialog = panel.preview_selected()
        assert isinstance(dialog, FilePreviewDialog)
        qtbot.waitUntil(lambda d=dialog: d.shown is not None, timeout=10_000)  # type: ignore[misc]
        assert one_literal_line(dialog.windowTitle()), dialog.windowTitle()
        assert len(dialog.windowTitle()) < 200
        assert one_literal_line(dialog.path_label.shown_text())
        assert dialog.path_label.height() < 3 * dialog.fontMetrics().height()
        if name == LONG:
            shot(dialog, "hostile-preview-long.png")
        dialog.close()
    panel.table.setCurrentIndex(panel.table.model().index(rows["link\u202e"], 0))
    dialog = panel.preview_selected()
    assert dialog is not None
    assert one_literal_line(dialog.info.text()), dialog.info.text()
    assert "⟨U+202E⟩target⏎<b>x</b>" in dialog.info.text()  # shown, never drawn as markup
    assert dialog.info.textFormat() == Qt.TextFormat.PlainText
    shot(dialog, "hostile-preview-link.png")
    dialog.close()
    assert {e.kind for e in model.entries()} == {EntryKind.FILE, EntryKind.SYMLINK}


# -- the window on small screens, in a process of its own each -------------------------------------
@pytest.fixture(scope="module")
def three_anonymous(anon_registry: Registry) -> PushedImage:
    base, one, two = whiteout_layers()
    blobs = [layer(base, "gzip"), layer(one, "zstd"), layer(two, "none")]
    return push_layers_image(anon_registry, "files/fit", "three", blobs)


def run_child(tmp_path: Path, image: PushedImage, screen: tuple[int, int], scale: float) -> Any:
    width, height = screen
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [
        {"name": "S", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}
    ]}))  # fmt: skip
    png = SHOTS / f"fit-{width}x{height}-{int(scale * 100)}.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR=str(scale), HOME=str(tmp_path))  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.test_files_desktop", image.reference,
         str(tmp_path / "settings.ini"), str(png)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["listed"], report
    return report


def inside(outer: list[int], inner: list[int]) -> bool:
    x, y, w, h = outer
    a, b, c, d = inner
    return x <= a and y <= b and a + c <= x + w and b + d <= y + h


@pytest.mark.parametrize(
    ("screen", "scale"),
    [((1400, 900), 1.0), ((1400, 900), 1.5), ((800, 600), 1.0)],
    ids=["1400x900", "1400x900-at-150%", "800x600"],
)
def test_the_files_tab_on_a_small_screen(
    tmp_path: Path, three_anonymous: PushedImage, screen: tuple[int, int], scale: float
) -> None:
    report = run_child(tmp_path, three_anonymous, screen, scale)
    for name, where in report["widgets"].items():
        assert where[2] > 0 and where[3] > 0, (name, where)
        assert inside(report["screen"], where), (name, where, report["screen"])
    for view in ("table", "tree"):
        sizes, room, path = report[view]["widths"], report[view]["room"], report[view]["path"]
        least = report["char"] * MIN_PATH_CHARS
        assert sizes[path] >= least, (view, sizes)
        if sum(sizes) > room:  # too narrow for every column: Path to Change in view
            first = sizes[: report[view]["visible"]]
            assert sum(first) <= room or sizes[path] == max(least, room // 4), (view, sizes, room)
            assert report[view]["scrolls"], (view, sizes, room)  # the rest: a scroll away
        else:
            assert sum(sizes) == room and not report[view]["scrolls"], (view, sizes, room)
            assert sizes[path] == max(sizes), (view, sizes)


def _child() -> None:  # pragma: no cover - run in a process of its own
    import keyring.backends.fail

    from acr_desktop.credentials import CredentialStore

    reference, settings_path, png = sys.argv[1:4]
    app = QApplication([])
    settings = QSettings(settings_path, QSettings.Format.IniFormat)
    store = CredentialStore(backend=keyring.backends.fail.Keyring())
    window = MainWindow(preferences=Preferences(settings), store=store)
    window.show()
    report: dict[str, object] = {"listed": False}
    panel = window.inspector.files

    def rect(widget: QWidget) -> list[int]:
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]

    def columns(view: QAbstractItemView, path: int) -> dict[str, object]:
        return {"widths": widths(view), "room": view.viewport().width(), "path": path,
                "scrolls": view.horizontalScrollBar().isVisible(),
                "visible": view.columns.visible}  # type: ignore[attr-defined]  # fmt: skip

    def measure() -> None:
        screen = window.screen().availableGeometry()
        report["screen"] = [screen.x(), screen.y(), screen.width(), screen.height()]
        report["char"] = panel.table.fontMetrics().averageCharWidth()
        report["table"] = columns(panel.table, EntriesModel.COL_PATH)
        parts = {"scope": panel.scope, "find": panel.find_box, "table": panel.table,
                 "preview": panel.preview_button, "save": panel.save_button,
                 "integrity": panel.integrity}  # fmt: skip
        report["widgets"] = {name: rect(widget) for name, widget in parts.items()}
        window.grab().save(png)
        panel.scope.setCurrentIndex(0)
        panel.tree.expandAll()
        QTimer.singleShot(200, measure_tree)

    def measure_tree() -> None:
        report["tree"] = columns(panel.tree, TreeModel.COL_NAME)
        report["widgets"]["tree"] = rect(panel.tree)  # type: ignore[index]
        window.grab().save(png.replace(".png", "-tree.png"))
        window.close()
        app.quit()

    def merged() -> None:
        report["listed"] = True
        QTimer.singleShot(300, measure)

    panel.files.merged.connect(merged)
    window.inspected.connect(lambda _ins: window.inspector.show_files(1))
    window.failed.connect(lambda _exc: app.quit())
    window.inspect_text(reference)
    QTimer.singleShot(30_000, app.quit)
    app.exec()
    print(json.dumps(report))


# -- a real desktop (the `desktop` and `app` fixtures: tests/ui/conftest.py) ----------------
def test_a_layers_files_from_the_keyboard_on_a_real_desktop(app: App, three: PushedImage) -> None:
    """Sign in, pick layer 3 in the Layers tab, Enter: its files; Ctrl+C copies a path, Enter
    previews it, Esc closes the preview; a Find; Ctrl+Q. Never the mouse."""
    screen = app.desktop
    app.start(three.reference)
    screen.wait_shown("Sign in to a registry")  # the registry wants a sign-in: asked at once
    screen.key("alt+u")
    screen.type(ALICE_USER)
    screen.key("alt+p")
    screen.type(ALICE_PASSWORD)
    screen.key("Return")
    screen.wait_shown("Sign in to a registry", shown=False)
    app.wait_title(three.reference)
    # Tab from the bar: ☆, Inspect, Sign in, the navigator's 7 stops, Copy, Copy ▾, Report ▾,
    # the tabs.
    screen.keys("ctrl+l", *["Tab"] * 15, "ctrl+End", "Return")  # the Layers table: layer 3
    pressing(
        screen, ("ctrl+Home", "Down", "Up", "ctrl+c"), "etc/os-release"
    )  # its files, its first row copied
    screen.key("Return")
    screen.wait_shown("os-release — layer 3")
    shown = screen.screenshot(SHOTS / "desktop-preview.png")
    assert shown.stat().st_size > 10_000  # looked at: the text NAME=final, VERSION=2
    screen.key("Escape")
    screen.wait_shown("os-release — layer 3", shown=False)
    screen.keys("shift+Tab")  # from the table: the Find box
    screen.type("main.py")
    screen.key("Return")
    screen.keys("Tab", "Tab")  # the table (filtered to main.py), then what was found
    pressing(screen, ("ctrl+Home", "Down", "Up", "ctrl+c"), "app/main.py")
    shown = screen.screenshot(SHOTS / "desktop-find.png")
    assert shown.stat().st_size > 10_000
    screen.key("ctrl+q")
    assert app.ended(10) == 0, app.stop()


def pressing(screen: Desktop, keys: tuple[str, ...], copied: str, timeout: float = 10) -> None:
    """Press `keys` until the clipboard holds `copied` (a listing arrives, a find ends)."""
    deadline = time.monotonic() + timeout
    while True:
        screen.keys(*keys)
        if screen.clipboard() == copied:
            return
        if time.monotonic() > deadline:
            screen.screenshot(SHOTS / "desktop-failed.png")
            raise AssertionError(f"{copied!r} never reached the clipboard ({screen.clipboard()!r})")


if __name__ == "__main__":
    _child()
