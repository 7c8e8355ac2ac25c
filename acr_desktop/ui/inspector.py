"""The inspector: summary, platforms of an index, layers, config, and the raw JSON beside them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.copy_formats import pinned, pull_line, tag_and_digest
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import Reference
from acr_desktop.text import format_size, plural
from acr_desktop.ui.config_view import ConfigView, HistoryView
from acr_desktop.ui.json_view import JsonView
from acr_desktop.ui.models import (
    LayerRow,
    LayersModel,
    PlatformRow,
    PlatformsModel,
    ReferrersModel,
    platform_rows,
)
from acr_desktop.ui.plain import plain
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.summary_panel import SummaryPanel
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection


FIT_TO_CONTENTS_ROWS = 200
PLATFORM_SAMPLES = (
    "windows",
    "Architecture",
    "Variant",
    "10.0.20348.2340",
    "sha256:0123456789ab",
    "999.9 MB",
    "2 attestations",
)


class Inspector(QWidget):
    """Signals:
    platform_chosen(object): the user picked an index entry (a Descriptor) to look inside.
    copied(str): something was put on the clipboard (for the status bar).
    referrers_wanted(object): the Referrers tab was opened for this Reference (with digest).
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

        self.platforms_model = PlatformsModel(self)
        self.platforms = RowTable(self.platforms_model)
        self.platforms.setObjectName("platforms")
        self.platforms.copy_actions = [
            ("Copy digest", lambda rows: [r.descriptor.digest for r in rows]),  # type: ignore[attr-defined]
            ("Copy pinned reference", lambda rows: [self._pin(r, pinned) for r in rows]),
            (
                "Copy reference with tag and digest",
                lambda rows: [self._pin(r, tag_and_digest) for r in rows],
            ),
            ("Copy docker pull command", lambda rows: [self._pin(r, pull_line) for r in rows]),
        ]
        self.platforms.clicked.connect(self._platform_clicked)
        self.platforms.activated.connect(self._platform_clicked)
        self.platforms_box = QGroupBox("Platforms")
        box = QVBoxLayout(self.platforms_box)
        box.addWidget(self.platforms)
        self.attestation_note = plain(QLabel())
        self.attestation_note.setWordWrap(True)
        box.addWidget(self.attestation_note)

        self.layers_model = LayersModel(self)
        self.layers = RowTable(self.layers_model)
        self.layers.setObjectName("layers")
        self.layers.copy_actions = [
            ("Copy digest", lambda rows: [r.descriptor.digest for r in rows]),  # type: ignore[attr-defined]
            ("Copy size in bytes", lambda rows: [str(r.descriptor.size) for r in rows]),  # type: ignore[attr-defined]
        ]
        self.layers.selectionModel().selectionChanged.connect(self._layer_selected)
        self.layers_total = plain(QLabel())
        layers_page = QWidget()
        lp = QVBoxLayout(layers_page)
        lp.setContentsMargins(0, 0, 0, 0)
        lp.addWidget(self.layers)
        lp.addWidget(self.layers_total)

        self.config_view = ConfigView()
        self.history_view = HistoryView()
        self.tabs = QTabWidget()
        self.tabs.addTab(layers_page, "Layers")
        self.tabs.addTab(self.config_view, "Config")
        self.tabs.addTab(self.history_view, "History")
        self.referrers_model = ReferrersModel(self)
        self.referrers = RowTable(self.referrers_model)
        self.referrers.setObjectName("referrers")
        self.referrers.copy_actions = [
            ("Copy digest", lambda rows: [r.digest for r in rows]),  # type: ignore[attr-defined]
        ]
        self.referrers.activated.connect(self._referrer_activated)
        self.referrers_status = plain(QLabel())  # may hold a server's error text
        self.referrers_status.setWordWrap(True)
        referrers_page = QWidget()
        rp = QVBoxLayout(referrers_page)
        rp.addWidget(self.referrers_status)
        rp.addWidget(self.referrers)
        self.tabs.addTab(referrers_page, "Referrers")
        self.tabs.currentChanged.connect(self._tab_changed)
        self._referrers_for: str | None = None

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.platforms_box)
        left.addWidget(self.tabs)
        left.setStretchFactor(1, 1)

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

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.split, 1)
        self._documents: list[bytes] = []
        self._layers_state_restored = False

    # -- showing -------------------------------------------------------------------------------
    def show_inspection(self, ins: Inspection, rows: list[PlatformRow] | None = None) -> None:
        """Show `ins`; `rows` are its index's platform rows when already made (in the worker)."""
        self.inspection = ins
        self.summary.show_inspection(ins)
        index = ins.index
        self.platforms_box.setVisible(index is not None)
        if index is not None:
            if rows is None:
                rows = platform_rows(index)  # linear: attestations grouped in one pass
            self.platforms_model.set_rows(rows)
            self._fit_platform_columns(len(rows))
            count = len(index.manifests) - len(rows)
            self.attestation_note.setVisible(count > 0)
            self.attestation_note.setText(
                f"{plural(count, 'attestation manifest')} (provenance / SBOM) "
                "describe the platforms above; they are not platforms themselves."
            )
            self._select_platform_row(ins.platform_entry)
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
        self.config_view.show_config(ins.config.config if ins.config else None)
        self.history_view.show_config(ins.config.config if ins.config else None)
        if not self._layers_state_restored:
            for column in range(LayersModel.COL_STEP):
                self.layers.resizeColumnToContents(column)
        self._fill_documents(ins)
        self._referrers_for = None
        self.referrers_model.set_rows([])
        self.referrers_status.setText("")
        self._tab_changed(self.tabs.currentIndex())

    def _fit_platform_columns(self, count: int) -> None:
        """Widths from the contents for a usual index; from the font for a huge one (measuring
        thousands of cells would freeze the window)."""
        if count <= FIT_TO_CONTENTS_ROWS:
            self.platforms.resizeColumnsToContents()
            return
        metrics = self.platforms.fontMetrics()
        for column, sample in enumerate(PLATFORM_SAMPLES):
            self.platforms.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)

    def _fill_documents(self, ins: Inspection) -> None:
        self.document.blockSignals(True)
        self.document.clear()
        self._documents = []
        if ins.index is not None:
            self.document.addItem("Index manifest")
            self._documents.append(ins.top.raw)
        if ins.image is not None:
            what = (
                f"Image manifest ({ins.platform_entry.platform})"
                if ins.platform_entry and ins.platform_entry.platform
                else "Manifest"
            )
            self.document.addItem(what)
            self._documents.append(ins.image.raw)
        elif ins.index is None:
            self.document.addItem("Manifest")
            self._documents.append(ins.top.raw)
        if ins.config is not None:
            self.document.addItem("Image config")
            self._documents.append(ins.config.raw)
        # Show the manifest whose rows are in the table: the image if there is one.
        self.document.setCurrentIndex(1 if ins.index is not None and ins.image is not None else 0)
        self.document.blockSignals(False)
        self._show_document(self.document.currentIndex())

    def _show_document(self, number: int) -> None:
        if 0 <= number < len(self._documents):
            self.json.set_document(self._documents[number])

    def _select_platform_row(self, entry: Descriptor | None) -> None:
        if entry is None:
            return
        row = self.platforms_model.row_of(entry.digest)
        if row >= 0:
            shown = self.platforms.proxy.mapFromSource(self.platforms_model.index(row, 0))
            self.platforms.selectRow(shown.row())

    def shown_reference(self) -> Reference | None:
        """The manifest in the layers table (the platform's image for an index), by digest."""
        ins = self.inspection
        if ins is None:
            return None
        fetched = ins.image or ins.top
        return fetched.reference

    def show_referrers(self, digest: str, descriptors: tuple[Descriptor, ...], via: str) -> None:
        if digest != self._referrers_for:
            return  # an answer for a manifest no longer shown
        self.referrers_model.set_rows(descriptors)
        self.referrers.resizeColumnsToContents()
        count = len(descriptors)
        self.referrers_status.setText(
            f"{plural(count, 'referrer')} of {digest[:19]}… (found via {via}). "
            "Double-click one to open it."
            if count
            else f"Nothing refers to {digest[:19]}… (no signatures, SBOMs or attestations; "
            f"looked via {via})."
        )

    def show_referrers_error(self, digest: str, text: str) -> None:
        if digest == self._referrers_for:
            self.referrers_status.setText(text)

    def _tab_changed(self, index: int) -> None:
        ref = self.shown_reference()
        wanted = self.tabs.tabText(index) == "Referrers" and ref is not None and ref.digest
        if wanted and ref is not None and self._referrers_for != ref.digest:
            self._referrers_for = ref.digest
            self.referrers_status.setText("Looking for signatures, SBOMs and attestations…")
            self.referrers_wanted.emit(ref)

    def _referrer_activated(self) -> None:
        row = self.referrers.current_object()
        if isinstance(row, Descriptor):
            self.open_digest.emit(row.digest)

    # -- interaction ---------------------------------------------------------------------------
    def _platform_clicked(self) -> None:
        row = self.platforms.current_object()
        if isinstance(row, PlatformRow) and (
            self.inspection is None
            or self.inspection.platform_entry is None
            or self.inspection.platform_entry.digest != row.descriptor.digest
        ):
            self.platform_chosen.emit(row.descriptor)

    def _layer_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.layers.current_object()
        if isinstance(row, LayerRow):
            image_doc = 1 if self.inspection and self.inspection.index is not None else 0
            if self.document.currentIndex() != image_doc:
                self.document.setCurrentIndex(image_doc)
            self.json.highlight_digest(row.descriptor.digest)

    def _pin(self, row: object, how: Callable[[Reference, str], str]) -> str:
        assert isinstance(row, PlatformRow) and self.inspection is not None
        return how(self.inspection.top.reference, row.descriptor.digest)

    # -- persistence ---------------------------------------------------------------------------
    def save_state(self, preferences: Preferences) -> None:
        preferences.set_inspector_state("split", self.split.saveState())
        preferences.set_inspector_state("layers_header", self.layers.horizontalHeader().saveState())
        preferences.set_inspector_state(
            "platforms_header", self.platforms.horizontalHeader().saveState()
        )

    def restore_state(self, preferences: Preferences) -> None:
        for part, restore in (
            ("split", self.split.restoreState),
            ("layers_header", self.layers.horizontalHeader().restoreState),
            ("platforms_header", self.platforms.horizontalHeader().restoreState),
        ):
            value = preferences.inspector_state(part)
            if value is not None:
                restore(value)
                self._layers_state_restored |= part == "layers_header"
