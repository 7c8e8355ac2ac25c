"""The window with credentials the user already has (Docker config) and with an HTTPS registry
whose CA is not trusted until the connection settings name it."""

from __future__ import annotations

import base64

import keyring.backends.fail
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore
from acr_desktop.registry.docker_credentials import lookup
from acr_desktop.registry.transport import ConnectionSettings
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.messages import NextStep
from acr_desktop.ui.preferences import Preferences
from tests.registry.conftest import DockerEnv
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.tls import TLSRegistry
from tests.ui.conftest import CountingClient


def test_docker_config_credentials_are_used_without_a_dialog(
    qtbot: QtBot, settings: QSettings, token_registry: Registry, docker_env: DockerEnv
) -> None:
    auth = base64.b64encode(f"{ALICE_USER}:{ALICE_PASSWORD}".encode()).decode()
    docker_env.write_config({"auths": {token_registry.host: {"auth": auth}}})
    store = CredentialStore(backend=keyring.backends.fail.Keyring())
    client = CountingClient(credential_fallback=lookup)  # as the window makes its own
    window = MainWindow(preferences=Preferences(settings), store=store, client=client)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        window.inspect_text(f"{token_registry.host}/test/app:oci")
    assert shown.args[0].top.digest == token_registry.content["test/app:oci"].digest
    assert getattr(window, "sign_in_dialog", None) is None
    found = window.client.transport.credential_lookup(token_registry.host)
    assert found is not None and found.found is not None
    assert "Docker config" in found.found.source


def test_untrusted_certificate_then_ca_bundle(
    qtbot: QtBot, window: MainWindow, tls_registry: TLSRegistry
) -> None:
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.inspect_text(f"{tls_registry.host}/test/app:oci")
    text = window.message_bar.text()
    assert tls_registry.host in text and "CA bundle" in text
    assert window.message_bar.action.text() == NextStep.SETTINGS.value
    window.preferences.set_connection_settings(
        tls_registry.host,
        ConnectionSettings(ca_bundle=str(tls_registry.ca.cert_path)),
    )
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        window.refresh()
    assert shown.args[0].top.digest == tls_registry.content["test/app:oci"].digest
