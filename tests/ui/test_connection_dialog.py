"""The per-registry connection settings dialog: two separate warned-about switches, file pickers,
a proxy, validation, and what is stored (paths and an address, never a secret)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from acr_desktop.registry.connection import ConnectionSettings
from acr_desktop.ui.connection_dialog import (
    PLAIN_HTTP_WARNING,
    SKIP_VERIFY_WARNING,
    ConnectionSettingsDialog,
    proxy_problem,
)
from acr_desktop.ui.preferences import Preferences

REGISTRY = "myregistry.azurecr.io"


@pytest.fixture
def preferences(tmp_path: Path) -> Preferences:
    return Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def make(
    qtbot: QtBot, preferences: Preferences, registry: str = REGISTRY
) -> ConnectionSettingsDialog:
    dialog = ConnectionSettingsDialog(registry, preferences)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def ok(dialog: ConnectionSettingsDialog) -> QPushButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_defaults(qtbot: QtBot, preferences: Preferences, tmp_path: Path) -> None:
    assert preferences.connection_settings(REGISTRY) == ConnectionSettings()
    remote = make(qtbot, preferences)
    assert not remote.plain_http_check.isChecked()
    assert not remote.skip_verify_check.isChecked()
    assert not remote.plain_http_warning.isVisible()
    assert not remote.skip_verify_warning.isVisible()
    assert ok(remote).isEnabled()
    assert remote.grab().save(str(tmp_path / "registry_settings.png"))
    local = make(qtbot, preferences, "localhost:5000")
    assert local.plain_http_check.isChecked()  # on by default only on this computer
    assert local.plain_http_warning.text() == PLAIN_HTTP_WARNING
    assert local.plain_http_warning.isVisible()
    local.accept()
    assert preferences.store.allKeys() == []  # defaults are not stored


def test_two_separate_switches_each_warned(qtbot: QtBot, preferences: Preferences) -> None:
    dialog = make(qtbot, preferences)
    dialog.skip_verify_check.click()
    assert dialog.skip_verify_check.isChecked()
    assert not dialog.plain_http_check.isChecked()
    assert dialog.skip_verify_warning.isVisible()
    assert dialog.skip_verify_warning.text() == SKIP_VERIFY_WARNING
    assert not dialog.plain_http_warning.isVisible()
    dialog.accept()
    assert preferences.connection_settings(REGISTRY) == ConnectionSettings(verify_tls=False)

    again = make(qtbot, preferences)
    again.skip_verify_check.setChecked(False)
    again.plain_http_check.setChecked(True)
    again.accept()
    assert preferences.connection_settings(REGISTRY) == ConnectionSettings(plain_http=True)


def test_files_and_proxy_round_trip(
    qtbot: QtBot,
    preferences: Preferences,
    pem: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = tmp_path / "me.pem", tmp_path / "me-key.pem"
    cert.write_text("cert")
    key.write_text("key")
    picked = iter([str(pem), str(cert), str(key)])
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (next(picked), ""))
    )
    dialog = make(qtbot, preferences)
    browse = [b for b in dialog.findChildren(QPushButton) if b.text() == "Browse…"]
    assert len(browse) == 3
    for button in browse:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.proxy_edit, "http://proxy.example.com:3128")
    assert ok(dialog).isEnabled()
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    expected = ConnectionSettings(
        ca_bundle=str(pem),
        client_cert=str(cert),
        client_key=str(key),
        proxy="http://proxy.example.com:3128",
    )
    reread = Preferences(QSettings(preferences.store.fileName(), QSettings.Format.IniFormat))
    assert reread.connection_settings(REGISTRY) == expected
    assert make(qtbot, reread).value() == expected  # shown again as saved

    preferences.set_connection_settings(REGISTRY, ConnectionSettings())
    assert preferences.store.allKeys() == []


def test_other_registry_keys_are_left_alone(qtbot: QtBot, preferences: Preferences) -> None:
    preferences.set_username(REGISTRY, "alice")
    dialog = make(qtbot, preferences)
    dialog.skip_verify_check.setChecked(True)
    dialog.accept()
    assert preferences.username(REGISTRY) == "alice"
    assert preferences.connection_settings(REGISTRY) == ConnectionSettings(verify_tls=False)


def test_problems_disable_ok(qtbot: QtBot, preferences: Preferences, pem: Path) -> None:
    dialog = make(qtbot, preferences)
    dialog.ca_edit.setText("/no/such/ca.pem")
    assert not ok(dialog).isEnabled()
    assert dialog.problem_label.text() == "The CA bundle /no/such/ca.pem is not a file."
    dialog.ca_edit.setText(str(pem))
    dialog.key_edit.setText(str(pem))
    assert dialog.problem_label.text() == "A client key needs its certificate."
    dialog.key_edit.clear()
    dialog.proxy_edit.setText("http://user:pw-SECRET@proxy:3128")
    assert "no user name or password" in dialog.problem_label.text()
    dialog.accept()  # refused while there is a problem
    assert preferences.store.allKeys() == []
    dialog.proxy_edit.setText("proxy.example.com:3128")
    assert ok(dialog).isEnabled()
    assert not dialog.problem_label.isVisible()


def test_proxy_problems() -> None:
    assert proxy_problem("") is None
    assert proxy_problem("socks5://127.0.0.1:1080") is None
    assert proxy_problem("ftp://proxy") is not None
    assert (
        proxy_problem("http://proxy:99999") == "The proxy's port is not a number from 1 to 65535."
    )
