"""Uncaught exceptions become a dialog with copyable details, the log's location, and no secret
anywhere: not in the dialog, the clipboard, stderr or the log file."""

from __future__ import annotations

import base64
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest
from PySide6.QtCore import QEventLoop, QObject, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from acr_desktop import logs
from acr_desktop.ui.crash_dialog import CrashDialog
from acr_desktop.ui.exception_hooks import (
    ExceptionReporter,
    install_exception_hooks,
    uninstall_exception_hooks,
)

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLVNFQ1JFVA"
BASIC_BLOB = base64.b64encode(b"alice:alice-pw-SECRET").decode()
MARKERS = ("SECRET", "eyJ", BASIC_BLOB)
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def leaks(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


def secret_exception() -> ExcInfo:
    """A chained exception whose messages and source lines carry every kind of secret."""
    try:
        try:
            raise KeyError("refresh_token=rt-SECRET-7")
        except KeyError as cause:
            raise RuntimeError(
                f"token request failed: Authorization: Bearer {JWT}; "
                f"body password=pw-SECRET; header Basic {BASIC_BLOB}"
            ) from cause
    except RuntimeError as exc:
        return type(exc), exc, exc.__traceback__


@pytest.fixture
def log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))
    path = logs.setup_logging()
    assert path is not None
    yield path
    logs.close_logging()


@pytest.fixture
def reporter(qapp: QApplication, log_path: Path) -> Iterator[ExceptionReporter]:
    hooks = sys.excepthook, threading.excepthook
    reporter = ExceptionReporter(log_path)
    reporter.install()
    yield reporter
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == hooks
    if reporter.dialog is not None:
        reporter.dialog.close()
        reporter.dialog.deleteLater()


def test_main_thread_crash_shows_redacted_details(
    reporter: ExceptionReporter, log_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, str] = {}

    def look_then_close() -> None:
        dialog = reporter.dialog
        assert dialog is not None
        try:
            seen["visible"] = str(dialog.isVisible())
            seen["details"] = dialog.details.toPlainText()
            seen["log label"] = dialog.log_label.text()
            dialog.copy_button.click()
            seen["clipboard"] = QGuiApplication.clipboard().text()
        finally:
            dialog.accept()

    # No event loop runs here, as before app.exec(): the dialog waits until it is closed.
    QTimer.singleShot(0, look_then_close)
    sys.excepthook(*secret_exception())

    assert seen["visible"] == "True"
    details = seen["details"]
    assert "Traceback (most recent call last)" in details
    assert "RuntimeError: token request failed: Authorization: <redacted>; body" in details
    assert "KeyError" in details and "Thread: MainThread" in details
    assert "ACR Desktop" in details and "Qt " in details
    assert seen["clipboard"] == details
    assert str(log_path) in seen["log label"]
    assert not leaks(details)
    assert not leaks(seen["clipboard"])
    assert not leaks(capsys.readouterr().err)
    log_text = log_path.read_text(encoding="utf-8")
    assert "Uncaught exception" in log_text and "RuntimeError" in log_text
    assert not leaks(log_text)


def test_crash_inside_the_event_loop_does_not_block(
    qtbot: QtBot, reporter: ExceptionReporter
) -> None:
    loop = QEventLoop()
    QTimer.singleShot(0, lambda: sys.excepthook(*secret_exception()))
    QTimer.singleShot(100, loop.quit)
    safety_net = QTimer(singleShot=True, interval=5000)  # a wrongly modal dialog would block
    safety_net.timeout.connect(QApplication.closeAllWindows)
    safety_net.start()
    loop.exec()
    safety_net.stop()
    assert reporter.dialog is not None and reporter.dialog.isVisible()
    assert not leaks(reporter.dialog.details.toPlainText())


def test_crash_on_another_thread_reaches_the_ui_thread(
    qtbot: QtBot, reporter: ExceptionReporter
) -> None:
    def boom() -> None:
        raise RuntimeError(f"worker failed with password=pw-SECRET and Bearer {JWT}")

    worker = threading.Thread(target=boom, name="inspect-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    first = dialog.details.toPlainText()
    assert "Thread: inspect-worker" in first and "RuntimeError: worker failed" in first

    # A second one (as PySide reports an exception in a QRunnable) joins the open dialog.
    pool_thread = threading.Thread(target=lambda: sys.excepthook(*secret_exception()))
    pool_thread.start()
    pool_thread.join()
    qtbot.waitUntil(lambda: dialog.details.toPlainText().count("Thread: ") == 2)
    assert not leaks(dialog.details.toPlainText())


def test_keyboard_interrupt_is_not_a_crash(
    qapp: QApplication, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    passed_on: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, v, tb: passed_on.append(t))
    reporter = ExceptionReporter(log_path)
    reporter.install()
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        reporter.uninstall()
    assert passed_on == [KeyboardInterrupt]
    assert reporter.dialog is None


def test_install_once_and_uninstall(qapp: QApplication, log_path: Path) -> None:
    hooks = sys.excepthook, threading.excepthook
    try:
        first = install_exception_hooks(log_path)
        assert install_exception_hooks(None) is first and first.log_path is None
        assert sys.excepthook == first.excepthook
        assert threading.excepthook == first.threading_excepthook
    finally:
        uninstall_exception_hooks()
    assert (sys.excepthook, threading.excepthook) == hooks


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_show_log_folder_opens_the_log_folder(qtbot: QtBot, log_path: Path) -> None:
    dialog = CrashDialog("details", log_path)
    qtbot.addWidget(dialog)
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]  # the stub wants bytes; PySide wants str
    try:
        dialog.folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in catcher.urls] == [log_path.parent]


def test_without_a_log_file_the_dialog_says_so(qtbot: QtBot) -> None:
    dialog = CrashDialog("details", None)
    qtbot.addWidget(dialog)
    assert "No log file" in dialog.log_label.text()
    assert not dialog.folder_button.isEnabled()
