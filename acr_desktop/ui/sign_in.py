"""Signing in from the window: stored credentials and connection settings handed to the client
before each request, the credentials dialog, and the per-registry connection settings dialog.

The keyring is read once per registry and user name in a session (on the UI thread: backends
are not thread-safe); signing in, forgetting or saving in the dialog reads it afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from acr_desktop.registry import errors
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore, ResolvedCredentials
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.connection_dialog import ConnectionSettingsDialog
    from acr_desktop.ui.credentials_dialog import CredentialsDialog


class SignIn:
    """Who the client signs in as, per registry; opens the sign-in and connection dialogs.

    `client` and `store` are providers (both are made on first use); `registry` names the
    registry the window is about ("" for none); `signed_in(registry)` runs after a change.
    """

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
    ) -> None:
        self._parent = parent
        self._preferences = preferences
        self._runner = runner
        self._message_bar = message_bar
        self._client = client
        self._store = store
        self._registry = registry  # (registry, repository) the window is about
        self._on_signed_in = signed_in
        # (registry, username or None) → what the store said: one keyring read each a session.
        self._resolved: dict[tuple[str, str | None], ResolvedCredentials | None] = {}
        self._asked: set[str] = set()  # registries whose failure opened the dialog already
        self.sign_in_dialog: CredentialsDialog | None = None
        self.connection_dialog: ConnectionSettingsDialog | None = None

    def forget_cached(self, registry: str) -> None:
        """Read `registry`'s credentials from the store again next time."""
        for key in [k for k in self._resolved if k[0] == registry]:
            del self._resolved[key]

    def apply(self, registry: str) -> None:
        """Hand `registry`'s connection settings and credentials to the client (Docker config
        helpers run later, in the worker, only on a 401)."""
        transport = self._client().transport
        transport.set_connection_settings(registry, self._preferences.connection_settings(registry))
        key = (registry, self._preferences.username(registry))
        if key not in self._resolved:
            self._resolved[key] = self._store().resolve(*key)
        resolved = self._resolved[key]
        creds = resolved.credentials if resolved else None
        if creds != transport.credentials(registry):
            transport.set_credentials(registry, creds)

    def offer_after(self, exc: BaseException, message: str) -> None:
        """Open the dialog by itself when the registry on show wants a sign-in, once per
        attempt (until `answered()`)."""
        registry = self._registry()[0]
        auth = isinstance(exc, errors.AuthenticationRequired) or (
            isinstance(exc, errors.AccessDenied)
            and bool(registry)
            and self._client().transport.credentials(registry) is None
        )
        if auth and registry and registry not in self._asked:
            self._asked.add(registry)
            QTimer.singleShot(0, lambda: self.open_sign_in(message))

    def answered(self, registry: str) -> None:
        """`registry` answered: a later failure may open the dialog again."""
        self._asked.discard(registry)

    def open_sign_in(self, message: str | None) -> CredentialsDialog:
        from acr_desktop.ui.credentials_dialog import CredentialsDialog

        registry, repository = self._registry()
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
        dialog.accepted.connect(lambda: self._signed_in(dialog.registry(), dialog.credentials()))
        dialog.forgotten.connect(lambda registry, _user: self._signed_in(registry, None))
        dialog.open()
        self.sign_in_dialog = dialog
        return dialog

    def open_connection_settings(self, fallback_registry: str) -> None:
        from acr_desktop.ui.connection_dialog import ConnectionSettingsDialog

        registry = self._registry()[0] or fallback_registry
        if not registry:
            self._message_bar.show_message(
                Message("Inspect or browse a registry first.", NextStep.EDIT, "info")
            )
            return
        dialog = ConnectionSettingsDialog(registry, self._preferences, self._parent)
        dialog.accepted.connect(lambda: self.apply(registry))
        dialog.open()
        self.connection_dialog = dialog

    def _signed_in(self, registry: str, creds: Credentials | None) -> None:
        self.forget_cached(registry)
        transport = self._client().transport
        transport.set_credentials(registry, creds)
        if creds is None:  # anonymous, chosen or forgotten: no Docker config behind the user's back
            transport.decline_fallback(registry)
        self._on_signed_in(registry)
