"""The navigator from the keyboard: Tab moves between its widgets (one press leaves a list of
any length), Enter opens a repository or a tag, Ctrl+C copies a tag's reference and says so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.registry.reference import Reference
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.navigator import Navigator
from tests.rig import Registry
from tests.ui.test_nav_switch import enter_registry


def focused(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=2_000)


def tab_stops(qtbot: QtBot, nav: Navigator, start: QWidget, presses: int) -> list[QWidget]:
    """The widgets that have focus after each of `presses` Tabs from `start`."""
    focused(qtbot, start)
    stops = []
    for _ in range(presses):
        current = QApplication.focusWidget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        assert widget is not None
        stops.append(widget)
    return stops


def listed(qtbot: QtBot, window: MainWindow, registry: Registry) -> Navigator:
    """The navigator with the registry's repositories and test/app's tags listed."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2_000)
    nav = window.navigator
    enter_registry(qtbot, nav, registry.host)
    qtbot.waitUntil(lambda: not nav.busy and nav.repo_model.rowCount() >= 3, timeout=10_000)
    row = nav.repo_model.stringList().index("test/app")
    focused(qtbot, nav.repos)
    nav.repos.setCurrentIndex(nav.repo_proxy.index(row, 0))
    qtbot.keyClick(nav.repos, Qt.Key.Key_Return)  # Enter opens the repository
    qtbot.waitUntil(lambda: not nav.busy and nav.tags_model.total() > 0, timeout=10_000)
    return nav


def test_tab_moves_between_the_navigators_widgets_not_rows(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    nav = listed(qtbot, window, anon_registry)
    assert nav.tags_title.text() == "Tags of test/app"
    edit = nav.registry_box.lineEdit()
    assert edit is not None
    stops = tab_stops(qtbot, nav, edit, 7)
    assert stops == [
        nav.browse_button,
        nav.repo_filter,
        nav.repos,
        nav.open_by_name,
        nav.tag_filter,
        nav.order,
        nav.tags,
    ]
    after = tab_stops(qtbot, nav, nav.tags, 1)[0]  # one press leaves the tag list
    assert after is not nav.tags and not nav.tags.isAncestorOf(after)


def test_enter_on_a_tag_opens_it(qtbot: QtBot, window: MainWindow, anon_registry: Registry) -> None:
    nav = listed(qtbot, window, anon_registry)
    focused(qtbot, nav.tags)
    qtbot.keyClick(nav.tags, Qt.Key.Key_Home)
    qtbot.keyClick(nav.tags, Qt.Key.Key_Down)
    name = nav.tags_model.names()[1]
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        qtbot.keyClick(nav.tags, Qt.Key.Key_Return)
    assert shown.args[0].reference == Reference(anon_registry.host, "test/app", name)


def test_ctrl_c_copies_the_tags_reference_and_says_so(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    nav = listed(qtbot, window, anon_registry)
    focused(qtbot, nav.tags)
    qtbot.keyClick(nav.tags, Qt.Key.Key_Home)
    name = nav.tags_model.names()[0]
    with qtbot.waitSignal(nav.copied, timeout=2_000) as copied:
        qtbot.keyClick(nav.tags, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    expected = f"{anon_registry.host}/test/app:{name}"
    assert copied.args == [expected]
    assert QGuiApplication.clipboard().text() == expected
