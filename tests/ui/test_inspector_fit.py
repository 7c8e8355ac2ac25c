"""The inspector fits any screen: long references elide, the platforms area shows about six rows
with every column, and its dividers never collapse a pane (not even from a saved layout)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.preferences import Preferences
from tests.ui.test_inspector_rig import Nine, inspected, inspector, nine

__all__ = ["inspector", "nine"]  # fixtures

NAVIGATOR = 300  # the navigator's default width beside the inspector
WINDOW_CHROME = 24  # the window's margins and the splitter handle


def test_a_300_character_reference_elides_and_never_widens_the_inspector(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    before = inspector.minimumSizeHint()
    inspector.show_inspection(inspected(nine.long_reference))
    qtbot.wait(10)
    hint = inspector.minimumSizeHint()
    assert hint.width() < 560 and hint.width() <= max(before.width(), 560)
    assert hint.height() < 420  # with the index shown: 800×600 keeps room for menu, bar, status
    label = inspector.summary.reference
    assert label.text() == nine.long_reference
    assert label.toolTip() == nine.long_reference
    assert "…" in label.shown_text() and len(label.shown_text()) < len(nine.long_reference)
    assert label.minimumSizeHint().width() < 100
    with qtbot.waitSignal(inspector.copied) as copied:
        label.setFocus()
        qtbot.keyClick(label, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert copied.args == [nine.long_reference]
    assert QGuiApplication.clipboard().text() == nine.long_reference
    digest = inspector.summary.digest.digest
    assert digest.text() == nine.index.digest and digest.toolTip() == nine.index.digest


def test_nine_platforms_show_six_rows_and_every_column_at_1280(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    inspector.resize(1280 - NAVIGATOR - WINDOW_CHROME, 800 - 90)
    qtbot.wait(10)
    inspector.show_inspection(inspected(nine.reference()))
    table = inspector.platforms
    assert table.model().rowCount() == 9
    qtbot.waitUntil(lambda: table.viewport().height() > 0)
    visible = table.viewport().height() / table.rowHeight(0)
    assert 5.5 <= visible <= 7
    assert table.verticalScrollBar().isVisible()  # the rest scroll
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible())  # once laid out
    assert table.horizontalScrollBar().maximum() == 0
    header = table.horizontalHeader()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    assert len(shown) == 8  # all but OS version: none of the nine has one
    right_edges = [header.sectionViewportPosition(c) + header.sectionSize(c) for c in shown]
    assert all(header.sectionSize(c) > 30 for c in shown)
    assert max(right_edges) <= table.viewport().width()
    inspector.grab().save("/tmp/insp-nine-1280.png")


def test_dividers_never_collapse_and_a_collapsed_saved_layout_is_ignored(
    qtbot: QtBot, nine: Nine, inspector: Inspector, tmp_path: Path
) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    for splitter in (inspector.split, inspector.left):
        assert not splitter.childrenCollapsible()
    inspector.split.moveSplitter(0, 1)  # dragged all the way: stops at the minimum
    assert inspector.split.sizes()[0] >= 280
    inspector.left.moveSplitter(inspector.left.height(), 1)
    assert inspector.left.sizes()[1] >= 120
    preferences = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    # A layout saved collapsed (an older version allowed it): the tables' side 0 px wide.
    inspector.split.setChildrenCollapsible(True)
    inspector.split.setSizes([0, 900])
    assert inspector.split.sizes()[0] == 0
    preferences.set_inspector_state("split", inspector.split.saveState())
    again = Inspector()
    qtbot.addWidget(again)
    again.resize(960, 640)
    again.restore_state(preferences)
    assert not again.split.childrenCollapsible()  # the saved state carried "collapsible"
    again.show()
    qtbot.waitExposed(again)
    tables, json_side = again.split.sizes()
    assert tables >= 280 and json_side >= 200
    again.split.moveSplitter(0, 1)
    assert again.split.sizes()[0] >= 280
