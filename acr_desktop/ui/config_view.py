"""The image config: what runs (user, env, entrypoint, cmd, ports, labels) and how it was built."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.image_config import ImageConfig
from acr_desktop.text import format_time, plural
from acr_desktop.ui.models import HistoryModel
from acr_desktop.ui.plain import plain, tooltip
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection


def _field() -> QLabel:
    label = plain(QLabel())  # the image's own text
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _argv(value: tuple[str, ...] | None) -> str:
    return "—" if value is None else shlex.join(value) or "(empty)"


class ConfigView(QScrollArea):
    """The config's fields, scrolling when the tab is short (it never sets the window's height)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inside = QWidget()
        self.setWidget(inside)
        top = QWidget()
        form = QFormLayout(top)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields: dict[str, QLabel] = {}
        for name in ("Created", "Platform", "User", "Working dir", "Entrypoint", "Cmd", "Ports"):
            self.fields[name] = _field()
            form.addRow(name, self.fields[name])
        self.env = QPlainTextEdit(readOnly=True)
        self.env.setMaximumHeight(160)
        self.env.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.labels = QPlainTextEdit(readOnly=True)
        self.labels.setMaximumHeight(160)
        self.labels.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        form.addRow("Env", self.env)
        form.addRow("Labels", self.labels)
        layout = QVBoxLayout(inside)
        layout.addWidget(top)
        self.none_label = QLabel("No image config for this manifest.")
        self.none_label.setWordWrap(True)  # never the reason the window is wide
        layout.addWidget(self.none_label)
        layout.addStretch(1)
        self.form_widget = top
        self.show_config(None)

    def show_config(self, config: ImageConfig | None, ins: Inspection | None = None) -> None:
        """`config`'s fields; without one, why not (from `ins`: missing, schema 1 …)."""
        self.form_widget.setVisible(config is not None)
        self.none_label.setVisible(config is None)
        if config is None:
            self.none_label.setText(_why_no_config(ins))
            return
        f = self.fields
        local, utc = format_time(config.created)
        f["Created"].setText(local)
        f["Created"].setToolTip(tooltip(utc))
        f["Platform"].setText(config.platform or "—")
        f["User"].setText(config.user or "root (not set)")
        f["Working dir"].setText(config.working_dir or "/ (not set)")
        f["Entrypoint"].setText(_argv(config.entrypoint))
        f["Cmd"].setText(_argv(config.cmd))
        f["Ports"].setText(", ".join(config.exposed_ports) or "—")
        self.env.setPlainText("\n".join(config.env))
        self.labels.setPlainText("\n".join(f"{k}={v}" for k, v in config.labels.items()))


def _why_no_config(ins: Inspection | None) -> str:
    from acr_desktop.ui.insp_words import MISSING_CONFIG

    if ins is not None and ins.missing_config is not None:
        digest = ins.image_manifest.config.digest if ins.image_manifest else ""
        return (
            f"⚠ No config shown: {MISSING_CONFIG} ({digest}).\n"
            "The manifest and its layers were fetched and verified."
        )
    if ins is not None and ins.schema1 is not None:
        return "Docker schema 1 has no image config: its history (History tab) is all there is."
    return "No image config for this manifest."


class HistoryView(QWidget):
    """The build history, each step next to the layer it made (empty steps marked)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel(self)
        self.table = RowTable(self.model)
        self.table.setObjectName("history")
        self.table.copy_actions = [
            ("Copy command", lambda rows: [r.created_by for r in rows])  # type: ignore[attr-defined]
        ]
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.note = plain(QLabel())
        self.note.setWordWrap(True)  # never the reason the window is wide
        self.note.setObjectName("history-note")
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)

    def show_config(self, config: ImageConfig | None) -> None:
        steps = config.history if config else ()
        self.model.set_rows(steps)
        empty = sum(1 for s in steps if s.empty_layer)
        self.note.setText(
            f"{plural(len(steps), 'build step')}; {len(steps) - empty} made a layer, "
            f"{empty} changed only the config (shown as empty)."
            if config
            else "No build history for this manifest."
        )
        # Widths from the font, not from every row's contents (cheaper, and steady).
        metrics = self.fontMetrics()
        for column, sample in enumerate(("Step 00", "Layer #00", "2024-01-02 03:04")):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)

    def show_kind(self, ins: Inspection, note: str | None) -> None:
        """What only the kind of content says: schema 1's history (its v1Compatibility steps),
        or why there is none (a missing config)."""
        from acr_desktop.ui.insp_words import schema1_history

        if ins.schema1 is not None:
            self.model.set_rows(schema1_history(ins.schema1))
        if note is not None:
            self.note.setText(note)
