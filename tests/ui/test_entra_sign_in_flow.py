"""Signing in with Microsoft Entra ID from the window, end to end: only an Azure CLI login (a
fake `az` on PATH answering as the real one, read by azure-identity's AzureCliCredential), the
real token registry's `/oauth2/exchange`, and no secret typed. Test sign-in shows what each view
needs; Remember keeps the ACR refresh token in the keyring and renews it there; sign out offers
to remove it; without a keyring it lasts the session, and the dialog says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry import errors
from acr_desktop.registry.entra import ENTRA_USERNAME
from acr_desktop.ui.credentials_dialog import CredentialsDialog
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.signin_kinds import KIND_ENTRA
from tests.rig import Registry, TokenServer
from tests.rig.entra import ENTRA_PULLER, EntraAuthority, install_fake_az
from tests.secret_service import MemoryKeyring
from tests.ui.conftest import CountingClient

SHOTS = Path("/tmp/team/shots")
IMAGE = "test/app:oci"  # already in the token registry (never pushed to by these tests)


def make_window(qtbot: QtBot, tmp_path: Path, store: CredentialStore) -> MainWindow:
    preferences = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(preferences=preferences, store=store, client=CountingClient())
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    return window


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keyring_window(qtbot: QtBot, tmp_path: Path, memory: MemoryKeyring) -> Iterator[MainWindow]:
    window = make_window(qtbot, tmp_path, CredentialStore(memory))
    yield window
    window.runner.shutdown(2000)


def the_dialog(qtbot: QtBot, window: MainWindow) -> CredentialsDialog:
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None, timeout=10_000)
    dialog = window.sign_in_dialog
    assert isinstance(dialog, CredentialsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def choose_entra(qtbot: QtBot, dialog: CredentialsDialog) -> None:
    """With the keyboard: Home on the kind box picks the first kind, Entra ID."""
    dialog.kind_combo.setFocus()
    qtbot.keyClick(dialog.kind_combo, Qt.Key.Key_Home)
    assert dialog.kind() == KIND_ENTRA
    qtbot.waitUntil(dialog.entra_panel.ready, timeout=30_000)


def refused_then_dialog(qtbot: QtBot, window: MainWindow, host: str) -> CredentialsDialog:
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.inspect_text(f"{host}/{IMAGE}")
    assert isinstance(failed.args[0], errors.AuthenticationRequired | errors.AccessDenied)
    return the_dialog(qtbot, window)


def exchanges(token_server: TokenServer) -> int:
    return sum(1 for r in token_server.requests if r.path == "/oauth2/exchange")


def test_only_an_azure_cli_login_opens_an_image_without_a_secret(
    qtbot: QtBot,
    window: MainWindow,
    token_registry: Registry,
    token_server: TokenServer,
    fake_az: Path,
) -> None:
    host = token_registry.host
    dialog = refused_then_dialog(qtbot, window, host)
    assert dialog.registry_edit.text() == host
    choose_entra(qtbot, dialog)
    assert dialog.entra_panel.status_label.text().startswith(
        "Signed in to Azure as entra-user (Azure CLI)"
    )
    assert not dialog.remember_check.isEnabled()  # no keyring in this window: said aloud
    assert dialog.session_note.isVisible()  # the dialog says it once, for every kind
    assert "for this session only" in dialog.session_note.text()
    assert not dialog.entra_panel.keep_note.isVisible()
    dialog.grab().save(str(SHOTS / "entra_window_dialog.png"))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(window.inspected, timeout=20_000) as shown:
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert shown.args[0].top.digest == token_registry.content[IMAGE].digest
    assert exchanges(token_server) == 1
    assert "az account get-access-token" in (fake_az / "calls.log").read_text()
    text = window.sign_in.account_text(host)
    assert text == (
        f"Microsoft Entra ID (entra-user via Azure CLI) on {host}, for this session only"
    )
    assert window.preferences.kind(host) == KIND_ENTRA
    assert window.preferences.username(host) == ENTRA_USERNAME
    window.grab().save(str(SHOTS / "entra_window_signed_in.png"))


def test_test_sign_in_shows_what_each_view_needs(
    qtbot: QtBot,
    window: MainWindow,
    token_registry: Registry,
    fake_az: Path,
    entra_authority: EntraAuthority,
) -> None:
    install_fake_az(fake_az, entra_authority, subject=ENTRA_PULLER)  # pull on test/* only
    dialog = refused_then_dialog(qtbot, window, token_registry.host)
    choose_entra(qtbot, dialog)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "✓" in dialog.result_label.text(), timeout=20_000)
    lines = dialog.result_label.text().splitlines()
    assert lines[1:] == [
        "✓ Inspect images: pull on test/app",
        "✗ Tag times, sizes from ACR: metadata_read on test/app",
        "✗ Repository list: catalog listing (registry:catalog:*)",
    ]
    assert dialog.result_label.textFormat() == Qt.TextFormat.PlainText
    dialog.grab().save(str(SHOTS / "entra_test_sign_in.png"))
    dialog.reject()


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_remember_keeps_the_refresh_token_in_the_keyring_and_renews_it(  # noqa: PLR0913
    qtbot: QtBot,
    keyring_window: MainWindow,
    memory: MemoryKeyring,
    token_registry: Registry,
    token_server: TokenServer,
    fake_az: Path,
    tmp_path: Path,
) -> None:
    window, host = keyring_window, token_registry.host
    token_server.refresh_lifetime = 4  # seconds: renewed a second before it ends
    dialog = refused_then_dialog(qtbot, window, host)
    choose_entra(qtbot, dialog)
    assert dialog.remember()
    assert "saves the ACR refresh token" in dialog.entra_panel.keep_note.text()
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Granted" in dialog.result_label.text(), timeout=20_000)
    assert memory.entries == {}  # tested, not yet remembered
    with qtbot.waitSignal(window.inspected, timeout=20_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    entry = (service_name(host), ENTRA_USERNAME)
    first = memory.entries[entry]
    assert claims(first)["sub"] == "entra-user"
    assert first.encode() not in (tmp_path / "s.ini").read_bytes()
    assert window.sign_in.account_text(host).endswith(
        f"(entra-user via Azure CLI) on {host}, refresh token saved in Test Keyring"
    )

    # Once it is about to expire (a quarter of its life, under a second, before its end), the
    # next request renews it, and the keyring follows.
    expires = claims(first)["exp"]
    qtbot.waitUntil(lambda: time.time() > expires - 0.5, timeout=10_000)
    before = exchanges(token_server)
    window.client.transport.tokens.invalidate(host)  # access tokens come from refresh tokens
    with qtbot.waitSignal(window.inspected, timeout=20_000):
        window.inspect_text(f"{host}/{IMAGE}")
    assert exchanges(token_server) > before
    qtbot.waitUntil(lambda: claims(memory.entries[entry])["exp"] > expires)
    assert claims(memory.entries[entry])["sub"] == "entra-user"


def test_a_saved_refresh_token_signs_in_at_the_next_start_and_sign_out_removes_it(  # noqa: PLR0913
    qtbot: QtBot,
    memory: MemoryKeyring,
    token_registry: Registry,
    token_server: TokenServer,
    fake_az: Path,
    entra_authority: EntraAuthority,
    tmp_path: Path,
) -> None:
    host = token_registry.host
    entry = (service_name(host), ENTRA_USERNAME)
    memory.set_password(*entry, token_server.mint_refresh("entra-user", host))
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")  # the CLI login is gone
    window = make_window(qtbot, tmp_path, CredentialStore(memory))
    window.preferences.set_account(host, KIND_ENTRA, ENTRA_USERNAME)
    try:
        with qtbot.waitSignal(window.inspected, timeout=20_000):
            window.inspect_text(f"{host}/{IMAGE}")
        assert exchanges(token_server) == 0  # the saved refresh token was enough
        assert window.sign_in_dialog is None
        assert "saved in Test Keyring" in window.sign_in.account_text(host)

        box = window.sign_in.sign_out(host)
        assert isinstance(box, QMessageBox)
        assert "ACR refresh token from your Microsoft Entra ID sign-in" in box.informativeText()
        box.grab().save(str(SHOTS / "entra_sign_out.png"))
        remove = next(
            b for b in box.findChildren(QPushButton) if b.text().startswith("Remove the saved")
        )
        assert remove.text() == "Remove the saved ACR refresh token"
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
        assert memory.entries == {}
        assert window.sign_in.account_text(host) == f"Anonymous access to {host}"
    finally:
        window.runner.shutdown(2000)
