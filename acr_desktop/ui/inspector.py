"""The inspector: summary, platforms of an index, layers, config, referrers, and the raw JSON
beside them; dimmed under a "Loading …" banner while the next result loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import Reference
from acr_desktop.text import format_size, plural
from acr_desktop.ui.config_view import ConfigView, HistoryView
from acr_desktop.ui.insp_layout import LoadingBanner, restore_splitter, steady_splitter
from acr_desktop.ui.insp_platforms import PlatformsPanel
from acr_desktop.ui.insp_referrers import ReferrersPanel, Subject
from acr_desktop.ui.json_view import JsonView
from acr_desktop.ui.models import LayerRow, LayersModel, PlatformRow, platform_rows
from acr_desktop.ui.plain import plain
from acr_desktop.ui.preferences import INSPECTOR_PARTS, Preferences
from acr_desktop.ui.summary_panel import SummaryPanel
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection

TABLES_MIN_WIDTH = 280  # the tables' side of the divider, at least
JSON_MIN_WIDTH = 200  # the JSON side, at least
TABS_MIN_HEIGHT = 120  # the tabs under the platforms: the tab bar and a few rows


class Inspector(QWidget):
    """Signals:
    platform_chosen(object): the user picked an index entry (a Descriptor) to look inside, by
        click, Enter, or arrow keys (after they settle); never when an inspection arrives.
    copied(str): something was put on the clipboard (summary, Copy menus, any table).
    referrers_wanted(object): look up what refers to this Reference (with digest); emitted
        once per subject (the index and the platform's image) when the Referrers tab opens.
    open_digest(str): the user wants to inspect this digest in the same repository.
    """

    platform_chosen = Signal(object)
    copied = Signal(str)
    referrers_wanted = Signal(object)
    open_digest = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection: Inspection | None = None
        self.summary = SummaryPanel()
        self.summary.copied.connect(self.copied)

        self.platforms_box = PlatformsPanel(self._top_reference)
        self.platforms_box.chosen.connect(self.platform_chosen)
        self.platforms = self.platforms_box.table
        self.platforms_model = self.platforms_box.model
        self.attestation_note = self.platforms_box.attestation_note

        self.layers_model = LayersModel(self)
        self.layers = RowTable(self.layers_model)
        self.layers.setObjectName("layers")
        self.layers.elastic_column = LayersModel.COL_DIGEST
        self.layers.copy_actions = [
            ("Copy digest", lambda rows: [r.descriptor.digest for r in rows]),  # type: ignore[attr-defined]
            ("Copy size in bytes", lambda rows: [str(r.descriptor.size) for r in rows]),  # type: ignore[attr-defined]
        ]
        self.layers.selectionModel().selectionChanged.connect(self._layer_selected)
        self.layers_total = plain(QLabel())
        self.layers_total.setWordWrap(True)
        layers_page = QWidget()
        lp = QVBoxLayout(layers_page)
        lp.setContentsMargins(0, 0, 0, 0)
        lp.addWidget(self.layers)
        lp.addWidget(self.layers_total)

        self.config_view = ConfigView()
        self.history_view = HistoryView()
        self.referrers_panel = ReferrersPanel()
        self.referrers_panel.wanted.connect(self.referrers_wanted)
        self.referrers_panel.open_digest.connect(self.open_digest)
        self.referrers = self.referrers_panel.table
        self.referrers_model = self.referrers_panel.model
        self.referrers_status = self.referrers_panel.status
        self.tabs = QTabWidget()
        self.tabs.addTab(layers_page, "Layers")
        self.tabs.addTab(self.config_view, "Config")
        self.tabs.addTab(self.history_view, "History")
        self.tabs.addTab(self.referrers_panel, "Referrers")
        self.tabs.currentChanged.connect(self._tab_changed)
        for table in (self.platforms, self.layers, self.history_view.table, self.referrers):
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
        self._layers_state_restored = False

    # -- showing -------------------------------------------------------------------------------
    def show_inspection(self, ins: Inspection, rows: list[PlatformRow] | None = None) -> None:
        """Show `ins`; `rows` are its index's platform rows when already made (in the worker).
        Clears the loading banner."""
        self.set_loading(None)
        self.inspection = ins
        self.summary.show_inspection(ins)
        index = ins.index
        self.platforms_box.setVisible(index is not None)
        if index is not None:
            if rows is None:
                rows = platform_rows(index)  # linear: attestations grouped in one pass
            self.platforms_box.show_rows(rows, len(index.manifests), ins.platform_entry)
            self._size_platforms()
        self._show_layers(ins)
        self.config_view.show_config(ins.config.config if ins.config else None)
        self.history_view.show_config(ins.config.config if ins.config else None)
        self._fill_documents(ins)
        self.referrers_panel.clear()
        self._tab_changed(self.tabs.currentIndex())

    def set_loading(self, text: str | None) -> None:
        """While `text` loads (a reference, or a status such as "Fetching linux/arm64…") the
        result on show is dimmed under "Loading <text>… — showing the previous result" and a
        busy bar; None clears it. `show_inspection` clears it too."""
        self.loading_banner.show_loading(text)

    def show_previous(self, text: str) -> None:
        """After a failed load: `text` (e.g. "Still showing the previous result, <ref>.") above
        the result, which is no longer dimmed; cleared by the next load or result."""
        self.loading_banner.show_note(text)

    def _show_layers(self, ins: Inspection) -> None:
        image = ins.image_manifest
        steps = ins.config.config.history if ins.config else ()
        made_by = {s.layer_index: s.created_by for s in steps if s.layer_index is not None}
        layers = image.layers if image else ()
        self.layers_model.set_rows(
            [LayerRow(i + 1, d, made_by.get(i)) for i, d in enumerate(layers)]
        )
        if image is not None:
            self.layers_total.setText(
                f"{plural(len(layers), 'layer')} · "
                f"{format_size(image.layers_size)} compressed ({image.layers_size:,} bytes) · "
                f"config {format_size(image.config.size)}"
            )
        else:
            self.layers_total.setText("No layers: this manifest is not an image.")
        if not self._layers_state_restored:
            self.layers.fit_columns()

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

    def _platforms_sized_by_hand(self) -> None:
        self._sized_by_hand = True

    def _split_moved_by_hand(self) -> None:
        self._split_by_hand = True

    def _fill_documents(self, ins: Inspection) -> None:
        docs: list[tuple[str, bytes]] = []
        if ins.index is not None:
            docs.append(("Index manifest", ins.top.raw))
        if ins.image is not None:
            entry = ins.platform_entry
            platform = entry.platform if entry is not None else None
            docs.append((f"Image manifest ({platform})" if platform else "Manifest", ins.image.raw))
        elif ins.index is None:
            docs.append(("Manifest", ins.top.raw))
        if ins.config is not None:
            docs.append(("Image config", ins.config.raw))
        self._documents = docs
        self.document.blockSignals(True)
        self.document.clear()
        for name, _raw in docs:
            self.document.addItem(name)
        # Show the manifest whose rows are in the table: the image if there is one.
        self.document.setCurrentIndex(1 if ins.index is not None and ins.image is not None else 0)
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
            ("Referrers", self.referrers),
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

    # -- referrers -----------------------------------------------------------------------------
    def referrer_subjects(self) -> list[Subject]:
        """What the Referrers tab looks up: the index and the platform's image, or the one
        manifest shown."""
        ins = self.inspection
        if ins is None:
            return []
        if ins.index is None:
            return [("this manifest", ins.top.reference)]
        subjects: list[Subject] = [("index", ins.top.reference)]
        if ins.image is not None and ins.platform_entry is not None:
            label = str(ins.platform_entry.platform or "entry")
            subjects.append((label, ins.image.reference))
        return subjects

    def show_referrers(self, digest: str, descriptors: tuple[Descriptor, ...], via: str) -> None:
        """What refers to `digest` (found via `via`); dropped when it is no longer shown."""
        self.referrers_panel.show_referrers(digest, descriptors, via)

    def show_referrers_error(self, digest: str, text: str) -> None:
        self.referrers_panel.show_error(digest, text)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.referrers_panel:
            self.referrers_panel.look_up(self.referrer_subjects())

    # -- interaction ---------------------------------------------------------------------------
    def _layer_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.layers.current_object()
        if isinstance(row, LayerRow):
            image_doc = 1 if self.inspection and self.inspection.index is not None else 0
            if self.document.currentIndex() != image_doc:
                self.document.setCurrentIndex(image_doc)
            self.json.highlight_digest(row.descriptor.digest)

    # -- persistence ---------------------------------------------------------------------------
    def save_state(self, preferences: Preferences) -> None:
        preferences.set_inspector_state("split", self.split.saveState())
        if "platforms_split" in INSPECTOR_PARTS and self._sized_by_hand:
            preferences.set_inspector_state("platforms_split", self.left.saveState())
        preferences.set_inspector_state("layers_header", self.layers.horizontalHeader().saveState())
        preferences.set_inspector_state(
            "platforms_header", self.platforms.horizontalHeader().saveState()
        )

    def restore_state(self, preferences: Preferences) -> None:
        """The saved layout, except a divider saved so that a pane would collapse."""
        split = preferences.inspector_state("split")
        if split is not None:
            restore_splitter(self.split, split)
        left = preferences.inspector_state("platforms_split")
        if left is not None and "platforms_split" in INSPECTOR_PARTS:
            self._sized_by_hand = restore_splitter(self.left, left)
        for part, header in (("layers_header", self.layers), ("platforms_header", self.platforms)):
            value = preferences.inspector_state(part)
            if value is not None:
                header.horizontalHeader().restoreState(value)
                self._layers_state_restored |= part == "layers_header"
        self.layers.auto_fit = not self._layers_state_restored
