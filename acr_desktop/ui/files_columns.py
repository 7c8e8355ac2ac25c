"""The Files tab's column widths. The path column is the elastic one: it takes the width the
other columns leave (a long path elides in the middle; its tooltip has it whole). The others are
as wide as their header, their first rows and a sample of what their text can be (so a column
neither grows nor elides as rows stream in), up to a cap (an owner or a link target past it
elides too). A column a person sizes keeps that size and the path column still takes the rest,
unless the person sized the path column itself; that layout is what is saved."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QTableView,
    QTreeView,
    QWidget,
)

from acr_desktop.ui.files_models import path_of
from acr_desktop.ui.insp_layout import restore_splitter
from acr_desktop.ui.models import RowsModel
from acr_desktop.ui.preferences import INSPECTOR_PARTS
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from acr_desktop.ui.preferences import Preferences

FIT_ROWS = 200  # rows a view's column widths are measured on
CELL_PADDING = 14  # a cell's margins and the header's sort arrow
CAP_CHARS = 26  # a column other than the path at most this many average characters wide
SQUEEZE_CHARS = 9  # a column that elides before the view scrolls: this wide at least ("root:root")
MIN_PATH_CHARS = 18  # the path column at least this many average characters wide
PATH_SHARE = 0.25  # … or this share of the view, when that is more and its paths need it


def measured(
    view: QAbstractItemView, samples: Mapping[int, str] | None = None, rows: int = FIT_ROWS
) -> list[int]:
    """Column widths for `view`'s header, its `samples` (a text a column can hold) and its first
    `rows` (top-level) rows, measured here: Qt's own fitting walks every row (seconds for half a
    million), whatever its precision says."""
    model, metrics = view.model(), view.fontMetrics()
    widths = []
    for column in range(model.columnCount()):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        texts = [str(header or ""), (samples or {}).get(column, "")]
        texts += [model.index(n, column).data() for n in range(min(rows, model.rowCount()))]
        width = max(metrics.horizontalAdvance(t) for t in texts if isinstance(t, str))
        widths.append(width + CELL_PADDING)
    return widths


class ColumnFit(QObject):
    """Keeps the columns of `view` (a table or a tree) fitted, column `elastic` taking the rest.

    `fit()` measures again (rows arrived); a resize of the view applies the widths again."""

    def __init__(
        self,
        view: QTableView | QTreeView,
        elastic: int,
        samples: Mapping[int, str],
        squeeze: Sequence[int] = (),
        visible: int | None = None,
    ) -> None:
        super().__init__(view)
        self.view, self.elastic, self.samples = view, elastic, dict(samples)
        self.squeeze = tuple(squeeze)  # columns that elide before the view scrolls sideways
        self.visible = visible  # when all cannot fit: the first `visible` columns are in view
        self.natural: list[int] = []
        self.by_hand: set[int] = set()  # columns a person sized (or a saved layout did)
        self.fill = True  # the elastic column takes the rest (not once a person sized it)
        self._fitting = False
        header = self.header()
        header.setStretchLastSection(False)  # the elastic column stretches, not the last
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self._resized)
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        view.viewport().installEventFilter(self)

    def header(self) -> QHeaderView:
        view = self.view
        return view.horizontalHeader() if isinstance(view, QTableView) else view.header()

    def fit(self) -> None:
        """Measure the columns on the rows shown now, and apply."""
        self.natural = measured(self.view, self.samples)
        if isinstance(self.view, QTreeView) and self.natural:  # its names are indented
            self.natural[self.elastic] += 2 * self.view.indentation()
        self.apply()

    def widths(self) -> list[int]:
        """What each column gets: a person's width, else its natural width up to the cap; the
        elastic column what the others leave, at least its minimum."""
        header, view = self.header(), self.view
        cap = view.fontMetrics().averageCharWidth() * CAP_CHARS
        widths = [
            header.sectionSize(c) if c in self.by_hand else min(w, cap)
            for c, w in enumerate(self.natural)
        ]
        if self.fill and 0 <= self.elastic < len(widths):
            room = view.viewport().width()
            share = min(room * PATH_SHARE, self.natural[self.elastic])  # if its paths need it
            least = int(max(view.fontMetrics().averageCharWidth() * MIN_PATH_CHARS, share))
            widths[self.elastic] = 0
            squeezed = self._squeezed(widths, sum(widths) + least - room)
            rest = room - sum(squeezed)
            if rest >= least or self.visible is None:
                widths = squeezed
            else:  # too narrow for all: the path (as wide as it needs, up to what the other
                # first `visible` columns leave) and those columns in view, the rest a scroll away
                natural = self.natural[self.elastic]
                rest = min(natural, room - sum(widths[: self.visible]))
            widths[self.elastic] = max(least, rest)
        elif self.elastic in self.by_hand:
            widths[self.elastic] = header.sectionSize(self.elastic)
        return widths

    def _squeezed(self, widths: list[int], over: int) -> list[int]:
        """`widths` with the `squeeze` columns narrowed (down to SQUEEZE_CHARS, or their header)
        by up to `over` pixels."""
        model, metrics = self.view.model(), self.view.fontMetrics()
        widths = list(widths)
        for column in self.squeeze:
            if over <= 0 or column in self.by_hand or column >= len(widths):
                continue
            header = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            least = metrics.averageCharWidth() * SQUEEZE_CHARS
            floor = max(metrics.horizontalAdvance(header), least) + CELL_PADDING
            cut = min(over, max(0, widths[column] - floor))
            widths[column] -= cut
            over -= cut
        return widths

    def apply(self) -> None:
        header = self.header()
        if len(self.natural) != header.count():
            return
        self._fitting = True
        try:
            for column, width in enumerate(self.widths()):
                if header.sectionSize(column) != width:
                    header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _resized(self, column: int, _old: int, _new: int) -> None:
        if self._fitting:
            return
        self.by_hand.add(column)  # a person's width
        if column == self.elastic:
            self.fill = False
        else:
            self.apply()  # the elastic column takes what is left

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.apply()
        return False

    # -- the saved layout ------------------------------------------------------------------------
    def save(self) -> QByteArray:
        """The header's layout when a person sized a column, else nothing (fitted again)."""
        return self.header().saveState() if self.by_hand else QByteArray()

    def restore(self, state: QByteArray) -> bool:
        """A saved layout: its widths kept (the elastic column still takes the rest)."""
        header = self.header()
        self._fitting = True
        try:
            restored = not state.isEmpty() and header.restoreState(state)
            header.setStretchLastSection(False)  # a saved state carries its own flag
        finally:
            self._fitting = False
        if restored:
            self.by_hand = set(range(header.count())) - {self.elastic}
            self.fill = True
            self.apply()
        return restored


class PathTable(RowTable):
    """A table of paths: Ctrl+C and the row menu copy the paths; `columns` keeps the widths
    (the model's PATH_COLUMN elastic, measured with its SAMPLES, its SQUEEZE columns eliding
    before the table scrolls sideways, its VISIBLE first columns filling a narrow view)."""

    def __init__(self, model: RowsModel[Any], name: str) -> None:
        super().__init__(model)
        self.setObjectName(name)
        self.copy_actions = [("Copy path", lambda rows: [path_of(r) for r in rows])]
        spec: Any = type(model)  # its class says which columns do what
        self.columns = ColumnFit(self, spec.PATH_COLUMN, spec.SAMPLES, spec.SQUEEZE, spec.VISIBLE)


# -- the layout kept between sessions (Preferences.inspector_state) ------------------------------
SPLIT_PART = "files_split"
HEADER_PARTS = (
    "files_tree_header",
    "files_table_header",
    "files_found_header",
    "files_waste_header",
)


class EscapeStops(QObject):
    """Esc in `widget` (or what it holds) calls `stop()` while `busy()`, instead of being the
    window's Esc (which cancels an inspect): the shortcut is overridden, the key taken here."""

    def __init__(self, widget: QWidget, busy: Callable[[], bool], stop: Callable[[], None]) -> None:
        super().__init__(widget)
        self.busy, self.stop = busy, stop
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
        if event.type() not in kinds or not isinstance(event, QKeyEvent):
            return False
        if event.key() != Qt.Key.Key_Escape or event.modifiers() or not self.busy():
            return False
        event.accept()
        if event.type() == QEvent.Type.KeyPress:
            self.stop()
        return True


def tab_order(*widgets: QWidget) -> None:
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


def save_layout(preferences: Preferences, split: QSplitter, fits: Sequence[ColumnFit]) -> None:
    """The divider of `split` and the columns of `fits` (in HEADER_PARTS order)."""
    states = [(SPLIT_PART, split.saveState())]
    states += [(part, fit.save()) for part, fit in zip(HEADER_PARTS, fits, strict=True)]
    for part, state in states:
        if part in INSPECTOR_PARTS:
            preferences.set_inspector_state(part, state)


def restore_layout(preferences: Preferences, split: QSplitter, fits: Sequence[ColumnFit]) -> None:
    """What `save_layout` saved; a divider that would collapse a pane is not restored."""
    state = preferences.inspector_state(SPLIT_PART)
    if state is not None:
        restore_splitter(split, state)
    for part, fit in zip(HEADER_PARTS, fits, strict=True):
        state = preferences.inspector_state(part)
        if state is not None:
            fit.restore(state)
