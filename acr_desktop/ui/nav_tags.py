"""The navigator's tag pane: one repository's tags, loaded page by page in the worker, filtered
and ordered, with a count that follows the filter and a Stop for the listing. A tag opens (and
copies) on the registry and repository it was listed from — when it is a tag at all: a name no
registry may give (markup, a line break, 5,000 characters) is listed, but never opened.
Optional columns (the header's menu) are filled for the rows in view (`tag_details.py`); a
tag's menu asks to compare it with another, or two selected tags with each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.acr import TagInfo, is_acr_host
from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.messages import describe
from acr_desktop.ui.nav_jobs import TagsResult, list_tags
from acr_desktop.ui.nav_message import message_label
from acr_desktop.ui.nav_views import TagTable
from acr_desktop.ui.nav_words import STOPPED, tag_count
from acr_desktop.ui.plain import list_entry
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.tag_details import TagDetails
from acr_desktop.ui.tags_model import TagsModel
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient

CHANNEL = "tags"
ORDERS = ("Newest versions first", "Oldest versions first", "Recently updated")
TAG_COLUMN_CHARS = 60  # the tag column's width at most; a longer tag elides
DEFAULT_COLUMNS = ("updated", "platforms", "size", "aliases", "signed", "locks")
COLUMN_CHARS = {TagsModel.COL_UPDATED: 20} | dict(zip(range(TagsModel.COL_DIGEST,
    TagsModel.COL_SIGNED), (22, 8, 16, 17, 17, 16), strict=True))  # fmt: skip  # widths


class ColumnStore(Protocol):
    """Where the chosen columns are remembered (the preferences)."""

    def tag_columns(self) -> list[str] | None: ...
    def set_tag_columns(self, keys: list[str]) -> None: ...


class TagPane(QWidget):
    """Signals:
    reference_chosen(object): a tag was opened (click or Enter): a Reference on the registry and
        repository the list came from.
    copied(str): Ctrl+C put a tag's reference on the clipboard.
    busy_changed(): the tag listing started, ended or was stopped.
    compare_wanted(object, object): compare a tag (a Reference) with another: the second
        Reference (two tags selected, the older version first), or None to ask for it.
    """

    reference_chosen = Signal(object)
    copied = Signal(str)
    busy_changed = Signal()
    compare_wanted = Signal(object, object)

    def __init__(
        self,
        runner: JobRunner,
        client: Callable[[], RegistryClient],
        prepare: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.client, self.prepare = runner, client, prepare
        self.source: tuple[str, str] | None = None  # (registry, repository) of the list
        self._acr_known: dict[str, bool] = {}
        self._loading = False
        self._acr = False
        self._lines: list[str] = []  # said below the count: the cap, a note, an error
        self._refused = ""  # why the tag last opened could not be
        self.columns = list(DEFAULT_COLUMNS)  # the optional columns chosen (TagsModel.KEYS)
        self._store: ColumnStore | None = None
        self._build()
        self.details = TagDetails(runner, client, prepare, self.model, self.table)
        self.details.stopped.connect(lambda _sentence: self._show_status())
        self._apply_columns()

    def _build(self) -> None:
        self.title = ElidedLabel()  # names a repository: one plain line, bold by font
        self.title.setText("Tags")
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.filter = QLineEdit(placeholderText="Filter tags")
        self.filter.setToolTip("Text, or a glob such as 1.* or v?.?")
        self.model = TagsModel(self)
        self._filter_timer = QTimer(self, singleShot=True, interval=60)
        self._filter_timer.timeout.connect(lambda: self.model.set_filter(self.filter.text()))
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.order = QComboBox()
        self.order.addItems(list(ORDERS))
        self.order.setMinimumWidth(72)  # gives way in a narrow navigator
        self.order.setToolTip("Order of the tags")
        self.order.currentIndexChanged.connect(self._order_changed)
        self.table = self._table()
        self.status = message_label()
        self.stop = QPushButton("Stop")
        self.stop.setToolTip("Stop listing tags (what is listed so far stays)")
        self.stop.clicked.connect(self.cancel)
        self.stop.hide()
        self.model.rowsInserted.connect(self._show_status)
        self.model.modelReset.connect(self._show_status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.order)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.stop, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(status_row)
        QWidget.setTabOrder(self.filter, self.order)
        QWidget.setTabOrder(self.order, self.table)
        QWidget.setTabOrder(self.table, self.stop)

    def _table(self) -> TagTable:
        table = TagTable()
        table.setObjectName("tags")
        table.setModel(self.model)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        # Fit the tag column to the rows on screen, not to a thousand of a million.
        table.horizontalHeader().setResizeContentsPrecision(0)  # (rows, for a column)
        table.horizontalHeader().setStretchLastSection(True)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # two: compare
        menu = Qt.ContextMenuPolicy.CustomContextMenu
        table.horizontalHeader().setContextMenuPolicy(menu)
        table.horizontalHeader().customContextMenuRequested.connect(self._column_menu)
        for part in (table, table.viewport()):  # the Menu key goes to the table, a click below
            part.installEventFilter(self)
        x = self.fontMetrics().horizontalAdvance("x")
        for column, chars in COLUMN_CHARS.items():  # fixed: they never jump as rows fill
            table.setColumnWidth(column, x * chars)
        table.clicked.connect(self._clicked)
        table.opened.connect(self._open)
        table.copy_requested.connect(self._copy)
        return table

    # -- columns -------------------------------------------------------------------------------
    def remember_columns(self, store: ColumnStore) -> None:
        """Show the columns `store` remembers, and remember what is chosen from now on."""
        self._store = store
        keys = store.tag_columns()
        if keys is not None:
            self.columns = [k for k in keys if k in TagsModel.KEYS[1:]]
        self._apply_columns()

    def show_column(self, key: str, shown: bool) -> None:
        self.columns = [k for k in self.columns if k != key] + ([key] if shown else [])
        if self._store is not None:
            self._store.set_tag_columns(self.columns)
        self._apply_columns()

    def _apply_columns(self) -> None:
        """Columns chosen and available (those of ACR's metadata only with it) are shown;
        the lazy fill learns what they need."""
        model, needs = self.model, set()
        for column, key in enumerate(model.KEYS[1:], 1):
            shown = key in self.columns and (column not in model.ACR_ONLY or model.has_metadata)
            self.table.setColumnHidden(column, not shown)
            if shown and column in model.NEEDS:
                needs.add(model.NEEDS[column])
        self.details.set_needs(frozenset(needs))

    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for column, key in enumerate(self.model.KEYS[1:], 1):
            action = menu.addAction(self.model.HEADERS[column])
            action.setCheckable(True)
            action.setChecked(key in self.columns)
            action.setToolTip(self.model.headerData(column, Qt.Orientation.Horizontal,
                                                    Qt.ItemDataRole.ToolTipRole) or "")  # fmt: skip
            if column in self.model.ACR_ONLY and not self.model.has_metadata:
                action.setEnabled(False)  # ACR's metadata only
            action.toggled.connect(lambda on, k=key: self.show_column(k, on))
        menu.setToolTipsVisible(True)
        menu.popup(self.table.horizontalHeader().mapToGlobal(pos))
        self.column_menu = menu  # for the tests

    # -- a tag's menu --------------------------------------------------------------------------
    def selected_references(self) -> list[Reference]:
        """The selected tags' references that can be opened, in list order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        refs = [self.reference_at(self.model.index(row, 0)) for row in rows]
        return [r for r in refs if r is not None and _valid(r)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A tag's menu: where it was clicked, or the current row for the keyboard's Menu key."""
        if isinstance(event, QContextMenuEvent) and watched in (self.table, self.table.viewport()):
            keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard
            index = self.table.currentIndex() if keyboard else self.table.indexAt(event.pos())
            self._tag_menu(index, event.globalPos())
            return True
        return super().eventFilter(watched, event)

    def _tag_menu(self, index: QModelIndex, where: QPoint) -> None:
        ref = self.reference_at(index)
        if ref is None:
            return
        if not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._open(index))
        menu.addAction("Copy reference", lambda: self._copy(index))
        menu.addSeparator()
        compare = menu.addAction("Compare with…", lambda: self.compare_wanted.emit(ref, None))
        compare.setEnabled(_valid(ref))
        pair = self.selected_references()
        if len(pair) == 2:
            older, newer = pair if not self.model.descending else pair[::-1]
            menu.addAction(
                f"Compare these two ({list_entry(older.tag or '', 20)} ⇄ "
                f"{list_entry(newer.tag or '', 20)})",
                lambda: self.compare_wanted.emit(older, newer),
            )
        menu.popup(where)
        self.tag_menu = menu  # for the tests

    # -- state ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A tag listing runs."""
        return self.runner.is_busy(CHANNEL)

    def clear(self) -> None:
        """Forget the list (another registry is in view): stop its listing, empty the list, the
        title, the filter and what the status says."""
        self.runner.cancel(CHANNEL)
        self.details.reset(None)
        self.source = None
        self._loading, self._acr, self._lines, self._refused = False, False, [], ""
        self.title.setText("Tags")
        self.filter.clear()
        self._filter_timer.stop()
        self.model.set_filter("")
        self.model.clear()
        self._show_status()
        self._settled()

    def cancel(self) -> bool:
        """Stop the tag listing (what is listed stays); False when none runs."""
        if not self.busy:
            return False
        self.runner.cancel(CHANNEL)
        self._loading, self._lines = False, [STOPPED]
        self.details.hold(False)  # what is listed can be filled
        self._show_status()
        self._settled()
        return True

    def _settled(self) -> None:
        self.stop.setVisible(self.busy)
        self.busy_changed.emit()

    # -- listing -------------------------------------------------------------------------------
    def load(self, registry: str, repository: str) -> None:
        """List `repository`'s tags on `registry` (replacing the list shown)."""
        key = self.source = (registry, repository)
        self.title.setText(f"Tags of {repository}")
        self._loading, self._acr, self._lines, self._refused = True, False, [], ""
        self.model.clear()
        self.details.reset(key)
        self.prepare(registry)
        client = self.client()
        try_acr = self._acr_known.get(registry, True if is_acr_host(registry) else None)
        job = self.runner.start(
            CHANNEL,
            lambda report: list_tags(client, registry, repository, try_acr, report),
            with_progress=True,
        )
        job.progress.connect(lambda page: self._page(key, page))
        job.returned.connect(lambda result: self._done(key, result))
        job.errored.connect(lambda exc: self._failed(key, exc))
        job.settled.connect(self._settled)
        self._settled()

    def _page(self, key: tuple[str, str], page: Any) -> None:
        if key != self.source:
            return  # from a list no longer shown
        if page is None:  # an ACR listing broke off part-way: the plain list follows
            self.model.clear()
            return
        self.model.add_page(page)

    def _done(self, key: tuple[str, str], result: Any) -> None:
        if key != self.source or not isinstance(result, TagsResult):
            return
        self._acr_known[key[0]] = result.acr or bool(result.note)
        self._loading, self._acr = False, result.acr
        self._lines = [text for text in (result.notice, result.note) if text]
        self.model.set_name_order(result.versions, result.words, result.fallbacks)
        self.order.model().item(2).setEnabled(self.model.has_metadata)  # type: ignore[attr-defined]
        self._apply_columns()
        self.details.hold(False)
        self.table.resizeColumnToContents(TagsModel.COL_TAG)
        x = self.fontMetrics().horizontalAdvance("x")
        width = self.table.columnWidth(TagsModel.COL_TAG)  # a 5,000-character tag: elided
        self.table.setColumnWidth(TagsModel.COL_TAG, max(min(width, x * TAG_COLUMN_CHARS), x * 12))
        self._show_status()

    def _failed(self, key: tuple[str, str], exc: Any) -> None:
        if key != self.source:
            return
        self._loading, self._lines = False, [describe(exc).text]
        self.details.hold(False)
        self._show_status()

    def _show_status(self) -> None:
        if self._loading:
            self.status.setText(f"Loading tags… {self.model.total():,}")
            return
        if self.source is None:
            self.status.setText("")
            return
        lines = [*self._lines, self._refused] if self._refused else list(self._lines)
        if self.details.note:
            lines.append(f"Tag details stopped: {self.details.note}")
        if self.model.total() or not lines:
            counts = self.model.counts()
            head = tag_count(counts.shown, counts.total, counts.kinds)
            lines.insert(0, head + (" · newest first from ACR" if self._acr else ""))
        self.status.setText("\n".join(lines))

    def _order_changed(self, index: int) -> None:
        self.model.set_order(by_time=index == 2, descending=index != 1)

    # -- a tag ---------------------------------------------------------------------------------
    def reference_at(self, index: QModelIndex) -> Reference | None:
        """The reference of the tag at `index`, on the registry and repository it was listed
        from."""
        tag = index.data(OBJECT_ROLE) if index.isValid() else None
        if not isinstance(tag, TagInfo) or self.source is None:
            return None
        return Reference(self.source[0], self.source[1], tag.name)

    def _clicked(self, index: QModelIndex) -> None:
        """A click opens the tag; Ctrl or Shift with it only selects (to compare two)."""
        held = QGuiApplication.keyboardModifiers()
        if not held & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self._open(index)

    def _open(self, index: QModelIndex) -> None:
        ref = self.reference_at(index)
        if ref is None:
            return
        try:
            parse_reference(str(ref))
        except InvalidReference:
            name = list_entry(ref.tag or "", 40)
            self._refused = f"“{name}” is not a valid tag name, so it cannot be opened."
            self._show_status()
            return
        self._refused = ""
        self._show_status()
        self.reference_chosen.emit(ref)

    def _copy(self, index: QModelIndex) -> None:
        ref = self.reference_at(index)
        if ref is not None:
            copy_text(str(ref))
            self.copied.emit(str(ref))


def _valid(ref: Reference) -> bool:
    """A reference a registry could answer (a listed name may be anything)."""
    try:
        parse_reference(str(ref))
    except InvalidReference:
        return False
    return True
