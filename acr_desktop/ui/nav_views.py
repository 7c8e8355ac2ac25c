"""The navigator's list views: Tab leaves them (never walks them cell by cell), Enter opens the
current row, Ctrl+C asks for it to be copied — handled by the view that has focus, before any
window-wide shortcut for the same key.

Signals (of both views):
    opened(QModelIndex): Enter or Return on the current row.
    copy_requested(QModelIndex): the standard Copy key on the current row.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QListView, QTableView, QWidget

from acr_desktop.ui.plain import list_entry

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _ours(event: QEvent) -> bool:
    """Copy, or Enter without modifiers."""
    if not isinstance(event, QKeyEvent):
        return False
    return event.matches(QKeySequence.StandardKey.Copy) or (
        event.key() in _ENTER and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    )


def _setup(view: QAbstractItemView) -> None:
    view.setTabKeyNavigation(False)  # Tab moves to the next widget; arrows move between rows
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)


def _override(event: QEvent) -> bool:
    """Claim our keys while the view has focus (a window shortcut for Ctrl+C would take them)."""
    if event.type() == QEvent.Type.ShortcutOverride and _ours(event):
        event.accept()
        return True
    return False


def _key(
    view: QAbstractItemView, event: QKeyEvent, opened: SignalInstance, copy: SignalInstance
) -> bool:
    """Emit `opened` or `copy` for our keys on the current row; True when handled."""
    index = view.currentIndex()
    if not (_ours(event) and index.isValid()):
        return False
    (copy if event.matches(QKeySequence.StandardKey.Copy) else opened).emit(index)
    event.accept()
    return True


class ListedNames(QSortFilterProxyModel):
    """Names from a registry, filtered; each shown on one line (`plain.list_entry`). The name
    itself is `EditRole`."""

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        value = super().data(index, role)
        if role == Qt.ItemDataRole.DisplayRole and isinstance(value, str):
            return list_entry(value)
        return value


class RepositoryList(QListView):
    opened = Signal(QModelIndex)
    copy_requested = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)
        self.setUniformItemSizes(True)

    def event(self, event: QEvent) -> bool:
        return _override(event) or super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not _key(self, event, self.opened, self.copy_requested):
            super().keyPressEvent(event)


class TagTable(QTableView):
    opened = Signal(QModelIndex)
    copy_requested = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)

    def event(self, event: QEvent) -> bool:
        return _override(event) or super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not _key(self, event, self.opened, self.copy_requested):
            super().keyPressEvent(event)
