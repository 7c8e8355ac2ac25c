"""The one place that talks to keyring: registry credentials saved in the system keyring, or kept
for this session only when there is none (never in a file).

Keyring backends are not thread-safe: call a `CredentialStore` from the UI thread only, and hand
jobs the `Credentials` values it returns. Docker / Podman credentials are not looked up here: a
credential helper may take seconds, so `registry.docker_credentials` runs on the worker (as the
Transport's `credential_fallback`, and in the sign-in dialog).

A Microsoft Entra ID sign-in keeps no password: what is saved (when the user ticks Remember) is
the ACR refresh token its exchange gave, under the username `ENTRA_USERNAME`, renewed in the
keyring as the sign-in renews it. New tokens arrive on a worker thread; `relay_refresh` (set by
the window) brings them to the UI thread, to `refresh_arrived`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from acr_desktop.registry.auth import ENTRA_USERNAME, Credentials, EntraSignIn

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from acr_desktop.registry.entra import EntraLogin

log = logging.getLogger(__name__)

# Backend class (module, name) → what a person calls it. Others fall back to keyring's own name.
_BACKEND_NAMES = {
    ("keyring.backends.SecretService", "Keyring"): "Secret Service",
    ("keyring.backends.libsecret", "Keyring"): "Secret Service",
    ("keyring.backends.kwallet", "DBusKeyring"): "KWallet",
    ("keyring.backends.kwallet", "DBusKeyringKWallet4"): "KWallet",
    ("keyring.backends.macOS", "Keyring"): "macOS Keychain",
    ("keyring.backends.Windows", "WinVaultKeyring"): "Windows Credential Manager",
}
_NO_KEYRING = {("keyring.backends.fail", "Keyring"), ("keyring.backends.null", "Keyring")}
NO_KEYRING_NAME = "no keyring"


SESSION_SOURCE = "this session"


@dataclass(frozen=True)
class ResolvedCredentials:
    """Credentials and where they came from, for people (`source`) and for code (`origin`)."""

    credentials: Credentials
    source: str  # "this session", "this session (from Docker config (…))", "keyring (…)"
    origin: Literal["session", "keyring"]


def service_name(registry: str) -> str:
    return f"acr-desktop:{registry}"


def normal_username(username: str) -> str:
    """The username a keyring entry is kept under (refresh tokens share one)."""
    if username == ENTRA_USERNAME:
        return username
    return Credentials.for_user(username, "").username


def _key(backend: KeyringBackend) -> tuple[str, str]:
    cls = type(backend)
    return cls.__module__, cls.__name__


def _usable(backend: KeyringBackend) -> list[KeyringBackend]:
    """The backends that really store something: a chainer's members, minus fail/null ones."""
    from keyring.backends.chainer import ChainerBackend

    members = list(ChainerBackend.backends) if isinstance(backend, ChainerBackend) else [backend]
    return [b for b in members if _key(b) not in _NO_KEYRING]


class CredentialStore:
    """Credentials per (registry, username): the session's copy first, then the keyring.

    The keyring entry is service `acr-desktop:<registry>`, username as is, the secret as the
    password; the kind (password, ACR refresh token, Entra ID) follows from the username.
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._pinned = backend  # None: whatever keyring.get_keyring() says, asked lazily
        self._session: dict[tuple[str, str], Credentials] = {}
        self._session_sources: dict[tuple[str, str], str] = {}
        # registry → the Entra sign-in whose refresh tokens go to the keyring, and the last saved
        self._entra: dict[str, tuple[EntraSignIn, str | None]] = {}
        self._unsaved: tuple[EntraSignIn, str] | None = None  # the newest token not yet wanted
        # Called with (login, refresh token) on a worker thread; must hand them to the UI thread.
        self.relay_refresh: Callable[[EntraLogin, str], None] | None = None

    def __repr__(self) -> str:
        entries = ", ".join(f"{u}@{r}" for r, u in sorted(self._session))
        return f"CredentialStore(backend={self.backend_name()!r}, session=[{entries}])"

    def set_backend(self, backend: KeyringBackend | None) -> None:
        """Pin a backend instance (tests, or a user's choice); None goes back to the default."""
        self._pinned = backend

    def backend(self) -> KeyringBackend:
        if self._pinned is not None:
            return self._pinned
        import keyring  # lazily: importing it costs ~0.13 s at start-up

        return keyring.get_keyring()

    def backend_name(self) -> str:
        usable = _usable(self.backend())
        if not usable:
            return NO_KEYRING_NAME
        first = usable[0]
        return _BACKEND_NAMES.get(_key(first), str(getattr(first, "name", type(first).__name__)))

    def persistent(self) -> bool:
        """False on headless Linux, or wherever keyring found nothing: memory only, then."""
        return bool(_usable(self.backend()))

    # -- reading and writing -------------------------------------------------------------------
    def save(self, registry: str, credentials: Credentials) -> bool:
        """Keep the credentials for this session, and in the keyring when there is one.

        Returns True only if the keyring has them now.
        """
        self.session_only(registry, credentials)
        if not self.persistent():
            return False
        login = getattr(credentials, "entra", None)
        if login is not None:  # its refresh token is saved when it has one (`refresh_arrived`)
            self._entra[registry] = (login, None)
            unsaved, self._unsaved = self._unsaved, None
            if unsaved is not None and unsaved[0] is login:
                return self._save_refresh(registry, login, unsaved[1])
            return True
        try:
            self.backend().set_password(
                service_name(registry), credentials.username, credentials.secret
            )
        except Exception as exc:  # backends raise assorted types (D-Bus, locked, OS errors)
            self._log_failure("save", registry, credentials.username, exc, credentials.secret)
            return False
        return True

    def session_only(
        self, registry: str, credentials: Credentials, *, found_in: str | None = None
    ) -> None:
        """Keep the credentials in memory until the app quits (the keyring is left as it is).

        `found_in` names where they were found (a Docker config), for `resolve()` to say.
        """
        key = (registry, credentials.username)
        self._session.pop(key, None)  # re-inserted last: the most recent for `resolve(r, None)`
        self._session[key] = credentials
        if found_in:
            self._session_sources[key] = f"{SESSION_SOURCE} (from {found_in})"
        else:
            self._session_sources.pop(key, None)

    def resolve(self, registry: str, username: str | None) -> ResolvedCredentials | None:
        """The credentials to use for `registry`: this session's copy, then the keyring.

        Without a username only this session's most recent copy can be found (a keyring is
        searched by username). None means: let the Docker config or anonymous access decide.
        """
        if username is None:
            keys = [key for key in self._session if key[0] == registry]
            if not keys:
                return None
            username = keys[-1][1]
        username = normal_username(username)
        key = (registry, username)
        if key in self._session:
            source = self._session_sources.get(key, SESSION_SOURCE)
            return ResolvedCredentials(self._session[key], source, "session")
        found = self.load(registry, username)
        if found is None:
            return None
        return ResolvedCredentials(found, f"keyring ({self.backend_name()})", "keyring")

    def load(self, registry: str, username: str) -> Credentials | None:
        username = normal_username(username)
        found = self._session.get((registry, username))
        if found is not None or not self.persistent():
            return found
        try:
            secret = self.backend().get_password(service_name(registry), username)
        except Exception as exc:  # as in save(): never let a keyring problem take the app down
            self._log_failure("read", registry, username, exc)
            return None
        if secret is None:
            return None
        if username == ENTRA_USERNAME:
            return self._saved_entra(registry, secret)
        return Credentials.for_user(username, secret)

    # -- Microsoft Entra ID ----------------------------------------------------------------------
    def entra_login(self, refresh_token: str | None = None, **options: Any) -> EntraLogin:
        """A new Entra sign-in (`options`: EntraLogin's) whose new ACR refresh tokens reach
        `refresh_arrived` through `relay_refresh`; without a relay they stay in memory."""
        from acr_desktop.registry.entra import EntraLogin

        made: list[EntraLogin] = []

        def on_refresh(token: str) -> None:  # on a worker thread
            relay = self.relay_refresh
            if relay is not None and made:
                relay(made[0], token)

        login = EntraLogin(refresh_token=refresh_token, on_refresh=on_refresh, **options)
        made.append(login)
        return login

    def _saved_entra(self, registry: str, refresh_token: str) -> Credentials:
        """The sign-in behind a saved refresh token: the same one while the token is the same
        (a second read must not start a second sign-in), renewed from the non-interactive
        sources once it expires."""
        known = self._entra.get(registry)
        if known is None or known[1] != refresh_token:
            known = (self.entra_login(refresh_token), refresh_token)
            self._entra[registry] = known
        return Credentials.of_entra(known[0])

    def refresh_arrived(self, login: EntraSignIn, refresh_token: str) -> None:
        """On the UI thread: `login` got a new ACR refresh token. Saved in the keyring when the
        user chose Remember for it (and has not signed out since); else kept in memory only, in
        case OK with Remember follows."""
        for registry, (remembered, _saved) in list(self._entra.items()):
            if remembered is login:
                self._save_refresh(registry, login, refresh_token)
                return
        self._unsaved = (login, refresh_token)

    def _save_refresh(self, registry: str, login: EntraSignIn, refresh_token: str) -> bool:
        if not self.persistent():
            return False
        try:
            self.backend().set_password(service_name(registry), ENTRA_USERNAME, refresh_token)
        except Exception as exc:
            self._log_failure("save", registry, ENTRA_USERNAME, exc, refresh_token)
            return False
        self._entra[registry] = (login, refresh_token)
        return True

    def forget_session(self, registry: str, username: str) -> None:
        """Remove this session's copy of the credentials; the keyring keeps its own (an Entra
        sign-in stops renewing it there)."""
        username = normal_username(username)
        if username == ENTRA_USERNAME:
            self._entra.pop(registry, None)
        self._session.pop((registry, username), None)
        self._session_sources.pop((registry, username), None)

    def forget(self, registry: str, username: str) -> None:
        """Remove the credentials from this session and from the keyring."""
        from keyring.errors import PasswordDeleteError

        username = normal_username(username)
        if username == ENTRA_USERNAME:
            self._entra.pop(registry, None)
        self._session.pop((registry, username), None)
        self._session_sources.pop((registry, username), None)
        if not self.persistent():
            return
        try:
            self.backend().delete_password(service_name(registry), username)
        except PasswordDeleteError:
            pass  # nothing was stored
        except Exception as exc:
            self._log_failure("delete", registry, username, exc)

    def _log_failure(
        self, action: str, registry: str, username: str, exc: Exception, secret: str = ""
    ) -> None:
        detail = str(exc)
        if secret:
            detail = detail.replace(secret, "<hidden>")
        log.warning(
            "Could not %s the credentials of %s for %s in %s: %s: %s",
            action,
            username,
            registry,
            self.backend_name(),
            type(exc).__name__,
            detail,
        )
