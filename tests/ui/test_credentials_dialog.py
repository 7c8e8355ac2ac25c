"""The sign-in dialog: prefill, kinds, session-only note, test sign-in on the worker, forget."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry.auth import ACR_REFRESH_USERNAME, Credentials
from acr_desktop.registry.connection import ConnectionSettings
from acr_desktop.registry.docker_credentials import CredentialLookup, FoundCredentials
from acr_desktop.ui import colours
from acr_desktop.ui.credentials_dialog import SESSION_ONLY_NOTE, CredentialsDialog
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.signin_kinds import KIND_ANONYMOUS, KIND_PASSWORD, KIND_REFRESH_TOKEN
from acr_desktop.ui.worker import JobRunner
from tests.registry.conftest import DockerEnv
from tests.rig import FakeRequest, FakeServer, Registry
from tests.rig.fake_server import Response
from tests.rig.token_server import PULLER_PASSWORD, PULLER_USER
from tests.secret_service import MemoryKeyring

REGISTRY = "myregistry.azurecr.io"
SECRET = "dialog-Pa55w0rd-SECRET"


@pytest.fixture
def preferences(tmp_path: Path) -> Preferences:
    return Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def runner() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


def make_dialog(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    store: CredentialStore,
    registry: str = REGISTRY,
    *,
    repository: str | None = None,
    message: str | None = None,
    kind: str | None = None,
) -> CredentialsDialog:
    dialog = CredentialsDialog(
        registry, store, runner, repository=repository, message=message, preferences=preferences
    )
    qtbot.addWidget(dialog)
    dialog.show()
    if kind is not None:  # an ACR host with nothing saved opens on Microsoft Entra ID
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))
    return dialog


def type_in(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def ok_button(dialog: CredentialsDialog) -> QPushButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def assert_renders(dialog: CredentialsDialog, path: Path) -> None:
    """A real picture, at least the minimum width."""
    assert dialog.grab().save(str(path))
    assert dialog.width() >= 460
    assert path.stat().st_size > 1000


def test_prefilled_from_settings(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring, tmp_path: Path
) -> None:
    preferences.set_username(REGISTRY, "alice")
    dialog = make_dialog(
        qtbot,
        preferences,
        runner,
        CredentialStore(memory),
        message=f"{REGISTRY} requires you to sign in.",
    )
    assert dialog.registry_edit.text() == REGISTRY
    assert dialog.username_edit.text() == "alice"
    assert dialog.kind() == KIND_PASSWORD
    assert dialog.secret_edit.text() == ""
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.message_label.isVisible()
    assert "requires you to sign in" in dialog.message_label.text()
    assert dialog.remember_check.text() == "Remember in Test Keyring"
    assert dialog.remember_check.isEnabled()
    assert not dialog.session_note.isVisible()
    assert not ok_button(dialog).isEnabled()
    type_in(qtbot, dialog.secret_edit, SECRET)
    assert ok_button(dialog).isEnabled()
    assert_renders(dialog, tmp_path / "credentials_dialog.png")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.show_button.text() == "Hide"


def test_saved_secret_is_prefilled(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    preferences.set_username(REGISTRY, "alice")
    memory.set_password(service_name(REGISTRY), "alice", SECRET)
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory))
    assert dialog.secret_edit.text() == SECRET
    assert dialog.credentials() == Credentials("alice", SECRET)


def test_kinds(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory), kind=KIND_PASSWORD)
    type_in(qtbot, dialog.username_edit, "alice")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_REFRESH_TOKEN))
    assert dialog.username_edit.text() == ACR_REFRESH_USERNAME
    assert not dialog.username_edit.isEnabled()
    type_in(qtbot, dialog.secret_edit, SECRET)
    creds = dialog.credentials()
    assert creds is not None
    assert creds.kind == "refresh_token"
    assert creds.username == ACR_REFRESH_USERNAME

    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_PASSWORD))
    assert dialog.username_edit.text() == "alice"  # what was typed comes back
    assert dialog.username_edit.isEnabled()

    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_ANONYMOUS))
    assert dialog.credentials() is None
    assert not dialog.secret_edit.isEnabled()
    assert not dialog.remember()
    assert ok_button(dialog).isEnabled()


def test_refresh_token_username_in_settings_selects_the_kind(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    preferences.set_username(REGISTRY, ACR_REFRESH_USERNAME)
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory))
    assert dialog.kind() == KIND_REFRESH_TOKEN
    assert dialog.username_edit.text() == ACR_REFRESH_USERNAME


def test_no_keyring_is_session_only(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, tmp_path: Path
) -> None:
    store = CredentialStore(fail.Keyring())
    dialog = make_dialog(
        qtbot, preferences, runner, store, message="Sign in to continue.", kind=KIND_PASSWORD
    )
    assert not dialog.remember_check.isEnabled()
    assert not dialog.remember()
    assert dialog.session_note.isVisible()
    assert dialog.session_note.text() == SESSION_ONLY_NOTE
    assert "session only" in SESSION_ONLY_NOTE
    assert_renders(dialog, tmp_path / "credentials_dialog_session_only.png")

    type_in(qtbot, dialog.username_edit, "alice")
    type_in(qtbot, dialog.secret_edit, SECRET)
    dialog.accept()
    loaded = store.load(REGISTRY, "alice")
    assert loaded is not None
    assert loaded.secret == SECRET
    assert SECRET.encode() not in (tmp_path / "s.ini").read_bytes()


def test_sign_in_grants_pull(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    memory: MemoryKeyring,
    token_registry: Registry,
) -> None:
    dialog = make_dialog(
        qtbot,
        preferences,
        runner,
        CredentialStore(memory),
        token_registry.host,
        repository="test/app",
    )
    type_in(qtbot, dialog.username_edit, PULLER_USER)
    type_in(qtbot, dialog.secret_edit, PULLER_PASSWORD)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.test_button.isEnabled()
    assert dialog.test_button.text() == "Testing…"
    qtbot.waitUntil(lambda: dialog.result_label.text().startswith("Granted: pull on test/app.\n"))
    assert dialog.result_label.text().splitlines()[1:] == [  # what each view needs
        "✓ Inspect images: pull on test/app",
        "✗ Tag times, sizes from ACR: metadata_read on test/app",
        "✗ Repository list: catalog listing (registry:catalog:*)",
    ]
    assert_not_truncated(dialog)
    assert colours.ok() in dialog.result_label.styleSheet()
    assert dialog.test_button.isEnabled()
    assert dialog.test_button.text() == "Test sign-in"
    assert memory.entries == {}  # testing saves nothing


def test_wrong_password_shows_the_error_and_keeps_the_input(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    memory: MemoryKeyring,
    token_registry: Registry,
) -> None:
    dialog = make_dialog(
        qtbot,
        preferences,
        runner,
        CredentialStore(memory),
        token_registry.host,
        repository="test/app",
    )
    type_in(qtbot, dialog.username_edit, PULLER_USER)
    type_in(qtbot, dialog.secret_edit, "wrong-SECRET")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: colours.error() in dialog.result_label.styleSheet())
    assert PULLER_USER in dialog.result_label.text()
    assert "wrong-SECRET" not in dialog.result_label.text()
    assert dialog.username_edit.text() == PULLER_USER
    assert dialog.secret_edit.text() == "wrong-SECRET"
    assert dialog.test_button.isEnabled()
    assert_not_truncated(dialog)


def assert_not_truncated(dialog: CredentialsDialog) -> None:
    """The dialog grew for the wrapped answer (Qt does not do that by itself)."""
    label = dialog.result_label
    assert label.height() >= label.heightForWidth(label.width())
    assert label.geometry().bottom() < dialog.buttons.geometry().top()


def test_sign_in_runs_on_the_worker_and_edits_drop_it(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    memory: MemoryKeyring,
    fake_server: FakeServer,
) -> None:
    gate = threading.Event()

    def slow_ping(_req: FakeRequest) -> Response:
        gate.wait(10)
        return 200, {"Content-Type": "application/json"}, b"{}"

    fake_server.route("GET", r"/v2/", slow_ping)
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory), fake_server.host)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_ANONYMOUS))
    try:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.wait(150)  # the event loop runs while the server holds the request
        assert dialog.test_button.text() == "Testing…"
        assert "Signing in" in dialog.result_label.text()
        gate.set()
        qtbot.waitUntil(lambda: "needs no sign-in" in dialog.result_label.text())

        gate.clear()
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_PASSWORD))
        assert dialog.test_button.text() == "Test sign-in"  # the edit cancelled the test
        gate.set()
        qtbot.waitUntil(lambda: not runner.busy)
        qtbot.wait(50)
        assert dialog.result_label.text() == ""  # its answer was dropped
    finally:
        gate.set()


def test_invalid_registry_says_why_ok_is_disabled(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory), "bad host")
    assert not ok_button(dialog).isEnabled()
    assert "not a valid registry host name" in dialog.result_label.text()
    type_in(qtbot, dialog.registry_edit, REGISTRY)
    assert dialog.result_label.text() == ""


def test_accept_saves_to_keyring_and_settings_without_the_secret(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring, tmp_path: Path
) -> None:
    store = CredentialStore(memory)
    dialog = make_dialog(
        qtbot, preferences, runner, store, " MyRegistry.azurecr.io/ ", kind=KIND_PASSWORD
    )
    type_in(qtbot, dialog.username_edit, "alice")
    type_in(qtbot, dialog.secret_edit, SECRET)
    assert dialog.remember()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == CredentialsDialog.DialogCode.Accepted
    assert dialog.registry() == REGISTRY
    assert dialog.credentials() == Credentials("alice", SECRET)
    assert memory.entries == {(f"acr-desktop:{REGISTRY}", "alice"): SECRET}

    ini = (tmp_path / "s.ini").read_bytes()
    assert SECRET.encode() not in ini
    reread = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert reread.username(REGISTRY) == "alice"
    assert reread.kind(REGISTRY) == KIND_PASSWORD
    assert SECRET not in repr(dialog.credentials())


def test_not_remembered_stays_out_of_the_keyring(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    memory.set_password(service_name(REGISTRY), "alice", "old-SECRET")
    store = CredentialStore(memory)
    dialog = make_dialog(qtbot, preferences, runner, store, kind=KIND_PASSWORD)
    type_in(qtbot, dialog.username_edit, "alice")
    type_in(qtbot, dialog.secret_edit, SECRET)
    dialog.remember_check.setChecked(False)
    dialog.accept()
    assert memory.entries == {}
    assert store.load(REGISTRY, "alice") == Credentials("alice", SECRET)


def test_forget(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring, tmp_path: Path
) -> None:
    store = CredentialStore(memory)
    store.save(REGISTRY, Credentials.for_user("alice", SECRET))
    preferences.set_username(REGISTRY, "alice")
    dialog = make_dialog(qtbot, preferences, runner, store)
    assert dialog.secret_edit.text() == SECRET
    with qtbot.waitSignal(dialog.forgotten) as forgotten:
        qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert forgotten.args == [REGISTRY, "alice"]
    assert memory.entries == {}
    assert store.load(REGISTRY, "alice") is None
    assert dialog.secret_edit.text() == ""
    assert "Forgot" in dialog.result_label.text()
    reread = Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert reread.username(REGISTRY) is None


# -- credentials the user already has (Docker / Podman config) ----------------------------------
FOUND_IN = "Docker config (~/.docker/config.json), via docker-credential-secretservice"


def finder(found: FoundCredentials | None, *problems: str) -> Callable[[str], CredentialLookup]:
    asked: list[str] = []

    def find(registry: str) -> CredentialLookup:
        asked.append(registry)
        return CredentialLookup(found, problems)

    find.asked = asked  # type: ignore[attr-defined]
    return find


def offered(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    store: CredentialStore,
    find: Callable[[str], CredentialLookup],
) -> CredentialsDialog:
    dialog = CredentialsDialog(
        REGISTRY, store, runner, preferences=preferences, find_credentials=find
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.found_row.isVisible)
    return dialog


def test_offers_a_docker_sign_in_for_this_session(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring, tmp_path: Path
) -> None:
    store = CredentialStore(memory)
    find = finder(FoundCredentials(Credentials("alice", SECRET), FOUND_IN))
    dialog = offered(qtbot, preferences, runner, store, find)
    assert find.asked == [REGISTRY]  # type: ignore[attr-defined]
    assert dialog.found_label.text() == f"Found a sign-in (alice) in {FOUND_IN}."
    assert dialog.use_found_button.isVisible()
    assert dialog.username_edit.text() == ""  # offered, not filled in
    assert_renders(dialog, tmp_path / "credentials_dialog_docker.png")

    qtbot.mouseClick(dialog.use_found_button, Qt.MouseButton.LeftButton)
    assert dialog.username_edit.text() == "alice"
    assert dialog.secret_edit.text() == SECRET
    assert not dialog.remember()
    assert f"Using the sign-in from {FOUND_IN}" in dialog.result_label.text()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert memory.entries == {}  # never copied anywhere without asking
    resolved = store.resolve(REGISTRY, "alice")
    assert resolved is not None
    assert resolved.credentials == Credentials("alice", SECRET)
    assert resolved.source == f"this session (from {FOUND_IN})"
    assert SECRET.encode() not in (tmp_path / "s.ini").read_bytes()


def test_a_found_refresh_token_can_be_saved_to_the_keyring(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    token = Credentials.for_user("<token>", SECRET)
    dialog = offered(
        qtbot,
        preferences,
        runner,
        CredentialStore(memory),
        finder(FoundCredentials(token, FOUND_IN)),
    )
    assert "Found a sign-in (an ACR refresh token)" in dialog.found_label.text()
    dialog.use_found()
    assert dialog.kind() == KIND_REFRESH_TOKEN
    assert dialog.username_edit.text() == ACR_REFRESH_USERNAME
    dialog.remember_check.setChecked(True)
    dialog.accept()
    assert memory.entries == {(service_name(REGISTRY), ACR_REFRESH_USERNAME): SECRET}


def test_helper_problems_are_shown_without_an_offer(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    memory: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "docker-env").mkdir()
    docker = DockerEnv(tmp_path / "docker-env", monkeypatch)
    docker.write_config({"credsStore": "nowhere"})
    dialog = CredentialsDialog(REGISTRY, CredentialStore(memory), runner, preferences=preferences)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.found_row.isVisible)
    assert dialog.found_label.text() == (
        "The credential helper docker-credential-nowhere is not installed (not on PATH) "
        f"(named in Docker config ({docker.config_path}))."
    )
    assert not dialog.use_found_button.isVisible()


def test_nothing_found_shows_nothing_and_saved_secrets_skip_the_lookup(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    find = finder(None)
    dialog = CredentialsDialog(
        REGISTRY, CredentialStore(memory), runner, preferences=preferences, find_credentials=find
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not runner.busy)
    assert find.asked == [REGISTRY]  # type: ignore[attr-defined]
    assert not dialog.found_row.isVisible()

    preferences.set_username(REGISTRY, "alice")
    memory.set_password(service_name(REGISTRY), "alice", SECRET)
    saved = finder(None)
    CredentialsDialog(
        REGISTRY, CredentialStore(memory), runner, preferences=preferences, find_credentials=saved
    ).deleteLater()
    assert saved.asked == []  # type: ignore[attr-defined]


def test_forget_keeps_the_connection_settings(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, memory: MemoryKeyring
) -> None:
    preferences.set_username(REGISTRY, "alice")
    preferences.set_connection_settings(REGISTRY, ConnectionSettings(ca_bundle="/etc/ssl/corp.pem"))
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory))
    dialog.forget()
    assert preferences.username(REGISTRY) is None
    assert preferences.connection_settings(REGISTRY).ca_bundle == "/etc/ssl/corp.pem"


def test_test_sign_in_uses_the_connection_settings(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    memory: MemoryKeyring,
    fake_server: FakeServer,
) -> None:
    fake_server.reply_json("GET", r"/v2/", 200, {})
    preferences.set_connection_settings(fake_server.host, ConnectionSettings(plain_http=False))
    dialog = make_dialog(qtbot, preferences, runner, CredentialStore(memory), fake_server.host)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_ANONYMOUS))
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: colours.error() in dialog.result_label.styleSheet())
    assert "it does not speak HTTPS on this port" in dialog.result_label.text()
    assert "“Allow plain HTTP”" in dialog.result_label.text()
    assert fake_server.requests == []  # HTTPS never reached the plain-HTTP server as a request
