"""Table models for layers, platforms and history, and a proxy that sorts on raw values.

Columns are `COL_*` constants; `SORT_ROLE` returns comparable raw values (byte counts, not the
"30.0 MB" text) and `OBJECT_ROLE` returns the row object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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
from acr_desktop.text import format_size, format_time, plural, short_digest
from acr_desktop.ui.insp_sizes import DOWNLOAD_TIP, LAYERS_TIP, MANIFEST_TIP, size_cells
from acr_desktop.ui.plain import list_entry, tooltip
from acr_desktop.ui.roles import OBJECT_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from acr_desktop.sizes import ImageSize

__all__ = ["OBJECT_ROLE", "SORT_ROLE"]  # with the models below; defined in roles.py
Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
EMPTY = "—"  # an empty cell, so a blank never reads as "not loaded yet"


class RowsModel(QAbstractTableModel, Generic[Row]):
    """A read-only table over a list of row objects; subclasses say how a cell looks."""

    HEADERS: tuple[str, ...] = ()
    HEADER_TIPS: dict[int, str] = {}  # noqa: RUF012 - read-only, per class

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._order: list[int] = []  # shown row -> index in _rows
        self._sort = (-1, Qt.SortOrder.AscendingOrder)

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._order = self._sorted(*self._sort)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort here, in Python, one key per row: a proxy's `lessThan` would cross into Python
        twice per comparison (seconds for an index of 20,000 platforms)."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        originals = [self._order[i.row()] for i in before]
        self._order = self._sorted(column, order)
        shown = {original: number for number, original in enumerate(self._order)}
        self.changePersistentIndexList(
            before,
            [self.index(shown[o], i.column()) for o, i in zip(originals, before, strict=True)],
        )
        self.layoutChanged.emit()

    def _sorted(self, column: int, order: Qt.SortOrder) -> list[int]:
        if not 0 <= column < len(self.HEADERS):
            return list(range(len(self._rows)))  # as given
        keys = [_sort_key(self.cell(n, r, column, SORT_ROLE)) for n, r in enumerate(self._rows)]
        descending = order == Qt.SortOrder.DescendingOrder
        return sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.HEADER_TIPS.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        number = self._order[index.row()]
        row = self._rows[number]
        if role == OBJECT_ROLE:
            return row
        value = self.cell(number, row, index.column(), role)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, str):
            return tooltip(value)  # registry text: shown as it is, never as markup
        if role == Qt.ItemDataRole.DisplayRole and isinstance(value, str):
            return list_entry(value)  # one line; bidi and control characters by name
        return value

    def cell(self, number: int, row: Row, column: int, role: int) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class LayerRow:
    number: int  # 1-based position in the manifest
    descriptor: Descriptor
    created_by: str | None = None  # the history step that made it, when the config is known
    size_known: bool = True  # schema 1 gives no layer sizes

    @property
    def where(self) -> str | None:
        """For a foreign (non-distributable) layer: where it is fetched from."""
        urls = self.descriptor.urls
        return foreign_words(urls) if urls else None


def foreign_hosts(urls: tuple[str, ...]) -> str:
    """The hosts of a foreign layer's `urls`: "example.com, cdn.example.org"."""
    from urllib.parse import urlsplit

    return ", ".join(dict.fromkeys(urlsplit(u).hostname or u for u in urls))


def foreign_words(urls: tuple[str, ...]) -> str:
    """ "fetched from example.com, not from the registry" for a layer with `urls`."""
    return f"fetched from {foreign_hosts(urls)}, not from the registry"


UNPACKED_TIP = (
    "Unpacked size: the layer's tar uncompressed (its files and their tar headers), as counted "
    "when its files were listed; known once listed (Show files lists it)."
)
NOT_LISTED = "Not listed yet: Show files lists it."


class LayersModel(RowsModel[LayerRow]):
    """An image's layers; "Unpacked size" comes later, from listings (`add_unpacked`)."""

    COL_NUMBER, COL_DIGEST, COL_TYPE, COL_SIZE, COL_UNPACKED, COL_STEP = range(6)
    HEADERS = ("#", "Digest", "Media type", "Compressed size", "Unpacked size", "Created by")
    HEADER_TIPS = {  # noqa: RUF012
        COL_SIZE: "Compressed size: the layer's blob as the registry stores it and a pull "
        "downloads it; unpacked on disk it is larger.",
        COL_UNPACKED: UNPACKED_TIP,
    }
    RIGHT_ALIGNED = (COL_NUMBER, COL_SIZE, COL_UNPACKED)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unpacked: dict[str, int] = {}  # layer digest -> its tar's bytes, kept across rows

    def add_unpacked(self, sizes: Mapping[str, int]) -> None:
        """Unpacked sizes by layer digest (a digest's never changes); re-sorts if sorted on them."""
        self.unpacked.update(sizes)
        if self._sort[0] == self.COL_UNPACKED:
            self.sort(*self._sort)
        if self._rows:
            last = self.index(len(self._rows) - 1, self.COL_UNPACKED)
            self.dataChanged.emit(self.index(0, self.COL_UNPACKED), last)

    def unpacked_total(self) -> int | None:
        """The layers' unpacked sizes added up; None until every layer's is known."""
        sizes = [self.unpacked.get(r.descriptor.digest) for r in self._rows]
        return sum(s or 0 for s in sizes) if sizes and None not in sizes else None

    def total_size(self) -> int:
        return sum(r.descriptor.size for r in self._rows)

    def cell(self, number: int, row: LayerRow, column: int, role: int) -> Any:
        d = row.descriptor
        kind = mt.plain_name(d.media_type) if d.media_type else "layer (schema 1)"
        if d.urls:
            kind = f"{kind} ↗ {foreign_hosts(d.urls)}"  # the tooltip and the total say it whole
        unpacked = self.unpacked.get(d.digest) if row.size_known else None
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(row.number),
                d.digest,  # whole when the column is wide enough; the view elides the middle
                kind,
                format_size(d.size) if row.size_known else EMPTY,
                EMPTY if unpacked is None else format_size(unpacked),
                row.created_by or EMPTY,
            )[column]
        if role == SORT_ROLE:  # an unknown unpacked size (None) sorts after every number
            return (row.number, d.digest, kind, d.size, unpacked, row.created_by or "")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_DIGEST:
                return d.digest
            if column == self.COL_TYPE:
                urls = "".join(f"\n{u}" for u in d.urls)
                return (d.media_type or kind) + (f"\n{row.where}:{urls}" if urls else "")
            if column == self.COL_SIZE:
                return f"{d.size:,} bytes" if row.size_known else "Schema 1 gives no layer sizes."
            if column == self.COL_UNPACKED and not row.size_known:
                return "Files are listed for OCI and Docker images, not schema 1."
            if column == self.COL_UNPACKED:
                return (
                    NOT_LISTED if unpacked is None else f"{unpacked:,} bytes, the tar uncompressed"
                )
            if column == self.COL_STEP:
                return row.created_by or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.RIGHT_ALIGNED:
            return _RIGHT
        return None


@dataclass(frozen=True)
class PlatformRow:
    descriptor: Descriptor
    attestations: tuple[Descriptor, ...] = ()
    label: str | None = None  # what the entry is, when not every row is a platform
    missing: bool = False  # the registry has no manifest for this entry (or none readable)
    unreadable: bool = False  # its manifest arrived but cannot be read

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """The cells' texts, made once: a view asks for them again on every paint."""
        d = self.descriptor
        p = d.platform if d.kind == "platform" else None
        first = self.label if self.label is not None else ((p.os or EMPTY) if p else EMPTY)
        if self.missing:
            flag = "unreadable" if self.unreadable else "missing"
            first = f"{first} ⚠ {flag}"  # the tooltip says it whole
        return (
            first,
            (p.architecture or EMPTY) if p else EMPTY,
            (p.variant or EMPTY) if p else EMPTY,
            (p.os_version or EMPTY) if p else EMPTY,
            # The hex start only, as `docker images` shows an ID: a narrow column then still
            # shows what tells entries apart (the whole digest is in the tooltip and on copy).
            short_digest(d.digest).partition(":")[2] or d.digest,
            format_size(d.size),
            plural(len(self.attestations), "attestation") if self.attestations else EMPTY,
        )


MISSING_ENTRY = "Missing: the index lists this entry, but the registry has no manifest for it."
UNREADABLE_ENTRY = "Unreadable: the registry sent this entry's manifest, but it cannot be read."


class PlatformsModel(RowsModel[PlatformRow]):
    """The entries of an index; "Download size" and "Layers" come later (`set_sizes`)."""

    COL_OS, COL_ARCH, COL_VARIANT, COL_OS_VERSION, COL_DIGEST = range(5)
    COL_DOWNLOAD, COL_LAYERS, COL_MANIFEST, COL_ATTEST = range(5, 9)
    SIZE_COLUMNS = (COL_DOWNLOAD, COL_LAYERS)
    HEADERS = ("OS", "Architecture", "Variant", "OS version", "Digest", "Download size",
               "Layers", "Manifest bytes", "Attestations")  # fmt: skip
    HEADER_TIPS = {COL_DOWNLOAD: DOWNLOAD_TIP, COL_LAYERS: LAYERS_TIP, COL_MANIFEST: MANIFEST_TIP}  # noqa: RUF012

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sizes: Mapping[str, ImageSize | str] = {}  # by entry digest, kept across set_rows
        self._measuring = False

    def set_sizes(self, sizes: Mapping[str, ImageSize | str], *, measuring: bool) -> None:
        """Download sizes by entry digest (a sentence where there is none); `measuring`: the
        entries without one show "…". Re-sorts when sorted on a size column."""
        self._sizes, self._measuring = dict(sizes), measuring
        if self._sort[0] in self.SIZE_COLUMNS:
            self.sort(*self._sort)
        if self._rows:
            last = self.index(len(self._rows) - 1, self.COL_LAYERS)
            self.dataChanged.emit(self.index(0, self.COL_DOWNLOAD), last)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        labelled = any(r.label is not None for r in self._rows)
        if labelled and section == self.COL_OS and orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return "Entry"
            if role == Qt.ItemDataRole.ToolTipRole:
                return "What the entry is: a platform's image, an attestation, a builder record …"
        return super().headerData(section, orientation, role)

    def row_of(self, digest: str) -> int:
        """The row of the entry with `digest`, or -1."""
        for shown, number in enumerate(self._order):
            if self._rows[number].descriptor.digest == digest:
                return shown
        return -1

    def cell(self, number: int, row: PlatformRow, column: int, role: int) -> Any:
        d = row.descriptor
        if column in self.SIZE_COLUMNS:
            return self._size_cell(row, column, role)
        values = row.texts
        text = values[column - 2 if column > self.COL_DIGEST else column]  # no size cells there
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == SORT_ROLE:
            return d.size if column == self.COL_MANIFEST else text
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_OS and row.missing:
                return UNREADABLE_ENTRY if row.unreadable else MISSING_ENTRY
            if column == self.COL_OS and row.label:
                return text
            if column == self.COL_DIGEST:
                return d.digest
            if column == self.COL_MANIFEST:
                return f"{d.size:,} bytes of manifest (not the image's size: see Download size)"
            if column == self.COL_ATTEST and row.attestations:
                return "\n".join(a.digest for a in row.attestations)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_MANIFEST:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and row.missing:
            from PySide6.QtGui import QColor

            from acr_desktop.ui import colours

            return QColor(colours.warning())
        return None

    def _size_cell(self, row: PlatformRow, column: int, role: int) -> Any:
        cells = size_cells(row.descriptor, self._sizes.get(row.descriptor.digest), self._measuring)
        download = column == self.COL_DOWNLOAD
        if role == Qt.ItemDataRole.DisplayRole:
            return cells.download if download else cells.layers
        if role == SORT_ROLE:
            return cells.download_bytes if download else cells.layer_count
        if role == Qt.ItemDataRole.ToolTipRole:
            return cells.tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT
        return None


class HistoryModel(RowsModel[HistoryStep]):
    COL_STEP, COL_LAYER, COL_CREATED, COL_COMMAND = range(4)
    HEADERS = ("Step", "Layer", "Created", "Command")

    def cell(self, number: int, row: HistoryStep, column: int, role: int) -> Any:
        layer = "empty" if row.layer_index is None else f"#{row.layer_index + 1}"
        local, utc = format_time(row.created)
        values = (str(number + 1), layer, local, row.created_by or EMPTY)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[column]
        if role == SORT_ROLE:
            if column == self.COL_STEP:
                return number
            if column == self.COL_LAYER:
                return -1 if row.layer_index is None else row.layer_index
            return (row.created or "") if column == self.COL_CREATED else values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_CREATED:
            return utc or None
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_COMMAND:
            return row.created_by + (f"\n\n{row.comment}" if row.comment else "")
        if role == Qt.ItemDataRole.ForegroundRole and row.empty_layer:
            from PySide6.QtGui import QPalette

            return QPalette().color(QPalette.ColorRole.PlaceholderText)
        return None


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers as numbers (no 32-bit truncation of sizes), anything else as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, "" if value is None else str(value))


class SortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE: a RowsModel sorts itself (one key per row, in Python); another
    model through `lessThan` (sizes compare as Python ints, no 32-bit truncation)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, RowsModel):
            source.sort(column, order)  # the proxy itself stays in the source's order
        else:
            super().sort(column, order)

    def lessThan(self, left: Index, right: Index) -> bool:
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        if type(a) is type(b) and a is not None:
            return bool(a < b)
        return str(a) < str(b)
