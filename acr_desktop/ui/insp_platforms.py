"""The platforms of an index: a table about six rows high whose highlighted row is the one
shown (a click, Enter or the arrow keys choose it), and the note about attestations."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QSize, QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from acr_desktop.copy_formats import pinned, pull_line, tag_and_digest
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import Reference
from acr_desktop.text import plural
from acr_desktop.ui.models import PlatformRow, PlatformsModel
from acr_desktop.ui.plain import plain
from acr_desktop.ui.tables import RowTable

VISIBLE_ROWS = 6  # shown before the table scrolls
FEWEST_ROWS = 2  # what the table keeps when the divider is dragged up
SETTLE_MS = 150  # a held arrow key loads only the row it stops on
FIT_TO_CONTENTS_ROWS = 200
SAMPLES = (  # widths from the font for a huge index (measuring every cell would freeze)
    "windows",
    "Architecture",
    "Variant",
    "10.0.20348.2340",
    "sha256:0123456789ab",
    "Manifest size",
    "2 attestations",
)


class PlatformsTable(RowTable):
    """A RowTable that asks for room for up to VISIBLE_ROWS rows, and needs only FEWEST_ROWS."""

    def _height_for(self, rows: int) -> int:
        frame = 2 * self.frameWidth()
        header = self.horizontalHeader().sizeHint().height()
        row = self.verticalHeader().defaultSectionSize()
        return frame + header + rows * row

    def rows_wanted(self) -> int:
        return max(FEWEST_ROWS, min(self.model().rowCount(), VISIBLE_ROWS))

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height_for(self.rows_wanted()))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._height_for(FEWEST_ROWS))


class PlatformsPanel(QGroupBox):
    """Signals:
    chosen(object): the person chose this index entry (a Descriptor) to look inside: at once on a
        click or Enter, SETTLE_MS after the arrow keys stop. Never for a row selected because an
        inspection arrived.
    """

    chosen = Signal(object)

    def __init__(
        self, top_reference: Callable[[], Reference | None], parent: QWidget | None = None
    ) -> None:
        super().__init__("Platforms", parent)
        self._top_reference = top_reference
        self.model = PlatformsModel(self)
        self.table = PlatformsTable(self.model)
        self.table.setObjectName("platforms")
        self.table.elastic_column = PlatformsModel.COL_DIGEST
        self.table.copy_actions = [
            ("Copy digest", lambda rows: [r.descriptor.digest for r in rows]),  # type: ignore[attr-defined]
            ("Copy pinned reference", lambda rows: [self._pin(r, pinned) for r in rows]),
            (
                "Copy reference with tag and digest",
                lambda rows: [self._pin(r, tag_and_digest) for r in rows],
            ),
            ("Copy docker pull command", lambda rows: [self._pin(r, pull_line) for r in rows]),
        ]
        self.table.clicked.connect(self._choose_clicked)
        self.table.activated.connect(self._choose_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._current_moved)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._choose_now)
        self._shown: str | None = None  # the digest of the entry on show
        self._asked: str | None = None  # the digest last asked for, until it is shown
        self._quiet = False
        self.attestation_note = plain(QLabel())
        self.attestation_note.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(2)
        box.addWidget(self.table)
        box.addWidget(self.attestation_note)

    def show_rows(self, rows: list[PlatformRow], entries: int, shown: Descriptor | None) -> None:
        """`rows` of an index of `entries` entries, `shown` the one whose image is on show."""
        self._settle.stop()
        self._quiet = True
        try:
            self.model.set_rows(rows)
            # A referrers-tag fallback index lists entries that have no platform.
            self.setTitle("Platforms" if any(r.descriptor.platform for r in rows) else "Entries")
            self._fit_columns(len(rows))
            count = entries - len(rows)
            self.attestation_note.setVisible(count > 0)
            self.attestation_note.setText(
                f"{plural(count, 'attestation manifest')} (provenance / SBOM) "
                + (
                    "describes the platforms above; it is not a platform itself."
                    if count == 1
                    else "describe the platforms above; they are not platforms themselves."
                )
            )
            self._shown = shown.digest if shown else None
            self._asked = None
            self._select(shown)
        finally:
            self._quiet = False
        self.table.updateGeometry()

    def wanted_height(self) -> int:
        """The panel's height with up to VISIBLE_ROWS rows showing."""
        return self.sizeHint().height()

    def spare_height(self) -> int:
        """How much taller the table is than its rows need (after the layout is done)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        table = self.table
        rows = table.rows_wanted() * table.verticalHeader().defaultSectionSize()
        return max(0, table.viewport().height() - rows)

    def _fit_columns(self, count: int) -> None:
        if count <= FIT_TO_CONTENTS_ROWS:
            self.table.fit_columns()
            return
        metrics = self.table.fontMetrics()
        self.table.fit_columns([metrics.horizontalAdvance(s) + 24 for s in SAMPLES])

    def _select(self, entry: Descriptor | None) -> None:
        if entry is None:
            self.table.clearSelection()
            return
        row = self.model.row_of(entry.digest)
        if row >= 0:
            shown = self.table.proxy.mapFromSource(self.model.index(row, 0))
            self.table.selectRow(shown.row())

    def _current_moved(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet:
            self._settle.start()

    def _choose_clicked(self) -> None:
        """A click or Enter: asked again even if the last ask for it failed."""
        self._asked = None
        self._choose_now()

    def _choose_now(self) -> None:
        self._settle.stop()
        row = self.table.current_object()
        if not isinstance(row, PlatformRow):
            return
        digest = row.descriptor.digest
        if digest != (self._asked or self._shown):
            self._asked = digest
            self.chosen.emit(row.descriptor)

    def _pin(self, row: object, how: Callable[[Reference, str], str]) -> str:
        top = self._top_reference()
        assert isinstance(row, PlatformRow) and top is not None
        return how(top, row.descriptor.digest)
