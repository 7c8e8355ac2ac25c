"""The detail pane under the Referrers tab's tree: what the selected referrer says — a
signature's claims (present, not verified), a provenance document (builder, source, commit,
times, build parameters, materials) or any other artifact's fields.

Everything here came from a registry: plain text only, control and bidi characters by name,
each value selectable, and a long unbroken value (a 400-character builder id) wrapped anywhere
rather than widening the window."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.provenance import Provenance
from acr_desktop.registry.signatures import SignatureClaims
from acr_desktop.text import format_time
from acr_desktop.ui import colours
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.models import EMPTY, SORT_ROLE, RowsModel
from acr_desktop.ui.plain import (
    TOOLTIP_CHARS,
    list_entry,
    one_line,
    plain,
    plain_label,
    tooltip,
    visible,
)
from acr_desktop.ui.tables import RowTable
from acr_desktop.ui.theme import on_scheme_change

NOTHING = "Select a signature, SBOM or provenance to see what it says."
NOT_VERIFIED_BADGE = (
    "Present, not verified: the app reads what the signature claims and checks nothing "
    "(no trust root)."
)
FORMATS = {"cosign": "cosign", "sigstore-bundle": "Sigstore bundle", "notation": "Notation"}
SIGNED_AT_TIP = (
    "When it was signed, as the signature claims it: a Rekor or TSA time, or the signer's clock. "
    "Nothing checks it."
)
BREAK = "\u200b"  # zero-width space: where a long unbroken value may wrap (never copied)
RUN = 20  # characters of an unbroken value between two places where it may wrap
URI_CHARS = 48  # a material's URI column asks for at most about this many characters
KEEP = 500  # characters kept at each end of a value shown (list_entry)
NAME_CHARS = 28  # a field's name (a build argument's) longer than this is cut in the middle
_LONG_WORD = re.compile(rf"\S{{{RUN + 1},}}")
_AFTER = frozenset("/.-_:@?&=+,;#")  # a long value wraps after these when it can


def breakable(text: str) -> str:
    """`text` with a zero-width space where a long unbroken run (a URL, a digest) may wrap:
    after its punctuation, at most every RUN characters. Short words are left alone."""
    return _LONG_WORD.sub(lambda m: _break_word(m.group()), text)


def _break_word(word: str) -> str:
    out: list[str] = []
    run = 0
    for ch in word:
        out.append(ch)
        run += 1
        if run >= RUN or (ch in _AFTER and run >= 6):
            out.append(BREAK)
            run = 0
    return "".join(out)


def _name(text: str) -> str:
    """A field's name, one line and short: a long build argument's cannot widen the form."""
    line = one_line(text)
    half = NAME_CHARS // 2
    return line if len(line) <= NAME_CHARS else f"{line[:half]}…{line[-half:]}"


def _paragraph(text: str) -> str:
    """A sentence from a server (an error, a notice): line breaks kept, bounded."""
    if len(text) > TOOLTIP_CHARS:
        text = f"{text[:TOOLTIP_CHARS]}… ({len(text) - TOOLTIP_CHARS:,} more characters)"
    return visible(text)


class ValueLabel(QLabel):
    """A value from a registry: plain text, selectable with the mouse, wrapped (anywhere in a
    long unbroken value). Ctrl+C and the menu's Copy copy the selection without the wrap
    points; "Copy all" copies the value as it came.

    Signals:
    copied(str): the text put on the clipboard.
    """

    copied = Signal(str)

    def __init__(self, value: str, *, paragraph: bool = False) -> None:
        super().__init__()
        plain(self)
        self.value = value
        self.setText(breakable(_paragraph(value) if paragraph else list_entry(value, KEEP)))
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # its height follows the width it gets
        self.setSizePolicy(policy)

    def sizeHint(self) -> QSize:
        """The height from height-for-width alone (as form_parts.WrappedLabel): QLabel's own
        hint guesses a narrow width, and a form then leaves empty lines under the value."""
        return QSize(super().sizeHint().width(), self.minimumSizeHint().height())

    def shown(self) -> str:
        """What is drawn, without the wrap points."""
        return self.text().replace(BREAK, "")

    def _copy(self, text: str) -> None:
        if text:
            copy_text(text)
            self.copied.emit(text)

    def copy_selection(self) -> None:
        self._copy(self.selectedText().replace(BREAK, ""))

    def copy_all(self) -> None:
        self._copy(self.value)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.hasSelectedText():
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        selection = menu.addAction("Copy")
        selection.setEnabled(self.hasSelectedText())
        selection.triggered.connect(self.copy_selection)
        menu.addAction("Copy all").triggered.connect(self.copy_all)
        menu.exec(event.globalPos())


def _bold(label: QLabel, scale: float) -> QLabel:
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


Material = tuple[str, str]  # (uri, digest)


class MaterialsModel(RowsModel[Material]):
    """A provenance document's materials: what the build read, with digests."""

    COL_URI, COL_DIGEST = range(2)
    HEADERS = ("URI", "Digest")

    def cell(self, number: int, row: Material, column: int, role: int) -> Any:
        value = row[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return value or EMPTY
        return value if role in (SORT_ROLE, Qt.ItemDataRole.ToolTipRole) else None


def _rows_as(render: Callable[[tuple[str, ...]], str]) -> Callable[[list[object]], list[str]]:
    return lambda rows: [render(r) for r in rows if isinstance(r, tuple)]


class DetailsPane(QWidget):
    """What the referrer selected in the tree says. One `show_*` at a time; each replaces what
    was shown.

    Signals:
    copied(str): a value, digest or materials were put on the clipboard (for the status line).
    """

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.materials_model = MaterialsModel(self)
        self.materials = RowTable(self.materials_model)
        self.materials.setObjectName("materials")
        self.materials.elastic_column = MaterialsModel.COL_URI
        self.materials.copy_actions = [
            ("Copy digest", _rows_as(lambda r: r[1])),
            ("Copy URI", _rows_as(lambda r: r[0])),
            ("Copy URI and digest", _rows_as(lambda r: f"{r[0]} {r[1]}".strip())),
        ]
        self.materials.copied.connect(self.copied)
        self.materials_title = plain(QLabel())
        self.materials_box = QWidget()
        box = QVBoxLayout(self.materials_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.materials_title)
        box.addWidget(self.materials)
        self.materials_box.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)  # the form above, materials below
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.area)
        self.splitter.addWidget(self.materials_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.body, self.form = QWidget(), QFormLayout()
        self._fields: dict[str, ValueLabel] = {}
        self._warned: list[tuple[QLabel, bool]] = []  # (label, badge): recoloured on a flip
        on_scheme_change(self, self._recolour)
        self.show_nothing(NOTHING)

    # -- what is shown -----------------------------------------------------------------------
    def show_nothing(self, text: str) -> None:
        """A grey hint (nothing selected, or nothing to say)."""
        layout = self._start()
        layout.addWidget(self._hint(text))
        layout.addStretch(1)

    def show_loading(self, text: str) -> None:
        """ "Reading the signature…" while a job reads it."""
        self.show_nothing(text)

    def show_problem(self, text: str) -> None:
        """A sentence in the warning colour: what could not be read (a server's text: plain)."""
        layout = self._start()
        layout.addWidget(self._warning(ValueLabel(text, paragraph=True)))
        layout.addStretch(1)

    def show_signature(self, claims: SignatureClaims) -> None:
        """What a signature claims, under the "present, not verified" badge."""
        fmt = FORMATS.get(claims.format, list_entry(claims.format, 40))
        layout = self._start()
        layout.addWidget(_bold(ValueLabel(f"{fmt} signature"), 1.15))
        layout.addWidget(self._warning(ValueLabel(NOT_VERIFIED_BADGE), badge=True))
        layout.addLayout(self._new_form())
        self._row("Format", fmt)
        self._row("Signed by", claims.subject)
        self._row("Issuer", claims.issuer)
        self._row("Signed at (as claimed)", claims.signed_at, tip=SIGNED_AT_TIP)
        self._row("Transparency log", claims.transparency_log)
        self._row("Signed digest", claims.signed_digest, copy="signed digest")
        if claims.notes:
            notes = "\n".join(list_entry(n, KEEP) for n in claims.notes)
            self._row("Notes", notes, paragraph=True)
        layout.addStretch(1)
        self._chain()

    def show_provenance(self, prov: Provenance) -> None:
        """Who built it, from what source and commit, when, with which parameters; its
        materials in a table below."""
        layout = self._start()
        layout.addWidget(_bold(ValueLabel(prov.label), 1.15))
        if prov.notice:
            layout.addWidget(self._warning(ValueLabel(prov.notice, paragraph=True)))
        layout.addLayout(self._new_form())
        self._row("Builder", prov.builder)
        self._row("Source", prov.source_repo)
        self._row("Commit", prov.source_commit, copy="commit")
        for name, value in (("Started", prov.started), ("Finished", prov.finished)):
            local, utc = format_time(value)
            self._row(name, local if value else None, tip=utc)
        self._row("Predicate type", prov.predicate)
        if prov.parameters:
            self.form.addRow(_bold(plain_label("Build parameters", selectable=True), 1.0))
            for key, value in prov.parameters:
                self._row(key, value)
        if not prov.materials:
            self._row("Materials", "none listed")
        layout.addStretch(1)
        if prov.materials:
            self.materials_title.setText(f"Materials ({len(prov.materials):,})")
            self.materials_title.setToolTip("What the build read (sources, base images), "
                                            "as the provenance lists them.")  # fmt: skip
            self.materials_model.set_rows(prov.materials)
            self.materials.fit_columns()  # then a long URI gives the digest room
            header = self.materials.horizontalHeader()
            uri = min(header.sectionSize(0), self.fontMetrics().averageCharWidth() * URI_CHARS)
            self.materials.fit_columns([uri, header.sectionSize(1)])
            self.materials_box.show()
            self.splitter.setSizes([1000, 1000])  # half each, whatever the pane's height
        self._chain()

    def show_node(self, title: str, rows: list[tuple[str, str]]) -> None:
        """Any other kind: a title and its fields ("Artifact type", "Digest", "Annotations")."""
        layout = self._start()
        layout.addWidget(_bold(ValueLabel(title), 1.15))
        layout.addLayout(self._new_form())
        for name, value in rows:
            self._row(name, value, copy=name.lower() if "digest" in name.lower() else None)
        layout.addStretch(1)
        self._chain()

    # -- parts -------------------------------------------------------------------------------
    def _start(self) -> QVBoxLayout:
        """A new body (the old one and its widgets go)."""
        self.materials_box.hide()
        self.materials_model.set_rows([])
        self._warned = []
        self._fields = {}
        self.body = QWidget()
        layout = QVBoxLayout(self.body)
        self.area.setWidget(self.body)  # deletes the body shown before
        return layout

    def _new_form(self) -> QFormLayout:
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return self.form

    def _row(self, name: str, value: str | None, *, tip: str = "", copy: str | None = None,
             paragraph: bool = False) -> None:  # fmt: skip
        """One field: a plain name, the value (or "—") selectable, and a Copy button when
        `copy` names what it copies and there is a value."""
        label = plain_label(f"{_name(name)}:", selectable=True)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setToolTip(tooltip(name) if len(name) > NAME_CHARS else "")
        shown = ValueLabel(value or EMPTY, paragraph=paragraph)
        self._fields[name] = shown
        shown.copied.connect(self.copied)
        if tip:
            shown.setToolTip(tooltip(tip))
        if not copy or not value:
            self.form.addRow(label, shown)
            return
        button = QToolButton()
        button.setText("Copy")
        button.setToolTip(f"Copy the {copy}")
        button.setAccessibleName(f"Copy the {copy}")
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.clicked.connect(shown.copy_all)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(shown, 1)
        line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.form.addRow(label, line)

    def _chain(self) -> None:
        """The Copy buttons next in the Tab order after the form's scroll area: made after the
        window's other widgets, Qt would put them last of all, past the status bar."""
        previous: QWidget = self.area
        for button in self.body.findChildren(QToolButton):
            QWidget.setTabOrder(previous, button)
            previous = button

    def _hint(self, text: str) -> QLabel:
        hint = plain(QLabel(_paragraph(text)))
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return hint

    def _warning(self, label: ValueLabel, *, badge: bool = False) -> QLabel:
        label.copied.connect(self.copied)
        self._warned.append((label, badge))
        self._colour(label, badge)
        return label

    def _colour(self, label: QLabel, badge: bool) -> None:
        colour = colours.warning()
        style = f"color: {colour};"
        if badge:
            style += (f" border: 1px solid {colour}; border-radius: 4px; padding: 4px 6px;"
                      " font-weight: bold;")  # fmt: skip
        label.setStyleSheet(style)

    def _recolour(self) -> None:
        for label, badge in self._warned:
            self._colour(label, badge)

    def fields(self) -> dict[str, str]:
        """The form's rows on show: name -> value as drawn (for tests and the lead)."""
        return {name: value.shown() for name, value in self._fields.items()}
