"""The Files tab's views: the image's filesystem as a tree (all layers applied: folders with
the size of what is in them, each path with the layer that last wrote it; a folder's rows are
made when it is opened, so a million paths cost only what is looked at), the tables of paths,
and the Layers tab's table that offers "Show files"."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.layer_entries import EntryKind, mode_text
from acr_desktop.text import format_size
from acr_desktop.ui.files_columns import ColumnFit
from acr_desktop.ui.files_models import (
    entry_tip,
    owner_text,
    owner_tip,
    safe_text,
    time_texts,
)
from acr_desktop.ui.models import EMPTY, LayerRow, RowsModel
from acr_desktop.ui.plain import list_entry, tooltip
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from acr_desktop.registry.filesystem import Node

Index = QModelIndex | QPersistentModelIndex
IMPLIED = "No layer has an entry for this folder itself; it holds paths that do."
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class _Item:
    """A node where the view sees it: its parent and its row (the node knows neither)."""

    __slots__ = ("kids", "node", "parent", "row")

    def __init__(self, node: Node, parent: _Item | None, row: int) -> None:
        self.node = node
        self.parent = parent
        self.row = row
        self.kids: list[_Item] | None = None  # made when first asked for

    def path(self) -> str:
        names: list[str] = []
        item: _Item | None = self
        while item is not None and item.parent is not None:
            names.append(item.node.name)
            item = item.parent
        return "/".join(reversed(names))


def is_folder(node: Node) -> bool:
    return node.children is not None


class TreeModel(QAbstractItemModel):
    """The merged filesystem's root, folders first then by name (or sorted by a column)."""

    COL_NAME, COL_SIZE, COL_TYPE, COL_LAYER, COL_MODE, COL_OWNER, COL_TIME, COL_LINK = range(8)
    HEADERS = ("Name", "Size", "Type", "Layer", "Mode", "Owner", "Modified", "Link")
    HEADER_TIPS = {COL_LAYER: "The layer that wrote the path last"}  # noqa: RUF012
    SAMPLES = {  # noqa: RUF012 - texts a column is measured on (the top rows are folders)
        COL_SIZE: "999.9 MB", COL_TYPE: "hardlink", COL_MODE: "drwxr-xr-x",
        COL_OWNER: "root:root", COL_TIME: "2024-01-02 03:04", COL_LAYER: "layer 99",
        COL_LINK: "../lib/libc.so.6",
    }  # fmt: skip

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root: _Item | None = None
        self._sort = (-1, Qt.SortOrder.AscendingOrder)

    def set_root(self, root: Node | None) -> None:
        self.beginResetModel()
        self._root = _Item(root, None, 0) if root is not None else None
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every folder's rows by `column` (folders stay first); folders are re-listed
        when next opened."""
        self.beginResetModel()
        self._sort = (column, order)
        if self._root is not None:
            self._root = _Item(self._root.node, None, 0)
        self.endResetModel()

    def _kids(self, item: _Item) -> list[_Item]:
        if item.kids is None:
            column, order = self._sort
            key = {self.COL_SIZE: "size", self.COL_LAYER: "layer"}.get(column, "name")
            sorted_by = key != "name" or column == self.COL_NAME  # other columns: by name
            descending = sorted_by and order == Qt.SortOrder.DescendingOrder
            children = sorted((item.node.children or {}).values(), key=attrgetter(key),
                              reverse=descending)  # fmt: skip
            folders = [n for n in children if n.children is not None]  # first, in that order
            children = folders + [n for n in children if n.children is None]
            item.kids = [_Item(n, item, r) for r, n in enumerate(children)]
        return item.kids

    def _item(self, index: Index) -> _Item | None:
        if not index.isValid():
            return self._root
        found = index.internalPointer()
        return found if isinstance(found, _Item) else None

    # -- the model's questions -----------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        item = self._item(parent)
        if item is None or column < 0 or column >= len(self.HEADERS):
            return QModelIndex()
        kids = self._kids(item)
        if not 0 <= row < len(kids):
            return QModelIndex()
        return self.createIndex(row, column, kids[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        item = self._item(index) if index.isValid() else None
        up = item.parent if item is not None else None
        if up is None or up.parent is None:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        item = self._item(parent)
        return len(self._kids(item)) if item is not None else 0

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        item = self._item(parent)
        return item is not None and parent.column() <= 0 and bool(item.node.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return self.HEADER_TIPS.get(section) if role == Qt.ItemDataRole.ToolTipRole else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self._item(index) if index.isValid() else None
        if item is None:
            return None
        node, column = item.node, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return list_entry(self._text(node, column))
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self._tip(item, column))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SIZE:
            return _RIGHT
        return node if role == OBJECT_ROLE else None

    def _text(self, node: Node, column: int) -> str:
        entry = node.entry
        if column == self.COL_NAME:
            return safe_text(node.name) or "/"
        if column == self.COL_SIZE:
            return format_size(node.size)
        if column == self.COL_LAYER:
            return f"layer {node.layer + 1}" if node.layer >= 0 else EMPTY
        if entry is None:
            return "folder" if column == self.COL_TYPE else EMPTY  # implied: the tooltips say
        return {
            self.COL_TYPE: entry.kind.value if entry.kind != EntryKind.DIR else "folder",
            self.COL_MODE: mode_text(entry.kind, entry.mode),
            self.COL_OWNER: owner_text(entry),
            self.COL_TIME: time_texts(entry.mtime)[0],
            self.COL_LINK: safe_text(entry.link),
        }.get(column, "")

    def _tip(self, item: _Item, column: int) -> str | None:
        node, entry = item.node, item.node.entry
        if column == self.COL_NAME:
            return entry_tip(entry) if entry is not None else safe_text(item.path())
        if column == self.COL_SIZE:
            what = "in this folder, all layers applied" if is_folder(node) else "in this file"
            return f"{node.size:,} bytes {what}"
        if entry is None or node.layer < 0:
            return IMPLIED if column in (self.COL_LAYER, self.COL_TYPE) else None
        if column == self.COL_LAYER:
            return f"Layer {node.layer + 1} wrote this path last."
        tips = {
            self.COL_TIME: time_texts(entry.mtime)[1],
            self.COL_LINK: safe_text(entry.link) or None,
            self.COL_OWNER: owner_tip(entry),
        }
        return tips.get(column)

    # -- for the panel -------------------------------------------------------------------------
    def node_at(self, index: Index) -> tuple[str, Node] | None:
        """(path, node) of the row at `index`, None for none."""
        item = self._item(index) if index.isValid() else None
        return (item.path(), item.node) if item is not None else None


class LayersTable(RowTable):
    """The Layers tab's table, offering "Show files" for the current layer (Enter,
    double-click, the row menu).

    Signals:
    show_files(int): the person wants the files of this layer (0-based).
    """

    show_files = Signal(int)

    def __init__(self, model: RowsModel[Any], parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.activated.connect(lambda _index: self._show_current())

    def _show_current(self) -> None:
        row = self.current_object()
        if isinstance(row, LayerRow) and row.size_known:
            self.show_files.emit(row.number - 1)

    def _menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        row = self.current_object()
        if isinstance(row, LayerRow) and row.size_known:
            menu.addAction("Show files").triggered.connect(lambda _=False: self._show_current())
            menu.addSeparator()
        objects = self.selected_objects()
        for label, render in self.copy_actions if objects else []:
            menu.addAction(label).triggered.connect(
                lambda _=False, r=render: self._copy(r, objects)
            )
        sort = menu.addMenu("Sort by")
        sort.addActions(self.sort_actions(sort))
        menu.exec(self.viewport().mapToGlobal(pos))


def column(*parts: QWidget) -> QWidget:
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        column.addWidget(part)
    box.setVisible(False)
    return box


class FilesTree(QTreeView):
    """The whole image's tree: the Name column takes the width the others leave (`columns`);
    Enter (or a double click) opens or closes a folder, and chooses a file.

    Signals:
    file_chosen(): Enter or a double click on a row that is not a folder.
    """

    file_chosen = Signal()

    def __init__(self, model: TreeModel) -> None:
        super().__init__()
        self.activated.connect(self._activated)
        self.setObjectName("filesTree")
        self.setModel(model)
        self.setUniformRowHeights(True)  # rows are not measured one by one
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setAlternatingRowColors(True)
        self.columns = ColumnFit(  # as the one layer's table (files_models.EntriesModel)
            self,
            TreeModel.COL_NAME,
            TreeModel.SAMPLES,
            (TreeModel.COL_LINK, TreeModel.COL_OWNER),
            TreeModel.COL_LAYER + 1,
        )
        self.setExpandsOnDoubleClick(False)  # `_activated` does, once

    def _activated(self, index: QModelIndex) -> None:
        first = index.siblingAtColumn(0)
        if self.model().hasChildren(first):
            self.setExpanded(first, not self.isExpanded(first))
        else:
            self.file_chosen.emit()


def row(*parts: QWidget | tuple[QWidget, int]) -> QHBoxLayout:
    """A row of widgets, each `(widget, stretch)` or a widget that does not stretch."""
    layout = QHBoxLayout()
    for part in parts:
        widget, stretch = part if isinstance(part, tuple) else (part, 0)
        layout.addWidget(widget, stretch)
    return layout


class Footer(QWidget):
    """A line of text that wraps (`text`) beside `buttons`, or above them when the room beside
    them is less than twice theirs (a small screen: the text would be a tall column)."""

    def __init__(self, text: QWidget, *buttons: QWidget) -> None:
        super().__init__()
        self.text, self.buttons = text, QHBoxLayout()
        for widget in buttons:
            self.buttons.addWidget(widget)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(0, 1)
        self.stacked: bool | None = None
        self._place(stacked=False)

    def _place(self, *, stacked: bool) -> None:
        if stacked == self.stacked:
            return
        self.stacked = stacked
        self.grid.removeWidget(self.text)
        self.grid.removeItem(self.buttons)
        self.grid.addWidget(self.text, 0, 0, 1, 2 if stacked else 1)
        self.grid.addLayout(self.buttons, 1 if stacked else 0, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        buttons = self.buttons.sizeHint().width()
        self._place(stacked=self.width() - buttons < 2 * buttons)


def reveal(split: QSplitter, box: QWidget, shown: bool) -> None:
    """Show or hide a pane of `split` below its first: a pane shown gets a quarter of the
    height, a pane hidden gives its room back to the first (QSplitter would keep it empty)."""
    if box.isHidden() != shown:
        return
    sizes = split.sizes()
    number, total = split.indexOf(box), sum(sizes)
    box.setVisible(shown)
    if total <= 0:
        return
    sizes[number] = min(max(sizes[number], total // 4), box.maximumHeight()) if shown else 0
    below = 0
    for n in range(1, split.count()):
        pane = split.widget(n)
        if pane is not None and not pane.isHidden():
            below += sizes[n]
    sizes[0] = max(1, total - below)
    split.setSizes(sizes)


def button(text: str, clicked: Callable[[], object]) -> QPushButton:
    """A push button that calls `clicked()` (without the `checked` argument)."""
    made = QPushButton(text)
    made.clicked.connect(lambda _=False: clicked())
    return made
