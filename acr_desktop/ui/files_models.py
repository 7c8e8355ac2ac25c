"""The Files tab's tables: one layer's entries (rows appended in batches while the layer
streams, sorted and filtered without per-row Python on the UI thread), paths found across the
layers, and the largest wasted files. Cells are made only for the rows a view shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QModelIndex, QObject, Qt

from acr_desktop.registry import layer_entries as le
from acr_desktop.registry.layer_entries import Change, EntryKind, TarEntry, mode_text
from acr_desktop.text import format_size
from acr_desktop.ui.models import EMPTY, Index, RowsModel
from acr_desktop.ui.roles import OBJECT_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from acr_desktop.registry.filesystem import Found, Waste

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ForegroundRole, SORT_ROLE, OBJECT_ROLE,
})  # fmt: skip
FLAG_WORDS = (
    (le.ABSOLUTE, "The tar names this path with a leading “/” (shown without it)."),
    (le.DOTDOT, "The name has a “..” part: kept as written, never followed."),
    (le.NOT_UTF8, "The name's bytes are not UTF-8: the bytes that are not are shown as \\xNN."),
    (le.SPARSE, "A sparse file: the size is its real size; the layer holds less."),
    (le.LONG_NAME, "The name came from a PAX or GNU long-name record."),
    (le.BAD_FIELD, "A field of this entry could not be read; it is shown as 0."),
)
CHANGE_TIPS = {
    Change.ADDED: "Not present in the layers below.",
    Change.MODIFIED: "Present in a layer below and written again by this one.",
    Change.DELETED: "A whiteout: this layer deletes the path from the layers below.",
    Change.OPAQUE: "An opaque directory: what the layers below have in it is hidden.",
    Change.UNKNOWN: "The layers below are not listed yet.",
}


def safe_text(text: str) -> str:
    """Text from a tar, drawable: bytes that were not UTF-8 (surrogate escapes) as \\xNN."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def path_of(row: object) -> str:
    """The path a row is about (an entry, a found path, a wasted file), for Copy."""
    entry = getattr(row, "entry", row)
    path = getattr(entry, "path", "")
    return safe_text(path if isinstance(path, str) else "")


def owner_text(entry: TarEntry) -> str:
    return f"{safe_text(entry.uname) or entry.uid}:{safe_text(entry.gname) or entry.gid}"


def owner_tip(entry: TarEntry) -> str:
    return (
        f"user {safe_text(entry.uname) or '(no name)'} ({entry.uid}), "
        f"group {safe_text(entry.gname) or '(no name)'} ({entry.gid})"
    )


def time_texts(mtime: float) -> tuple[str, str]:
    """(local "2024-01-02 03:04", "2024-01-02 03:04:05 UTC"); a time no clock can show as the
    number it is."""
    try:
        moment = datetime.fromtimestamp(mtime, UTC)
    except (OverflowError, OSError, ValueError):
        return f"{mtime:g}", f"{mtime:g} seconds since 1970"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M"), moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def flag_words(flags: int) -> list[str]:
    return [words for flag, words in FLAG_WORDS if flags & flag]


def entry_tip(entry: TarEntry) -> str:
    """The whole path, what a whiteout deletes, and what is unusual about the entry."""
    lines = [safe_text(entry.path) or "/ (the root)"]
    if entry.is_opaque_marker:
        lines.append(f"Hides what the layers below have in {safe_text(entry.target) or '/'}.")
    elif entry.is_whiteout:
        lines.append(f"Deletes {safe_text(entry.target)} from the layers below.")
    return "\n".join(lines + flag_words(entry.flags))


def change_tip(change: Change, entry: TarEntry) -> str:
    """What `change` means for `entry` (the path a whiteout deletes, whole)."""
    if change == Change.DELETED:
        return f"A whiteout: this layer deletes {safe_text(entry.target)} from the layers below."
    if change == Change.OPAQUE:
        where = safe_text(entry.target) or "/"
        return f"An opaque directory: what the layers below have in {where} is hidden."
    return CHANGE_TIPS[change]


def _kind_text(entry: TarEntry) -> str:
    return f"{entry.kind.value} ⚠" if entry.flags else entry.kind.value


class EntriesModel(RowsModel[TarEntry]):
    """One layer's entries in tar order, with what the layer does to each path.

    `append` adds a batch at the end (one insert for the batch); sorting and filtering work on
    whole columns of raw values (attribute getters, no Python per row); while a layer streams
    into a sorted or filtered view, new rows go at the end and `resort()` puts them in place."""

    COL_PATH, COL_TYPE, COL_SIZE, COL_CHANGE, COL_MODE, COL_OWNER, COL_TIME, COL_LINK = range(8)
    HEADERS = ("Path", "Type", "Size", "Change", "Mode", "Owner", "Modified", "Link")
    HEADER_TIPS = {  # noqa: RUF012
        COL_SIZE: "The size the tar headers give (a folder's own entry has none)",
        COL_CHANGE: "What this layer does to the path, seen against the layers below it",
    }
    # Path takes the room; Link, Owner elide first; if all cannot fit, Path to Change fill it.
    PATH_COLUMN, SQUEEZE, VISIBLE = COL_PATH, (COL_LINK, COL_OWNER), COL_CHANGE + 1
    SAMPLES = {  # noqa: RUF012 - texts a column is measured on, whatever the first rows hold
        COL_SIZE: "999.9 MB", COL_MODE: "drwxr-xr-x", COL_OWNER: "root:root",
        COL_TIME: "2024-01-02 03:04", COL_CHANGE: "modified",
    }  # fmt: skip
    _KEYS: dict[int, Callable[[TarEntry], Any]] = {  # noqa: RUF012 - sort keys (not Change)
        COL_PATH: attrgetter("path"),
        COL_TYPE: attrgetter("kind"),
        COL_SIZE: attrgetter("size"),
        COL_MODE: attrgetter("mode"),
        COL_OWNER: attrgetter("uname", "uid"),
        COL_TIME: attrgetter("mtime"),
        COL_LINK: attrgetter("link"),
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._changes: list[Change] | None = None  # None: every row's change is UNKNOWN
        self._shown: Sequence[int] | None = None  # the filter's rows (indices), None: all
        self._set_order(range(0))

    # -- rows ----------------------------------------------------------------------------------
    def _set_order(self, order: Sequence[int]) -> None:
        """The rows shown, by index in tar order: a range (no memory) while in tar order."""
        self._order = cast("list[int]", order)

    def set_entries(
        self, entries: Sequence[TarEntry], changes: Sequence[Change] | None = None
    ) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self._changes = list(changes) if changes is not None else None
        self._shown = None
        self._set_order(self._sorted(*self._sort))
        self.endResetModel()

    def set_rows(self, rows: Sequence[TarEntry]) -> None:
        self.set_entries(rows)

    def clear(self) -> None:
        self.set_entries(())

    def append(self, entries: Sequence[TarEntry]) -> None:
        """A batch from the stream, its changes UNKNOWN until `set_changes`: shown at the end
        (also when sorted: see `resort`); kept unseen while filtered, until the next filter."""
        if not entries:
            return
        start = len(self._rows)
        end = start + len(entries)
        if self._changes is not None:
            self._changes.extend([Change.UNKNOWN] * len(entries))
        if self._shown is not None:
            self._rows.extend(entries)
            return
        shown = len(self._order)
        self.beginInsertRows(QModelIndex(), shown, shown + len(entries) - 1)
        self._rows.extend(entries)
        order = cast("Sequence[int]", self._order)
        if isinstance(order, range):
            self._set_order(range(end))
        else:
            self._order.extend(range(start, end))
        self.endInsertRows()

    def entries(self) -> list[TarEntry]:
        """The rows, in tar order (the model's own list: do not change it)."""
        return self._rows

    def change(self, number: int) -> Change:
        changes = self._changes
        return changes[number] if changes is not None and number < len(changes) else Change.UNKNOWN

    def set_changes(self, changes: Sequence[Change]) -> None:
        """What the layer does to each row (in tar order), now that the layers below are known."""
        self._changes = list(changes[: len(self._rows)])
        self._changes.extend([Change.UNKNOWN] * (len(self._rows) - len(self._changes)))
        if self._rows:
            column = self.COL_CHANGE
            self.dataChanged.emit(self.index(0, column), self.index(len(self._order) - 1, column))
        if self._sort[0] == self.COL_CHANGE:
            self.resort()

    def set_filter(self, rows: Sequence[int] | None) -> None:
        """Show only `rows` (indices in tar order, ascending), None for all."""
        self.layoutAboutToBeChanged.emit()
        self._shown = rows if rows is None or isinstance(rows, range) else list(rows)
        self._set_order(self._sorted(*self._sort))
        self._drop_persistent()
        self.layoutChanged.emit()

    def resort(self) -> None:
        """Put rows appended while sorted in their place (nothing to do in tar order)."""
        if 0 <= self._sort[0] < len(self.HEADERS):
            self.sort(*self._sort)

    def _drop_persistent(self) -> None:
        before = self.persistentIndexList()
        self.changePersistentIndexList(before, [QModelIndex()] * len(before))

    @property
    def filtered(self) -> bool:
        return self._shown is not None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)  # the filter's rows

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # Rows move wholesale: selection and current row are dropped rather than mapped one by
        # one (a million persistent indexes would be Python work per row).
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._set_order(self._sorted(column, order))
        self._drop_persistent()
        self.layoutChanged.emit()

    def _sorted(self, column: int, order: Qt.SortOrder) -> Sequence[int]:  # type: ignore[override]
        rows = self._rows
        candidates: Sequence[int] = range(len(rows)) if self._shown is None else self._shown
        if not 0 <= column < len(self.HEADERS):
            return candidates if isinstance(candidates, range) else list(candidates)
        if column == self.COL_CHANGE:
            keys: list[Any] = self._changes or [Change.UNKNOWN] * len(rows)
        else:
            keys = list(map(self._KEYS[column], rows))  # C-level, one pass
        descending = order == Qt.SortOrder.DescendingOrder
        return sorted(candidates, key=keys.__getitem__, reverse=descending)

    # -- cells ---------------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A view asks each visible cell for a dozen roles on every paint: the unused ones
        # are answered here, before any Python work.
        return super().data(index, role) if role in _ROLES else None

    def cell(self, number: int, row: TarEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(number, row, column)
        if role == SORT_ROLE:
            value = self.change(number).value if column == self.COL_CHANGE else None
            value = self._KEYS[column](row) if value is None else value
            return value if isinstance(value, int | float | str) else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(number, row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SIZE:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and self.change(number) == Change.DELETED:
            from PySide6.QtGui import QColor

            from acr_desktop.ui import colours

            return QColor(colours.warning())
        return None

    def _display(self, number: int, row: TarEntry, column: int) -> str:
        if column == self.COL_CHANGE:
            return self.change(number).value  # what is deleted: the tooltips say
        texts: dict[int, Callable[[TarEntry], str]] = {
            self.COL_PATH: lambda e: safe_text(e.path) or "/",
            self.COL_TYPE: _kind_text,
            self.COL_SIZE: lambda e: format_size(e.size) if e.kind != EntryKind.DIR else EMPTY,
            self.COL_MODE: lambda e: mode_text(e.kind, e.mode),
            self.COL_OWNER: owner_text,
            self.COL_TIME: lambda e: time_texts(e.mtime)[0],
            self.COL_LINK: lambda e: safe_text(e.link),
        }
        return texts[column](row)

    def _tip(self, number: int, row: TarEntry, column: int) -> str | None:
        if column in (self.COL_PATH, self.COL_TYPE):
            return entry_tip(row)
        tips: dict[int, Callable[[], str | None]] = {
            self.COL_SIZE: lambda: f"{row.size:,} bytes",
            self.COL_OWNER: lambda: owner_tip(row),
            self.COL_TIME: lambda: time_texts(row.mtime)[1],
            self.COL_LINK: lambda: safe_text(row.link) or None,
            self.COL_CHANGE: lambda: change_tip(self.change(number), row),
        }
        tip = tips.get(column)
        return tip() if tip is not None else None


class FoundModel(RowsModel["Found"]):
    """Paths that match a Find, across the layers: which layer added, changed or deleted each."""

    COL_LAYER, COL_CHANGE, COL_PATH, COL_TYPE, COL_SIZE = range(5)
    HEADERS = ("Layer", "Change", "Path", "Type", "Size")
    PATH_COLUMN, SQUEEZE, VISIBLE = COL_PATH, (), COL_PATH + 1
    SAMPLES = {  # noqa: RUF012
        COL_LAYER: "#99", COL_CHANGE: "modified", COL_SIZE: "999.9 MB",
    }  # fmt: skip

    def cell(self, number: int, row: Found, column: int, role: int) -> Any:
        entry = row.entry
        if role == Qt.ItemDataRole.DisplayRole:
            size = format_size(entry.size) if entry.kind != EntryKind.DIR else EMPTY
            return (f"#{row.layer + 1}", row.change.value, safe_text(entry.path) or "/",
                    _kind_text(entry), size)[column]  # fmt: skip
        if role == SORT_ROLE:
            raw = (row.layer, row.change.value, entry.path, entry.kind.value, entry.size)
            return raw[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return change_tip(row.change, entry) if column == self.COL_CHANGE else entry_tip(entry)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_SIZE, self.COL_LAYER):
            return _RIGHT
        return None


class WasteModel(RowsModel["Waste"]):
    """The largest files a later layer overwrote or deleted: bytes still shipped, never seen."""

    COL_SIZE, COL_PATH, COL_LAYER, COL_HOW = range(4)
    HEADERS = ("Wasted", "Path", "Written by", "Then")
    PATH_COLUMN, SQUEEZE, VISIBLE = COL_PATH, (), COL_PATH + 1
    SAMPLES = {COL_SIZE: "999.9 MB", COL_LAYER: "layer 99", COL_HOW: "overwritten by layer 99"}  # noqa: RUF012

    def cell(self, number: int, row: Waste, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            how = f"{row.how} by layer {row.by_layer + 1}"
            texts = (format_size(row.size), safe_text(row.path), f"layer {row.layer + 1}", how)
            return texts[column]
        if role == SORT_ROLE:
            return (row.size, row.path, row.layer, row.how)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_SIZE:
            return f"{row.size:,} bytes"
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_PATH:
            return safe_text(row.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SIZE:
            return _RIGHT
        return None
