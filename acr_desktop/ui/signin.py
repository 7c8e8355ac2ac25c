"""Signing in from the window: stored credentials and connection settings handed to the client
before each request, the credentials dialog, and the per-registry connection settings dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from acr_desktop.registry.reference import Reference
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.navigator import Navigator
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.credentials_dialog import CredentialsDialog
    from acr_desktop.ui.registry_settings import RegistrySettingsDialog

    _Window = QMainWindow
else:
    _Window = object


class SignInMixin(_Window):
    """Mixed into MainWindow, which builds the widgets named here."""

    settings: QSettings
    current: Reference | None
    runner: JobRunner
    navigator: Navigator
    message_bar: MessageBar
    sign_in_dialog: CredentialsDialog
    registry_settings_dialog: RegistrySettingsDialog

    if TYPE_CHECKING:

        @property
        def client(self) -> RegistryClient: ...
        @property
        def store(self) -> CredentialStore: ...
        def inspect(self, ref: Reference, *, record: bool = True) -> None: ...

    def _apply_credentials(self, registry: str) -> None:
        """Hand `registry`'s connection settings and stored credentials to the client (the keyring
        read happens here, on the UI thread; Docker config helpers run later, in the worker)."""
        from acr_desktop.ui.registry_settings import load_registry_settings

        transport = self.client.transport
        transport.set_settings(registry, load_registry_settings(self.settings, registry))
        username = self.settings.value(f"registries/{registry}/username")
        resolved = self.store.resolve(registry, str(username) if username else None)
        creds = resolved.credentials if resolved else None
        if creds != transport.credentials(registry):
            transport.set_credentials(registry, creds)

    def open_sign_in(self, message: str | None) -> None:
        from acr_desktop.ui.credentials_dialog import CredentialsDialog

        registry = self.current.registry if self.current else ""
        repository = self.current.repository if self.current else None
        dialog = CredentialsDialog(
            registry,
            self.store,
            self.runner,
            repository=repository,
            message=message,
            settings=self.settings,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._signed_in(dialog.registry(), dialog.credentials()))
        dialog.forgotten.connect(lambda registry, _user: self._signed_in(registry, None))
        dialog.open()
        self.sign_in_dialog = dialog

    def open_registry_settings(self) -> None:
        from acr_desktop.ui.registry_settings import RegistrySettingsDialog

        registry = self.current.registry if self.current else self.navigator.registry
        if not registry:
            self.message_bar.show_message(
                Message("Inspect or browse a registry first.", NextStep.EDIT, "info")
            )
            return
        dialog = RegistrySettingsDialog(registry, self.settings, self)
        dialog.accepted.connect(lambda: self._apply_credentials(registry))
        dialog.open()
        self.registry_settings_dialog = dialog

    def _signed_in(self, registry: str, creds: Any) -> None:
        self.client.transport.set_credentials(registry, creds)
        if creds is None:  # anonymous, chosen or forgotten: no Docker config behind the user's back
            self.client.transport.decline_fallback(registry)
        if self.current is not None and self.current.registry == registry:
            self.inspect(self.current)
