"""Start the Qt application and show the main window; the app-wide icon, log and crash dialog."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from acr_desktop import __version__
from acr_desktop.resources import APP_ID

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from acr_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def create_app(qt_args: list[str]) -> QApplication:
    """The application, with its icon, the log file and the crash dialog installed.

    Nothing here imports keyring or requests: start-up stays fast.
    """
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    from acr_desktop.logs import setup_logging
    from acr_desktop.ui.crash_dialog import install_exception_hooks

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    assert isinstance(app, QApplication)
    app.setApplicationName("ACR Desktop")
    app.setOrganizationName("ACR Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    log_path = setup_logging()
    install_exception_hooks(log_path)
    log.info(
        "ACR Desktop %s started (Python %s, Qt %s, platform %s, resources %s)",
        __version__,
        sys.version.split()[0],
        qVersion(),
        app.platformName(),
        _resources_origin(),
    )
    return app


def _resources_origin() -> str:
    from acr_desktop.resources import locate

    try:
        origin, path = locate()
    except FileNotFoundError:
        return "missing"
    return f"{origin} {path}"


def app_icon() -> QIcon:
    """The application icon at every rendered size (empty, and logged, if the files are gone)."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon

    from acr_desktop.resources import icon_pngs

    icon = QIcon()
    try:
        pngs = icon_pngs()
    except FileNotFoundError as exc:
        log.warning("No application icon: %s", exc)
        return icon
    for size, path in pngs.items():
        icon.addFile(str(path), QSize(size, size))
    return icon


def show_log_folder() -> bool:
    """Open the log folder in the file manager (created first, so there is something to open)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    from acr_desktop.logs import log_dir

    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("Cannot create the log folder %s: %s", folder, exc)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


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
    log.info("Main window open")
    code = app.exec()
    del window
    log.info("ACR Desktop quit (exit code %s)", code)
    return code
