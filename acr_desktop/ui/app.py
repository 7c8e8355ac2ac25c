"""Start the Qt application and show the main window, with the app icon, the log and the crash
dialog installed."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from acr_desktop import __version__
from acr_desktop.resources import APP_ID
from acr_desktop.ui.desktop import app_icon

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from acr_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def create_app(qt_args: list[str]) -> QApplication:
    """The application, with its icon, the system's colour scheme, the log file and the crash
    dialog installed.

    Nothing here imports keyring or requests: start-up stays fast.
    """
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    from acr_desktop.logs import setup_logging
    from acr_desktop.ui.exception_hooks import install_exception_hooks
    from acr_desktop.ui.theme import apply_theme

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    assert isinstance(app, QApplication)
    app.setApplicationName("ACR Desktop")
    app.setOrganizationName("ACR Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    # Follow the system's scheme, dark too where the style has no dark palette of its own;
    # the window applies the theme chosen in its preferences when it is built.
    apply_theme(app, "system")
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


def create_window(reference: str | None) -> MainWindow:
    """The main window, shown, inspecting `reference` at once when given."""
    from acr_desktop.ui.main_window import MainWindow

    window = MainWindow()  # the platform's preferences store
    window.show()
    if reference:
        window.reference_bar.setText(reference)
        window.inspect_text(reference)
    return window


def run(reference: str | None, qt_args: list[str]) -> int:
    app = create_app(qt_args)
    app.setQuitOnLastWindowClosed(True)
    window = create_window(reference)
    log.info("Main window open")
    code = app.exec()
    # Closing the window cancelled every job and waited a bounded time for the worker threads.
    if window.runner.stuck or not window.runner.shutdown(wait_ms=500):
        window.preferences.sync()  # what closing the window saved
        _exit_now(code)
    del window
    log.info("ACR Desktop quit (exit code %s)", code)
    return code


def _exit_now(code: int) -> None:
    """End the process now: a worker thread is still blocked in a read nothing can interrupt,
    and neither Qt (the thread pool's destructor) nor Python (finalising under a running
    thread) would end it. The log is written first."""
    import os

    log.warning("ACR Desktop quit with a worker thread still blocked (exit code %s)", code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(code)
