"""The account in use for a registry, in words for the status bar: who the client signs in as
and where those credentials are kept. Never a secret: only a username, a kind and a place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from acr_desktop.ui.plain import one_line

if TYPE_CHECKING:  # not on the start path: the credential store is made on first use
    from acr_desktop.credentials import ResolvedCredentials
    from acr_desktop.registry.auth import Credentials

SESSION_ONLY = "for this session only"


@dataclass(frozen=True)
class Kept:
    """Credentials handed to the transport, and where they are kept (`where`, for people)."""

    credentials: Credentials
    where: str  # "saved in Secret Service", "for this session only", …
    in_keyring: bool = False


def kept_in_keyring(credentials: Credentials, backend: str) -> Kept:
    return Kept(credentials, f"saved in {backend}", in_keyring=True)


def kept_for_session(credentials: Credentials, found_in: str | None = None) -> Kept:
    where = f"from {found_in}, {SESSION_ONLY}" if found_in else SESSION_ONLY
    return Kept(credentials, where)


def kept_as_resolved(resolved: ResolvedCredentials, backend: str) -> Kept:
    """Where the credential store found them: the keyring, or this session (maybe copied from a
    Docker config)."""
    from acr_desktop.credentials import SESSION_SOURCE

    if resolved.origin == "keyring":
        return kept_in_keyring(resolved.credentials, backend)
    source, from_session = resolved.source, f"{SESSION_SOURCE} (from "
    found_in = source[len(from_session) : -1] if source.startswith(from_session) else None
    return kept_for_session(resolved.credentials, found_in)


def entra_account(credentials: Credentials) -> str:
    """ "Microsoft Entra ID (alice@contoso.com via Azure CLI)": who Azure says signed in, and
    which source gave the token (both known once a token came)."""
    login = getattr(credentials, "entra", None)
    account, source = getattr(login, "account", None), getattr(login, "source", None)
    details = " ".join(d for d in (account or "", f"via {source}" if source else "") if d)
    return f"Microsoft Entra ID ({one_line(details)})" if details else "Microsoft Entra ID"


def who(credentials: Credentials) -> str:
    """ "as alice", "with an ACR refresh token", "with a registry token", "with Microsoft Entra
    ID (alice@contoso.com via Azure CLI)"."""
    if credentials.kind == "entra":
        return f"with {entra_account(credentials)}"
    if credentials.kind == "refresh_token":
        return "with an ACR refresh token"
    if credentials.kind == "registry_token":
        return "with a registry token"
    return f"as {credentials.username}"


def signed_in(registry: str, credentials: Credentials, where: str | None) -> str:
    """Credentials the user gave (in the dialog, or saved earlier)."""
    if credentials.kind == "entra":  # what is kept is the ACR refresh token it got
        kept = f", refresh token {where}" if where and where.startswith("saved") else ""
        kept = kept or (f", {where}" if where else "")
        # The kind first: the status bar elides in the middle, where the registry goes.
        return f"{entra_account(credentials)} on {registry}{kept}"
    details = [d for d in ("password" if credentials.kind == "password" else "", where) if d]
    shown = f" ({', '.join(details)})" if details else ""
    return f"Signed in to {registry} {who(credentials)}{shown}"


def signed_in_by_docker(registry: str, credentials: Credentials, source: str) -> str:
    """Credentials found in a Docker / Podman config (`docker login`) when the registry asked."""
    return f"Signed in to {registry} {who(credentials)} with docker login credentials ({source})"


def forgotten_text(registry: str, username: str) -> str:
    """What the sign-in dialog's Forget says it removed."""
    from acr_desktop.registry.auth import ACR_REFRESH_USERNAME, ENTRA_USERNAME

    token = username in (ACR_REFRESH_USERNAME, ENTRA_USERNAME)
    return (
        f"Forgot the saved {'refresh token' if token else f'sign-in of {username}'} for {registry}."
    )


def anonymous(registry: str) -> str:
    return f"Anonymous access to {registry}"


def not_connected(registry: str) -> str:
    """Nothing was handed to the transport for `registry` yet: nothing is in use."""
    return f"Not connected to {registry} yet"
