"""Run by test_window_fit.py in a process of its own (a screen size and a scale factor are fixed
when Qt starts): open the window, inspect `argv[1]`, and print where everything ended up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keyring.backends.fail
from PySide6.QtCore import QRect, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from acr_desktop.credentials import CredentialStore
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.preferences import Preferences


def rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def main() -> None:
    reference, settings_path = sys.argv[1], sys.argv[2]
    app = QApplication([])
    settings = QSettings(settings_path, QSettings.Format.IniFormat)
    store = CredentialStore(backend=keyring.backends.fail.Keyring())
    window = MainWindow(preferences=Preferences(settings), store=store)
    if len(sys.argv) > 3:
        width, height = (int(n) for n in sys.argv[3].split("x"))
        window.resize(width, height)
    window.show()
    report: dict[str, object] = {}

    def measure() -> None:
        inspector = window.inspector
        screen = window.screen().availableGeometry()
        report.update(
            screen=[screen.x(), screen.y(), screen.width(), screen.height()],
            frame=[
                window.frameGeometry().x(),
                window.frameGeometry().y(),
                window.frameGeometry().width(),
                window.frameGeometry().height(),
            ],
            minimum=[window.minimumSizeHint().width(), window.minimumSizeHint().height()],
            widgets={
                name: rect(widget)
                for name, widget in (
                    ("go", window.go_button),
                    ("sign_in", window.sign_in_button),
                    ("bar", window.reference_bar),
                    ("json", inspector.json),
                    ("platforms", inspector.platforms),
                    ("layers", inspector.layers),
                    ("copy", inspector.summary.digest.copy),
                    ("navigator", window.navigator),
                )
            },
            visible_platform_rows=visible_rows(inspector.platforms),
            platform_rows=inspector.platforms_model.rowCount(),
            platforms_hscroll=inspector.platforms.horizontalScrollBar().isVisible(),
            inspected=window.inspection is not None,
            error=window.message_bar.text() if window.message_bar.isVisible() else "",
            width=window.width(),
        )
        window.preferences.sync()
        window.close()
        app.quit()

    def after_inspect(_ins: object) -> None:
        QTimer.singleShot(300, measure)

    window.inspected.connect(after_inspect)
    window.failed.connect(lambda _exc: QTimer.singleShot(300, measure))
    window.reference_bar.setText(reference)
    window.inspect_text(reference)
    QTimer.singleShot(20_000, measure)
    app.exec()
    print(json.dumps(report))
    Path(settings_path).touch()


def visible_rows(table: QWidget) -> int:
    from PySide6.QtWidgets import QTableView

    assert isinstance(table, QTableView)
    viewport: QRect = table.viewport().rect()
    rows = 0
    for row in range(table.model().rowCount()):
        if viewport.contains(table.visualRect(table.model().index(row, 0))):
            rows += 1
    return rows


if __name__ == "__main__":
    main()
