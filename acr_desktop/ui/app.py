"""Start the Qt application and show the main window."""

from __future__ import annotations

import sys

from acr_desktop import __version__


def run(reference: str | None, qt_args: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("ACR Desktop")
    app.setOrganizationName("ACR Desktop")
    app.setOrganizationDomain("acr-desktop.example.org")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.example.AcrDesktop")

    from acr_desktop.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if reference:
        window.reference_bar.setText(reference)
        window.inspect_text(reference)
    return app.exec()
