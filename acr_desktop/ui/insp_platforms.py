"""The entries of an index: a table about six rows high whose highlighted row is the one
shown (a click, Enter or the arrow keys choose it), the note about attestations and builder
records (listed on request), and inside a nested index the way there with an Up button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.copy_formats import pinned, pull_line, tag_and_digest
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import Reference
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.insp_levels import Level
from acr_desktop.ui.insp_sizes import ALL_PLATFORMS_TIP
from acr_desktop.ui.insp_words import crumb_text, references_note
from acr_desktop.ui.models import PlatformRow, PlatformsModel
from acr_desktop.ui.plain import plain
from acr_desktop.ui.tables import RowTable

VISIBLE_ROWS = 6  # shown before the table scrolls
FEWEST_ROWS = 2  # what the table keeps when the divider is dragged up
SETTLE_MS = 150  # a held arrow key loads only the row it stops on
FIT_TO_CONTENTS_ROWS = 200
SORT_MARK_MARGIN = 8  # beside the sort mark's height: its width and margin in a header
SAMPLES = (  # widths from the font for a huge index (measuring every cell would freeze)
    "windows",
    "Architecture",
    "Variant",
    "10.0.20348.2340",
    "0123456789ab",
    "Download size",
    "Layers",
    "Manifest bytes",
    "2 attestations",
)


def _sizes_line() -> QLabel:
    """The line under the table with the download sizes of the platforms listed."""
    line = plain(QLabel())
    line.setObjectName("sizes")
    line.setWordWrap(True)
    line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    line.setToolTip(ALL_PLATFORMS_TIP)
    line.hide()
    return line


class PlatformsTable(RowTable):
    """A RowTable that asks for room for up to VISIBLE_ROWS rows, and needs only FEWEST_ROWS."""

    def _height_for(self, rows: int) -> int:
        frame = 2 * self.frameWidth()
        header = self.horizontalHeader().sizeHint().height()
        row = self.verticalHeader().defaultSectionSize()
        # Room for a horizontal scrollbar too: on a narrow window it would hide a row.
        scrollbar = self.horizontalScrollBar().sizeHint().height()
        return frame + header + rows * row + scrollbar

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
        inspection arrived. Up (the button; Go ▸ Up is Alt+Up) chooses the entry the nested
        index listed was opened from, in the index above. Enter on a nested index already
        shown opens it.
    references_toggled(bool): list attestations and builder records as rows, or not.
    """

    chosen = Signal(object)
    references_toggled = Signal(bool)

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
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sorted)
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
        self.sizes_line = _sizes_line()
        self.show_references = QCheckBox("List them")
        self.show_references.setToolTip("List attestations and builder records as rows, to open")
        self.show_references.toggled.connect(self.references_toggled)
        self.up = QToolButton()
        self.up.setText("▲ Up")
        self.up.setToolTip("Back to the index above (Alt+Up)")
        self.up.clicked.connect(self.go_up)
        self.crumb = ElidedLabel()
        self.crumb.setObjectName("crumb")
        self._level: Level | None = None
        crumbs = QHBoxLayout()
        crumbs.addWidget(self.up)
        crumbs.addWidget(self.crumb, 1)
        self.crumbs = QWidget()
        self.crumbs.setLayout(crumbs)
        crumbs.setContentsMargins(0, 0, 0, 0)
        note = QHBoxLayout()
        note.addWidget(self.attestation_note, 1)
        note.addWidget(self.show_references)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(2)
        box.addWidget(self.crumbs)
        box.addWidget(self.table)
        box.addWidget(self.sizes_line)
        box.addLayout(note)

    def show_level(self, level: Level, shown: Descriptor | None) -> None:
        """The entries of `level`, `shown` the one on show (None: none chosen yet)."""
        self._settle.stop()
        self._quiet = True
        try:
            rows = level.rows
            self._level = level
            self.model.set_rows(rows)
            labelled = any(r.label is not None for r in rows)  # not every row is a platform
            title = "Entries" if labelled or not rows else "Platforms"
            self.setTitle(f"{title} of the nested index" if level.trail else title)
            self.crumbs.setVisible(bool(level.trail))
            self.crumb.setText(crumb_text(level.trail))
            # Only Windows images have an OS version: without any, its column is not shown.
            versions = any(r.descriptor.platform and r.descriptor.platform.os_version for r in rows)
            self.table.setColumnHidden(PlatformsModel.COL_OS_VERSION, not versions)
            self._fit_columns(len(rows))
            note = references_note(level.index, listed=len(rows) > len(level.index.platforms))
            self.attestation_note.setVisible(note is not None)
            self.attestation_note.setText(note or "")
            self.show_references.setVisible(note is not None and len(level.index.platforms) > 0)
            self._shown = shown.digest if shown else None
            self._asked = None
            self._select(shown)
        finally:
            self._quiet = False
        self.table.updateGeometry()

    def show_sizes(self, line: str | None) -> None:
        """The download sizes of the platforms listed in one line (None hides it)."""
        self.sizes_line.setVisible(line is not None)
        self.sizes_line.setText(line or "")

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
        """Columns as wide as their contents, with room for the sort mark only in the column
        sorted on (room in all nine would not fit beside the JSON on a 1280 px screen)."""
        table, header = self.table, self.table.horizontalHeader()
        if count > FIT_TO_CONTENTS_ROWS:
            metrics = table.fontMetrics()
            table.fit_columns([metrics.horizontalAdvance(s) + 24 for s in SAMPLES])
            return
        shown = header.isSortIndicatorShown()
        header.setSortIndicatorShown(False)
        try:
            table.fit_columns()
        finally:
            header.setSortIndicatorShown(shown)
        widths = [header.sectionSize(c) for c in range(header.count())]
        sorted_on = header.sortIndicatorSection()
        if shown and 0 <= sorted_on < len(widths):
            widths[sorted_on] += header.fontMetrics().height() + SORT_MARK_MARGIN
            table.fit_columns(widths)
        # The last column stretches, but never below the width it was given: the room left.
        header.resizeSection(len(widths) - 1, header.minimumSectionSize())

    def _sorted(self) -> None:
        """Sorted on another column: room for its sort mark (unless a person sized columns)."""
        if self.table.auto_fit and self.model.rowCount():
            self._fit_columns(self.model.rowCount())

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
        """A click or Enter: asked again even if the last ask for it failed; on a nested index
        already shown, opens it."""
        self._asked = None
        row = self.table.current_object()
        if isinstance(row, PlatformRow) and row.descriptor.digest == self._shown:
            if row.descriptor.kind == "index":
                self.chosen.emit(row.descriptor)
            return
        self._choose_now()

    def go_up(self) -> None:
        """To the index above: choose the entry this nested index was opened from."""
        level = self._level
        if level is not None and level.trail and self.isVisible():
            entry = level.trail[-1].platform_entry
            if entry is not None:
                self.chosen.emit(entry)

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
