"""The inspector from the keyboard: arrow keys choose a platform (once they settle), Tab leaves a
table, columns sort from the header's menu and the table's own, every copy says what it copied,
the Copy ▾ menu opens from the keyboard, and copy_as / documents serve the window's menus."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from acr_desktop.copy_formats import pinned
from acr_desktop.inspection import inspect_entry
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import PlatformRow, PlatformsModel
from tests.ui.test_inspector_rig import (
    Nine,
    client,
    inspected,
    inspector,
    nine,
    pick_from_popup,
)

__all__ = ["inspector", "nine"]  # fixtures


def _focus(qtbot: QtBot, inspector: Inspector, widget: object) -> None:
    inspector.activateWindow()
    qtbot.waitUntil(inspector.isActiveWindow)
    widget.setFocus()  # type: ignore[attr-defined]
    qtbot.waitUntil(widget.hasFocus)  # type: ignore[attr-defined]


def test_arrow_keys_choose_the_platform_once_they_settle_and_arrivals_do_not(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    chosen: list[Descriptor] = []
    inspector.platform_chosen.connect(chosen.append)
    ins = inspected(nine.reference())
    inspector.show_inspection(ins)  # arm64's row is selected for it: not a choice
    table = inspector.platforms
    _focus(qtbot, inspector, table)
    with qtbot.waitSignal(inspector.platform_chosen, timeout=2000) as first:
        for _ in range(3):  # a held Down key: three rows, one choice
            qtbot.keyClick(table, Qt.Key.Key_Down)
    highlighted = table.current_object()
    assert isinstance(highlighted, PlatformRow)
    assert chosen == [first.args[0]] == [highlighted.descriptor]
    assert highlighted.descriptor.digest == nine.images[4].digest  # arm64 + 3 → 386
    qtbot.wait(400)  # nothing more arrives for the rows passed over
    assert len(chosen) == 1
    # The window inspects it; its arrival selects the row without choosing again.
    top = ins.top
    shown = inspect_entry(client(), ins.reference, top, highlighted.descriptor)
    inspector.show_inspection(shown)
    qtbot.wait(400)
    assert len(chosen) == 1
    current = table.current_object()
    assert isinstance(current, PlatformRow) and current.descriptor == shown.platform_entry
    with qtbot.waitSignal(inspector.platform_chosen, timeout=2000) as up:
        qtbot.keyClick(table, Qt.Key.Key_Up)
    assert up.args[0].digest == nine.images[3].digest


def test_tab_leaves_a_table_and_columns_sort_from_menus(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    table = inspector.platforms
    _focus(qtbot, inspector, table)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()  # one press leaves the table, not one cell
    assert table.column_names()[PlatformsModel.COL_ARCH] == "Architecture"
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(PlatformsModel.COL_ARCH) + 5
    seen: list[list[str]] = []
    pick_from_popup("Sort by Architecture descending", seen)
    QApplication.sendEvent(
        header.viewport(),
        QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, QPoint(x, 5), header.mapToGlobal(QPoint(x, 5))
        ),
    )
    assert "Sort by Architecture ascending" in seen[0]
    assert header.sortIndicatorSection() == PlatformsModel.COL_ARCH
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert table.proxy.index(0, PlatformsModel.COL_ARCH).data() == "s390x"
    # The Menu key on the table itself: its copy actions and a Sort submenu.
    _focus(qtbot, inspector, table)
    pick_from_popup("Sort by/Sort by Manifest bytes ascending", seen)
    qtbot.keyClick(table, Qt.Key.Key_Menu)
    assert header.sortIndicatorSection() == PlatformsModel.COL_MANIFEST
    column = PlatformsModel.COL_MANIFEST
    sizes = [table.proxy.index(r, column).data(Qt.ItemDataRole.UserRole + 1) for r in range(9)]
    assert sizes == sorted(sizes)
    table.sort_by(-1)  # as listed again, for the View ▸ Sort menu
    assert table.proxy.index(0, PlatformsModel.COL_ARCH).data() == "amd64"
    assert [a.text() for a in table.sort_actions(column=0)] == [
        "Sort by OS ascending",
        "Sort by OS descending",
    ]


def test_every_table_copy_says_what_it_copied(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    ins = inspected(nine.reference())
    inspector.show_inspection(ins)
    layers = inspector.layers
    _focus(qtbot, inspector, layers)
    layers.selectRow(0)
    with qtbot.waitSignal(inspector.copied) as by_key:
        qtbot.keyClick(layers, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    first_layer = nine.arm64.layers[0].digest
    assert by_key.args == [first_layer] and QGuiApplication.clipboard().text() == first_layer
    table = inspector.platforms
    _focus(qtbot, inspector, table)
    pick_from_popup("Copy pinned reference")
    with qtbot.waitSignal(inspector.copied) as by_menu:
        qtbot.keyClick(table, Qt.Key.Key_Menu)
    expected = f"{nine.registry.host}/insp/nine@{nine.arm64.digest}"
    assert by_menu.args == [expected] and QGuiApplication.clipboard().text() == expected
    history = inspector.history_view.table
    history.selectRow(0)
    with qtbot.waitSignal(inspector.copied) as from_history:
        history.copy_default()
    assert from_history.args[0].startswith("/bin/sh -c #(nop) ADD file:rig")


def test_copy_menu_opens_from_the_keyboard_and_copy_as_uses_the_platform_shown(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    ins = inspected(nine.reference())
    inspector.show_inspection(ins)
    line = inspector.summary.digest
    _focus(qtbot, inspector, line.digest)
    qtbot.keyClick(line.digest, Qt.Key.Key_Tab)
    assert line.copy.hasFocus()  # the Copy button is on the Tab chain
    for key, modifier in (
        (Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier),
    ):
        QGuiApplication.clipboard().clear()
        pick_from_popup("Copy pinned reference (repo@digest)")
        with qtbot.waitSignal(inspector.copied) as copied:
            qtbot.keyClick(line.copy, key, modifier)
        index_pinned = pinned(ins.top.reference, nine.index.digest)
        assert copied.args == [index_pinned] == [QGuiApplication.clipboard().text()]
    with qtbot.waitSignal(inspector.copied) as platform:
        inspector.copy_as("pinned")  # the Edit menu's: the platform's image is the one shown
    assert platform.args == [pinned(ins.top.reference, nine.arm64.digest)]
    inspector.copy_as("digest")
    assert QGuiApplication.clipboard().text() == nine.arm64.digest


def test_documents_are_the_exact_bytes_received(nine: Nine, inspector: Inspector) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    documents = inspector.documents()
    assert [name for name, _ in documents] == [
        "Index manifest",
        "Image manifest (linux/arm64/v8)",
        "Image config",
    ]
    config = nine.arm64.config
    assert config is not None
    assert [raw for _, raw in documents] == [nine.index.data, nine.arm64.data, config.data]


def test_in_the_window_the_highlighted_platform_is_the_one_shown(
    qtbot: QtBot, nine: Nine, window: MainWindow
) -> None:
    with qtbot.waitSignal(window.inspected, timeout=10_000) as first:
        window.inspect_text(nine.reference())
    table = window.inspector.platforms
    digests = [i.digest for i in nine.images]
    below = digests[digests.index(first.args[0].platform_entry.digest) + 1]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        qtbot.keyClick(table, Qt.Key.Key_Down)
    assert shown.args[0].platform_entry.digest == below  # the next row down, as listed
    current = table.current_object()
    assert isinstance(current, PlatformRow)
    assert current.descriptor.digest == below  # the highlighted row is the one shown
    assert window.inspector.summary.platform_digest.digest.text() == below
