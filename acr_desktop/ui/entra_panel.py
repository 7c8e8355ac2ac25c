"""The sign-in dialog's Microsoft Entra ID panel: which Azure sign-in the app would use (asked on
the worker: Azure CLI, Azure Developer CLI, the environment), "Sign in with browser" (a device
code to copy where no browser can open), and whether the sign-in outlives this session. Also the
test sign-in's answer in words (what each view needs, granted or not), and the relay that brings
an Entra sign-in's new ACR refresh tokens from a worker thread to the keyring (UI thread)."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from acr_desktop.registry import entra
from acr_desktop.registry.auth import CATALOG_SCOPE, Credentials, Scope
from acr_desktop.registry.errors import RegistryError
from acr_desktop.ui import clipboard, colours
from acr_desktop.ui.form_parts import WrappedLabel, row
from acr_desktop.ui.plain import visible
from acr_desktop.ui.worker import Job, JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.registry.client import SignInResult
    from acr_desktop.registry.entra import EntraLogin

MAX_SHOWN = 1500  # characters of a sentence shown (azure-identity's messages can be long)
_LONG_WORD = re.compile(r"\S{60}")  # an unbroken run this long gets a break opportunity
_CODE = re.compile(r"\bcode\s+([A-Z0-9-]{4,32})\b")
CHECK_SECONDS = 60.0  # asking the CLIs and the environment, all of it
BROWSER_SECONDS = 900.0  # a person signing in, maybe on another device with a code
MARKS = {True: "✓", False: "✗", None: "?"}


def extra_missing() -> str:
    return f"Microsoft Entra ID sign-in needs the Azure extra: {entra.EXTRA_HINT}"


def shown(text: str) -> str:
    """Text from azure-identity or a CLI, for a wrapped plain-text label: control and bidi
    characters made visible, bounded, and long unbroken runs (URLs, tokens) given places to
    wrap so they cannot widen the dialog."""
    text = visible(text[: MAX_SHOWN * 2])
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 1] + "…"
    return _LONG_WORD.sub(lambda m: m.group() + "\u200b", text)


def login_options(interactive: bool, device_code: Callable[[str], None]) -> dict[str, Any]:
    """What a new EntraLogin is made with (tests put their own `sources` here)."""
    return {"interactive": interactive, "device_code": device_code}


def signed_in_text(account: str | None, source: str | None, tenant: str | None) -> str:
    """ "Signed in to Azure as alice@contoso.com (Azure CLI), tenant 72f9…"."""
    who = f" as {account}" if account else ""
    via = f" ({source})" if source else ""
    where = f", tenant {tenant}" if tenant else ""
    return shown(f"Signed in to Azure{who}{via}{where}.")


def saved_text(login: EntraLogin, store: CredentialStore) -> str:
    """What a sign-in from a refresh token in the keyring says (never asked: when it expires,
    it asks Azure itself)."""
    who = f" ({login.account})" if login.account else ""
    return shown(
        f"Signs in with the ACR refresh token saved in {store.backend_name()}{who}; when it "
        "expires, ACR Desktop asks your Azure sign-in for a new one."
    )


def answer_text(result: SignInResult) -> str:
    """A test sign-in's answer: what was granted, then each view with ✓ or ✗ and what it needs
    (when the token says what it grants; else the rows would only say "?")."""
    lines = [result.describe()]
    if any(need.granted is not None for need in result.needs):
        lines += [f"{MARKS[n.granted]} {n.view}: {_needs(n.scope)}" for n in result.needs]
    return "\n".join(lines)


def _needs(scope: str) -> str:
    """`repository:team/app:pull` → "pull on team/app"; the catalog in words."""
    if scope == CATALOG_SCOPE:
        return "catalog listing (registry:catalog:*)"
    parsed = Scope.parse(scope)
    if parsed is None or parsed.type != "repository":
        return scope
    return f"{', '.join(parsed.actions)} on {parsed.name}"


class RefreshRelay(QObject):
    """Hands (login, refresh token) from worker threads to `store.refresh_arrived` on the UI
    thread (a queued signal: this object lives on the UI thread)."""

    _arrived = Signal(object)

    def __init__(self, store: CredentialStore) -> None:
        super().__init__()
        self._store = store
        self._arrived.connect(self._deliver)

    def relay(self, login: EntraLogin, token: str) -> None:
        # A callable crosses a queued signal as it is (a tuple or list may be converted).
        with contextlib.suppress(RuntimeError):  # the app is closing
            self._arrived.emit(functools.partial(self._store.refresh_arrived, login, token))

    def _deliver(self, keep: Callable[[], None]) -> None:
        keep()


def relay_refresh_tokens(store: CredentialStore) -> None:
    """Call on the UI thread: `store`'s Entra refresh tokens reach it there (once per store)."""
    if store.relay_refresh is None:
        store.relay_refresh = RefreshRelay(store).relay  # the bound method keeps it alive


class EntraPanel(QWidget):
    """Signals:
    changed(): `ready()` or the text changed (the dialog updates OK and fits its height).
    """

    changed = Signal()
    _code_arrived = Signal(str)  # a device-code message, from the worker thread

    def __init__(
        self, runner: JobRunner, store: CredentialStore, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        relay_refresh_tokens(store)  # its sign-ins' refresh tokens reach the keyring
        self._runner = runner
        self._store = store
        self._asked: EntraLogin | None = None  # the login asked last
        self._login: EntraLogin | None = None  # the sign-in asked last (made here)
        self._signed_in = False  # … and Azure gave it a token
        self._saved: EntraLogin | None = None  # behind a refresh token saved in the keyring
        self._job: Job | None = None
        self._code = ""
        self.status_label = WrappedLabel()
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.browser_button = QPushButton("Sign in with &browser")
        self.check_button = QPushButton("Chec&k again")
        self.code_label = WrappedLabel()  # the device code message: selectable, with Copy
        self.code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.copy_button = QPushButton("C&opy code")
        self.keep_note = WrappedLabel()
        self.keep_note.setStyleSheet(f"color: {colours.note()};")
        for button in (self.browser_button, self.check_button, self.copy_button):
            button.setAutoDefault(False)  # Enter means OK
        buttons = row(self.browser_button, self.check_button)
        buttons.addStretch(1)
        self._buttons_row = QWidget()  # hidden whole: a hidden layout still takes spacing
        self._buttons_row.setLayout(buttons)
        self._code_row = QWidget()
        code_row = row(self.code_label, self.copy_button)
        code_row.setStretch(0, 1)  # the message takes the width, the button what it needs
        self._code_row.setLayout(code_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status_label)
        layout.addWidget(self._buttons_row)
        layout.addWidget(self._code_row)
        layout.addWidget(self.keep_note)
        self.browser_button.clicked.connect(self.sign_in_with_browser)
        self.check_button.clicked.connect(lambda: self.start(again=True))
        self.copy_button.clicked.connect(lambda: clipboard.copy_text(self._code))
        self._code_arrived.connect(self._show_code)
        self._show("", None, buttons=False)
        self._code_row.setVisible(False)

    def sizeHint(self) -> QSize:
        """The height its wrapped lines need at the width it has: a box layout's own hint
        guesses a narrow width, and the form then spreads empty space between the lines."""
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(max(self.width(), hint.width())))

    # -- what the dialog asks ------------------------------------------------------------------
    def ready(self) -> bool:
        """True once a sign-in can be handed over (an Entra token came, or one is saved)."""
        return self._signed_in or self._saved is not None

    def credentials(self) -> Credentials | None:
        login = self._login if self._signed_in else self._saved
        return Credentials.of_entra(login) if login is not None else None

    def adopt(self, saved: Credentials | None) -> None:
        """The sign-in behind a refresh token saved in the keyring: ready as it is, not asked
        (it asks Azure itself once the token expires). None: the registry has none."""
        login = getattr(saved, "entra", None)
        if login is None and self._saved is None:
            return  # a sign-in made in this dialog stays
        self._saved, self._login, self._signed_in, self._asked = login, None, False, None
        if self.isVisible():  # chosen: say so afresh
            self.start()

    def set_chosen(self, chosen: bool) -> None:
        """The dialog shows the panel (Entra ID chosen) or hides it (stops asking Azure)."""
        if chosen:
            self.start()
        else:
            self.stop()

    def set_keeping(self, remember: bool, backend: str | None) -> None:
        """Say where the sign-in is kept: the refresh token in the keyring, or nowhere (None:
        no keyring, which the dialog says itself)."""
        self.keep_note.setVisible(backend is not None and entra.azure_identity_available())
        self.keep_note.setText(
            f"OK saves the ACR refresh token from this sign-in in {backend} (never your Azure "
            "password or Entra token), renewed there while ACR Desktop runs."
            if remember
            else "Kept for this session only: nothing is saved, in the keyring or in a file."
        )

    def registry_changed(self) -> None:
        """Another registry: a refresh token from the last one is not used for it."""
        if self._login is not None:
            self._login.drop_refresh()
        self.adopt(None)

    # -- asking Azure --------------------------------------------------------------------------
    def start(self, *, again: bool = False) -> None:
        """The kind was chosen: ask the non-interactive sources on the worker (once, unless
        `again`), or say what is missing without the Azure extra."""
        if not entra.azure_identity_available():
            self._login, self._signed_in, self._saved = None, False, None
            self._show(extra_missing(), colours.error(), buttons=False)
            return
        if self._job is not None and self._job.running:
            return
        if self._saved is not None and self._login is None and not again:
            self._show(saved_text(self._saved, self._store), colours.ok(), buttons=True)
            return
        if self._login is None or again:
            self._login = self._store.entra_login(**login_options(False, self._relay_code))
        if self._asked is self._login and not again:  # asked already: the answer is on show
            self.changed.emit()
            return
        self._asked = self._login
        waiting = "Asking Azure for a sign-in (Azure CLI, Azure Developer CLI, environment)…"
        self._ask(self._login, waiting, CHECK_SECONDS)

    def sign_in_with_browser(self) -> None:
        """A browser sign-in on the worker (a device code where no browser can open)."""
        login = self._store.entra_login(**login_options(True, self._relay_code))
        self._login, self._signed_in, self._asked = login, False, login
        self._ask(
            login, "Waiting for the sign-in in your browser… Cancel stops waiting.", BROWSER_SECONDS
        )

    def stop(self) -> None:
        if self._job is not None:
            self._job.cancel()  # its answer is dropped: ask again when chosen again
            self._asked = None if self._job.running else self._asked
        self._job = None

    def _ask(self, login: EntraLogin, waiting: str, seconds: float) -> None:
        def ask() -> tuple[str | None, str | None, str | None]:
            login.entra_token()  # the token stays inside the login
            return login.account, login.source, login.tenant

        self._signed_in = False
        job = self._runner.start("entra", ask, timeout=seconds)
        job.returned.connect(lambda answer: self._answered(login, answer))
        job.errored.connect(lambda error: self._failed(login, error))
        job.settled.connect(self._settled)
        self._job = job
        self._show(waiting, None, buttons=False)

    def _answered(self, login: EntraLogin, answer: object) -> None:
        if login is not self._login or not isinstance(answer, tuple):
            return
        self._signed_in = True
        self._code_row.setVisible(False)
        self._show(signed_in_text(*answer), colours.ok(), buttons=False)

    def _failed(self, login: EntraLogin, error: object) -> None:
        if login is not self._login:
            return
        if isinstance(error, RegistryError):
            text = str(error)
        else:  # not a sentence of ours: its text may hold anything
            text = f"Asking Azure for a sign-in failed unexpectedly ({type(error).__name__})."
        if self._saved is not None:
            text += f"\n{saved_text(self._saved, self._store)}"
        self._show(shown(text), None if self._saved else colours.error(), buttons=True)

    def _settled(self) -> None:
        job = self._job
        if job is not None and not job.running:
            self._job = None
            self.browser_button.setEnabled(True)
            self.changed.emit()

    def _show(self, text: str, color: str | None, *, buttons: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {color};" if color else "")
        self.status_label.setVisible(bool(text))
        self._buttons_row.setVisible(buttons)
        self.browser_button.setEnabled(self._job is None or not self._job.running)
        self.changed.emit()

    # -- the device code -------------------------------------------------------------------------
    def _relay_code(self, message: str) -> None:
        """azure-identity's device-code prompt, on a worker thread."""
        with contextlib.suppress(RuntimeError):  # the dialog is gone
            self._code_arrived.emit(message)

    def _show_code(self, message: str) -> None:
        found = _CODE.search(message)
        self._code = found.group(1) if found else message
        self.code_label.setText(shown(message))
        self.status_label.setText(
            "Waiting for you to sign in with this code… Cancel stops waiting."
        )
        self._code_row.setVisible(True)
        self.changed.emit()
