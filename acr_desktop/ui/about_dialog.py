"""Help ▸ About: the version, what it runs on (Python, Qt, PySide6), the keyring in use and the
log folder, with a button to copy it all for a bug report."""

from __future__ import annotations

import html
import platform
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop import __version__
from acr_desktop.logs import log_dir
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.desktop import app_icon, show_log_folder
from acr_desktop.ui.plain import plain

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore

ICON_SIZE = 64
DESCRIPTION = (
    "Look inside container images in Azure Container Registry and any OCI / Docker registry: "
    "manifests, platforms, layers, config and history."
)


def keyring_description(store: CredentialStore | None) -> str:
    """The keyring backend in use, in words. Imports keyring (only now, not at start-up)."""
    from acr_desktop.credentials import NO_KEYRING_NAME, CredentialStore

    try:
        name = (store or CredentialStore()).backend_name()
    except Exception as exc:  # a broken backend must not stop the About box from opening
        return f"unknown ({type(exc).__name__})"
    if name == NO_KEYRING_NAME:
        return "none found: sign-ins are kept for this session only"
    return name


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, store: CredentialStore | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About ACR Desktop")
        self.facts = {
            "Version": __version__,
            "Python": f"{platform.python_version()} ({platform.python_implementation()})",
            "Qt": qVersion(),
            "PySide6": pyside_version,
            "Platform": f"{platform.platform()} ({QGuiApplication.platformName()})",
            "Keyring": keyring_description(store),
            "Log folder": str(log_dir()),
        }

        self.icon = QLabel()
        self.icon.setPixmap(app_icon().pixmap(ICON_SIZE, ICON_SIZE))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(
            f"<h2>ACR Desktop {html.escape(__version__)}</h2><p>{html.escape(DESCRIPTION)}</p>"
        )
        title.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self.icon)
        header.addWidget(title, 1)

        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for key, value in self.facts.items():
            label = plain(QLabel(value))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.values[key] = label
            form.addRow(f"{key}:", label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy these details, e.g. for a bug report")
        self.folder_button = QPushButton("Show log folder")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button.clicked.connect(show_log_folder)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def details_text(self) -> str:
        return "\n".join(f"{key}: {value}" for key, value in self.facts.items())

    def copy_details(self) -> None:
        copy_text(self.details_text())
