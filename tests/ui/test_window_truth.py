"""What is shown and what the window says agree, whichever way a reference was opened; only
what loaded is remembered; the menus reach every command from the keyboard."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.reference import parse_reference
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import OBJECT_ROLE
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.shortcuts_dialog import ShortcutsDialog
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.ui.test_main_window import inspect


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_reference_opened_from_the_navigator_is_what_the_bar_says(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    inspect(qtbot, window, f"{anon_registry.host}/test/app:oci")
    chosen = parse_reference(f"{anon_registry.host}/test/app:docker")
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.navigator.reference_chosen.emit(chosen)
    assert window.reference_bar.text() == str(chosen)
    assert str(chosen) in window.windowTitle()
    # Enter in the bar now inspects what is shown, not the reference before it.
    with qtbot.waitSignal(window.inspected, timeout=10_000) as again:
        qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)
    assert str(again.args[0].reference) == str(chosen)


def test_back_and_forward_update_the_bar(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    first = f"{anon_registry.host}/test/app:oci"
    second = f"{anon_registry.host}/test/app:docker"
    inspect(qtbot, window, first)
    inspect(qtbot, window, second)
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.reference_bar.text() == first
    assert window.inspection is not None and str(window.inspection.reference) == first
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.reference_bar.text() == second


def test_a_recent_reference_picked_with_the_keyboard_is_the_one_shown(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    host = anon_registry.host
    for tag in ("oci", "docker", "index"):
        inspect(qtbot, window, f"{host}/test/app:{tag}")
    window.reference_bar.clear()
    window.reference_bar.setFocus()
    qtbot.keyClicks(window.reference_bar, "test/app")
    popup = window.reference_bar.completer().popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        picked = popup.currentIndex().data()
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert picked == f"{host}/test/app:docker"  # newest first: index, docker, oci
    assert str(shown.args[0].reference) == picked
    qtbot.wait(50)
    assert window.reference_bar.text() == picked


def test_only_references_that_loaded_are_remembered(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    good = f"{anon_registry.host}/test/app:oci"
    inspect(qtbot, window, good)
    bad = f"127.0.0.1:{refused_port()}/team/app:1"
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.inspect_text(bad)
    assert window.preferences.recent() == [good]
    assert bad.split("/", maxsplit=1)[0] not in window.known_registries()
    items = [window.navigator.registry_box.itemText(i)
             for i in range(window.navigator.registry_box.count())]  # fmt: skip
    assert bad.split("/", maxsplit=1)[0] not in items
    assert anon_registry.host in items


def test_a_pasted_registry_api_url_opens_the_manifest_it_names(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    ins = inspect(qtbot, window, f"http://{anon_registry.host}/v2/test/app/manifests/oci")
    assert str(ins.reference) == f"{anon_registry.host}/test/app:oci"
    assert window.reference_bar.text() == f"{anon_registry.host}/test/app:oci"


def test_quit_is_in_the_file_menu_and_ctrl_q_closes_the_window(
    qtbot: QtBot, window: MainWindow
) -> None:
    quit_actions = [a for a in window.menus.file.actions() if "Quit" in a.text()]
    assert quit_actions and quit_actions[0].shortcut() == QKeySequence("Ctrl+Q")
    window.activateWindow()
    qtbot.keyClick(window.reference_bar, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)


def test_keyboard_shortcuts_dialog_lists_every_menu_shortcut(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = window.view.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    rows = dict(dialog.rows())
    for keys, what in (
        ("Ctrl+Q", "Quit"),
        ("Ctrl+F", "Find in JSON"),
        ("Alt+Left", "Back"),
        ("Ctrl+Shift+P", "pinned reference"),
        ("Ctrl+S", "Save manifest"),
        ("Esc", "Cancel"),
    ):
        assert what in rows[keys], (keys, rows.get(keys))
    dialog.close()


def test_save_manifest_and_config_write_the_exact_bytes(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    ins = inspect(qtbot, window, f"{anon_registry.host}/test/app:index")
    asked: list[str] = []

    def choose(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(Path(suggested).name)
        return str(tmp_path / asked[-1]), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    for which in ("manifest", "platform", "config"):
        window.view.save_document(which)
    assert ins.chosen is not None and ins.config is not None
    assert [(tmp_path / n).read_bytes() for n in asked] == [
        ins.top.raw,
        ins.chosen.raw,
        ins.config.raw,
    ]
    assert all(n.startswith("app-sha256-") and n.endswith(".json") for n in asked)
    qtbot.keyClick(window.reference_bar, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 4 and "Saved the manifest" in window.statusBar().currentMessage()


def test_edit_menu_copies_every_format_with_its_shortcut(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    ins = inspect(qtbot, window, f"{anon_registry.host}/test/app:oci")
    clipboard = QGuiApplication.clipboard()
    for key, expected in (
        (Qt.Key.Key_C, ins.top.digest),
        (Qt.Key.Key_P, f"{anon_registry.host}/test/app@{ins.top.digest}"),
        (Qt.Key.Key_T, f"{anon_registry.host}/test/app:oci@{ins.top.digest}"),
        (Qt.Key.Key_D, f"docker pull {anon_registry.host}/test/app@{ins.top.digest}"),
    ):
        clipboard.clear()
        mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        qtbot.keyClick(window.reference_bar, key, mods)
        assert clipboard.text() == expected
        assert "Copied" in window.statusBar().currentMessage()


def test_sort_layers_from_the_view_menu(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    inspect(qtbot, window, f"{anon_registry.host}/test/app:oci")
    sort_menu = next(a.menu() for a in window.menus.view.actions() if a.text() == "Sort")
    assert isinstance(sort_menu, QMenu)
    sort_menu.aboutToShow.emit()
    layers_menu = next(a.menu() for a in sort_menu.actions() if a.text() == "Layers")
    assert isinstance(layers_menu, QMenu)
    for order in ("descending", "ascending"):
        chosen = [
            a for a in layers_menu.actions() if "Compressed size" in a.text() and order in a.text()
        ]
        chosen[0].trigger()
        table = window.inspector.layers
        rows = [table.proxy.index(r, 0).data(OBJECT_ROLE) for r in range(table.proxy.rowCount())]
        sizes = [row.descriptor.size for row in rows]
        assert len(sizes) == 2
        assert sizes == sorted(sizes, reverse=order == "descending")


def test_the_status_bar_names_the_account_and_the_registry_menu_signs_out(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    host = token_registry.host
    window.store.session_only(host, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(host, ALICE_USER)
    inspect(qtbot, window, f"{host}/test/app:oci")
    assert window.account_label.text().startswith(f"Signed in to {host} as {ALICE_USER}")
    assert ALICE_PASSWORD not in window.account_label.text()
    sign_out = next(a for a in window.menus.registry.actions() if a.text() == "Sign out")
    sign_out.trigger()
    assert window.account_label.text() == f"Anonymous access to {host}"
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.refresh()  # test/app is not public: refused now


def test_the_sign_in_dialog_from_the_menu_names_the_registry_browsed(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.navigator.registry_box.setEditText("myreg.azurecr.io")
    dialog = window.open_sign_in(None)
    assert dialog.registry() == "myreg.azurecr.io"
    dialog.reject()


def test_ctrl_f_from_anywhere_focuses_the_json_find(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    inspect(qtbot, window, f"{anon_registry.host}/test/app:index")
    for start in (window.inspector.layers, window.reference_bar, window.navigator.repos):
        start.setFocus()
        qtbot.keyClick(start, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        find = window.inspector.json.find_bar.edit
        qtbot.waitUntil(find.hasFocus, timeout=2000)
        qtbot.keyClick(find, Qt.Key.Key_Escape)


def test_bookmarked_is_a_checkable_action_that_says_its_state(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry, settings: QSettings
) -> None:
    ref = f"{anon_registry.host}/test/app:oci"
    inspect(qtbot, window, ref)
    action = window.browsing.bookmark_action
    assert action.isCheckable() and not action.isChecked()
    qtbot.keyClick(window.reference_bar, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert action.isChecked() and window.bookmark_button.text() == "★"
    assert window.preferences.bookmarks() == [ref]
    # Another instance of the app, on the same settings, bookmarks something else meanwhile.
    other = Preferences(QSettings(settings.fileName(), QSettings.Format.IniFormat))
    other.set_bookmarked("example.io/other/app:2", True)
    window.bookmarks_menu.aboutToShow.emit()
    texts = [a.text() for a in window.bookmarks_menu.actions()]
    assert ref in texts and "example.io/other/app:2" in texts
    qtbot.keyClick(window.reference_bar, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert not action.isChecked() and window.bookmark_button.text() == "☆"
    assert window.preferences.bookmarks() == ["example.io/other/app:2"]
