"""Signing in from the window: stored credentials and connection settings handed to the client
before each request, the account in use (for the status bar), signing out, the credentials dialog
(one at a time), and the per-registry connection settings dialog.

The keyring is read once per registry and user name in a session (on the UI thread: backends
are not thread-safe); signing in, forgetting or saving in the dialog reads it afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from acr_desktop.registry import errors
from acr_desktop.ui import signin_account as account
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.signin_account import Kept
from acr_desktop.ui.signin_kinds import KIND_ANONYMOUS, KIND_ENTRA
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore, ResolvedCredentials
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.transport import Transport
    from acr_desktop.ui.connection_dialog import ConnectionSettingsDialog
    from acr_desktop.ui.credentials_dialog import CredentialsDialog


class SignIn(QObject):
    """Who the client signs in as, per registry; opens the sign-in and connection dialogs.

    `client` and `store` are providers (both are made on first use); `registry` names the
    registry and repository the window shows ("" for none), `browsing_registry` the one browsed
    (the sign-in dialog's registry when nothing is shown); `signed_in(registry)` runs after the
    dialog's OK.

    Signals:
    account_changed(str): the account in use for this registry changed (`account_text`).
    """

    account_changed = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        preferences: Preferences,
        runner: JobRunner,
        message_bar: MessageBar,
        *,
        client: Callable[[], RegistryClient],
        store: Callable[[], CredentialStore],
        registry: Callable[[], tuple[str, str | None]],
        signed_in: Callable[[str], None],
        browsing_registry: Callable[[], str] = lambda: "",
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._preferences = preferences
        self._runner = runner
        self._message_bar = message_bar
        self._client = client
        self._store = store
        self._registry = registry  # (registry, repository) the window is about
        self._browsing_registry = browsing_registry
        self._on_signed_in = signed_in
        # (registry, username or None) → what the store said: one keyring read each a session.
        self._resolved: dict[tuple[str, str | None], ResolvedCredentials | None] = {}
        self._asked: set[str] = set()  # registries whose failure opened the dialog already
        self._known: set[str] = set()  # registries handed to the transport
        self._kept: dict[str, Kept] = {}  # registry → credentials given and where they are kept
        self._signed_out: set[str] = set()  # anonymous until the dialog's OK
        self._told: dict[str, str] = {}  # registry → account text last announced
        self.sign_in_dialog: CredentialsDialog | None = None
        self.connection_dialog: ConnectionSettingsDialog | None = None
        self.sign_out_box: QMessageBox | None = None
        runner.busy_changed.connect(self._busy_changed)

    def forget_cached(self, registry: str) -> None:
        """Read `registry`'s credentials from the store again next time."""
        for key in [k for k in self._resolved if k[0] == registry]:
            del self._resolved[key]

    def apply(self, registry: str) -> None:
        """Hand `registry`'s connection settings and credentials to the client (Docker config
        helpers run later, in the worker, only on a 401)."""
        transport = self._client().transport
        transport.set_connection_settings(registry, self._preferences.connection_settings(registry))
        creds = self._stored(registry, transport)
        if creds != transport.credentials(registry):
            transport.set_credentials(registry, creds)
        self._known.add(registry)
        self._tell(registry)

    def _stored(self, registry: str, transport: Transport) -> Credentials | None:
        """The credentials the store has for `registry`, unless the user chose anonymous access
        or signed out (then not the Docker config's either)."""
        if registry in self._signed_out or self._preferences.kind(registry) == KIND_ANONYMOUS:
            if transport.credential_lookup(registry) is None:
                transport.decline_fallback(registry)
            return None
        home = self._home(registry)
        key = (home, self._preferences.username(home))
        if key not in self._resolved:
            if self._preferences.kind(home) == KIND_ENTRA:  # a saved refresh token renews
                from acr_desktop.ui.entra_panel import relay_refresh_tokens

                relay_refresh_tokens(self._store())
            self._resolved[key] = self._store().resolve(*key)
        resolved = self._resolved[key]
        if resolved is None:
            return None
        kept = self._kept.get(registry)
        if kept is None or kept.credentials != resolved.credentials:
            backend = self._store().backend_name() if resolved.origin == "keyring" else ""
            self._kept[registry] = account.kept_as_resolved(resolved, backend)
        return resolved.credentials

    def _home(self, registry: str) -> str:
        """Where `registry`'s sign-in is kept: its own, else (a regional or data endpoint of an
        ACR registry never signed in to by itself) its login server's, `NAME.azurecr.io`."""
        from acr_desktop.registry.acr import login_server

        home = login_server(registry)
        if home is None or home == registry or self._preferences.kind(registry):
            return registry
        return home if self._preferences.kind(home) else registry

    # -- the account in use ----------------------------------------------------------------
    def account_text(self, registry: str) -> str:
        """Who `registry` is signed in to as, and where those credentials are kept ("" for no
        registry). What the transport really uses: credentials given (in the dialog, or saved),
        those `docker login` left that a 401 found, or none."""
        if not registry:
            return ""
        if registry not in self._known:
            return account.not_connected(registry)
        endpoint = self._client().transport.endpoint(registry)
        if endpoint.given is not None:
            kept = self._kept.get(registry)
            where = kept.where if kept and kept.credentials == endpoint.given else None
            return account.signed_in(registry, endpoint.given, where)
        found, source = endpoint.found_in_use
        if found is not None:
            return account.signed_in_by_docker(registry, found, source or "a Docker config")
        return account.anonymous(registry)

    def _tell(self, registry: str) -> None:
        """Emit `account_changed` if `registry`'s account text changed."""
        text = self.account_text(registry)
        if self._told.get(registry) != text:
            self._told[registry] = text
            self.account_changed.emit(registry)

    def _busy_changed(self, busy: bool) -> None:
        """A job answered: a 401 may have found `docker login` credentials."""
        if not busy:
            for registry in sorted(self._known):
                self._tell(registry)

    def sign_out(self, registry: str) -> QMessageBox | None:
        """Sign out of `registry` for this session: no credentials, no cached tokens, no Docker
        config. Credentials saved in the keyring stay unless the user removes them in the box
        asking that (returned; None when nothing is saved)."""
        if not registry:
            return None
        transport = self._client().transport
        given, kept = transport.credentials(registry), self._kept.pop(registry, None)
        self._signed_out.add(registry)
        self.forget_cached(registry)
        transport.set_credentials(registry, None)  # drops its tokens too
        transport.decline_fallback(registry)
        self._known.add(registry)
        box = None
        if kept is not None and kept.in_keyring and kept.credentials == given:
            self._store().forget_session(registry, kept.credentials.username)  # memory only
            box = self._offer_removal(registry, kept)
        elif given is not None:  # kept for this session only: nothing in the keyring to ask about
            self._store().forget(registry, given.username)
        self._tell(registry)
        return box

    def _offer_removal(self, registry: str, kept: Kept) -> QMessageBox:
        secrets = {"refresh_token": "refresh token", "entra": "ACR refresh token"}
        secret = secrets.get(kept.credentials.kind, "password")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Signed out",
            f"Signed out of {registry} for this session.",
            QMessageBox.StandardButton.NoButton,
            self._parent,
        )
        entra = " from your Microsoft Entra ID sign-in" if kept.credentials.kind == "entra" else ""
        box.setInformativeText(
            f"The {secret}{entra} is still {kept.where}, and ACR Desktop signs in with it again "
            "the next time it starts. Remove it too?"
        )
        remove = box.addButton(f"Remove the saved {secret}", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole))
        creds = kept.credentials
        remove.clicked.connect(lambda: self._remove_saved(registry, creds))
        box.open()
        self.sign_out_box = box
        return box

    def _remove_saved(self, registry: str, creds: Credentials) -> None:
        self._store().forget(registry, creds.username)
        self._preferences.forget_account(registry)  # the connection settings stay

    # -- the dialogs ---------------------------------------------------------------------------
    def offer_after(self, exc: BaseException, message: str) -> None:
        """Open the dialog by itself when the registry on show wants a sign-in, once per
        attempt (until `answered()`), and never over a sign-in dialog already open."""
        registry = self._registry()[0]
        auth = isinstance(exc, errors.AuthenticationRequired) or (
            isinstance(exc, errors.AccessDenied)
            and bool(registry)
            and self._client().transport.credentials(registry) is None
        )
        if auth and registry and registry not in self._asked and not self._dialog_open():
            self._asked.add(registry)
            QTimer.singleShot(0, lambda: self.open_sign_in(message))

    def answered(self, registry: str) -> None:
        """`registry` answered: a later failure may open the dialog again."""
        self._asked.discard(registry)
        self._tell(registry)

    def _dialog_open(self) -> bool:
        return self.sign_in_dialog is not None and self.sign_in_dialog.isVisible()

    def open_sign_in(self, message: str | None) -> CredentialsDialog:
        """The sign-in dialog for the registry shown (else the one browsed). One at a time: if
        it is open already, it comes to the front, showing that registry."""
        registry, repository = self._registry()
        if not registry:
            registry, repository = self._browsing_registry(), None
        dialog = self.sign_in_dialog
        if dialog is not None and dialog.isVisible():
            dialog.retarget(registry, repository=repository, message=message)
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        if dialog is not None:
            dialog.deleteLater()
        dialog = self._new_dialog(registry, repository, message)
        dialog.open()
        self.sign_in_dialog = dialog
        return dialog

    def _new_dialog(
        self, registry: str, repository: str | None, message: str | None
    ) -> CredentialsDialog:
        from acr_desktop.ui.credentials_dialog import CredentialsDialog

        dialog = CredentialsDialog(
            registry,
            self._store(),
            self._runner,
            repository=repository,
            message=message,
            preferences=self._preferences,
            challenge=self._client().transport.challenge,
            parent=self._parent,
        )
        dialog.accepted.connect(
            lambda: self._signed_in(dialog.registry(), dialog.credentials(), dialog.kept)
        )
        dialog.forgotten.connect(lambda registry, _user: self._forgotten(registry))
        return dialog

    def open_connection_settings(self, fallback_registry: str) -> None:
        from acr_desktop.ui.connection_dialog import ConnectionSettingsDialog

        registry = self._registry()[0] or fallback_registry or self._browsing_registry()
        if not registry:
            self._message_bar.show_message(
                Message("Inspect or browse a registry first.", NextStep.EDIT, "info")
            )
            return
        dialog = ConnectionSettingsDialog(registry, self._preferences, self._parent)
        dialog.accepted.connect(lambda: self.apply(registry))
        dialog.open()
        self.connection_dialog = dialog

    def _signed_in(self, registry: str, creds: Credentials | None, kept: Kept | None) -> None:
        self._hand_over(registry, creds, kept)
        if creds is None:  # anonymous, chosen: a refusal is said in the bar, not asked again
            self._asked.add(registry)
        self._on_signed_in(registry)

    def _forgotten(self, registry: str) -> None:
        """The dialog removed what was saved: anonymous now. No inspect again while the dialog
        is open (its failure would offer a sign-in over this one)."""
        self._hand_over(registry, None, None)

    def _hand_over(self, registry: str, creds: Credentials | None, kept: Kept | None) -> None:
        self.forget_cached(registry)
        self._signed_out.discard(registry)
        if kept is not None:
            self._kept[registry] = kept
        transport = self._client().transport
        transport.set_credentials(registry, creds)
        if creds is None:  # anonymous, chosen or forgotten: no Docker config behind the user's back
            transport.decline_fallback(registry)
        self._known.add(registry)
        self._tell(registry)
