"""The summary at the top of an inspection: reference, verified digest, type, size, created."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from acr_desktop.copy_formats import COPY_FORMATS, render
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import ImageIndex, ImageManifest
from acr_desktop.registry.schema1 import Schema1Manifest
from acr_desktop.text import format_size, format_time, plural
from acr_desktop.ui import colours
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.plain import plain, tooltip
from acr_desktop.ui.theme import on_scheme_change

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import FetchedManifest


def _selectable(label: QLabel) -> QLabel:
    plain(label)  # references, digests and media types come from a registry or a person
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


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
        layout = QHBoxLayout(self)
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
                "Computed from the exact bytes received; the registry sent no digest to compare."
            )

    def copy_as(self, kind: str) -> None:
        """Put `kind` (a copy_formats.COPY_FORMATS kind) of this manifest on the clipboard."""
        if self.fetched is not None:
            text = render(kind, self.fetched.reference, self.fetched.digest)
            copy_text(text)
            self.copied.emit(text)


class SummaryPanel(QWidget):
    copied = Signal(str)

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
        bold = self.reference.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.reference.setFont(bold)
        self.digest = DigestLine()
        self.digest.copied.connect(self.copied)
        self.platform_digest = DigestLine()
        self.platform_digest.copied.connect(self.copied)
        self.kind = ElidedLabel()  # an artifact type is a server's text, of any length
        self.kind.copied.connect(self.copied)
        self.size_label = _selectable(QLabel())
        self.created = _selectable(QLabel())
        self.aliases = _selectable(QLabel())
        self.aliases.setWordWrap(True)  # many tags wrap rather than widen the window
        self.warnings = plain(QLabel())
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(f"color: {colours.warning()};")
        on_scheme_change(
            self.warnings, lambda: self.warnings.setStyleSheet(f"color: {colours.warning()};")
        )
        form.addRow("Reference", self.reference)
        form.addRow("Digest", self.digest)
        form.addRow("Type", self.kind)
        form.addRow("Platform digest", self.platform_digest)
        form.addRow("Size", self.size_label)
        form.addRow("Created", self.created)
        form.addRow("Also tagged", self.aliases)
        form.addRow("", self.warnings)
        self.form = form
        form.setRowVisible(self.aliases, False)

    def show_aliases(self, tags: list[str] | None) -> None:
        """Every tag of this digest (ACR only); None hides the row."""
        self.form.setRowVisible(self.aliases, tags is not None)
        if tags is not None:
            self.aliases.setText(", ".join(tags) or "—")

    def show_inspection(self, ins: Inspection) -> None:
        top = ins.top
        self.reference.setText(str(ins.reference))
        self.digest.show_manifest(top)
        self.kind.setText(_describe_kind(top))
        platform_shown = ins.index is not None and ins.image is not None
        self.form.setRowVisible(self.platform_digest, platform_shown)
        if platform_shown and ins.image is not None and ins.platform_entry is not None:
            self.platform_digest.show_manifest(ins.image)
            label = self.form.labelForField(self.platform_digest)
            if isinstance(label, QLabel):
                plain(label).setText(f"{ins.platform_entry.platform or 'Entry'} digest")
        image = ins.image_manifest
        if image is not None:
            self.size_label.setText(
                f"{format_size(image.layers_size)} compressed in "
                f"{plural(len(image.layers), 'layer')} ({image.layers_size:,} bytes)"
            )
        elif ins.index is not None:
            self.size_label.setText(_count_entries(ins.index) or "no entries")
        else:
            self.size_label.setText(f"{plural(len(top.raw), 'byte')} of manifest")
        config = ins.config.config if ins.config else None
        local, utc = format_time(config.created if config else None)
        if config and config.platform:
            local += f"  ·  {config.platform}"
        self.created.setText(local)
        self.created.setToolTip(tooltip(utc))
        warnings = list(top.warnings) + (list(ins.image.warnings) if ins.image else [])
        warnings = list(dict.fromkeys(warnings))
        self.warnings.setVisible(bool(warnings))
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))


def _count_entries(index: ImageIndex) -> str:
    """Like "9 platforms, 2 attestations"; entries without a platform (a referrers fallback index)
    are "entries", not platforms. One pass: an index may hold 20,000 entries."""
    platforms = others = attestations = 0
    for d in index.manifests:
        if d.is_attestation:
            attestations += 1
        elif d.platform is None:
            others += 1
        else:
            platforms += 1
    parts = [plural(platforms, "platform")] if platforms else []
    if others:
        other = "other " if platforms else ""
        parts.append(plural(others, f"{other}entry", f"{other}entries"))
    if attestations:
        parts.append(plural(attestations, "attestation"))
    return ", ".join(parts)


def _describe_kind(fetched: FetchedManifest) -> str:
    m = fetched.manifest
    name = mt.plain_name(fetched.media_type)
    if isinstance(m, ImageIndex):
        counted = _count_entries(m)
        return f"{name} — {counted}" if counted else f"{name} — no entries"
    if isinstance(m, ImageManifest) and m.artifact_type:
        return f"{name} — artifact: {mt.plain_name(m.artifact_type)}"
    if isinstance(m, Schema1Manifest):
        return name + " — shown read-only"
    return name
