"""A file of a layer, previewed: text (its encoding found, long lines wrapped) or the hex view
of a binary's first bytes. Only the start of the file is read; Save file as… writes it whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.layer_entries import TarEntry
from acr_desktop.text import format_size, plural
from acr_desktop.ui import files_words as words
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.files_jobs import ImageFiles, Previewed
from acr_desktop.ui.files_models import safe_text
from acr_desktop.ui.messages import describe
from acr_desktop.ui.plain import list_entry, plain_label

if TYPE_CHECKING:
    from acr_desktop.registry.file_preview import Preview

TITLE_KEEP = 60  # characters kept at each end of a long name in the window title
Say = Callable[..., None]  # say(text) when done, say(text, False) while under way


def preview_words(preview: Preview, complete: bool) -> str:
    """ "Text (utf-8), 12.3 kB, all shown" / "Binary, 10.0 GB: the first 64.0 kB as hex"."""
    if preview.kind == "empty":
        return "An empty file."
    size = f"{format_size(preview.size)} ({preview.size:,} bytes)"
    if preview.kind == "binary":
        return f"Binary, {size}: the first {format_size(preview.shown)} as hex."
    words = f"Text ({preview.encoding or 'unknown encoding'}), {size}"
    if preview.truncated or not complete:
        words += f": the first {format_size(preview.shown)} shown"
    else:
        words += ", all shown"
    if preview.wrapped_lines:
        words += f"; {plural(preview.wrapped_lines, 'long line')} wrapped"
    return words + "."


class FilePreviewDialog(QDialog):
    """Signals:
    save_wanted(): the person pressed Save file as….
    """

    save_wanted = Signal()

    def __init__(self, entry: TarEntry, layer: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        path = safe_text(entry.path) or "/"
        self.setWindowTitle(
            f"{list_entry(safe_text(entry.name) or path, TITLE_KEEP)} — layer {layer + 1}"
        )
        self.path_label = ElidedLabel()  # one line; the whole path in its tooltip and Copy
        self.path_label.setObjectName("previewPath")
        self.path_label.setText(f"/{path}")
        self.info = plain_label(f"Reading {format_size(entry.size)}…", wrap=True)
        self.info.setObjectName("previewInfo")
        self.text = QPlainTextEdit()
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # long lines come wrapped
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton(
            "Save file as…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.clicked.connect(self.save_wanted)
        self.save_button.setEnabled(words.no_save(entry) is None)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        where = QHBoxLayout()
        where.addWidget(self.path_label, 1)
        where.addWidget(plain_label(f"in layer {layer + 1}"))
        layout.addLayout(where)
        layout.addWidget(self.info)
        layout.addWidget(self.text, 1)
        layout.addStretch()  # takes the room when there is no text to show (`show_error`)
        layout.addWidget(buttons)
        self.resize(900, 600)
        self.shown: Previewed | None = None

    def show_preview(self, previewed: Previewed) -> None:
        self.shown = previewed
        preview = previewed.preview
        self.info.setText(preview_words(preview, previewed.read.complete))
        body = previewed.hex if preview.kind == "binary" else preview.text
        self.text.setPlainText(safe_text(body))

    def show_error(self, text: str) -> None:
        self.info.setText(text)
        self.text.setVisible(False)


def _open(dialog: QDialog, answer: object = None, kind: type | None = None) -> bool:
    """`dialog` still exists (and `answer` is a `kind`, when given)."""
    return shiboken6.isValid(dialog) and (kind is None or isinstance(answer, kind))


class FileCommands:
    """Preview and Save file as… for one file of a layer (one preview open at a time);
    `say(text)` tells how a save ended, `say(text, False)` how it goes."""

    def __init__(self, parent: QWidget, files: ImageFiles, say: Say) -> None:
        self.parent, self.files, self.say = parent, files, say
        self.dialog: FilePreviewDialog | None = None

    def close(self) -> None:
        """Close the preview open (a closed one is deleted already)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.close()
        self.dialog = None

    def preview(self, layer: int, entry: TarEntry) -> FilePreviewDialog:
        """Open the preview of `entry` of layer `layer`; its first bytes are read now (and the
        read stops there)."""
        self.close()
        dialog = self.dialog = FilePreviewDialog(entry, layer, self.parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.save_wanted.connect(lambda: self.save_as(layer, entry))
        reason = words.no_preview(entry)
        job = self.files.preview(layer, entry.path) if reason is None else None
        if job is None:
            dialog.show_error(reason or "Nothing to preview: the image is no longer shown.")
        else:
            # Closed before the read ended: the read is cancelled, its answer dropped.
            dialog.finished.connect(lambda _result: job.cancel())
            job.returned.connect(
                lambda p: dialog.show_preview(p) if _open(dialog, p, Previewed) else None
            )
            job.errored.connect(
                lambda e: dialog.show_error(describe(e).text) if _open(dialog) else None
            )
        dialog.open()
        return dialog

    def save_as(self, layer: int, entry: TarEntry, destination: Path | None = None) -> None:
        """Write only `entry` (a regular file) of layer `layer` to `destination`, asked for
        (with a safe name) when None."""
        from acr_desktop.registry.file_preview import safe_file_name

        say = self.say
        reason = words.no_save(entry)
        if reason is not None:
            say(reason)
            return
        if destination is None:
            start = str(Path.home() / safe_file_name(entry.name))
            picked, _ = QFileDialog.getSaveFileName(self.parent, "Save file as", start)
            if not picked:
                return
            destination = Path(picked)
        job = self.files.save(layer, entry.path, destination)
        target = str(destination)
        say(f"Saving {words.quoted(entry.name)}…", False)
        job.progress.connect(lambda p: say(words.saving(*p), False))
        job.returned.connect(lambda n: say(f"Saved {plural(n, 'byte')} to {target}."))
        job.errored.connect(lambda exc: say(f"Not saved: {describe(exc).text}"))
