"""A table view with the app's conventions: sortable (also from the keyboard), row selection,
Tab between widgets, Ctrl+C and a copy menu that say what they copied, and column widths from
the contents that give way (a digest elides in the middle) only when the view is too narrow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from acr_desktop.ui.clipboard import copy_lines, copy_shortcut
from acr_desktop.ui.models import OBJECT_ROLE, RowsModel, SortProxy

CopyAction = tuple[str, Callable[[list[object]], list[str]]]
LAST_COLUMN_SHARE = 160  # what the stretching last column asks for when widths are fitted
MIN_ELASTIC = 90  # the narrowest an eliding column gets


class RowTable(QTableView):
    """Shows a RowsModel through a SortProxy; copies the selected rows' texts.

    Signals:
    copied(str): the text put on the clipboard by Ctrl+C or the copy menu.
    """

    copied = Signal(str)

    def __init__(self, model: RowsModel[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy: QSortFilterProxyModel = SortProxy(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between rows
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # Column widths from the first rows, not from all 20,000 of a big index.
        self.horizontalHeader().setResizeContentsPrecision(200)  # rows looked at, per column
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._section_resized)
        self.copy_actions: list[CopyAction] = []
        # Fitting: `elastic_column` gives way first when the natural widths do not fit;
        # `auto_fit` turns off once a person sizes a column (or a saved layout is restored).
        self.elastic_column: int | None = None
        self.auto_fit = True
        self._natural: list[int] = []
        self._fitting = False
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        copy_shortcut(self, self.copy_default)

    # -- rows ----------------------------------------------------------------------------------
    def selected_objects(self) -> list[object]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(OBJECT_ROLE) for r in rows]

    def current_object(self) -> object | None:
        index = self.currentIndex()
        return index.data(OBJECT_ROLE) if index.isValid() else None

    # -- copying -------------------------------------------------------------------------------
    def copy_default(self) -> None:
        """Ctrl+C: the first copy action over every selected row, one line each."""
        objects = self.selected_objects()
        if objects and self.copy_actions:
            self._copy(self.copy_actions[0][1], objects)

    def _copy(self, render: Callable[[list[object]], list[str]], objects: list[object]) -> None:
        lines = render(objects)
        copy_lines(lines)
        self.copied.emit("\n".join(lines))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """The Menu key and Shift+F10 open the row menu at the current row (copy, sort)."""
        shift_f10 = (
            event.key() == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        )
        if event.key() == Qt.Key.Key_Menu or shift_f10:
            self._menu(self.visualRect(self.currentIndex()).center())
            return
        super().keyPressEvent(event)

    def _menu(self, pos: QPoint) -> None:
        """The rows' copy actions and the sort orders (the Menu key opens it too)."""
        objects = self.selected_objects()
        menu = QMenu(self)
        if objects:
            for label, render in self.copy_actions:
                action = menu.addAction(label)
                action.triggered.connect(lambda _=False, r=render: self._copy(r, objects))
        sort = menu.addMenu("Sort by")
        for action in self.sort_actions(sort):
            sort.addAction(action)
        menu.exec(self.viewport().mapToGlobal(pos))

    # -- sorting -------------------------------------------------------------------------------
    def column_names(self) -> list[str]:
        model = self.model()
        return [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]

    def sort_by(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort as a header click would; column -1 is the order the rows came in."""
        self.sortByColumn(column, order)

    def sort_actions(
        self, parent: QWidget | None = None, column: int | None = None
    ) -> list[QAction]:
        """Actions "Sort by <column> ascending / descending" for every column (or one), for a menu;
        the current order is checked."""
        header = self.horizontalHeader()
        columns = range(len(self.column_names())) if column is None else [column]
        actions = []
        for c in columns:
            for word, order in (
                ("ascending", Qt.SortOrder.AscendingOrder),
                ("descending", Qt.SortOrder.DescendingOrder),
            ):
                action = QAction(f"Sort by {self.column_names()[c]} {word}", parent or self)
                action.setCheckable(True)
                action.setChecked(
                    header.sortIndicatorSection() == c and header.sortIndicatorOrder() == order
                )
                action.triggered.connect(lambda _=False, c=c, o=order: self.sort_by(c, o))
                actions.append(action)
        return actions

    def _header_menu(self, pos: QPoint) -> None:
        header = self.horizontalHeader()
        column = header.logicalIndexAt(pos)
        menu = QMenu(self)
        for action in self.sort_actions(menu, column if column >= 0 else None):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Order as listed").triggered.connect(lambda: self.sort_by(-1))
        menu.exec(header.mapToGlobal(pos))

    # -- column widths -------------------------------------------------------------------------
    def fit_columns(self, widths: list[int] | None = None) -> None:
        """Columns as wide as their contents (or `widths`); when that is wider than the view the
        elastic column (a digest) narrows and elides in the middle. Kept up on resize."""
        if widths is None:
            self._fitting = True
            try:
                self.resizeColumnsToContents()
            finally:
                self._fitting = False
            header = self.horizontalHeader()
            widths = [header.sectionSize(c) for c in range(header.count())]
        self._natural = list(widths)
        self.auto_fit = True
        self._apply_fit()

    def natural_width(self) -> int:
        """The width the columns ask for when fitted (the last one at most LAST_COLUMN_SHARE)."""
        widths = self._natural
        return sum(widths[:-1]) + min(widths[-1], LAST_COLUMN_SHARE) if widths else 0

    def _apply_fit(self) -> None:
        header = self.horizontalHeader()
        widths = list(self._natural)
        if not self.auto_fit or len(widths) != header.count() or not widths:
            return
        widths[-1] = min(widths[-1], LAST_COLUMN_SHARE)
        over = sum(widths) - self.viewport().width()
        elastic = self.elastic_column
        if over > 0 and elastic is not None and elastic < len(widths) - 1:
            widths[elastic] = max(MIN_ELASTIC, widths[elastic] - over)
        self._fitting = True
        try:
            for column, width in enumerate(widths[:-1]):
                header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column < self.horizontalHeader().count() - 1:
            self.auto_fit = False  # a person chose this width

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_fit()
