"""The Referrers tab: the supply chain of what is on show, as a tree. For each subject (the index
and the platform's image, or the one manifest): its referrers (the referrers API, else the tag
fallback), their referrers, and an index's BuildKit attestations with their statements, each
named in words (signatures, SBOMs, provenance, vulnerability reports, ACR artifact streaming,
end of life, Helm charts, any artifact type). Above the tree, the summary line and the end of
life; below it, what the selected one says (signature claims, provenance), and its SBOM's
packages in a window of their own.

The walk runs on the worker as soon as an inspection is shown (the summary shows its line),
unless turned off in the preferences, and never on Docker Hub, where every manifest read counts
against the pull limit: then it waits for the tab, or for "Look now"."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.reference import DOCKER_HUB
from acr_desktop.text import plural
from acr_desktop.ui import colours
from acr_desktop.ui.attestation_view import DetailsPane
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.messages import describe
from acr_desktop.ui.plain import plain
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.supply_summary import summary_words
from acr_desktop.ui.supply_tree import (
    COL_DIGEST,
    COL_SIZE,
    COL_VIA,
    COL_WHAT,
    HEADERS,
    Item,
    fill_tree,
    node_rows,
    read_details,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.supply_report import SupplyReport
    from acr_desktop.ui.worker import JobRunner

CHANNEL = "supply"
DETAIL_CHANNEL = "supply-detail"
BASE_CHANNEL = "supply-base"
TIMEOUT = 120.0  # seconds the whole walk may take (an SBOM is read for its package count)
HINT = "Select a signature, SBOM or provenance to see what it says."
LOOKING = "Looking for signatures, SBOMs, provenance and other referrers…"
UNCHECKED = "Whether the base image was updated could not be checked: "
NOT_LOOKED = "Not looked for yet: on Docker Hub each manifest read counts as a pull (Look now)."
OFF = "Not looked for yet (Edit ▸ Preferences: not on every inspect; Look now)."


class ReferrersPanel(QWidget):
    """Signals:
    open_digest(str): the person opened a referrer (double-click, Enter or Open).
    reported(object): the SupplyReport of what is on show, or a sentence while there is none
        ("looking…").
    base_checked(object): the base image's Doc, with whether its tag moved (check_base).
    copied(str): something was put on the clipboard (Copy digest, the details' Copy buttons).
    """

    open_digest = Signal(str)
    reported = Signal(object)
    base_checked = Signal(object)
    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = ElidedLabel()  # one line (whole in its tooltip): rows for the tree
        self.warning = plain(QLabel())  # end of life, what was left out
        self.warning.setWordWrap(True)
        self.look_button = QPushButton("Look now")
        self.look_button.setToolTip("List the referrers (each manifest read counts as a pull)")
        self.look_button.clicked.connect(self.look)
        top = self.top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.look_button)

        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(list(HEADERS))
        self.tree = QTreeView()
        self.tree.setObjectName("referrers")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.activated.connect(lambda _index: self.open_selected())
        self.tree.selectionModel().currentRowChanged.connect(self._current_changed)
        self._runner: JobRunner | None = None
        self._client: Callable[[], RegistryClient] | None = None
        self._prepare: Callable[[str], None] = lambda _registry: None
        self.auto: Callable[[], bool] = lambda: True  # look on every inspect (a preference)
        self.inspection: Inspection | None = None
        self.report: SupplyReport | None = None
        self._looking = False
        self._rows = 0  # rows in the tree
        self.sbom_window: QWidget | None = None  # the last one opened
        self._build(top)
        self.clear()

    def _build(self, top: QHBoxLayout) -> None:
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Inspect the selected referrer (Enter)")
        self.open_button.clicked.connect(self.open_selected)
        self.sbom_button = QPushButton("Packages…")
        self.sbom_button.setToolTip("List the packages of the selected SBOM in a window")
        self.sbom_button.clicked.connect(self.show_packages)
        self.copy_button = QPushButton("Copy digest")
        self.copy_button.clicked.connect(self.copy_digest)
        for button in (self.open_button, self.sbom_button, self.copy_button):
            top.addWidget(button)  # beside the headline: a row more for the tree

        upper = self.upper = QWidget()
        ul = self.upper_layout = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addLayout(top)
        ul.addWidget(self.warning)
        ul.addWidget(self.tree, 1)
        chain = (self.look_button, self.tree, self.open_button, self.sbom_button, self.copy_button)
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)  # the tree first, then what acts on its row
        self.details = DetailsPane()
        self.tree.setMinimumHeight(40)  # the tabs' least height stays that of the others
        self.details.setMinimumHeight(40)
        self.details.copied.connect(self.copied)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(upper)
        self.split.addWidget(self.details)
        self.split.setChildrenCollapsible(False)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)

    def bind(self, runner: JobRunner, client: Callable[[], RegistryClient],
             prepare: Callable[[str], None]) -> None:  # fmt: skip
        self._runner, self._client, self._prepare = runner, client, prepare

    # -- the walk ------------------------------------------------------------------------------
    def clear(self) -> None:
        """Nothing on show: answers still on their way are dropped."""
        if self._runner is not None:
            for channel in (CHANNEL, DETAIL_CHANNEL, BASE_CHANNEL):
                self._runner.cancel(channel)
        self.inspection, self.report, self._looking = None, None, False
        self.model.removeRows(0, self.model.rowCount())
        self.headline.setText("")
        self._say_warning("")
        self.look_button.hide()
        self.details.show_nothing(HINT)
        self._buttons()

    def show_inspection(self, ins: Inspection) -> None:
        """A new inspection: look at once, except on Docker Hub (pull limits) — there when the
        tab is opened or on "Look now"."""
        self.clear()
        self.inspection = ins
        if ins.top.reference.registry == DOCKER_HUB:
            self._wait(NOT_LOOKED)
        elif not self.auto():
            self._wait(OFF)
        else:
            self.look()

    def _wait(self, sentence: str) -> None:
        self.headline.setText(sentence)
        self.reported.emit(sentence[:1].lower() + sentence[1:])
        self.look_button.show()

    def tab_opened(self) -> None:
        if self.inspection is not None and self.report is None and not self._looking:
            self.look()

    def look(self) -> None:
        ins, runner, client = self.inspection, self._runner, self._client
        if ins is None or runner is None or client is None:
            return
        from acr_desktop.supply_report import supply_report

        self._looking = True
        self.look_button.hide()
        self.headline.setText(LOOKING)
        self.reported.emit("looking…")
        today = datetime.now(UTC).date()
        job = runner.start(
            CHANNEL, lambda c=client: supply_report(c(), ins, today, check=True), timeout=TIMEOUT
        )
        job.returned.connect(lambda report: self._arrived(ins, report))
        job.errored.connect(lambda exc: self._failed(ins, exc))

    def _arrived(self, ins: Inspection, report: SupplyReport) -> None:
        if ins is not self.inspection:
            return  # the answer for what is no longer shown
        self._looking = False
        self.report = report
        self._fill(report)
        self.reported.emit(report)

    def _failed(self, ins: Inspection, exc: BaseException) -> None:
        if ins is not self.inspection:
            return
        self._looking = False
        self.headline.setText("The referrers could not be listed.")
        self._say_warning(describe(exc).text)
        self.reported.emit("could not be listed (see the Referrers tab)")
        self.look_button.setText("Try again")
        self.look_button.show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()  # sized while hidden, the splitter had nothing to share

    def _fit(self) -> None:
        """The names in full where there is room (at most 45 % of the width); the tree as tall
        as its rows, at most 70 % of the height: the rest for what the selected one says."""
        width = self.tree.viewport().width()
        what = min(max(self.tree.sizeHintForColumn(COL_WHAT), 200), max(200, int(width * 0.45)))
        for column, size in ((COL_WHAT, what), (COL_DIGEST, 150), (COL_SIZE, 70), (COL_VIA, 110)):
            self.tree.setColumnWidth(column, size)
        total = sum(self.split.sizes())
        if total <= 0 or not self.isVisible():
            return
        spacing = max(self.upper_layout.spacing(), 0)
        warning = self.warning  # wrapped: its height at the width it has
        above = self.top.sizeHint().height() + spacing
        if not warning.isHidden():
            above += warning.heightForWidth(max(warning.width(), self.upper.width())) + spacing
        frame = 2 * self.tree.frameWidth() + self.tree.horizontalScrollBar().sizeHint().height() + 4
        rows = self.tree.header().height() + self._rows * max(self.tree.sizeHintForRow(0), 16)
        upper_size = max(min(above + rows + frame, int(total * 0.7)), min(total // 3, 200))
        self.split.setSizes([upper_size, total - upper_size])

    def _say_warning(self, text: str) -> None:
        self.warning.setText(text)
        self.warning.setVisible(bool(text))
        self.warning.setStyleSheet(f"color: {colours.warning()};")

    def check_base(self, doc: Any) -> None:
        """Whether the base image's tag moved (one HEAD on its registry, with the credentials
        kept for that registry); the answer comes as `base_checked`."""
        ins, runner, client = self.inspection, self._runner, self._client
        if ins is None or runner is None or client is None or not doc.get("registry"):
            return
        from acr_desktop.supply_report import check_base

        self._prepare(doc["registry"])
        job = runner.start(BASE_CHANNEL, lambda c=client: check_base(c(), doc), timeout=30.0)
        job.returned.connect(lambda done: self._base_checked(ins, done))
        job.errored.connect(lambda exc: self._base_checked(ins, _unchecked(doc, exc)))

    def _base_checked(self, ins: Inspection, doc: Any) -> None:
        if ins is self.inspection:
            self.base_checked.emit(doc)

    # -- the tree ------------------------------------------------------------------------------
    def _fill(self, report: SupplyReport) -> None:
        count = fill_tree(self.model, report)
        self.tree.expandAll()
        self._rows = count + len(report.subjects)
        found = plural(count, "referrer or attestation", "referrers and attestations")
        self.headline.setText(f"{summary_words(report)} — {found}")
        lines = []
        if report.end_of_life is not None and (report.end_of_life.past or report.end_of_life.near):
            lines.append(f"⚠ {report.end_of_life.describe()}")
        lines += list(report.notices)
        self._say_warning("\n".join(lines))
        self._fit()  # after the headline and the warning: their lines take height too
        self._buttons()  # nothing selected: what a signature says is read only when asked

    # -- the selected one ----------------------------------------------------------------------
    def selected(self) -> Item | None:
        index = self.tree.currentIndex()
        item = index.data(OBJECT_ROLE) if index.isValid() else None
        return item if isinstance(item, Item) else None

    def _buttons(self) -> None:
        item = self.selected()
        node = item.node if item else None
        self.open_button.setEnabled(item is not None and item.openable is not None)
        self.sbom_button.setEnabled(node is not None and node.name.kind == "sbom")
        self.copy_button.setEnabled(item is not None)

    def open_selected(self) -> None:
        item = self.selected()
        if item is not None and item.openable:
            self.open_digest.emit(item.openable)

    def copy_digest(self) -> None:
        item = self.selected()
        if item is not None:
            digest = item.node.descriptor.digest if item.node else item.subject.reference.digest
            copy_text(digest or "")
            self.copied.emit(digest or "")

    def show_packages(self) -> None:
        item = self.selected()
        if item is None or item.node is None or item.node.name.kind != "sbom":
            return
        if self._runner is None or self._client is None:
            return
        from acr_desktop.ui.sbom_view import open_sbom

        ref, whose = item.subject.reference, item.subject.label
        above = self.tree.currentIndex().parent().data(OBJECT_ROLE)
        if isinstance(above, Item) and above.node and above.node.name.kind == "attestation":
            whose = above.node.name.label  # a BuildKit statement: "attestation for linux/amd64"
        title = f"{item.node.name.label} of {ref.registry}/{ref.repository} ({whose})"
        self.sbom_window = open_sbom(self.window(), self._runner, self._client(), ref,
                                     item.node.descriptor, title)  # fmt: skip

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._buttons()
        item = current.data(OBJECT_ROLE) if current.isValid() else None
        if not isinstance(item, Item) or item.node is None:
            self.details.show_nothing(HINT)
            return
        node = item.node
        kind = node.name.kind
        if node.problem:
            self.details.show_problem(node.problem)
        elif kind in ("signature", "provenance"):
            self._read_details(item)
        else:
            self.details.show_node(node.name.label, node_rows(node))

    def _read_details(self, item: Item) -> None:
        runner, client, node = self._runner, self._client, item.node
        if runner is None or client is None or node is None:
            return
        what = "signature" if node.name.kind == "signature" else "provenance"
        self.details.show_loading(f"Reading the {what}…")
        ref = item.subject.reference
        job = runner.start(
            DETAIL_CHANNEL, lambda c=client: read_details(c(), ref, node), timeout=60.0
        )
        job.returned.connect(lambda found: self._show_details(item, found))
        job.errored.connect(lambda exc: self._detail_failed(item, exc))

    def _show_details(self, item: Item, found: Any) -> None:
        if self.selected() is not item:
            return
        from acr_desktop.registry.provenance import Provenance
        from acr_desktop.registry.signatures import SignatureClaims

        if isinstance(found, SignatureClaims):
            self.details.show_signature(found)
        elif isinstance(found, Provenance):
            self.details.show_provenance(found)

    def _detail_failed(self, item: Item, exc: BaseException) -> None:
        if self.selected() is item:
            self.details.show_problem(f"What it says could not be read: {describe(exc).text}")


def _unchecked(doc: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    return doc | {"problem": UNCHECKED + describe(exc).text}
