"""The account in use per registry (`SignIn.account_text`, `account_changed`), signing out, one
sign-in dialog at a time, and the dialog prefilled with the registry in view. Real windows
against the real token registry; a session-only keyring (fail backend) or a keyring in memory."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry import errors
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.docker_credentials import lookup
from acr_desktop.ui.credentials_dialog import CredentialsDialog
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.sign_in import SignIn
from acr_desktop.ui.worker import JobRunner
from tests.registry.conftest import DockerEnv
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.secret_service import MemoryKeyring, secret_service
from tests.ui.conftest import CountingClient

AUTH_ERRORS = (errors.AuthenticationRequired, errors.AccessDenied)


def make_window(
    qtbot: QtBot, tmp_path: Path, store: CredentialStore, client: CountingClient | None = None
) -> MainWindow:
    preferences = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(preferences=preferences, store=store, client=client or CountingClient())
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def saved_window(
    qtbot: QtBot, tmp_path: Path, memory: MemoryKeyring, token_registry: Registry
) -> Iterator[MainWindow]:
    """alice's password saved in the keyring (in memory) for the token registry."""
    memory.set_password(service_name(token_registry.host), ALICE_USER, ALICE_PASSWORD)
    window = make_window(qtbot, tmp_path, CredentialStore(memory))
    window.preferences.set_username(token_registry.host, ALICE_USER)
    yield window
    window.runner.shutdown(2000)


def inspect(qtbot: QtBot, window: MainWindow, text: str) -> None:
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.reference_bar.setText(text)
        qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)


def refused(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)
    assert isinstance(failed.args[0], AUTH_ERRORS)


def open_dialogs(window: MainWindow) -> list[CredentialsDialog]:
    return [d for d in window.findChildren(CredentialsDialog) if d.isVisible()]


def the_dialog(qtbot: QtBot, window: MainWindow) -> CredentialsDialog:
    qtbot.waitUntil(lambda: len(open_dialogs(window)) == 1, timeout=10_000)
    return open_dialogs(window)[0]


def sign_in_with_keys(qtbot: QtBot, dialog: CredentialsDialog) -> None:
    dialog.username_edit.setFocus()
    dialog.username_edit.selectAll()
    qtbot.keyClicks(dialog.username_edit, ALICE_USER)
    dialog.secret_edit.setFocus()
    qtbot.keyClicks(dialog.secret_edit, ALICE_PASSWORD)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )


def button(box: QMessageBox, text: str) -> QPushButton:
    found = [b for b in box.findChildren(QPushButton) if b.text() == text]
    assert len(found) == 1, [b.text() for b in box.findChildren(QPushButton)]
    return found[0]


# -- the account in use ----------------------------------------------------------------------
def test_signing_in_and_out_for_the_session_changes_the_account(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    host, sign_in = token_registry.host, window.sign_in
    assert sign_in.account_text(host) == f"Not connected to {host} yet"
    assert sign_in.account_text("") == ""
    window.reference_bar.setText(f"{host}/test/app:oci")
    with qtbot.waitSignal(sign_in.account_changed, check_params_cb=lambda r: r == host):
        refused(qtbot, window)
    assert sign_in.account_text(host) == f"Anonymous access to {host}"
    dialog = the_dialog(qtbot, window)  # opened by the 401
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        sign_in_with_keys(qtbot, dialog)
    assert sign_in.account_text(host) == (
        f"Signed in to {host} as alice (password, for this session only)"
    )

    with qtbot.waitSignal(sign_in.account_changed, check_params_cb=lambda r: r == host):
        assert sign_in.sign_out(host) is None  # nothing saved: nothing to ask
    assert sign_in.account_text(host) == f"Anonymous access to {host}"
    assert window.store.resolve(host, None) is None  # the session's copy is gone
    assert window.client.transport.credentials(host) is None
    refused(qtbot, window)  # its cached token went too: a token would have let this through

    dialog = the_dialog(qtbot, window)  # signing in again works
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        sign_in_with_keys(qtbot, dialog)
    assert sign_in.account_text(host).startswith(f"Signed in to {host} as alice")


def test_saved_password_is_named_and_sign_out_can_remove_it(
    qtbot: QtBot, saved_window: MainWindow, memory: MemoryKeyring, token_registry: Registry
) -> None:
    window, host = saved_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    assert window.sign_in.account_text(host) == (
        f"Signed in to {host} as alice (password, saved in Test Keyring)"
    )
    with qtbot.waitSignal(window.sign_in.account_changed):
        box = window.sign_in.sign_out(host)
    assert box is not None and box.isVisible()
    assert window.sign_in.account_text(host) == f"Anonymous access to {host}"
    assert box.text() == f"Signed out of {host} for this session."
    assert "saved in Test Keyring" in box.informativeText()
    box.grab().save("/tmp/team/C-sign-out-box.png")
    qtbot.mouseClick(button(box, "Remove the saved password"), Qt.MouseButton.LeftButton)
    assert memory.entries == {}
    assert window.preferences.username(host) is None


def test_sign_out_keeping_the_saved_password_lasts_the_session(
    qtbot: QtBot,
    saved_window: MainWindow,
    memory: MemoryKeyring,
    token_registry: Registry,
    tmp_path: Path,
) -> None:
    window, host = saved_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    box = window.sign_in.sign_out(host)
    assert box is not None
    qtbot.mouseClick(button(box, "Keep it"), Qt.MouseButton.LeftButton)
    assert memory.entries == {(service_name(host), ALICE_USER): ALICE_PASSWORD}
    refused(qtbot, window)  # the saved password is not taken up again behind the user's back
    assert window.sign_in.account_text(host) == f"Anonymous access to {host}"
    the_dialog(qtbot, window).reject()

    restarted = make_window(qtbot, tmp_path, CredentialStore(memory))  # the next start
    try:
        inspect(qtbot, restarted, f"{host}/test/app:oci")
        assert restarted.sign_in.account_text(host).endswith("(password, saved in Test Keyring)")
    finally:
        restarted.runner.shutdown(2000)


def test_docker_login_credentials_are_named_and_sign_out_stops_them(
    qtbot: QtBot, tmp_path: Path, token_registry: Registry, docker_env: DockerEnv
) -> None:
    host = token_registry.host
    auth = base64.b64encode(f"{ALICE_USER}:{ALICE_PASSWORD}".encode()).decode()
    docker_env.write_config({"auths": {host: {"auth": auth}}})
    store = CredentialStore(backend=keyring.backends.fail.Keyring())
    window = make_window(qtbot, tmp_path, store, CountingClient(credential_fallback=lookup))
    try:
        told: list[str] = []
        window.sign_in.account_changed.connect(told.append)
        inspect(qtbot, window, f"{host}/test/app:oci")
        qtbot.waitUntil(lambda: not window.runner.busy)
        assert window.sign_in.account_text(host) == (
            f"Signed in to {host} as alice with docker login credentials "
            f"(Docker config ({docker_env.config_path}))"
        )
        assert told[-1] == host
        window.sign_in.sign_out(host)
        assert window.sign_in.account_text(host) == f"Anonymous access to {host}"
        refused(qtbot, window)
    finally:
        window.runner.shutdown(2000)


# -- one dialog at a time ------------------------------------------------------------------------
def test_forget_in_the_dialog_opens_no_second_dialog(
    qtbot: QtBot, saved_window: MainWindow, token_registry: Registry
) -> None:
    window, host = saved_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    dialog = window.open_sign_in(None)  # Registry ▸ Sign in…
    assert dialog.registry_edit.text() == host  # the registry in view
    assert dialog.secret_edit.text() == ALICE_PASSWORD
    with qtbot.waitSignal(window.sign_in.account_changed):
        qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert open_dialogs(window) == [dialog]
    assert window.sign_in.account_text(host) == f"Anonymous access to {host}"

    refused(qtbot, window)  # a 401 now: the dialog open already is the one
    QApplication.processEvents()
    assert open_dialogs(window) == [dialog]


def test_opening_sign_in_again_raises_and_retargets_the_open_dialog(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    first = window.open_sign_in(None)  # nothing in view
    assert first.registry_edit.text() == ""
    assert window.open_sign_in(None) is first
    window.reference_bar.setText(f"{token_registry.host}/test/app:oci")
    refused(qtbot, window)  # no second dialog offered over the first
    QApplication.processEvents()
    assert open_dialogs(window) == [first]
    qtbot.mouseClick(window.message_bar.action, Qt.MouseButton.LeftButton)  # "Sign in"
    assert open_dialogs(window) == [first]
    assert first.registry_edit.text() == token_registry.host
    assert first.message_label.isVisible()
    assert first.message_label.text() == window.message_bar.text()
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        sign_in_with_keys(qtbot, first)


def test_menu_dialog_falls_back_to_the_registry_browsed(qtbot: QtBot, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    runner = JobRunner(parent)
    client = RegistryClient()
    store = CredentialStore(keyring.backends.fail.Keyring())
    sign_in = SignIn(
        parent,
        Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)),
        runner,
        MessageBar(),
        client=lambda: client,
        store=lambda: store,
        registry=lambda: ("", None),
        signed_in=lambda _registry: None,
        browsing_registry=lambda: "browsed.azurecr.io",
    )
    dialog = sign_in.open_sign_in(None)
    assert dialog.registry_edit.text() == "browsed.azurecr.io"
    dialog.reject()
    runner.shutdown(2000)


# -- secrets -------------------------------------------------------------------------------------
def texts_shown() -> str:
    """Every text a widget shows or offers: labels, buttons, titles, tooltips, hints; not the
    secret fields' own text."""
    found = []
    for widget in QApplication.allWidgets():
        for name in ("text", "toolTip", "statusTip", "windowTitle", "placeholderText"):
            getter = getattr(widget, name, None)
            if name == "text" and widget.objectName() == "secret":
                continue
            if callable(getter):
                try:
                    found.append(str(getter()))
                except TypeError:
                    continue
        for name in ("informativeText", "detailedText"):
            if isinstance(widget, QMessageBox):
                found.append(str(getattr(widget, name)()))
    return "\n".join(found)


def test_no_secret_in_any_label_log_or_tooltip(
    qtbot: QtBot,
    saved_window: MainWindow,
    token_registry: Registry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    window, host = saved_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    dialog = window.open_sign_in(None)
    dialog.secret_edit.setObjectName("secret")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_button.text() == "Test sign-in", timeout=10_000)
    qtbot.waitUntil(lambda: dialog.result_label.text() != "", timeout=10_000)
    shown = texts_shown() + window.sign_in.account_text(host)
    box = window.sign_in.sign_out(host)
    assert box is not None
    shown += texts_shown() + window.sign_in.account_text(host) + repr(window.sign_in)
    for secret in (ALICE_PASSWORD, ALICE_PASSWORD[:12]):
        assert secret not in shown
        assert secret not in caplog.text
    assert ALICE_USER in shown  # who, yes


def test_anonymous_chosen_stays_anonymous_though_a_password_is_saved(
    qtbot: QtBot, saved_window: MainWindow, token_registry: Registry
) -> None:
    window, host = saved_window, token_registry.host
    inspect(qtbot, window, f"{host}/test/app:oci")
    dialog = window.open_sign_in(None)
    dialog.kind_combo.setFocus()
    qtbot.keyClick(dialog.kind_combo, Qt.Key.Key_End)  # the last kind: Anonymous
    assert dialog.credentials() is None
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:  # the window inspects again
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )
    assert isinstance(failed.args[0], AUTH_ERRORS)  # the saved password was not used
    assert window.sign_in.account_text(host) == f"Anonymous access to {host}"
    refused(qtbot, window)  # nor on the next inspect
    QApplication.processEvents()
    assert open_dialogs(window) == []  # chosen, so not asked again


def test_sign_out_removes_the_password_from_the_real_secret_service(
    qtbot: QtBot, tmp_path: Path, token_registry: Registry
) -> None:
    from keyring.backends import SecretService

    host = token_registry.host
    (tmp_path / "home").mkdir()
    with secret_service(tmp_path / "home"):
        window = make_window(qtbot, tmp_path, CredentialStore(SecretService.Keyring()))
        try:
            window.reference_bar.setText(f"{host}/test/app:oci")
            refused(qtbot, window)
            dialog = the_dialog(qtbot, window)
            assert dialog.remember()  # ticked: a keyring is there
            with qtbot.waitSignal(window.inspected, timeout=10_000):
                sign_in_with_keys(qtbot, dialog)
            assert window.sign_in.account_text(host) == (
                f"Signed in to {host} as alice (password, saved in Secret Service)"
            )
            assert SecretService.Keyring().get_password(service_name(host), ALICE_USER) == (
                ALICE_PASSWORD
            )
            box = window.sign_in.sign_out(host)
            assert box is not None
            qtbot.mouseClick(button(box, "Remove the saved password"), Qt.MouseButton.LeftButton)
            assert SecretService.Keyring().get_password(service_name(host), ALICE_USER) is None
            assert window.sign_in.account_text(host) == f"Anonymous access to {host}"
        finally:
            window.runner.shutdown(2000)
