"""The keyring is read once per registry in a session, not per inspect or browse; signing in
again reads it afresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.preferences import Preferences
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.secret_service import MemoryKeyring
from tests.ui.conftest import CountingClient


class CountingKeyring(MemoryKeyring):
    """A keyring in a dict that counts its reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


@pytest.fixture
def keyring_backend() -> CountingKeyring:
    return CountingKeyring()


@pytest.fixture
def signed_in_window(
    qtbot: QtBot, tmp_path: Path, keyring_backend: CountingKeyring, token_registry: Registry
) -> Iterator[MainWindow]:
    keyring_backend.set_password(service_name(token_registry.host), ALICE_USER, ALICE_PASSWORD)
    preferences = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    preferences.set_username(token_registry.host, ALICE_USER)
    window = MainWindow(
        preferences=preferences, store=CredentialStore(keyring_backend), client=CountingClient()
    )
    qtbot.addWidget(window)
    window.show()
    yield window
    window.runner.shutdown(2000)


def inspect(qtbot: QtBot, window: MainWindow, text: str) -> None:
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.reference_bar.setText(text)
        qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)


def test_two_inspects_and_a_browse_read_the_keyring_once(
    qtbot: QtBot,
    signed_in_window: MainWindow,
    keyring_backend: CountingKeyring,
    token_registry: Registry,
) -> None:
    window, host = signed_in_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    inspect(qtbot, window, f"{host}/test/app:docker")
    nav = window.navigator
    nav.load_repositories(host)
    qtbot.waitUntil(lambda: nav.repo_status.text() != "" or nav.repo_model.rowCount() > 0)
    assert window.client.transport.credentials(host) is not None  # signed in from the keyring
    assert keyring_backend.reads == 1


def test_a_forgotten_answer_reads_the_keyring_afresh(
    qtbot: QtBot,
    signed_in_window: MainWindow,
    keyring_backend: CountingKeyring,
    token_registry: Registry,
) -> None:
    window, host = signed_in_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    assert keyring_backend.reads == 1
    window.sign_in.forget_cached(host)  # what a sign-in, a forget or the dialog's OK does
    inspect(qtbot, window, f"{host}/test/app:oci")
    assert keyring_backend.reads == 2
