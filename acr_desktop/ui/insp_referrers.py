"""The Referrers tab: what refers to the manifests on show (signatures, SBOMs, attestations) —
for an index with a platform chosen, to the index AND to the platform's image, each row
labelled with the subject it refers to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import Reference
from acr_desktop.text import format_size, format_time, plural, short_digest
from acr_desktop.ui.models import SORT_ROLE, RowsModel
from acr_desktop.ui.plain import plain
from acr_desktop.ui.tables import RowTable

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class ReferrerRow:
    """A manifest that refers to `subject` (what it describes: "index", "linux/arm64")."""

    subject: str
    descriptor: Descriptor

    @property
    def digest(self) -> str:
        return self.descriptor.digest


class ReferrersModel(RowsModel[ReferrerRow]):
    """Manifests that refer to the ones shown: signatures, SBOMs, attestations."""

    COL_KIND, COL_SUBJECT, COL_DIGEST, COL_SIZE, COL_CREATED = range(5)
    HEADERS = ("What", "Refers to", "Digest", "Size", "Created")

    def cell(self, number: int, row: ReferrerRow, column: int, role: int) -> Any:
        d = row.descriptor
        kind = d.artifact_type or d.media_type
        local, utc = format_time(d.annotations.get("org.opencontainers.image.created"))
        values = (mt.plain_name(kind), row.subject, d.digest, format_size(d.size), local)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[column]
        if role == SORT_ROLE:
            return d.size if column == self.COL_SIZE else values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return {self.COL_KIND: kind, self.COL_DIGEST: d.digest, self.COL_CREATED: utc}.get(
                column
            ) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SIZE:
            return RIGHT
        return None


Subject = tuple[str, Reference]  # ("index" / "linux/arm64" / "this manifest", by digest)


class ReferrersPanel(QWidget):
    """Signals:
    wanted(object): look up what refers to this Reference (with digest); one per subject.
    open_digest(str): the person opened a referrer (double-click or Enter).
    """

    wanted = Signal(object)
    open_digest = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReferrersModel(self)
        self.table = RowTable(self.model)
        self.table.setObjectName("referrers")
        self.table.elastic_column = ReferrersModel.COL_DIGEST
        self.table.copy_actions = [
            ("Copy digest", lambda rows: [r.digest for r in rows]),  # type: ignore[attr-defined]
        ]
        self.table.activated.connect(self._activated)
        self.status = plain(QLabel())  # may hold a server's error text
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        self._subjects: dict[str, str] = {}  # digest -> its label, for what is on show
        self._found: dict[str, tuple[tuple[Descriptor, ...], str]] = {}  # digest -> (found, via)
        self._errors: dict[str, str] = {}

    def clear(self) -> None:
        """A new inspection: forget the subjects; answers still on their way are dropped."""
        self._subjects, self._found, self._errors = {}, {}, {}
        self.model.set_rows([])
        self.status.setText("")

    def look_up(self, subjects: list[Subject]) -> None:
        """Ask (once per inspection) what refers to each subject."""
        wanted = {ref.digest: label for label, ref in subjects if ref.digest}
        if wanted == self._subjects:
            return
        self.clear()
        self._subjects = wanted
        self.status.setText("Looking for signatures, SBOMs and attestations…")
        for _label, ref in subjects:
            if ref.digest:
                self.wanted.emit(ref)

    def show_referrers(self, digest: str, descriptors: tuple[Descriptor, ...], via: str) -> None:
        if digest in self._subjects:  # else an answer for a manifest no longer shown
            self._found[digest] = (descriptors, via)
            self._refresh()

    def show_error(self, digest: str, text: str) -> None:
        if digest in self._subjects:
            self._errors[digest] = text
            self._refresh()

    def _refresh(self) -> None:
        rows = [
            ReferrerRow(label, d)
            for digest, label in self._subjects.items()
            for d in self._found.get(digest, ((), ""))[0]
        ]
        self.model.set_rows(rows)
        self.table.fit_columns()
        lines = [self._line(digest, label) for digest, label in self._subjects.items()]
        if rows:
            lines.append("Double-click one to open it.")
        self.status.setText("\n".join(lines))

    def _line(self, digest: str, label: str) -> str:
        what = f"{label} ({short_digest(digest)}…)"
        if digest in self._errors:
            return f"{what}: {self._errors[digest]}"
        if digest not in self._found:
            return f"{what}: still looking…"
        found, via = self._found[digest]
        if not found:
            return (
                f"Nothing refers to {what} (no signatures, SBOMs or attestations; "
                f"looked via {via})."
            )
        return f"{plural(len(found), 'referrer')} of {what} (found via {via})."

    def _activated(self) -> None:
        row = self.table.current_object()
        if isinstance(row, ReferrerRow):
            self.open_digest.emit(row.digest)
