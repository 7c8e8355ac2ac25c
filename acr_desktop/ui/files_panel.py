"""The Files tab: what is inside the layers, streamed from the registry. The whole image as a
tree (all layers applied, folder sizes, the layer that last wrote each path, wasted space), or
one layer as a table (what it adds, changes and deletes); Find across every layer; a file
previewed or saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from acr_desktop.registry.layer_entries import EntryKind, TarEntry
from acr_desktop.ui import files_columns as cols
from acr_desktop.ui import files_tree as ft
from acr_desktop.ui import files_words as words
from acr_desktop.ui.file_preview_dialog import FileCommands, FilePreviewDialog
from acr_desktop.ui.files_jobs import FindResult, ImageFiles, LayerFailed, default_client
from acr_desktop.ui.files_models import EntriesModel, FoundModel, WasteModel
from acr_desktop.ui.files_tree import LayersTable, button, column, reveal, row
from acr_desktop.ui.messages import describe
from acr_desktop.ui.plain import plain_label
from acr_desktop.ui.worker import JobRunner

__all__ = ["FilesPanel", "LayersTable"]

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.preferences import Preferences

WHOLE = 0  # the scope box's first entry; layer n is entry n + 1
FLUSH_MS = 300  # entries streaming in join the table at most this often


class FilesPanel(QWidget):
    """Esc stops a listing under way (when the tab has the focus); Enter previews the file
    chosen (or opens and closes a folder of the tree).

    Signals:
    copied(str): a table's rows were copied.
    """

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files = ImageFiles(JobRunner(self), default_client, lambda _r: None, self)
        self.preferences: Preferences | None = None  # the disk cache's limit, when given
        self.commands = FileCommands(self, self.files, self._said)
        self._stopped = False  # the person stopped the listing: nothing starts by itself
        self._foreign_layer = 0
        self._flush = QTimer(self, singleShot=True, interval=FLUSH_MS)
        self._flush.timeout.connect(self._flush_entries)
        self.scope = QComboBox()
        self.scope.setObjectName("filesScope")
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.scope.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.scope.setMinimumContentsLength(12)  # gives way on a small screen (the list does not)
        self.find_box = QLineEdit()
        self.find_box.setObjectName("filesFind")
        self.find_box.setPlaceholderText("Find in every layer: libssl.so*, /etc/**, *.pem")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_paths)
        self.progress = plain_label()
        self.stop_button = button("Stop", self.stop)
        self.notice = plain_label(wrap=True, selectable=True)
        self.fetch_button = button("", self._fetch_from_urls)
        self.message = plain_label(wrap=True, selectable=True)
        self._build_views()
        self.integrity = plain_label(wrap=True, selectable=True)
        self.preview_button = button("Preview", self.preview_selected)
        self.save_button = button("Save file as…", self.save_selected)
        layout = QVBoxLayout(self)
        layout.addLayout(row(plain_label("Show"), (self.scope, 2), (self.find_box, 2),
                             (self.progress, 1), self.stop_button))  # fmt: skip
        layout.addLayout(row((self.notice, 1), self.fetch_button))
        layout.addWidget(self.message)
        layout.addWidget(self.split, 1)
        layout.addWidget(ft.Footer(self.integrity, self.preview_button, self.save_button))
        self._wire_files(self.files)
        cols.tab_order(self.scope, self.find_box, self.stop_button, self.fetch_button, self.tree,
                  self.table, self.found, self.waste, self.preview_button,
                  self.save_button)  # fmt: skip
        cols.EscapeStops(self, lambda: self.files.busy, self.stop)
        self.show_inspection(None)

    def _build_views(self) -> None:
        """The tree (whole image) or table (one layer), what a Find found, the wasted files."""
        self.entries_model = EntriesModel(self)
        self.table = cols.PathTable(self.entries_model, "filesTable")
        self.table.activated.connect(lambda _i: self.preview_selected())
        self.tree_model = ft.TreeModel(self)
        self.tree = ft.FilesTree(self.tree_model)
        self.tree.file_chosen.connect(self.preview_selected)
        self.views = QStackedWidget()
        self.views.addWidget(self.tree)
        self.views.addWidget(self.table)
        self.found_model = FoundModel(self)
        self.found = cols.PathTable(self.found_model, "filesFound")
        self.found.activated.connect(lambda _i: self.preview_selected(self.found))
        self.found_label = plain_label(wrap=True)
        self.found_box = column(self.found_label, self.found)
        self.waste_model = WasteModel(self)
        self.waste = cols.PathTable(self.waste_model, "filesWaste")
        self.wasted = plain_label(wrap=True)
        self.waste_box = column(self.wasted, self.waste)
        self.split = QSplitter(Qt.Orientation.Vertical)
        for part in (self.views, self.found_box, self.waste_box):
            self.split.addWidget(part)
        self.split.setStretchFactor(0, 3)
        self.split.setChildrenCollapsible(False)
        for table in (self.table, self.found, self.waste):
            table.copied.connect(self.copied)

    def bind(self, runner: JobRunner, client: Callable[[], RegistryClient],
             prepare: Callable[[str], None]) -> None:  # fmt: skip
        """Use the window's worker, client and sign-in (credentials handed before each job)."""
        self.stop()
        self.files.runner, self.files.client, self.files.prepare = runner, client, prepare

    def _wire_files(self, files: ImageFiles) -> None:
        files.entries_added.connect(self._entries_added)
        files.bytes_read.connect(self._bytes_read)
        files.listed.connect(self._listed)
        files.changes_known.connect(self._changes_known)
        files.merged.connect(self._merged)
        files.failed.connect(self._failed)
        files.settled.connect(self._settled)

    # -- the layout kept -------------------------------------------------------------------------
    def _fits(self) -> list[cols.ColumnFit]:
        return [v.columns for v in (self.tree, self.table, self.found, self.waste)]

    def save_state(self, preferences: Preferences) -> None:
        """The divider and the column widths a person chose."""
        cols.save_layout(preferences, self.split, self._fits())

    def restore_state(self, preferences: Preferences) -> None:
        """The saved layout; `preferences` also give the limit of the listings kept on disk."""
        self.preferences = preferences
        cols.restore_layout(preferences, self.split, self._fits())

    # -- what is on show -----------------------------------------------------------------------
    def show_inspection(self, ins: Inspection | None) -> None:
        """A new image: nothing listed yet (listing starts when the tab is shown). The same
        layers again (the same image, or going up and back in an index): what was listed stays."""
        if ins is not None and self.files.same_image(ins):
            self.files.inspection = ins
            return
        self.files.show_inspection(ins)
        self.commands.close()
        self._stopped = False
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItems(words.scopes(self.files.sources))
        self.scope.setCurrentIndex(WHOLE)
        self.scope.blockSignals(False)
        self.entries_model.clear()
        self.tree_model.set_root(None)
        self.found_model.set_rows([])
        self.waste_model.set_rows([])
        self.message.setText(words.no_layers(ins) if ins is not None else "")
        self.message.setVisible(bool(self.message.text()))
        self._show_scope()
        if self.isVisible():
            self._list_if_needed()

    def show_layer(self, layer: int) -> None:
        """Show the files of layer `layer` (0-based), listing it first if need be."""
        if 0 <= layer < len(self.files.sources):
            self.scope.setCurrentIndex(layer + 1)
            self.table.setFocus()  # arrows, Enter and Ctrl+C work on its rows at once

    @property
    def shown_layer(self) -> int | None:
        number = self.scope.currentIndex()
        return number - 1 if number > WHOLE else None

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._list_if_needed()

    def _list_if_needed(self) -> None:
        """List what the scope shows, unless it is listed, being listed, was stopped or failed
        (choosing a layer in the Show box tries again)."""
        files, layer = self.files, self.shown_layer
        failed = any(s.error is not None for s in files.layers)
        if not files.sources or files.busy or self._stopped or failed or files.complete():
            return
        if layer is None or files.state(layer).listing is None:
            self._start(layer or 0)

    def _start(self, first: int, *, allow_urls: bool = False) -> None:
        self._stopped = False
        self.message.setVisible(False)
        if self.preferences is not None:
            self.files.cache_limit = self.preferences.layer_cache_limit()
        self.files.start(first, allow_urls=allow_urls)
        self._show_notice()
        self._show_progress()

    def stop(self) -> None:
        running = self.files.busy
        self._stopped = self._stopped or running  # before the stop's `settled` is shown
        self.files.stop()

    def _scope_changed(self, _number: int) -> None:
        self._show_scope()
        layer = self.shown_layer
        if layer is not None and not self.files.state(layer).entries:
            self._start(layer)  # this layer first (a listing under way starts over after it)
        elif self.isVisible():
            self._list_if_needed()

    def _show_scope(self) -> None:
        layer = self.shown_layer
        whole = layer is None
        self.views.setCurrentWidget(self.tree if whole else self.table)
        wasted = self.waste_model.rowCount() > 0
        self.waste.setVisible(wasted)  # no table, no room: only the line saying so
        self.waste_box.setMaximumHeight(16777215 if wasted else self.wasted.sizeHint().height())
        reveal(self.split, self.waste_box, whole and self.files.fs is not None)
        if layer is not None:
            state = self.files.state(layer)
            self.entries_model.set_entries(state.entries, state.changes)
            self.table.columns.fit()
        if self.found_box.isVisibleTo(self):
            self.find_paths()  # the layer shown filtered; every layer listed searched
        self._show_integrity()
        self._show_notice()
        self._show_progress()

    # -- as it arrives -------------------------------------------------------------------------
    def _entries_added(self, layer: int, _batch: list[TarEntry]) -> None:
        """The first entries at once; the rest a few times a second (each insert repaints)."""
        if layer != self.shown_layer:
            return
        if not self.entries_model.entries():
            self._flush_entries()
        elif not self._flush.isActive():
            self._flush.start()

    def _flush_entries(self) -> None:
        layer = self.shown_layer
        if layer is not None:
            arrived, shown = self.files.state(layer).entries, self.entries_model.entries()
            before = len(shown)
            if len(arrived) > before:
                self.entries_model.append(arrived[before:])
            if before < cols.FIT_ROWS:
                self.table.columns.fit()  # until the first rows are there
            self._show_integrity()

    def _listed(self, layer: int) -> None:
        if layer == self.shown_layer:
            state = self.files.state(layer)
            if len(state.entries) != len(self.entries_model.entries()):
                self.entries_model.set_entries(state.entries, state.changes)
            else:
                self.entries_model.resort()
            if self.entries_model.filtered:
                self.find_paths()  # the rows that arrived since the last find
            self._show_integrity()
        elif self.shown_layer is None:
            self._show_integrity()

    def _bytes_read(self, layer: int) -> None:
        self._show_progress()
        if layer == self.shown_layer:
            self._show_integrity()  # "12,000 entries so far"

    def _settled(self) -> None:
        self._show_progress()
        self._show_integrity()

    def _changes_known(self, layer: int) -> None:
        changes = self.files.state(layer).changes
        if layer == self.shown_layer and changes is not None:
            self.entries_model.set_changes(changes)
            self.table.columns.fit()  # "added or modified" became "added" or "modified"

    def _merged(self) -> None:
        fs = self.files.fs
        if fs is None:
            return
        self.tree_model.set_root(fs.root)
        self.tree.columns.fit()
        self.waste_model.set_rows(fs.offenders(20))
        self.wasted.setText(words.wasted(fs.wasted_total, fs.wasted_by_layer))
        self.waste.columns.fit()
        self._show_scope()  # finds again, now over every layer

    def _failed(self, exc: BaseException) -> None:
        error = exc.error if isinstance(exc, LayerFailed) else exc
        where = f"Layer {exc.layer + 1}: " if isinstance(exc, LayerFailed) else ""
        self.message.setText(where + describe(error).text)
        self.message.setVisible(True)
        self._show_notice()

    def _show_progress(self) -> None:
        files = self.files
        self.stop_button.setVisible(files.busy)
        self.progress.setText(words.progress(files, busy=files.busy, stopped=self._stopped))
        self.progress.setVisible(bool(self.progress.text()))  # no text, no room taken

    def _show_integrity(self) -> None:
        layer = self.shown_layer
        text = (words.image_integrity(self.files) if layer is None
                else words.layer_integrity(self.files, layer, stopped=self._stopped))  # fmt: skip
        self.integrity.setText(text)

    def _show_notice(self) -> None:
        """A foreign (non-distributable) layer: why, and a button to fetch it from its URLs."""
        layer, text = words.foreign_notice(self.files, self.shown_layer)
        self.notice.setText(text or "")
        self.notice.setVisible(text is not None)
        self.fetch_button.setVisible(text is not None)
        if layer is not None and text is not None:
            self.fetch_button.setText(
                f"Fetch from {words.hosts(self.files.sources[layer].descriptor.urls)}"
            )
            self._foreign_layer = layer

    def _fetch_from_urls(self) -> None:
        self._start(self._foreign_layer, allow_urls=True)

    # -- find ----------------------------------------------------------------------------------
    def find_paths(self) -> None:
        """Find the glob in the box across every layer listed; the layer shown is filtered too.
        An empty box clears the find."""
        pattern = self.find_box.text().strip()
        if not pattern:
            self.found_model.set_rows([])
            reveal(self.split, self.found_box, False)
            self.entries_model.set_filter(None)
            return
        job = self.files.find(pattern, self.shown_layer)
        job.returned.connect(self._found)
        job.errored.connect(lambda exc: self._found_error(pattern, exc))

    def _found(self, result: FindResult) -> None:
        self.found_model.set_rows(result.found)
        reveal(self.split, self.found_box, True)
        self.found_label.setText(words.found(result, len(self.files.sources)))
        self.found.columns.fit()
        if self.shown_layer is not None:
            self.entries_model.set_filter(result.rows)

    def _found_error(self, pattern: str, exc: BaseException) -> None:
        self.found_label.setText(f"Cannot find “{pattern}”: {describe(exc).text}")
        reveal(self.split, self.found_box, True)

    # -- one file ------------------------------------------------------------------------------
    def selected_file(self, view: QWidget | None = None) -> tuple[int, TarEntry] | None:
        """(layer, entry) of the current row of `view` (the table or tree on show)."""
        view = view or self.views.currentWidget()
        if view is self.found:
            row = self.found.current_object()
            return (row.layer, row.entry) if row is not None else None  # type: ignore[attr-defined]
        if view is self.table:
            entry = self.table.current_object()
            layer = self.shown_layer
            return (layer, entry) if isinstance(entry, TarEntry) and layer is not None else None
        found = self.tree_model.node_at(self.tree.currentIndex())
        if found is None or found[1].entry is None:
            return None
        return found[1].layer, found[1].entry

    def preview_selected(self, view: QWidget | None = None) -> FilePreviewDialog | None:
        """Preview the current file of `view` (the table or tree on show)."""
        chosen = self.selected_file(view)
        if chosen is None or chosen[1].kind == EntryKind.DIR:
            return None
        return self.preview(*chosen)

    def preview(self, layer: int, entry: TarEntry) -> FilePreviewDialog:
        return self.commands.preview(layer, entry)

    def save_selected(self, view: QWidget | None = None) -> None:
        chosen = self.selected_file(view)
        if chosen is not None:
            self.save_as(*chosen)

    def save_as(self, layer: int, entry: TarEntry, destination: Path | None = None) -> None:
        """Write only `entry` (a regular file) to `destination` (asked for when None)."""
        self.commands.save_as(layer, entry, destination)

    def _said(self, text: str, done: bool = True) -> None:
        """A line about saving: progress in the progress slot, the end in the message line."""
        if not done:
            self.progress.setText(text)
            return
        self._show_progress()
        self.message.setText(text)
        self.message.setVisible(True)
