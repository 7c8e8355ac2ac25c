"""The window's client and credential store, each made on first use (UI thread): launch
imports neither requests nor keyring."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.registry.client import RegistryClient


def new_client() -> RegistryClient:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.docker_credentials import lookup
    from acr_desktop.registry.transport import Transport

    # What `docker login` / `az acr login` left behind, asked only on a 401.
    return RegistryClient(Transport(credential_fallback=lookup))


def new_store() -> CredentialStore:
    from acr_desktop.credentials import CredentialStore

    return CredentialStore()
