"""Start the Qt application and show the main window."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from acr_desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from acr_desktop.ui.main_window import MainWindow


def create_app(qt_args: list[str]) -> QApplication:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    assert isinstance(app, QApplication)
    app.setApplicationName("ACR Desktop")
    app.setOrganizationName("ACR Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.acrdesktop.AcrDesktop")
    return app


def create_window(reference: str | None) -> MainWindow:
    """The main window, shown, inspecting `reference` at once when given."""
    from acr_desktop.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if reference:
        window.reference_bar.setText(reference)
        window.inspect_text(reference)
    return window


def run(reference: str | None, qt_args: list[str]) -> int:
    app = create_app(qt_args)
    window = create_window(reference)
    code = app.exec()
    del window
    return code
