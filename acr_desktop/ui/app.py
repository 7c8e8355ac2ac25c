"""Start the Qt application and show the main window."""

from __future__ import annotations

import sys


def run(reference: str | None, qt_args: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([sys.argv[0], *qt_args])
    label = QLabel("ACR Desktop — the window arrives with the window issue.")
    label.show()
    return app.exec()
