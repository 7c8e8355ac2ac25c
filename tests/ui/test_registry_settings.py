"""The per-registry connection settings dialog: two separate warned-about switches, file pickers,
a proxy, validation, and what is stored (paths and an address, never a secret)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from acr_desktop.registry.transport import RegistrySettings
from acr_desktop.ui.registry_settings import (
    PLAIN_HTTP_WARNING,
    SKIP_VERIFY_WARNING,
    RegistrySettingsDialog,
    load_registry_settings,
    proxy_problem,
    save_registry_settings,
)

REGISTRY = "myregistry.azurecr.io"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def make(qtbot: QtBot, settings: QSettings, registry: str = REGISTRY) -> RegistrySettingsDialog:
    dialog = RegistrySettingsDialog(registry, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def ok(dialog: RegistrySettingsDialog) -> QPushButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_defaults(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> None:
    assert load_registry_settings(settings, REGISTRY) == RegistrySettings()
    remote = make(qtbot, settings)
    assert not remote.plain_http_check.isChecked()
    assert not remote.skip_verify_check.isChecked()
    assert not remote.plain_http_warning.isVisible()
    assert not remote.skip_verify_warning.isVisible()
    assert ok(remote).isEnabled()
    assert remote.grab().save(str(tmp_path / "registry_settings.png"))
    local = make(qtbot, settings, "localhost:5000")
    assert local.plain_http_check.isChecked()  # on by default only on this computer
    assert local.plain_http_warning.text() == PLAIN_HTTP_WARNING
    assert local.plain_http_warning.isVisible()
    local.accept()
    assert settings.allKeys() == []  # defaults are not stored


def test_two_separate_switches_each_warned(qtbot: QtBot, settings: QSettings) -> None:
    dialog = make(qtbot, settings)
    dialog.skip_verify_check.click()
    assert dialog.skip_verify_check.isChecked()
    assert not dialog.plain_http_check.isChecked()
    assert dialog.skip_verify_warning.isVisible()
    assert dialog.skip_verify_warning.text() == SKIP_VERIFY_WARNING
    assert not dialog.plain_http_warning.isVisible()
    dialog.accept()
    assert load_registry_settings(settings, REGISTRY) == RegistrySettings(verify_tls=False)

    again = make(qtbot, settings)
    again.skip_verify_check.setChecked(False)
    again.plain_http_check.setChecked(True)
    again.accept()
    assert load_registry_settings(settings, REGISTRY) == RegistrySettings(plain_http=True)


def test_files_and_proxy_round_trip(
    qtbot: QtBot,
    settings: QSettings,
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
    dialog = make(qtbot, settings)
    browse = [b for b in dialog.findChildren(QPushButton) if b.text() == "Browse…"]
    assert len(browse) == 3
    for button in browse:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.proxy_edit, "http://proxy.example.com:3128")
    assert ok(dialog).isEnabled()
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    expected = RegistrySettings(
        ca_bundle=str(pem),
        client_cert=str(cert),
        client_key=str(key),
        proxy="http://proxy.example.com:3128",
    )
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert load_registry_settings(reread, REGISTRY) == expected
    assert make(qtbot, reread).value() == expected  # shown again as saved

    save_registry_settings(settings, REGISTRY, RegistrySettings())
    assert settings.allKeys() == []


def test_other_registry_keys_are_left_alone(qtbot: QtBot, settings: QSettings) -> None:
    settings.setValue(f"registries/{REGISTRY}/username", "alice")
    dialog = make(qtbot, settings)
    dialog.skip_verify_check.setChecked(True)
    dialog.accept()
    assert settings.value(f"registries/{REGISTRY}/username") == "alice"
    assert settings.value(f"registries/{REGISTRY}/skip_tls_verify") in (True, "true")


def test_problems_disable_ok(qtbot: QtBot, settings: QSettings, pem: Path) -> None:
    dialog = make(qtbot, settings)
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
    assert settings.allKeys() == []
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
