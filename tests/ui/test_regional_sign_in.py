"""A regional (`NAME.REGION.geo.azurecr.io`) or data endpoint of an ACR registry uses the sign-in
kept for its login server (`NAME.azurecr.io`), unless it was signed in to by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry.auth import Credentials
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.signin_kinds import KIND_PASSWORD
from tests.secret_service import MemoryKeyring

HOME = "myreg.azurecr.io"
SECRET = "alice-regional-SECRET"


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    keyring = MemoryKeyring()
    keyring.set_password(service_name(HOME), "alice", SECRET)
    preferences = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    preferences.set_account(HOME, KIND_PASSWORD, "alice")
    window = MainWindow(preferences=preferences, store=CredentialStore(keyring))
    qtbot.addWidget(window)
    yield window
    window.runner.shutdown(2000)


@pytest.mark.parametrize(
    "endpoint",
    ["myreg.westeurope.geo.azurecr.io", "myreg.westeurope.data.azurecr.io", "MyReg.azurecr.io:443"],
)
def test_an_endpoint_of_the_same_registry_uses_its_sign_in(
    window: MainWindow, endpoint: str
) -> None:
    window.sign_in.apply(endpoint)
    assert window.client.transport.credentials(endpoint) == Credentials("alice", SECRET)


def test_another_registry_or_an_endpoint_signed_in_by_itself_does_not(window: MainWindow) -> None:
    window.sign_in.apply("other.westeurope.geo.azurecr.io")
    assert window.client.transport.credentials("other.westeurope.geo.azurecr.io") is None
    own = "myreg.eastus.geo.azurecr.io"
    window.preferences.set_account(own, KIND_PASSWORD, "bob")  # its own choice wins
    window.sign_in.apply(own)
    assert window.client.transport.credentials(own) is None  # bob has nothing saved
