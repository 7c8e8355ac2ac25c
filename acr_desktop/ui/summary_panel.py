"""The summary at the top of an inspection: reference, verified digest, type, the entry chosen
(or missing), size, created, subject and annotations, and notes (a deprecated format, a platform
chosen by fallback, a missing part)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from acr_desktop.copy_formats import COPY_FORMATS, render
from acr_desktop.index_entries import count_entries
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import ImageIndex, ImageManifest
from acr_desktop.registry.schema1 import Schema1Manifest
from acr_desktop.ui import colours
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.insp_received import entry_problem, unreadable
from acr_desktop.ui.insp_summary import (
    SIZE_TIP,
    SubjectLine,
    annotations_text,
    created_text,
    entry_field_label,
    notes_lines,
    save_report,
    size_text,
)
from acr_desktop.ui.plain import plain, tooltip
from acr_desktop.ui.supply_summary import SupplyRows
from acr_desktop.ui.theme import on_scheme_change

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import FetchedManifest
    from acr_desktop.sizes import IndexSizes


def _selectable(label: QLabel) -> QLabel:
    plain(label)  # references, digests and media types come from a registry or a person
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _wrapped(tip: str) -> QLabel:
    label = _selectable(QLabel())
    label.setWordWrap(True)
    label.setToolTip(tip)
    return label


def _bold(label: QWidget) -> None:
    bold = label.font()
    bold.setBold(True)
    bold.setPointSizeF(bold.pointSizeF() * 1.15)
    label.setFont(bold)


class CopyButton(QToolButton):
    """The "Copy" button (the digest) with its ▾ menu of other forms, from the keyboard: Tab to
    it, Space copies the digest, Down / Alt+Down / F4 / the Menu key open the menu."""

    MENU_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_F4, Qt.Key.Key_Menu)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Copy")
        self.setToolTip("Copy the digest; Down or Alt+Down for the other forms")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in self.MENU_KEYS and self.menu() is not None:
            self.showMenu()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, _event: QContextMenuEvent) -> None:
        if self.menu() is not None:
            self.showMenu()


class DigestLine(QWidget):
    """A digest, its verification mark, and a Copy button with the pinned forms."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.digest = ElidedLabel()
        self.digest.setObjectName("digest")
        self.digest.copied.connect(self.copied)
        font = self.digest.font()
        font.setFamily("monospace")
        self.digest.setFont(font)
        self.mark = QLabel()
        self.copy = CopyButton()
        self.copy.clicked.connect(lambda: self.copy_as("digest"))
        self.menu = QMenu(self.copy)
        for kind, label in COPY_FORMATS:
            action = self.menu.addAction(label)
            action.triggered.connect(lambda _=False, k=kind: self.copy_as(k))
        self.copy.setMenu(self.menu)
        layout.addWidget(self.digest, 1)
        layout.addWidget(self.mark)
        layout.addWidget(self.copy)
        self.fetched: FetchedManifest | None = None
        on_scheme_change(self, self._redraw)

    def _redraw(self) -> None:
        if self.fetched is not None:
            self.show_manifest(self.fetched)  # the mark, in the new scheme's colours

    def show_manifest(self, fetched: FetchedManifest) -> None:
        self.fetched = fetched
        self.copy.setEnabled(True)
        self.digest.setText(fetched.digest)
        if fetched.header_mismatch:
            self.mark.setText(
                f"<span style='color:{colours.warning()}'>⚠ registry digest differs</span>"
            )
            self.mark.setToolTip(
                tooltip(
                    f"Docker-Content-Digest said {fetched.header_digest}; the digest shown is "
                    "computed from the bytes received."
                )
            )
        elif fetched.verified:
            self.mark.setText(f"<span style='color:{colours.ok()}'>✔ verified</span>")
            self.mark.setToolTip(
                tooltip(
                    f"Computed from the exact bytes received; matches the {fetched.verified_by}."
                )
            )
        else:
            self.mark.setText("computed")
            self.mark.setToolTip(
                "Computed from the exact bytes received; they cannot be read, so nothing was "
                "compared with it."
                if unreadable(fetched)
                else "Computed from the exact bytes received; the registry sent no digest to "
                "compare."
            )

    def show_missing(self, digest: str, *, unreadable: bool = False) -> None:
        """An entry the index lists but the registry does not have (or sent `unreadable`):
        its digest, flagged."""
        self.fetched = None
        self.digest.setText(digest)
        what = "cannot be read" if unreadable else "missing from the registry"
        self.mark.setText(f"<span style='color:{colours.warning()}'>⚠ {what}</span>")
        self.mark.setToolTip(
            "The index lists this digest; the registry sent a manifest for it that cannot be "
            "read (the note below says why)."
            if unreadable
            else "The index lists this digest; the registry has no manifest for it."
        )
        self.copy.setEnabled(False)

    def copy_as(self, kind: str) -> None:
        """Put `kind` (a copy_formats.COPY_FORMATS kind) of this manifest on the clipboard."""
        if self.fetched is not None:
            text = render(kind, self.fetched.reference, self.fetched.digest)
            copy_text(text)
            self.copied.emit(text)


class ReportButton(CopyButton):
    """ "Report ▾": the whole inspect as Markdown on the clipboard, or saved as JSON."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Report")
        self.setToolTip(
            "The whole inspect, for a ticket or a script: Copy as Markdown, Save as JSON…"
        )
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMenu(QMenu(self))
        self.markdown = self.menu().addAction("Copy as Markdown")
        self.markdown.setToolTip("The summary, platforms with their sizes, layers and notes")
        self.json = self.menu().addAction("Save as JSON…")
        self.json.setToolTip("The report `acr-desktop inspect --json` writes, with the sizes")


class SummaryPanel(QWidget):
    """Signals:
    copied(str): something was put on the clipboard.
    open_digest(str): the person opened the subject's digest.
    """

    copied = Signal(str)
    open_digest = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)  # six rows above the tables, on a screen 600 px high
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.reference = ElidedLabel()
        self.reference.setObjectName("reference")
        self.reference.copied.connect(self.copied)
        _bold(self.reference)
        self.digest = DigestLine()
        self.digest.copied.connect(self.copied)
        self.report = self._report_button()
        self.inspection: Inspection | None = None
        # The sizes known of an index's entries (set by the inspector), for the report.
        self.sizes_for: Callable[[FetchedManifest], IndexSizes | None] = lambda _index: None
        self.platform_digest = DigestLine()
        self.platform_digest.copied.connect(self.copied)
        self.kind = ElidedLabel()  # an artifact type is a server's text, of any length
        self.kind.copied.connect(self.copied)
        self.size_label = _wrapped(SIZE_TIP)  # "linux/arm64/v8: 28.1 MB (…) — the config and …"
        self.created = _selectable(QLabel())
        self.subject = SubjectLine()
        self.subject.open_digest.connect(self.open_digest)
        self.subject.digest.copied.connect(self.copied)
        self.annotations = ElidedLabel()
        self.annotations.setObjectName("annotations")
        self.annotations.copied.connect(self.copied)
        self.aliases = _selectable(QLabel())
        self.aliases.setWordWrap(True)  # many tags wrap rather than widen the window
        self.warnings = plain(QLabel())
        self.warnings.setWordWrap(True)
        self.warnings.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.warnings.setStyleSheet(f"color: {colours.warning()};")
        on_scheme_change(
            self.warnings, lambda: self.warnings.setStyleSheet(f"color: {colours.warning()};")
        )
        form.addRow("Reference", self.reference)
        form.addRow("Digest", self.digest)
        self.supply = SupplyRows(form, self)  # the supply chain, beside the type
        form.addRow("Type", self.supply.beside(self.kind))
        form.addRow("Platform digest", self.platform_digest)
        form.addRow("Size", self.size_label)
        form.addRow("Created", self.created)
        form.addRow("Subject", self.subject)
        form.addRow("Annotations", self.annotations)
        form.addRow("Also tagged", self.aliases)
        self.supply.add_rows()  # base image, end of life
        form.addRow("", self.warnings)
        self.form = form
        form.setRowVisible(self.aliases, False)

    def show_aliases(self, tags: list[str] | None) -> None:
        """Every tag of this digest (ACR only); None hides the row."""
        self.form.setRowVisible(self.aliases, tags is not None)
        if tags is not None:
            self.aliases.setText(", ".join(tags) or "—")

    def _report_button(self) -> ReportButton:
        """ "Report ▾" beside the digest's Copy ▾ button."""
        report = ReportButton()
        report.setObjectName("report")
        report.markdown.triggered.connect(self.copy_markdown)
        report.json.triggered.connect(self.save_json)
        self.digest.row.addWidget(report)
        return report

    def index_sizes(self) -> IndexSizes | None:
        """What is known of the sizes of the index inspected, for the report."""
        ins = self.inspection
        return self.sizes_for(ins.top) if ins is not None and ins.index is not None else None

    def copy_markdown(self) -> None:
        """The whole inspect as Markdown on the clipboard (with the sizes known so far)."""
        from acr_desktop.report_markdown import inspection_markdown

        if self.inspection is not None:
            text = inspection_markdown(self.inspection, self.index_sizes())
            copy_text(text)
            self.copied.emit(text)

    def save_json(self) -> str | None:
        """Ask where, then save the inspect report as JSON (with the sizes known so far); the
        sentence saying where (also on the window's status bar), None when nothing was saved."""
        if self.inspection is None:
            return None
        sentence = save_report(self.window(), self.inspection, self.index_sizes())
        window = self.window()
        if sentence is not None and isinstance(window, QMainWindow):
            window.statusBar().showMessage(sentence, 6000)
        return sentence

    def show_inspection(self, ins: Inspection) -> None:
        self.inspection = ins
        top = ins.top
        self.reference.setText(str(ins.reference))
        self.digest.show_manifest(top)
        self.kind.setText(_describe_kind(top))
        entry = ins.platform_entry
        self.form.setRowVisible(self.platform_digest, ins.index is not None and entry is not None)
        if entry is not None:
            if ins.image is not None:
                self.platform_digest.show_manifest(ins.image)
            else:
                self.platform_digest.show_missing(
                    entry.digest, unreadable=entry_problem(ins) == "unreadable"
                )
            label = self.form.labelForField(self.platform_digest)
            if isinstance(label, QLabel):
                plain(label).setText(entry_field_label(entry))
        which, size = size_text(ins)
        self.size_label.setText(size)
        label = self.form.labelForField(self.size_label)
        if isinstance(label, QLabel):
            label.setText(which)
        local, utc = created_text(ins)
        self.created.setText(local)
        self.created.setToolTip(tooltip(utc))
        manifest = top.manifest
        subject = manifest.subject if isinstance(manifest, ImageIndex | ImageManifest) else None
        self.form.setRowVisible(self.subject, subject is not None)
        self.subject.show_subject(subject)
        self.annotations.setText(annotations_text(manifest))
        self.supply.show_inspection(ins)
        lines = notes_lines(ins)
        self.warnings.setVisible(bool(lines))
        self.warnings.setText("\n".join(lines))


def _describe_kind(fetched: FetchedManifest) -> str:
    m = fetched.manifest
    name = mt.plain_name(fetched.media_type)
    if isinstance(m, ImageIndex):
        what = f" — artifact: {mt.plain_name(m.artifact_type)}" if m.artifact_type else ""
        return f"{name}{what} — {count_entries(m)}"
    if isinstance(m, ImageManifest) and m.artifact_type:
        return f"{name} — artifact: {mt.plain_name(m.artifact_type)}"
    if isinstance(m, Schema1Manifest):
        return name + " — deprecated, shown read-only"
    if unreadable(fetched):
        return name + " — cannot be read, shown as received"
    return name
