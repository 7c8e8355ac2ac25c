"""Help ▸ About, and the application `create_app` makes: icon, log, crash hook, and a start-up
that imports neither keyring nor requests (keyring comes in when About opens)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QUrl, Slot, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from pytestqt.qtbot import QtBot

from acr_desktop import __version__, logs
from acr_desktop.credentials import CredentialStore
from acr_desktop.ui.about_dialog import AboutDialog
from tests.secret_service import MemoryKeyring

ROOT = Path(__file__).resolve().parents[2]


def test_about_shows_versions_and_the_keyring(qtbot: QtBot) -> None:
    dialog = AboutDialog(store=CredentialStore(backend=MemoryKeyring()))
    qtbot.addWidget(dialog)
    assert dialog.facts["Version"] == __version__
    assert dialog.facts["Qt"] == qVersion()
    assert dialog.facts["PySide6"] == pyside_version
    assert dialog.facts["Keyring"] == "Test Keyring"
    assert dialog.values["Keyring"].text() == "Test Keyring"
    icon = dialog.icon.pixmap()
    assert not icon.isNull() and icon.width() == 64

    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert f"Version: {__version__}" in copied
    assert f"Qt: {qVersion()}" in copied
    assert "Keyring: Test Keyring" in copied


def test_about_without_a_keyring_says_what_that_means(qtbot: QtBot) -> None:
    dialog = AboutDialog(store=CredentialStore(backend=keyring.backends.fail.Keyring()))
    qtbot.addWidget(dialog)
    assert dialog.facts["Keyring"] == "none found: sign-ins are kept for this session only"


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_show_log_folder(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))
    dialog = AboutDialog(store=CredentialStore(backend=MemoryKeyring()))
    qtbot.addWidget(dialog)
    assert dialog.facts["Log folder"] == str(tmp_path / "logs")
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]  # the stub wants bytes; PySide wants str
    try:
        dialog.folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in catcher.urls] == [tmp_path / "logs"]
    assert (tmp_path / "logs").is_dir()


CREATE_APP = textwrap.dedent(
    """
    import json, sys, threading
    from acr_desktop.ui.app import create_app
    from acr_desktop.ui.exception_hooks import ExceptionReporter

    app = create_app([])
    reporter = ExceptionReporter.installed
    facts = {
        "keyring at start": "keyring" in sys.modules,
        "requests at start": "requests" in sys.modules,
        "icon sizes": len(app.windowIcon().availableSizes()),
        "desktop file": app.desktopFileName(),
        "hooks": sys.excepthook == reporter.excepthook
        and threading.excepthook == reporter.threading_excepthook,
    }
    from acr_desktop.ui.about_dialog import AboutDialog

    facts["keyring before About"] = "keyring" in sys.modules
    AboutDialog()
    facts["keyring after About"] = "keyring" in sys.modules
    print(json.dumps(facts))
    """
)


def test_create_app_installs_icon_log_and_hooks_without_keyring(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        logs.LOG_DIR_ENV: str(tmp_path / "logs"),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DBUS_SESSION_BUS_ADDRESS": "",  # keyring: no Secret Service to ask
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    result = subprocess.run(
        [sys.executable, "-c", CREATE_APP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {
        "keyring at start": False,
        "requests at start": False,
        "icon sizes": 8,
        "desktop file": "io.github.acrdesktop.AcrDesktop",
        "hooks": True,
        "keyring before About": False,
        "keyring after About": True,
    }
    log_text = (tmp_path / "logs" / logs.LOG_FILE).read_text(encoding="utf-8")
    assert f"ACR Desktop {__version__} started" in log_text
    assert f"resources checkout {ROOT / 'resources'}" in log_text
