"""Fixtures for the window: temp settings, a session-only credential store, a counted client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
import requests
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.transport import CredentialFallback, Transport
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.preferences import Preferences
from tests.registry.conftest import DockerEnv, docker_env, test_ca, tls_registry
from tests.rig.desktop import App, Desktop

__all__ = ["DockerEnv", "docker_env", "test_ca", "tls_registry"]  # fixtures shared with registry/


class CountingClient(RegistryClient):
    """A real client whose HTTP requests are counted (registry and token service alike)."""

    def __init__(
        self,
        timeout: tuple[float, float] = (2.0, 10.0),
        credential_fallback: CredentialFallback | None = None,
    ) -> None:
        self.calls: list[tuple[str, str, int]] = []
        session = requests.Session()
        session.hooks["response"].append(
            lambda r, *a, **k: self.calls.append(
                (r.request.method or "", r.request.path_url, r.status_code)
            )
        )
        super().__init__(
            Transport(session=session, timeout=timeout, credential_fallback=credential_fallback)
        )


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    store = CredentialStore(backend=keyring.backends.fail.Keyring())
    preferences = Preferences(settings)
    # These tests count the inspect's own requests: the background supply-chain walk is off
    # (tests/ui/test_supply_window.py turns it on).
    preferences.set_supply_auto(False)
    win = MainWindow(preferences=preferences, store=store, client=CountingClient())
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    yield win
    win.runner.shutdown(2000)


# -- a real desktop (Xvfb + openbox, driven by xdotool): one per module, an empty profile per test
@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    screen = Desktop(tmp_path_factory.mktemp("desktop")).start()
    try:
        yield screen
    finally:
        screen.stop()


@pytest.fixture
def app(desktop: Desktop, tmp_path: Path) -> Iterator[App]:
    """The app in its own process on `desktop`, with an empty profile (stopped after the test)."""
    desktop.workdir = tmp_path
    running = App(desktop)
    yield running
    if running.process is not None:
        running.stop()
