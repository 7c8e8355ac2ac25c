"""The inspector: summary, platforms of an index, layers, config, referrers, and the raw JSON
beside them; dimmed under a "Loading …" banner while the next result loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from acr_desktop.registry.reference import Reference
from acr_desktop.ui import files_words as words
from acr_desktop.ui.config_view import ConfigView, HistoryView
from acr_desktop.ui.files_jobs import UNPACKED, unpacked_on_disk
from acr_desktop.ui.files_panel import FilesPanel, LayersTable
from acr_desktop.ui.files_tree import column
from acr_desktop.ui.insp_layout import LoadingBanner, restore_splitter, steady_splitter
from acr_desktop.ui.insp_levels import Level, arrived, level_of, missing_of, platform_rows
from acr_desktop.ui.insp_platforms import PlatformsPanel
from acr_desktop.ui.insp_referrers import ReferrersPanel
from acr_desktop.ui.insp_sizes import PlatformSizes
from acr_desktop.ui.insp_words import documents_of, history_note, layer_rows, layers_total
from acr_desktop.ui.json_view import JsonView
from acr_desktop.ui.models import LayerRow, LayersModel
from acr_desktop.ui.plain import plain
from acr_desktop.ui.preferences import INSPECTOR_PARTS, Preferences
from acr_desktop.ui.summary_panel import SummaryPanel
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.worker import JobRunner

TABLES_MIN_WIDTH = 280  # the tables' side of the divider, at least
JSON_MIN_WIDTH = 200  # the JSON side, at least
TABS_MIN_HEIGHT = 120  # the tabs under the platforms: the tab bar and a few rows


class Inspector(QWidget):
    """Signals:
    platform_chosen(object): the user picked an index entry (a Descriptor) to look inside, by
        click, Enter, or arrow keys (after they settle); never when an inspection arrives. Also
        Up / Alt+Up in a nested index (the entry it was opened from, in the index above) and
        Enter on a nested index already shown (to open it): `InspectController.choose_platform`
        tells which.
    copied(str): something was put on the clipboard (summary, Copy menus, any table).
    open_digest(str): the user wants to inspect this digest in the same repository.
    open_reference(object): the user wants to inspect this Reference (the base image).
    """

    platform_chosen = Signal(object)
    copied = Signal(str)
    open_digest = Signal(str)
    open_reference = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection: Inspection | None = None
        self.summary = SummaryPanel()
        self.summary.copied.connect(self.copied)
        self.summary.open_digest.connect(self.open_digest)

        self.platforms_box = PlatformsPanel(self._top_reference)
        self.platforms_box.chosen.connect(self.platform_chosen)
        self.platforms_box.references_toggled.connect(self._list_references)
        self.level: Level | None = None
        self.platforms = self.platforms_box.table
        self.platforms_model = self.platforms_box.model
        self.attestation_note = self.platforms_box.attestation_note
        self.sizes = PlatformSizes(self.platforms_model, self)  # "Download size", "Layers"
        self.sizes.changed.connect(self._show_sizes)
        self.summary.sizes_for = self.sizes.sizes_for  # for Copy as Markdown, Save as JSON

        self.layers_model = LayersModel(self)
        self.layers = LayersTable(self.layers_model)
        self.layers.show_files.connect(self.show_files)
        self.layers.setObjectName("layers")
        self.layers.elastic_column = LayersModel.COL_DIGEST
        self.layers.copy_actions = [
            ("Copy digest", lambda rows: [r.descriptor.digest for r in rows]),  # type: ignore[attr-defined]
            ("Copy size in bytes", lambda rows: [str(r.descriptor.size) for r in rows]),  # type: ignore[attr-defined]
        ]
        self.layers.selectionModel().selectionChanged.connect(self._layer_selected)
        self.layers_total = plain(QLabel())
        self.layers_total.setWordWrap(True)
        layers_page = column(self.layers, self.layers_total)

        self.config_view = ConfigView()
        self.history_view = HistoryView()
        self.referrers_panel = panel = ReferrersPanel()  # the supply chain
        panel.open_digest.connect(self.open_digest)
        panel.copied.connect(self.copied)
        supply = self.summary.supply
        panel.reported.connect(supply.show_report)
        panel.base_checked.connect(supply.show_base)
        supply.check_wanted.connect(panel.check_base)
        supply.open_reference.connect(self.open_reference)
        supply.details_wanted.connect(self._show_referrers)
        self.files = FilesPanel()
        self.files.copied.connect(self.copied)
        self.files.files.listed.connect(self._layer_listed)
        self.tabs = QTabWidget()
        self.tabs.addTab(layers_page, "Layers")
        self.tabs.addTab(self.config_view, "Config")
        self.tabs.addTab(self.history_view, "History")
        self.tabs.addTab(self.referrers_panel, "Referrers")
        self.tabs.addTab(self.files, "Files")  # last: the tabs before keep their places
        self.tabs.currentChanged.connect(self._tab_changed)
        for table in (self.platforms, self.layers, self.history_view.table):
            table.copied.connect(self.copied)

        self.left = steady_splitter(
            Qt.Orientation.Vertical,
            (self.platforms_box, self.platforms_box.minimumSizeHint().height()),
            (self.tabs, TABS_MIN_HEIGHT),
        )
        self.left.setStretchFactor(1, 1)
        self.left.splitterMoved.connect(self._platforms_sized_by_hand)
        self._sized_by_hand = False

        self.document = QComboBox()
        self.document.currentIndexChanged.connect(self._show_document)
        self.json = JsonView()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Document"))
        row.addWidget(self.document, 1)
        rl.addLayout(row)
        rl.addWidget(self.json)

        self.split = steady_splitter(
            Qt.Orientation.Horizontal, (self.left, TABLES_MIN_WIDTH), (right, JSON_MIN_WIDTH)
        )
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.splitterMoved.connect(self._split_moved_by_hand)
        self._split_by_hand = False
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.summary)
        inner.addWidget(self.split, 1)
        self.content = content
        self.loading_banner = LoadingBanner(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.loading_banner)
        layout.addWidget(content, 1)
        self._documents: list[tuple[str, bytes]] = []
        self._shown_doc = 0  # the document whose layers are in the table
        self._layers_state_restored = False

    def bind(self, runner: JobRunner, client: Callable[[], RegistryClient],
             prepare: Callable[[str], None]) -> None:  # fmt: skip
        """Use the window's worker, client and sign-in for the Files tab and the sizes."""
        self.files.bind(runner, client, prepare)
        self.sizes.bind(runner, client, prepare)
        self.referrers_panel.bind(runner, client, prepare)

    # -- showing -------------------------------------------------------------------------------
    def show_inspection(self, ins: Inspection, level: Level | None = None) -> None:
        """Show `ins`; `level` the entries listed beside it (made in the worker, with the way
        into a nested index), else made here from `ins`. Clears the loading banner."""
        self.set_loading(None)
        self.inspection = ins
        if level is None:
            level = level_of(ins, arrived(ins, ()))
        references = self.platforms_box.show_references.isChecked()
        if level is not None and references:
            level = self._relisted(level, ins, references)
        self.level = level
        self.summary.show_inspection(ins)
        self.platforms_box.setVisible(level is not None)
        inside = level is not None and bool(level.trail) and level.trail[-1] is ins
        # The index listed (a nested one, inside it) is measured: its sizes line takes room.
        self.sizes.show(
            None if level is None else level.trail[-1].chosen if level.trail else ins.top
        )
        if level is not None:
            self.platforms_box.show_level(level, None if inside else ins.platform_entry)
            self._size_platforms()
        self._show_layers(ins, inside)
        self.config_view.show_config(ins.config.config if ins.config else None, ins)
        self.history_view.show_config(ins.config.config if ins.config else None)
        self.history_view.show_kind(ins, history_note(ins))
        self._fill_documents(ins)
        self.files.show_inspection(ins)
        self.referrers_panel.show_inspection(ins)

    def _relisted(self, level: Level, ins: Inspection, references: bool) -> Level:
        missing, unreadable = missing_of(ins)
        rows = platform_rows(
            level.index, references=references, missing=missing, unreadable=unreadable
        )
        return Level(level.index, rows, level.trail)

    def _list_references(self, on: bool) -> None:
        """The "List them" box: attestations and builder records as rows of their own."""
        ins, level = self.inspection, self.level
        if ins is None or level is None:
            return
        self.level = level = self._relisted(level, ins, on)
        inside = bool(level.trail) and level.trail[-1] is ins
        self.platforms_box.show_level(level, None if inside else ins.platform_entry)
        self._size_platforms()

    def set_loading(self, text: str | None) -> None:
        """While `text` loads (a reference, or a status such as "Fetching linux/arm64…") the
        result on show is dimmed under "Loading <text>… — showing the previous result" and a
        busy bar; None clears it. `show_inspection` clears it too."""
        self.loading_banner.show_loading(text)

    def show_previous(self, text: str) -> None:
        """After a failed load: `text` (e.g. "Still showing the previous result, <ref>.") above
        the result, which is no longer dimmed; cleared by the next load or result."""
        self.loading_banner.show_note(text)

    def _show_layers(self, ins: Inspection, inside: bool) -> None:
        rows = layer_rows(ins)
        self.layers_model.set_rows(rows)
        self._layers_line = layers_total(ins, inside)  # the unpacked total joins it once known
        self._show_unpacked({})
        if not self._layers_state_restored:
            self.layers.fit_columns()
        known = self.layers_model.unpacked
        wanted = [d for r in rows if r.size_known and (d := r.descriptor.digest) not in known]
        if wanted:  # listed before (here or by `acr-desktop files`): a listing kept on disk
            job = self.files.files.runner.start(UNPACKED, lambda: unpacked_on_disk(wanted))
            job.returned.connect(self._show_unpacked)  # by digest: never stale

    def _layer_listed(self, layer: int) -> None:
        """The Files tab read layer `layer` to its end: its unpacked size is known."""
        files = self.files.files
        listing = files.state(layer).listing
        integrity = listing.integrity if listing is not None else None
        if integrity is not None:
            digest = files.sources[layer].descriptor.digest
            self._show_unpacked({digest: integrity.uncompressed_size})

    def _show_unpacked(self, sizes: dict[str, int]) -> None:
        self.layers_model.add_unpacked(sizes)
        total = words.unpacked(self.layers_model.unpacked_total())
        self.layers_total.setText(self._layers_line + total)

    def _size_platforms(self) -> None:
        """Room for up to six platforms (at most half the height), and for all their columns
        (the JSON keeps 30 %), unless the person moved that divider."""
        total = sum(self.left.sizes())
        if not self._sized_by_hand and total > 0:
            wanted = self.platforms_box.wanted_height()
            self.left.setSizes([wanted, total - wanted])
            wanted -= self.platforms_box.spare_height()  # the note may wrap less than guessed
            wanted = min(wanted, total // 2)
            self.left.setSizes([wanted, max(total - wanted, TABS_MIN_HEIGHT)])
        sizes = self.split.sizes()
        table = self.platforms
        if self._split_by_hand or len(sizes) != 2 or sum(sizes) <= 0:
            return
        wanted = table.natural_width() + sizes[0] - table.viewport().width()
        room = sum(sizes) - max(JSON_MIN_WIDTH, int(sum(sizes) * 0.3))
        if wanted > sizes[0]:
            left = min(wanted, room)
            self.split.setSizes([left, sum(sizes) - left])

    def _show_sizes(self) -> None:
        """The sizes line under the platforms; room for it when it appears or wraps anew."""
        line = self.platforms_box.sizes_line
        before = line.isVisibleTo(self), line.heightForWidth(line.width())
        self.platforms_box.show_sizes(self.sizes.summary())
        if (line.isVisibleTo(self), line.heightForWidth(line.width())) != before:
            self._size_platforms()

    def _platforms_sized_by_hand(self) -> None:
        self._sized_by_hand = True

    def _split_moved_by_hand(self) -> None:
        self._split_by_hand = True

    def _fill_documents(self, ins: Inspection) -> None:
        docs, shown = documents_of(ins, self.level.trail if self.level else ())
        self._documents, self._shown_doc = docs, shown
        self.document.blockSignals(True)
        self.document.clear()
        for name, _raw in docs:
            self.document.addItem(name)
        self.document.setCurrentIndex(shown)  # the manifest whose rows are in the tables
        self.document.blockSignals(False)
        self._show_document(self.document.currentIndex())

    def _show_document(self, number: int) -> None:
        if 0 <= number < len(self._documents):
            self.json.set_document(self._documents[number][1])

    def documents(self) -> list[tuple[str, bytes]]:
        """The documents on show as (name, the exact bytes received), for File ▸ Save as:
        the index, the image manifest and the image config, as there are."""
        return list(self._documents)

    def copy_as(self, kind: str) -> None:
        """Copy `kind` (a copy_formats.COPY_FORMATS kind) of the manifest on show: the chosen
        platform's image when an index is shown with a platform, else the manifest itself.
        Emits `copied`."""
        platform = self.summary.platform_digest
        if not platform.isHidden() and platform.fetched is not None:
            platform.copy_as(kind)
        else:
            self.summary.digest.copy_as(kind)

    def tables(self) -> list[tuple[str, RowTable]]:
        """The inspector's tables by name, for View ▸ Sort (each has `column_names()`,
        `sort_by(column, order)` and `sort_actions()`)."""
        return [
            ("Platforms", self.platforms),
            ("Layers", self.layers),
            ("History", self.history_view.table),
            ("Files", self.files.table),
            ("Found", self.files.found),
        ]

    def shown_reference(self) -> Reference | None:
        """The manifest in the layers table (the platform's image for an index), by digest."""
        ins = self.inspection
        if ins is None:
            return None
        fetched = ins.image or ins.top
        return fetched.reference

    def _top_reference(self) -> Reference | None:
        return self.inspection.top.reference if self.inspection else None

    def _show_referrers(self) -> None:
        self.tabs.setCurrentWidget(self.referrers_panel)

    def _tab_changed(self, index: int) -> None:
        """The Referrers tab takes the platforms' room (their least), unless the person sized
        them; the other tabs give it back."""
        referrers = self.tabs.widget(index) is self.referrers_panel
        if referrers:
            self.referrers_panel.tab_opened()
        if self._sized_by_hand or self.level is None or sum(self.left.sizes()) <= 0:
            return
        if referrers:
            total, least = sum(self.left.sizes()), self.platforms_box.minimumSizeHint().height()
            self.left.setSizes([least, total - least])
        else:
            self._size_platforms()

    # -- interaction ---------------------------------------------------------------------------
    def show_files(self, layer: int) -> None:
        """The Files tab, showing layer `layer` (0-based): the Layers tab's "Show files"."""
        self.files.show_layer(layer)  # first: showing the tab would list the whole image
        self.tabs.setCurrentWidget(self.files)

    def _layer_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.layers.current_object()
        if isinstance(row, LayerRow):
            if self.document.currentIndex() != self._shown_doc:
                self.document.setCurrentIndex(self._shown_doc)
            self.json.highlight_digest(row.descriptor.digest)

    # -- persistence ---------------------------------------------------------------------------
    def save_state(self, preferences: Preferences) -> None:
        preferences.set_inspector_state("split", self.split.saveState())
        if "platforms_split" in INSPECTOR_PARTS and self._sized_by_hand:
            preferences.set_inspector_state("platforms_split", self.left.saveState())
        preferences.set_inspector_state("layers_table", self.layers.horizontalHeader().saveState())
        preferences.set_inspector_state(
            "platforms_table", self.platforms.horizontalHeader().saveState()
        )
        self.files.save_state(preferences)

    def restore_state(self, preferences: Preferences) -> None:
        """The saved layout, except a divider saved so that a pane would collapse."""
        self.files.restore_state(preferences)  # and the limit of the layer listings on disk
        self.referrers_panel.auto = preferences.supply_auto
        split = preferences.inspector_state("split")
        if split is not None:
            restore_splitter(self.split, split)
        left = preferences.inspector_state("platforms_split")
        if left is not None and "platforms_split" in INSPECTOR_PARTS:
            self._sized_by_hand = restore_splitter(self.left, left)
        for part, header in (("layers_table", self.layers), ("platforms_table", self.platforms)):
            value = preferences.inspector_state(part)
            if value is not None:
                header.horizontalHeader().restoreState(value)
                self._layers_state_restored |= part == "layers_table"
        self.layers.auto_fit = not self._layers_state_restored
