"""Each sign-in kind clears and labels its own fields and messages: switching kind empties the
secret for good (no undo), relabels it, drops the last kind's answer, and switching back does not
bring the other kind's secret back. Driven by the keyboard, against the real token registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry.auth import ACR_REFRESH_USERNAME
from acr_desktop.registry.docker_credentials import CredentialLookup
from acr_desktop.ui import colours
from acr_desktop.ui.credentials_dialog import CredentialsDialog
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.signin_kinds import KIND_ANONYMOUS, KIND_PASSWORD, KIND_REFRESH_TOKEN
from acr_desktop.ui.worker import JobRunner
from tests.rig import ALICE_PASSWORD, ALICE_USER, REFRESH_TOKEN, Registry
from tests.secret_service import MemoryKeyring

SHOTS = Path("/tmp/team")


@pytest.fixture
def preferences(tmp_path: Path) -> Preferences:
    return Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def runner() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.shutdown()


def dialog_for(
    qtbot: QtBot, registry: str, preferences: Preferences, runner: JobRunner
) -> CredentialsDialog:
    dialog = CredentialsDialog(
        registry,
        CredentialStore(MemoryKeyring()),
        runner,
        repository="test/app",
        preferences=preferences,
        find_credentials=lambda _registry: CredentialLookup(None, ()),  # no Docker config
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose_kind(qtbot: QtBot, dialog: CredentialsDialog, kind: str) -> None:
    """With the keyboard: Up / Down on the focused combo box, as a user would."""
    combo = dialog.kind_combo
    combo.setFocus()
    wanted = combo.findData(kind)
    while combo.currentIndex() != wanted:
        key = Qt.Key.Key_Down if combo.currentIndex() < wanted else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
    assert dialog.kind() == kind


def type_secret(qtbot: QtBot, dialog: CredentialsDialog, text: str) -> None:
    dialog.secret_edit.setFocus()
    qtbot.keyClicks(dialog.secret_edit, text)


def assert_secret_gone(qtbot: QtBot, dialog: CredentialsDialog, secret: str) -> None:
    """Empty, hidden again, and no undo can bring it back."""
    edit = dialog.secret_edit
    assert edit.text() == ""
    assert not edit.isUndoAvailable()
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == ""
    assert secret not in edit.text()
    assert edit.echoMode() == QLineEdit.EchoMode.Password
    assert not dialog.show_button.isChecked()


def test_switching_to_refresh_token_empties_and_relabels_the_secret(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, token_registry: Registry
) -> None:
    dialog = dialog_for(qtbot, token_registry.host, preferences, runner)
    dialog.username_edit.setFocus()
    qtbot.keyClicks(dialog.username_edit, ALICE_USER)
    type_secret(qtbot, dialog, "wrong-SECRET")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: colours.error() in dialog.result_label.styleSheet(), timeout=10_000)
    assert dialog.result_label.isVisible()  # the password's answer
    dialog.grab().save(str(SHOTS / "C-kind-password.png"))

    choose_kind(qtbot, dialog, KIND_REFRESH_TOKEN)
    assert_secret_gone(qtbot, dialog, "wrong-SECRET")
    assert dialog.secret_label.text() == "&Refresh token:"
    assert "az acr login --expose-token" in dialog.secret_edit.placeholderText()
    assert dialog.username_edit.text() == ACR_REFRESH_USERNAME
    assert not dialog.username_edit.isEnabled()
    assert dialog.result_label.text() == ""  # the password's answer is gone
    assert not dialog.result_label.isVisible()

    type_secret(qtbot, dialog, REFRESH_TOKEN)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: colours.ok() in dialog.result_label.styleSheet(), timeout=10_000)
    assert "pull" in dialog.result_label.text()
    dialog.grab().save(str(SHOTS / "C-kind-refresh-token.png"))

    choose_kind(qtbot, dialog, KIND_PASSWORD)
    assert_secret_gone(qtbot, dialog, REFRESH_TOKEN)  # the token does not follow
    assert dialog.secret_label.text() == "&Password or token:"
    assert dialog.username_edit.text() == ALICE_USER  # the username typed comes back
    assert dialog.username_edit.isEnabled()
    assert dialog.result_label.text() == ""  # the token's answer is gone


def test_switching_back_does_not_bring_the_other_secret_back(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, token_registry: Registry
) -> None:
    dialog = dialog_for(qtbot, token_registry.host, preferences, runner)
    dialog.username_edit.setFocus()
    qtbot.keyClicks(dialog.username_edit, ALICE_USER)
    type_secret(qtbot, dialog, ALICE_PASSWORD)
    choose_kind(qtbot, dialog, KIND_REFRESH_TOKEN)
    type_secret(qtbot, dialog, REFRESH_TOKEN)
    choose_kind(qtbot, dialog, KIND_PASSWORD)
    assert_secret_gone(qtbot, dialog, ALICE_PASSWORD)
    choose_kind(qtbot, dialog, KIND_REFRESH_TOKEN)
    assert_secret_gone(qtbot, dialog, REFRESH_TOKEN)
    assert dialog.credentials() is not None
    assert dialog.credentials().secret == ""  # type: ignore[union-attr]


def test_anonymous_asks_for_nothing_and_says_so(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, token_registry: Registry
) -> None:
    dialog = dialog_for(qtbot, token_registry.host, preferences, runner)
    dialog.username_edit.setFocus()
    qtbot.keyClicks(dialog.username_edit, ALICE_USER)
    type_secret(qtbot, dialog, ALICE_PASSWORD)
    choose_kind(qtbot, dialog, KIND_ANONYMOUS)
    assert_secret_gone(qtbot, dialog, ALICE_PASSWORD)
    assert dialog.username_edit.text() == ""
    assert not dialog.username_edit.isEnabled()
    assert not dialog.secret_edit.isEnabled()
    assert dialog.secret_edit.placeholderText() == "Not needed for anonymous access"
    assert not dialog.remember_check.isEnabled()
    assert dialog.credentials() is None
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_label.text() != "", timeout=10_000)
    qtbot.waitUntil(lambda: dialog.test_button.text() == "Test sign-in", timeout=10_000)
    dialog.grab().save(str(SHOTS / "C-kind-anonymous.png"))
    choose_kind(qtbot, dialog, KIND_PASSWORD)
    assert dialog.username_edit.text() == ALICE_USER
    assert dialog.secret_edit.text() == ""
    assert dialog.result_label.text() == ""


def test_forget_clears_the_secret_for_good(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner
) -> None:
    memory = MemoryKeyring()
    memory.set_password(service_name("myreg.azurecr.io"), ALICE_USER, ALICE_PASSWORD)
    preferences.set_username("myreg.azurecr.io", ALICE_USER)
    dialog = CredentialsDialog(
        "myreg.azurecr.io", CredentialStore(memory), runner, preferences=preferences
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.secret_edit.text() == ALICE_PASSWORD
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert_secret_gone(qtbot, dialog, ALICE_PASSWORD)
    assert dialog.result_label.text() == "Forgot the saved sign-in of alice for myreg.azurecr.io."
    assert memory.entries == {}


def test_anonymous_chosen_before_puts_no_saved_secret_in_the_form(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner
) -> None:
    memory = MemoryKeyring()
    memory.set_password(service_name("myreg.azurecr.io"), ALICE_USER, ALICE_PASSWORD)
    preferences.set_account("myreg.azurecr.io", KIND_ANONYMOUS, ALICE_USER)
    dialog = CredentialsDialog(
        "myreg.azurecr.io", CredentialStore(memory), runner, preferences=preferences
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.kind() == KIND_ANONYMOUS
    assert dialog.secret_edit.text() == ""
    choose_kind(qtbot, dialog, KIND_PASSWORD)
    assert dialog.username_edit.text() == ALICE_USER
    assert_secret_gone(qtbot, dialog, ALICE_PASSWORD)


def test_retargeting_prefills_the_other_registry_and_drops_what_was_said(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner
) -> None:
    memory = MemoryKeyring()
    memory.set_password(service_name("myreg.azurecr.io"), ALICE_USER, ALICE_PASSWORD)
    preferences.set_username("myreg.azurecr.io", ALICE_USER)
    preferences.set_username("other.azurecr.io", "bob")
    dialog = CredentialsDialog(
        "myreg.azurecr.io",
        CredentialStore(memory),
        runner,
        preferences=preferences,
        message="myreg.azurecr.io requires you to sign in.",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.secret_edit.text() == ALICE_PASSWORD
    dialog.retarget("myreg.azurecr.io")  # the same registry: as it was
    assert dialog.message_label.text() == "myreg.azurecr.io requires you to sign in."
    assert dialog.secret_edit.text() == ALICE_PASSWORD
    dialog.retarget("other.azurecr.io", repository="team/app")
    assert dialog.registry() == "other.azurecr.io"
    assert dialog.username_edit.text() == "bob"
    assert_secret_gone(qtbot, dialog, ALICE_PASSWORD)
    assert not dialog.message_label.isVisible()
    assert dialog.message_label.text() == ""
    dialog.retarget("other.azurecr.io", message="other.azurecr.io refused “bob”.")
    assert dialog.message_label.isVisible()
    assert dialog.username_edit.text() == "bob"
