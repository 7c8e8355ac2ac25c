"""Table models for layers, platforms and history, and a proxy that sorts on raw values.

Columns are `COL_*` constants; `SORT_ROLE` returns comparable raw values (byte counts, not the
"30.0 MB" text) and `OBJECT_ROLE` returns the row object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.image_config import HistoryStep
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.text import format_size, plural, short_digest

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RowsModel(QAbstractTableModel, Generic[Row]):
    """A read-only table over a list of row objects; subclasses say how a cell looks."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == OBJECT_ROLE:
            return row
        return self.cell(index.row(), row, index.column(), role)

    def cell(self, number: int, row: Row, column: int, role: int) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class LayerRow:
    number: int  # 1-based position in the manifest
    descriptor: Descriptor
    created_by: str | None = None  # the history step that made it, when the config is known


class LayersModel(RowsModel[LayerRow]):
    COL_NUMBER, COL_DIGEST, COL_TYPE, COL_SIZE, COL_STEP = range(5)
    HEADERS = ("#", "Digest", "Media type", "Size", "Created by")

    def total_size(self) -> int:
        return sum(r.descriptor.size for r in self._rows)

    def cell(self, number: int, row: LayerRow, column: int, role: int) -> Any:
        d = row.descriptor
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(row.number),
                short_digest(d.digest),
                mt.plain_name(d.media_type),
                format_size(d.size),
                row.created_by or "",
            )[column]
        if role == SORT_ROLE:
            return (
                row.number,
                d.digest,
                mt.plain_name(d.media_type),
                d.size,
                row.created_by or "",
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_DIGEST:
                return d.digest
            if column == self.COL_TYPE:
                return d.media_type
            if column == self.COL_SIZE:
                return f"{d.size:,} bytes"
            if column == self.COL_STEP:
                return row.created_by or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_NUMBER, self.COL_SIZE):
            return _RIGHT
        return None


@dataclass(frozen=True)
class PlatformRow:
    descriptor: Descriptor
    attestations: tuple[Descriptor, ...] = ()


class PlatformsModel(RowsModel[PlatformRow]):
    COL_OS, COL_ARCH, COL_VARIANT, COL_OS_VERSION, COL_DIGEST, COL_SIZE, COL_ATTEST = range(7)
    HEADERS = ("OS", "Architecture", "Variant", "OS version", "Digest", "Size", "Attestations")

    def cell(self, number: int, row: PlatformRow, column: int, role: int) -> Any:
        d = row.descriptor
        p = d.platform
        values = (
            p.os if p else "",
            p.architecture if p else "",
            (p.variant or "") if p else "",
            (p.os_version or "") if p else "",
            short_digest(d.digest),
            format_size(d.size),
            plural(len(row.attestations), "attestation") if row.attestations else "",
        )
        if role == Qt.ItemDataRole.DisplayRole:
            return values[column]
        if role == SORT_ROLE:
            return d.size if column == self.COL_SIZE else values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_DIGEST:
                return d.digest
            if column == self.COL_ATTEST and row.attestations:
                return "\n".join(a.digest for a in row.attestations)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SIZE:
            return _RIGHT
        return None


class HistoryModel(RowsModel[HistoryStep]):
    COL_STEP, COL_LAYER, COL_CREATED, COL_COMMAND = range(4)
    HEADERS = ("Step", "Layer", "Created", "Command")

    def cell(self, number: int, row: HistoryStep, column: int, role: int) -> Any:
        layer = "empty" if row.layer_index is None else f"#{row.layer_index + 1}"
        values = (str(number + 1), layer, row.created or "", row.created_by)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[column]
        if role == SORT_ROLE:
            if column == self.COL_STEP:
                return number
            if column == self.COL_LAYER:
                return -1 if row.layer_index is None else row.layer_index
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_COMMAND:
            return row.created_by + (f"\n\n{row.comment}" if row.comment else "")
        if role == Qt.ItemDataRole.ForegroundRole and row.empty_layer:
            from PySide6.QtGui import QPalette

            return QPalette().color(QPalette.ColorRole.PlaceholderText)
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE: sizes compare as Python ints (no 32-bit truncation)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: Index, right: Index) -> bool:
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        if type(a) is type(b) and a is not None:
            return bool(a < b)
        return str(a) < str(b)


class ReferrersModel(RowsModel[Descriptor]):
    """Manifests that refer to the one shown: signatures, SBOMs, attestations."""

    COL_KIND, COL_DIGEST, COL_SIZE, COL_CREATED = range(4)
    HEADERS = ("What", "Digest", "Size", "Created")

    def cell(self, number: int, row: Descriptor, column: int, role: int) -> Any:
        kind = row.artifact_type or row.media_type
        created = row.annotations.get("org.opencontainers.image.created", "")
        values = (mt.plain_name(kind), short_digest(row.digest), format_size(row.size), created)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[column]
        if role == SORT_ROLE:
            return row.size if column == self.COL_SIZE else values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return {self.COL_KIND: kind, self.COL_DIGEST: row.digest}.get(column)
        return None
