"""Signing in from the window: the dialog opens by itself on a 401, prefilled; after OK the
inspect goes through; a pull-only token is told what it was granted and what was needed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from acr_desktop.registry import errors
from acr_desktop.registry.auth import Credentials
from acr_desktop.ui.credentials_dialog import CredentialsDialog
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.signin_kinds import KIND_ANONYMOUS, KIND_REFRESH_TOKEN
from tests.rig import (
    ALICE_PASSWORD,
    ALICE_USER,
    PULLER_PASSWORD,
    PULLER_USER,
    Registry,
    TokenServer,
)


def dialog_of(qtbot: QtBot, window: MainWindow) -> CredentialsDialog:
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None)
    dialog = window.sign_in_dialog
    assert isinstance(dialog, CredentialsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_401_opens_the_dialog_and_signing_in_shows_layers(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.inspect_text(f"{token_registry.host}/test/app:oci")
    assert isinstance(failed.args[0], errors.AccessDenied | errors.AuthenticationRequired)
    assert window.message_bar.isVisible()
    dialog = dialog_of(qtbot, window)
    assert dialog.registry_edit.text() == token_registry.host
    assert dialog.message_label.text()  # says why it opened
    dialog.username_edit.setText(ALICE_USER)
    dialog.secret_edit.setText(ALICE_PASSWORD)
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    ins = shown.args[0]
    assert ins.top.digest == token_registry.content["test/app:oci"].digest
    assert window.inspector.layers.proxy.rowCount() == len(
        token_registry.content["test/app:oci"].layers
    )
    assert window.preferences.username(token_registry.host) == ALICE_USER
    assert ALICE_PASSWORD not in str(window.preferences.store.allKeys()) + repr(window.store)


def test_pull_only_token_is_told_what_it_has_and_needs(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    window.store.session_only(token_registry.host, Credentials(PULLER_USER, PULLER_PASSWORD))
    window.preferences.set_username(token_registry.host, PULLER_USER)
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.inspect_text(f"{token_registry.host}/public/hello:latest")
    text = window.message_bar.text()
    assert "“puller”" in text
    assert "needs pull on public/hello" in text
    assert window.message_bar.action.text() == "Sign in again"
    assert getattr(window, "sign_in_dialog", None) is None  # signed in already: no dialog pops up
    # and the app keeps working with what the token allows
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.inspect_text(f"{token_registry.host}/test/app:docker")


def test_wrong_secret_then_right_one(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    window.store.session_only(token_registry.host, Credentials(ALICE_USER, "wrong-SECRET"))
    window.preferences.set_username(token_registry.host, ALICE_USER)
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.inspect_text(f"{token_registry.host}/test/app:oci")
    assert isinstance(failed.args[0], errors.AuthenticationRequired)
    assert "refused “alice”" in window.message_bar.text()
    dialog = dialog_of(qtbot, window)
    assert dialog.username_edit.text() == ALICE_USER
    dialog.secret_edit.setText(ALICE_PASSWORD)
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_the_dialog_names_the_token_service_the_password_goes_to(
    qtbot: QtBot, window: MainWindow, token_registry: Registry, token_server: TokenServer
) -> None:
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.inspect_text(f"{token_registry.host}/test/app:oci")
    dialog = dialog_of(qtbot, window)
    service = f"127.0.0.1:{token_server.port}"  # same host as the registry, another port
    assert service != token_registry.host
    note = dialog.destination_label
    assert note.isVisible()
    assert note.text() == f"Your password is sent to the token service at {service}."
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_REFRESH_TOKEN))
    assert note.text() == f"Your refresh token is sent to the token service at {service}."
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_ANONYMOUS))
    assert not note.isVisible()
    dialog.reject()


def test_a_test_sign_in_learns_where_the_password_goes(
    qtbot: QtBot, window: MainWindow, token_registry: Registry, token_server: TokenServer
) -> None:
    dialog = window.open_sign_in(None)
    dialog.registry_edit.setText(token_registry.host)
    assert not dialog.destination_label.isVisible()  # nothing asked yet: nothing known
    dialog.username_edit.setText(ALICE_USER)
    dialog.secret_edit.setText(ALICE_PASSWORD)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.destination_label.isVisible, timeout=10_000)
    assert f"token service at 127.0.0.1:{token_server.port}." in dialog.destination_label.text()
    dialog.reject()


def test_no_note_when_the_registry_takes_the_password_itself(
    qtbot: QtBot, window: MainWindow, basic_registry: Registry
) -> None:
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.inspect_text(f"{basic_registry.host}/test/app:oci")
    dialog = dialog_of(qtbot, window)
    assert window.client.transport.challenge(basic_registry.host) is not None
    assert not dialog.destination_label.isVisible()
    assert dialog.destination_label.text() == ""
    dialog.reject()
