"""Microsoft Entra ID in the sign-in dialog: first and the default for ACR hosts, its panel asks
Azure on the worker (a real Azure CLI credential against a fake `az`, or sources of our own),
"Sign in with browser" with a device code to copy, no OK without the Azure extra, hostile
failure text shown as plain text, keyboard only, and it fits a small screen."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.credentials import CredentialStore
from acr_desktop.registry import entra
from acr_desktop.registry.docker_credentials import CredentialLookup
from acr_desktop.ui import entra_panel
from acr_desktop.ui.credentials_dialog import CredentialsDialog
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.signin_kinds import (
    KIND_ENTRA,
    KIND_PASSWORD,
    KINDS,
    default_kind,
)
from acr_desktop.ui.worker import JobRunner
from tests.rig.entra import TENANT, EntraAuthority, install_fake_az
from tests.secret_service import MemoryKeyring

SHOTS = Path("/tmp/team/shots")
ACR = "contosoregistry.azurecr.io"
LONG_ACR = "contoso-platform-team-production-registry-westeurope-0001.westeurope.data.azurecr.io"
CODE_MESSAGE = (
    "To sign in, open https://microsoft.com/devicelogin in a browser and enter the code ABCD-EFGH."
)


@pytest.fixture
def preferences(tmp_path: Path) -> Preferences:
    return Preferences(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def runner() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.shutdown()


def make_dialog(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    registry: str = ACR,
    store: CredentialStore | None = None,
) -> CredentialsDialog:
    dialog = CredentialsDialog(
        registry,
        store or CredentialStore(MemoryKeyring()),
        runner,
        preferences=preferences,
        find_credentials=lambda _registry: CredentialLookup(None, ()),  # no Docker config
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ok_button(dialog: CredentialsDialog) -> QPushButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"entra_{name}.png"))


class FakeSource:
    """An azure-identity TokenCredential stand-in: a token, a failure, or a device-code prompt
    and a wait (a person signing in elsewhere)."""

    def __init__(
        self,
        token: str = "",
        *,
        error: Exception | None = None,
        prompt: Callable[[str], None] | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        self.token, self.error, self.prompt, self.gate = token, error, prompt, gate
        self.asked = 0

    def get_token(self, *scopes: str, **_options: Any) -> AccessToken:
        self.asked += 1
        assert scopes == (entra.ENTRA_SCOPE,)
        if self.prompt is not None:
            self.prompt(CODE_MESSAGE)
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.error is not None:
            raise self.error
        return AccessToken(self.token, int(time.time()) + 3600)


def use_sources(
    monkeypatch: pytest.MonkeyPatch,
    quiet: list[tuple[str, Any]],
    browser: Callable[[Callable[[str], None]], list[tuple[str, Any]]] | None = None,
) -> None:
    """New sign-ins in the panel ask `quiet` (non-interactive) or `browser(device_code)`."""

    def options(interactive: bool, device_code: Callable[[str], None]) -> dict[str, Any]:
        sources = browser(device_code) if interactive and browser else quiet
        return {"sources": sources, "interactive": interactive}

    monkeypatch.setattr(entra_panel, "login_options", options)


# -- the kind ---------------------------------------------------------------------------------
def test_entra_is_first_and_the_default_for_acr_hosts_only(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner
) -> None:
    assert KINDS[0] == (KIND_ENTRA, "Microsoft Entra ID (work account)")
    for host in (ACR, "x.azurecr.cn", "x.azurecr.us", "x.westeurope.geo.azurecr.io"):
        assert default_kind(host) == KIND_ENTRA, host
    assert default_kind("ghcr.io") == KIND_PASSWORD
    assert default_kind("127.0.0.1:5000") == KIND_PASSWORD

    dialog = make_dialog(qtbot, preferences, runner, ACR)
    assert dialog.kind() == KIND_ENTRA
    assert dialog.entra_panel.isVisible()
    assert not dialog.username_edit.isVisible()  # no username or secret for it
    assert not dialog.secret_edit.isVisible()
    assert not dialog.show_button.isVisible()
    dialog.reject()

    other = make_dialog(qtbot, preferences, runner, "ghcr.io")
    assert other.kind() == KIND_PASSWORD
    assert not other.entra_panel.isVisible()
    assert other.username_edit.isVisible()
    other.kind_combo.setCurrentIndex(other.kind_combo.findData(KIND_ENTRA))  # offered for all
    assert other.entra_panel.isVisible()
    assert not other.secret_edit.isVisible()
    other.reject()


def test_a_password_chosen_before_stays_the_kind_of_an_acr_host(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner
) -> None:
    preferences.set_account(ACR, KIND_PASSWORD, "alice")
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    assert dialog.kind() == KIND_PASSWORD
    assert dialog.username_edit.text() == "alice"
    preferences.set_username("other.azurecr.io", "bob")  # a username saved, no kind: a password
    assert make_dialog(qtbot, preferences, runner, "other.azurecr.io").kind() == KIND_PASSWORD


# -- asking Azure -----------------------------------------------------------------------------
def test_an_azure_cli_login_is_found_on_the_worker_and_ok_enabled(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, fake_az: Path
) -> None:
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    panel = dialog.entra_panel
    assert not ok_button(dialog).isEnabled()  # until Azure answered
    qtbot.waitUntil(panel.ready, timeout=30_000)
    assert panel.status_label.text() == (
        f"Signed in to Azure as entra-user (Azure CLI), tenant {TENANT}."
    )
    assert "az account get-access-token" in (fake_az / "calls.log").read_text()
    assert ok_button(dialog).isEnabled()
    assert dialog.test_button.isEnabled()
    assert not panel.browser_button.isVisible()
    creds = dialog.credentials()
    assert creds is not None
    assert creds.kind == "entra"
    assert creds.secret == ""
    assert isinstance(creds.entra, entra.EntraLogin)
    assert creds.entra.source == "Azure CLI"
    assert panel.status_label.textFormat() == Qt.TextFormat.PlainText
    shot(dialog, "cli_found")


def test_no_sign_in_says_what_was_tried_and_offers_the_browser(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    fake_az: Path,
    entra_authority: EntraAuthority,
) -> None:
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    panel = dialog.entra_panel
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=30_000)
    text = panel.status_label.text()
    assert "Azure CLI: not signed in (run az login)" in text
    assert "sign in with the browser" in text
    assert not panel.ready()
    assert not ok_button(dialog).isEnabled()
    assert not dialog.test_button.isEnabled()
    assert panel.check_button.isVisible()
    shot(dialog, "nothing_found")

    install_fake_az(fake_az, entra_authority, mode="ok")  # `az login` in a terminal, then:
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.ready, timeout=30_000)
    assert ok_button(dialog).isEnabled()
    assert "entra-user (Azure CLI)" in panel.status_label.text()


def test_browser_sign_in_shows_a_device_code_to_copy(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    entra_authority: EntraAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = threading.Event()
    quiet = FakeSource(error=RuntimeError("Please run 'az login' to setup account."))
    browser: list[FakeSource] = []

    def device_code_flow(prompt: Callable[[str], None]) -> list[tuple[str, Any]]:
        token = entra_authority.mint("alice@contoso.com")
        browser.append(FakeSource(token, prompt=prompt, gate=gate))
        return [("device code", browser[-1])]

    use_sources(monkeypatch, [("Azure CLI", quiet)], device_code_flow)
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    panel = dialog.entra_panel
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)
    try:
        panel.browser_button.setFocus()
        qtbot.keyClick(panel.browser_button, Qt.Key.Key_Space)  # keyboard only
        qtbot.waitUntil(panel.copy_button.isVisible, timeout=10_000)
        assert panel.code_label.text() == CODE_MESSAGE
        assert panel.code_label.textInteractionFlags() & (
            Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        assert panel.status_label.text().startswith("Waiting for you to sign in with this code")
        assert not ok_button(dialog).isEnabled()
        shot(dialog, "device_code")
        qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == "ABCD-EFGH"
    finally:
        gate.set()
    qtbot.waitUntil(panel.ready, timeout=10_000)
    assert not panel.copy_button.isVisible()  # done with the code
    assert panel.status_label.text().startswith("Signed in to Azure as alice@contoso.com")
    assert "(device code)" in panel.status_label.text()
    assert ok_button(dialog).isEnabled()
    creds = dialog.credentials()
    assert creds is not None and isinstance(creds.entra, entra.EntraLogin)
    assert creds.entra.source == "device code"
    shot(dialog, "browser_done")


def test_without_the_azure_extra_ok_is_disabled_for_entra_only(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entra, "azure_identity_available", lambda: False)
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    panel = dialog.entra_panel
    assert dialog.kind() == KIND_ENTRA
    assert panel.status_label.text() == (
        "Microsoft Entra ID sign-in needs the Azure extra: pip install 'acr-desktop[azure]'"
    )
    assert not panel.browser_button.isVisible()
    assert not panel.keep_note.isVisible()  # nothing to keep
    assert not ok_button(dialog).isEnabled()
    assert not dialog.test_button.isEnabled()
    assert panel.credentials() is None
    shot(dialog, "no_extra")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(KIND_PASSWORD))
    dialog.username_edit.setText("alice")
    dialog.secret_edit.setText("entra-dialog-SECRET")
    assert ok_button(dialog).isEnabled()  # the other kinds work as ever


HOSTILE = (
    "<b>AADSTS50076</b><img src='file:///dev/zero'> \u202eevil\u202c "
    + "https://login.example/"
    + "x" * 5000
)


def test_hostile_failure_text_is_plain_bounded_and_fits(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = FakeSource(error=ValueError(HOSTILE))
    use_sources(monkeypatch, [("Azure CLI", bad)])
    dialog = make_dialog(qtbot, preferences, runner, LONG_ACR)
    panel = dialog.entra_panel
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)
    text = panel.status_label.text()
    assert "<b>AADSTS50076</b>" in text  # as typed, not bold
    assert panel.status_label.textFormat() == Qt.TextFormat.PlainText
    assert "\u202e" not in text
    assert len(text) < 1000
    assert "x" * 400 not in text
    qtbot.wait(50)
    assert dialog.width() <= 933  # 1400 × 900 at 150 %: 933 × 600 logical
    assert dialog.height() <= 600
    assert dialog.minimumSizeHint().width() <= 933
    shot(dialog, "hostile")


def test_an_unexpected_failure_names_only_its_type(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def get_token(self, *_scopes: str, **_options: Any) -> AccessToken:
            raise KeyboardInterrupt  # not an Exception: EntraLogin does not word it

    use_sources(monkeypatch, [("Azure CLI", Broken())])
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    panel = dialog.entra_panel
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)
    assert panel.status_label.text() == (
        "Asking Azure for a sign-in failed unexpectedly (KeyboardInterrupt)."
    )


# -- keyboard and size --------------------------------------------------------------------------
def focus_chain(dialog: CredentialsDialog, start: QWidget, steps: int) -> list[QWidget]:
    chain: list[QWidget] = []
    widget: QWidget | None = start
    for _ in range(steps):
        widget = widget.nextInFocusChain() if widget is not None else None
        if widget is None:
            break
        tab = widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value
        if widget.isVisible() and widget.isEnabled() and tab:
            chain.append(widget)
    return chain


def test_keyboard_order_and_mnemonics(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    entra_authority: EntraAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet = FakeSource(error=RuntimeError("Please run 'az login' to setup account."))
    use_sources(monkeypatch, [("Azure CLI", quiet)])
    dialog = make_dialog(qtbot, preferences, runner, ACR)
    panel = dialog.entra_panel
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)
    chain = focus_chain(dialog, dialog.registry_edit, 60)
    wanted = [
        dialog.kind_combo,
        panel.browser_button,
        panel.check_button,
        dialog.remember_check,
    ]
    positions = [chain.index(w) for w in wanted]
    assert positions == sorted(positions), [type(w).__name__ for w in chain]
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert chain.index(dialog.remember_check) < chain.index(cancel)

    texts = [b.text() for b in dialog.findChildren(QPushButton) if "&" in b.text()] + [
        "&Registry:",
        "Sign in &with:",
    ]
    keys = [t[t.index("&") + 1].lower() for t in texts]
    assert len(keys) == len(set(keys)), texts  # no mnemonic twice

    quiet.error = None
    quiet.token = entra_authority.mint("alice@contoso.com")
    dialog.activateWindow()
    qtbot.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # Chec&k again
    qtbot.waitUntil(panel.ready, timeout=10_000)
    assert quiet.asked == 2


def test_device_code_and_long_name_fit_a_small_screen(
    qtbot: QtBot,
    preferences: Preferences,
    runner: JobRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = threading.Event()
    quiet = FakeSource(error=RuntimeError("Please run 'az login' to setup account."))

    def flow(prompt: Callable[[str], None]) -> list[tuple[str, Any]]:
        return [("device code", FakeSource(prompt=prompt, gate=gate, error=RuntimeError("x")))]

    use_sources(monkeypatch, [("Azure CLI", quiet)], flow)
    dialog = make_dialog(qtbot, preferences, runner, LONG_ACR)
    dialog.message_label.setText(f"{LONG_ACR} requires you to sign in.")
    dialog.message_label.setVisible(True)
    panel = dialog.entra_panel
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)
    try:
        panel.sign_in_with_browser()
        qtbot.waitUntil(panel.copy_button.isVisible, timeout=10_000)
        qtbot.wait(50)
        assert dialog.width() <= 933
        assert dialog.height() <= 600
        assert panel.copy_button.geometry().right() <= panel.width()
        shot(dialog, "long_name_device_code")
    finally:
        gate.set()
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)
    assert "Try the sign-in again" in panel.status_label.text()


CHILD = r"""
import json, sys, threading, time
from azure.core.credentials import AccessToken
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from acr_desktop.credentials import CredentialStore
from acr_desktop.registry.docker_credentials import CredentialLookup
from acr_desktop.ui import entra_panel
from acr_desktop.ui.credentials_dialog import CredentialsDialog
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.worker import JobRunner
from tests.secret_service import MemoryKeyring

registry, message, hostile, shot = sys.argv[1:5]
gate = threading.Event()

class Source:
    def __init__(self, prompt=None):
        self.prompt = prompt
    def get_token(self, *scopes, **options):
        if self.prompt is None:
            raise ValueError(hostile)
        self.prompt("To sign in, open https://microsoft.com/devicelogin in a browser and enter "
                    "the code ABCD-EFGH.")
        gate.wait(20)
        raise ValueError("stopped")

entra_panel.login_options = lambda interactive, device_code: {
    "interactive": interactive, "sources": [("device code" if interactive else "Azure CLI",
                                             Source(device_code if interactive else None))]}
runner = JobRunner()
prefs = Preferences(QSettings(sys.argv[5], QSettings.Format.IniFormat))
dialog = CredentialsDialog(registry, CredentialStore(MemoryKeyring()), runner, message=message,
                           preferences=prefs, find_credentials=lambda r: CredentialLookup(None, ()))
dialog.show()
panel = dialog.entra_panel

def step():
    if panel._job is None and panel.browser_button.isVisible() and not panel._code_row.isVisible():
        panel.sign_in_with_browser()
    if panel._code_row.isVisible():
        app.processEvents()
        screen = dialog.screen().availableGeometry()
        frame = dialog.frameGeometry()
        widgets = {n: [w.mapToGlobal(w.rect().topLeft()).x(), w.mapToGlobal(w.rect().topLeft()).y(),
                       w.width(), w.height()]
                   for n, w in (("copy", panel.copy_button), ("ok", dialog.buttons),
                                ("status", panel.status_label), ("code", panel.code_label))}
        dialog.grab().save(shot)
        print(json.dumps({"screen": [screen.x(), screen.y(), screen.width(), screen.height()],
                          "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                          "widgets": widgets}))
        gate.set()
        runner.shutdown(2000)
        app.quit()
        return
    QTimer.singleShot(50, step)

QTimer.singleShot(50, step)
QTimer.singleShot(20000, app.quit)
app.exec()
"""


def inside(outer: list[int], inner: list[int]) -> bool:
    x, y, w, h = outer
    a, b, c, d = inner
    return x <= a and y <= b and a + c <= x + w and b + d <= y + h


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_the_dialog_fits_1400_by_900_at_150_percent(tmp_path: Path, scale: float) -> None:
    """In a process of its own (the scale is fixed when Qt starts): a long registry name, a
    message, a long hostile failure, then a device code: everything on a 1400 × 900 screen."""
    import json
    import os
    import subprocess
    import sys

    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [
        {"name": "S", "x": 0, "y": 0, "width": 1400, "height": 900, "logicalDpi": 96}
    ]}))  # fmt: skip
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR=str(scale), HOME=str(tmp_path))  # fmt: skip
    shot_path = SHOTS / f"entra_fit_{int(scale * 100)}.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, LONG_ACR, f"{LONG_ACR} requires you to sign in.",
         HOSTILE, str(shot_path), str(tmp_path / "s.ini")],
        env=env, cwd=root, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert inside(report["screen"], report["frame"]), report
    for name, where in report["widgets"].items():
        assert where[2] > 0 and where[3] > 0, (name, where)
        assert inside(report["screen"], where), (name, where, report["screen"])


def test_a_saved_refresh_token_is_ready_at_once_and_forget_removes_it(
    qtbot: QtBot, preferences: Preferences, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acr_desktop.credentials import service_name
    from acr_desktop.registry.entra import ENTRA_USERNAME

    memory = MemoryKeyring()
    memory.set_password(service_name(ACR), ENTRA_USERNAME, "saved-refresh-SECRET")
    preferences.set_account(ACR, KIND_ENTRA, ENTRA_USERNAME)
    quiet = FakeSource(error=RuntimeError("Please run 'az login' to setup account."))
    use_sources(monkeypatch, [("Azure CLI", quiet)])
    dialog = make_dialog(qtbot, preferences, runner, ACR, CredentialStore(memory))
    panel = dialog.entra_panel
    assert dialog.kind() == KIND_ENTRA
    assert ok_button(dialog).isEnabled()  # no need to wait for Azure
    assert panel.status_label.text() == (
        "Signs in with the ACR refresh token saved in Test Keyring; when it expires, "
        "ACR Desktop asks your Azure sign-in for a new one."
    )
    assert quiet.asked == 0  # not asked: the saved token is enough
    assert panel.ready()
    creds = dialog.credentials()
    assert creds is not None and isinstance(creds.entra, entra.EntraLogin)
    assert creds.entra.source == "saved refresh token"
    shot(dialog, "saved_token")
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)  # ask Azure anyway
    qtbot.waitUntil(lambda: quiet.asked == 1 and panel.check_button.isVisible(), timeout=10_000)
    assert "run az login" in panel.status_label.text()
    assert panel.status_label.text().endswith("asks your Azure sign-in for a new one.")
    assert panel.ready()  # the saved token still signs in
    assert dialog.credentials() == creds
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert memory.entries == {}
    assert dialog.result_label.text() == f"Forgot the saved refresh token for {ACR}."
    assert preferences.username(ACR) is None
    qtbot.waitUntil(panel.browser_button.isVisible, timeout=10_000)  # asked Azure afresh
    assert not panel.ready()
    assert not ok_button(dialog).isEnabled()
