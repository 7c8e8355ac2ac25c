"""A crash is a dialog: the window that shows an uncaught exception's details (secrets
redacted), copyable, with where the log is. `exception_hooks` decides when to show it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.desktop import show_log_folder
from acr_desktop.ui.plain import plain


class CrashDialog(QDialog):
    """The details of one or more uncaught exceptions, a Copy button and the log folder."""

    def __init__(self, details: str, log_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ACR Desktop: something went wrong")
        self.setMinimumSize(640, 420)
        headline = QLabel(
            "<b>ACR Desktop ran into a problem it did not expect.</b><br>"
            "You can keep working, but what you were doing may not have finished. "
            "If it happens again, please copy the details below into a bug report; "
            "passwords and tokens have been removed from them."
        )
        headline.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        where = f"The log is in {log_path}" if log_path else "No log file could be written."
        self.log_label = plain(QLabel(where))
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.folder_button = QPushButton("Show log folder")
        self.folder_button.setEnabled(log_path is not None)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button.clicked.connect(show_log_folder)

        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.log_label)
        layout.addWidget(buttons)

    def add_details(self, details: str) -> None:
        """Another exception while this dialog is open: appended, not a second dialog."""
        self.details.appendPlainText(f"\n{'-' * 60}\n{details}")

    def copy_details(self) -> None:
        copy_text(self.details.toPlainText())
