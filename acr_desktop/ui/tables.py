"""A table view with the app's conventions: sortable, row selection, Ctrl+C and a copy menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from acr_desktop.ui.clipboard import copy_lines
from acr_desktop.ui.models import OBJECT_ROLE, RowsModel, SortProxy

CopyAction = tuple[str, Callable[[list[object]], list[str]]]


class RowTable(QTableView):
    """Shows a RowsModel through a SortProxy; copies the selected rows' texts."""

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
        self.copy_actions: list[CopyAction] = []
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        copy = QAction("Copy", self)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_default)
        self.addAction(copy)

    def selected_objects(self) -> list[object]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(OBJECT_ROLE) for r in rows]

    def current_object(self) -> object | None:
        index = self.currentIndex()
        return index.data(OBJECT_ROLE) if index.isValid() else None

    def copy_default(self) -> None:
        """Ctrl+C: the first copy action over every selected row, one line each."""
        objects = self.selected_objects()
        if objects and self.copy_actions:
            copy_lines(self.copy_actions[0][1](objects))

    def _menu(self, pos: QPoint) -> None:
        objects = self.selected_objects()
        if not objects or not self.copy_actions:
            return
        menu = QMenu(self)
        for label, render in self.copy_actions:
            action = menu.addAction(label)
            action.triggered.connect(lambda _=False, r=render: copy_lines(r(objects)))
        menu.exec(self.viewport().mapToGlobal(pos))
