"""The summary's supply-chain rows: "Supply chain" (what is attached, in one line, with Details),
"Base image" (what the image says it was built on, Open, and whether that tag has moved since)
and "End of life" (a warning when past or near). Filled at once from what the inspection holds
(annotations, labels), then from the Referrers tab's report when it arrives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from acr_desktop.registry.artifacts import EndOfLife, earliest
from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.ui import colours
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.plain import plain
from acr_desktop.ui.theme import on_scheme_change

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.supply_report import Doc, SupplyReport

LOOKING = "looking…"
SIGNED = "signed ("
SIGNED_NOT_VERIFIED = "signed, not verified ("  # the app checks no signature


def summary_words(report: SupplyReport) -> str:
    """The report's summary line, "signed, not verified (cosign) · …": beside "✔ verified" (the
    digest's check) a bare "signed" could be read as a verified signature."""
    text = report.summary()
    return SIGNED_NOT_VERIFIED + text[len(SIGNED) :] if text.startswith(SIGNED) else text


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    return button


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for number, widget in enumerate(widgets):
        row.addWidget(widget, 1 if number == 0 else 0)
    return box


class SupplyRows(QObject):
    """Signals:
    details_wanted(): the person asked for the Referrers tab (the "Supply chain" link).
    open_reference(object): open this Reference (the base image).
    check_wanted(object): look up whether the base image's tag moved (the base image's Doc),
        asked by the person when the base lives on another registry.
    """

    details_wanted = Signal()
    open_reference = Signal(object)
    check_wanted = Signal(object)

    def __init__(self, form: QFormLayout, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.line = ElidedLabel()
        self.line.setObjectName("supply")
        # A link, as low as the labels: the row keeps its height. Our own text, never a server's.
        self.heading = QLabel('<a href="#referrers">Supply chain</a>:')
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        # Not a Tab stop: from the keyboard, the Referrers tab is one of the tabs below.
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.heading.setToolTip("The Referrers tab: signatures, SBOMs, provenance as a tree")
        self.heading.linkActivated.connect(lambda _link: self.details_wanted.emit())
        self.base = ElidedLabel()
        self.base.setObjectName("baseImage")
        self.open = _button("Open", "Inspect the base image this was built on")
        self.open.clicked.connect(lambda: self._open(current=False))
        self.open_current = _button("Open current", "Inspect what the base image's tag names now")
        self.open_current.clicked.connect(lambda: self._open(current=True))
        self.check = _button(
            "Check for update", "One HEAD of the base image's tag, on its registry"
        )
        self.check.clicked.connect(lambda: self.check_wanted.emit(self._base))
        self.base_note = ElidedLabel()  # one line: a wrapped label left a blank line above it
        self.eol = plain(QLabel())
        self.eol.setObjectName("endOfLife")
        self.eol.setWordWrap(True)
        self.supply_row = _row(self.line)
        self.base_row = _row(self.base, self.open, self.open_current, self.check)
        self._base: Doc | None = None
        self._eol: EndOfLife | None = None
        self._own: EndOfLife | None = None
        on_scheme_change(self.eol, self._colour)

    def beside(self, kind: QWidget) -> QWidget:
        """The Type row: the type, then "Supply chain: signed (cosign) · SBOM … [Details]" (a
        row of its own would cost the tables its height on a small screen)."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(kind)  # as wide as its text (at most ElidedLabel's preferred width)
        row.addSpacing(12)
        row.addWidget(self.heading)
        row.addWidget(self.supply_row, 1)  # the rest
        return box

    def add_rows(self) -> None:
        """The base image and end-of-life rows, shown when there is something to say."""
        self.form.addRow("Base image", self.base_row)
        self.form.addRow("", self.base_note)
        self.form.addRow("End of life", self.eol)
        self.show_base(None)
        self.show_end_of_life(None)

    def show_inspection(self, ins: Inspection) -> None:
        """What the inspection itself says: end of life and base image from the annotations
        (and labels); the supply line waits for the report."""
        from acr_desktop.supply_report import own_base, own_end_of_life

        self._own = own_end_of_life(ins, datetime.now(UTC).date())
        self.show_end_of_life(self._own)
        self.show_base(own_base(ins))
        self.line.setText(LOOKING)

    def show_report(self, report: SupplyReport | str) -> None:
        """The Referrers tab's report, or a sentence saying where the looking is."""
        if isinstance(report, str):
            self.line.setText(report)
            return
        self.line.setText(summary_words(report))
        self.show_end_of_life(earliest([self._own, report.end_of_life]))
        if report.base is not None:
            self.show_base(report.base)

    def show_end_of_life(self, eol: EndOfLife | None) -> None:
        self._eol = eol
        self.form.setRowVisible(self.eol, eol is not None)
        if eol is not None:
            self.eol.setText(("⚠ " if eol.past or eol.near else "") + eol.describe())
        self._colour()

    def _colour(self) -> None:
        warn = self._eol is not None and (self._eol.past or self._eol.near)
        self.eol.setStyleSheet(f"color: {colours.warning()}; font-weight: bold;" if warn else "")
        updated = bool(self._base and self._base.get("updated"))
        self.base_note.setStyleSheet(f"color: {colours.warning()};" if updated else "")

    def show_base(self, doc: Doc | None) -> None:
        """The base image (a supply_report.base_doc), checked or not."""
        from acr_desktop.supply_report import base_text

        self._base = doc
        self.form.setRowVisible(self.base_row, doc is not None)
        note = base_text(doc) if doc is not None else ""
        if doc is not None and doc["updated"] is None and not doc["problem"] and doc["digest"]:
            note = "checking whether its tag has moved…" if doc["same_registry"] else ""
        self.form.setRowVisible(self.base_note, bool(note))
        self.base_note.setText(note[:1].upper() + note[1:])
        if doc is None:
            return
        self.base.setText(doc["text"])
        self.base.setToolTip("\n".join(filter(None, (doc["name"], doc["digest"]))))
        self.open.setEnabled(self._reference(current=False) is not None)
        self.open_current.setVisible(bool(doc["updated"]))
        unchecked = doc["updated"] is None and not doc["problem"] and not doc["same_registry"]
        self.check.setVisible(unchecked and bool(doc["digest"]) and doc["registry"] is not None)
        self._colour()

    def _reference(self, *, current: bool) -> Reference | None:
        doc = self._base
        if doc is None or not doc["name"]:
            return None
        try:
            ref = parse_reference(doc["name"])
        except InvalidReference:
            return None
        if not current and doc["digest"] and not ref.digest:
            return ref.with_digest(doc["digest"])
        return ref

    def _open(self, *, current: bool) -> None:
        ref = self._reference(current=current)
        if ref is not None:
            self.open_reference.emit(ref)
