"""Uncaught exceptions, on the UI thread or any other: logged (redacted) and shown in a crash
dialog, which is built only when there is something to show.

Signals (of `ExceptionReporter`):
    reported(str): the redacted details of an uncaught exception (emitted from any thread,
        handled on the UI thread).
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication

from acr_desktop import __version__
from acr_desktop.logs import redact

if TYPE_CHECKING:
    from acr_desktop.ui.crash_dialog import CrashDialog

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def versions_line() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    return (
        f"ACR Desktop {__version__}, Python {platform.python_version()}, "
        f"PySide6 {pyside_version}, Qt {qVersion()}, {platform.platform()}"
    )


def crash_report(exc_info: ExcInfo, thread_name: str) -> str:
    """What the dialog shows and the user copies: versions, thread, the traceback; redacted."""
    exc_type, exc, tb = exc_info
    trace = "".join(traceback.format_exception(exc_type, exc, tb))
    return redact(f"{versions_line()}\nThread: {thread_name}\n\n{trace}")


class ExceptionReporter(QObject):
    """Installed as `sys.excepthook` and `threading.excepthook`; lives on the UI thread."""

    reported = Signal(str)
    installed: ClassVar[ExceptionReporter | None] = None  # the one install_exception_hooks() made

    def __init__(self, log_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: CrashDialog | None = None
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        self.reported.connect(self.show_report)  # queued when emitted from another thread

    def install(self) -> None:
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self.threading_excepthook:
            threading.excepthook = self._previous_threading

    def excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self._previous_sys(exc_type, exc, tb)
            return
        self.report((exc_type, exc, tb), threading.current_thread().name)

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            self._previous_threading(args)
            return
        name = args.thread.name if args.thread is not None else "unknown thread"
        self.report((args.exc_type, args.exc_value, args.exc_traceback), name)

    def report(self, exc_info: ExcInfo, thread_name: str) -> None:
        """Log the exception, print it (redacted) for a terminal, and show it on the UI thread."""
        try:
            details = crash_report(exc_info, thread_name)
            # The redacted text, never the exception itself: no handler sees the raw message.
            log.critical("Uncaught exception:\n%s", details)
            if sys.stderr is not None:  # None in a windowed Windows build
                print(details, file=sys.stderr)
            if QApplication.instance() is None:
                return
            if threading.current_thread() is threading.main_thread():
                # No event loop (before app.exec() or after it): wait, or the process would end
                # under the dialog.
                self.show_report(details, wait=QThread.currentThread().loopLevel() == 0)
            else:
                self.reported.emit(details)
        except Exception:  # the hook itself must never raise: fall back to Python's own
            sys.__excepthook__(*exc_info)

    @Slot(str)
    def show_report(self, details: str, wait: bool = False) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_details(details)
            return
        from acr_desktop.ui.crash_dialog import CrashDialog

        self.dialog = CrashDialog(details, self.log_path, QApplication.activeWindow())
        if wait:
            self.dialog.exec()
        else:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()


def install_exception_hooks(log_path: Path | None) -> ExceptionReporter:
    """Install the reporter once (a second call updates the log path)."""
    if ExceptionReporter.installed is None:
        ExceptionReporter.installed = ExceptionReporter(log_path)
        ExceptionReporter.installed.install()
    ExceptionReporter.installed.log_path = log_path
    return ExceptionReporter.installed


def uninstall_exception_hooks() -> None:
    reporter, ExceptionReporter.installed = ExceptionReporter.installed, None
    if reporter is not None:
        reporter.uninstall()
        reporter.deleteLater()
