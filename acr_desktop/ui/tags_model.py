"""The tag list: a model with lazy rows over up to 100,000 tags, filtered as you type (substring
or glob) and ordered by version-aware name or by time. No widget per tag.

Pages are appended as they arrive (cheap on the UI thread); the version order is computed in the
worker once everything is in (`name_order`) and swapped in whole."""

from __future__ import annotations

import heapq
import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from acr_desktop.registry.acr import TagInfo
from acr_desktop.text import short_digest
from acr_desktop.ui.models import OBJECT_ROLE
from acr_desktop.versions import matcher, natural_key

Index = QModelIndex | QPersistentModelIndex


def name_order(tags: list[TagInfo], chunk: int = 4096) -> list[int]:
    """Done in the worker: indices of `tags` in version order (`1.9` before `1.10`).

    One `sorted()` of 100,000 keys is a single C call that holds the GIL for ~0.2 s and would
    freeze the UI thread; sorting chunks and merging them in Python lets it run in between."""
    keys = [natural_key(t.name) for t in tags]
    runs = []
    for start in range(0, len(tags), chunk):
        run = list(range(start, min(start + chunk, len(tags))))
        run.sort(key=keys.__getitem__)
        runs.append(run)
        time.sleep(0)  # give the GIL to the UI thread
    return list(heapq.merge(*runs, key=keys.__getitem__))


class TagsModel(QAbstractTableModel):
    COL_TAG, COL_UPDATED, COL_DIGEST, COL_SIGNED, COL_LOCKS = range(5)
    HEADERS = ("Tag", "Last updated", "Digest", "Signed", "Locks")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tags: list[TagInfo] = []  # in arrival order (ACR: newest first)
        self._lower: list[str] = []
        self._words: list[bool] = []  # no digit at all: a word, not a version
        self._name_order: list[int] | None = None
        self._visible: list[int] = []  # indices into _tags, in display order
        self._pattern = ""
        self.by_time = False
        self.descending = True
        self.has_metadata = False

    # -- data ----------------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self._tags, self._lower, self._visible, self._name_order = [], [], [], None
        self._words = []
        self.has_metadata = False
        self.endResetModel()

    def add_page(self, page: list[TagInfo]) -> None:
        if not page:
            return
        self.has_metadata = self.has_metadata or any(t.updated or t.created for t in page)
        self._tags = self._tags + list(page)
        self._lower = self._lower + [t.name.lower() for t in page]
        self._words = self._words + [not any(c.isdigit() for c in t.name) for t in page]
        self._name_order = None
        self._refresh()

    def set_name_order(self, order: list[int]) -> None:
        """The version order of everything loaded, computed off the UI thread."""
        if len(order) == len(self._tags):
            self._name_order = order
            self._refresh()

    def set_filter(self, pattern: str) -> None:
        self._pattern = pattern
        self._refresh()

    def set_order(self, *, by_time: bool, descending: bool) -> None:
        self.by_time, self.descending = by_time, descending
        self._refresh()

    def _refresh(self) -> None:
        self.beginResetModel()
        order: list[int] | range = (
            self._name_order
            if not self.by_time and self._name_order is not None
            else range(len(self._tags))
        )
        pattern = self._pattern.strip().lower()
        lower = self._lower
        if not pattern:
            visible = list(order)
        elif not any(c in pattern for c in "*?["):
            visible = [i for i in order if pattern in lower[i]]
        else:
            match = matcher(pattern)
            visible = [i for i in order if match(lower[i])]
        # Names ascend in version order; "descending" shows the newest versions first. Time order
        # is the registry's (ACR sends newest first), so it is shown as it came.
        if self.descending != self.by_time:
            visible.reverse()
        if not self.by_time:
            # Words (latest, stable, main) after the versions, whichever way versions run.
            words = self._words
            visible = [i for i in visible if not words[i]] + [i for i in visible if words[i]]
        self._visible = visible
        self.endResetModel()

    def total(self) -> int:
        return len(self._tags)

    def names(self) -> list[str]:
        return [self._tags[i].name for i in self._visible]

    # -- Qt ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        tag = self._tags[self._visible[index.row()]]
        column = index.column()
        if role == OBJECT_ROLE:
            return tag
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_TAG:
                return tag.name
            if column == self.COL_UPDATED:
                when = tag.updated or tag.created
                return when[:19].replace("T", " ") if when else ""
            if column == self.COL_DIGEST:
                return short_digest(tag.digest) if tag.digest else ""
            if column == self.COL_SIGNED:
                return "✔ signed" if tag.signed else ""
            if column == self.COL_LOCKS:
                return tag.locks_text()
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_DIGEST and tag.digest:
            return tag.digest
        return None
