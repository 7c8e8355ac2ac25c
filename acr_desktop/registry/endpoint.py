"""What the transport knows about one registry: the credentials given or found, how to connect,
the challenge and scheme it learned, and the rate limit last reported. Tokens stay in TokenCache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from acr_desktop.registry.auth import Credentials, TokenCache
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.connection import ConnectionSettings, RateLimitStatus
from acr_desktop.registry.reference import registry_api_host

if TYPE_CHECKING:  # imported when used: it costs start-up time (subprocess) the CLI may not need
    from acr_desktop.registry.docker_credentials import CredentialLookup


@dataclass(frozen=True)
class Endpoint:
    """One registry's state. Frozen: the transport swaps in a changed copy under its lock, so a
    reader on another thread always sees one consistent snapshot."""

    registry: str
    given: Credentials | None = None  # by `set_credentials`; always wins over `found`
    found: CredentialLookup | None = None  # the credential fallback's answer; None: not asked
    settings: ConnectionSettings = field(default_factory=ConnectionSettings)
    challenge: Challenge | None = None  # learned from a 401, so later requests skip it
    https_only: bool = False  # answered plain HTTP with "use HTTPS"
    rate_limit: RateLimitStatus | None = None

    @property
    def credentials(self) -> Credentials | None:
        """The credentials in use: those given, else those the fallback found."""
        return self.given or self.found_in_use[0]

    @property
    def found_in_use(self) -> tuple[Credentials | None, str | None]:
        """(credentials, source) found by the fallback, if they are the ones in use."""
        if self.given is not None or self.found is None or self.found.found is None:
            return None, None
        return self.found.found.credentials, self.found.found.source

    @property
    def token_service(self) -> str | None:
        """Where a password or token is sent to be exchanged, when that is not the registry
        itself: the host (and port) of the bearer challenge's realm; else None."""
        if self.challenge is None or self.challenge.scheme != "bearer":
            return None
        try:
            host = urlsplit(self.challenge.realm or "").netloc.rsplit("@", 1)[-1]
        except ValueError:
            return None
        return host if host and host.lower() != registry_api_host(self.registry).lower() else None

    @property
    def base_url(self) -> str:
        host = registry_api_host(self.registry)
        return f"{'https' if self.https_only else self.settings.scheme_for(host)}://{host}"


class Endpoints:
    """Every registry's `Endpoint`, safe across threads: readers get a snapshot, writers swap in
    a changed copy. A change of whose credentials are in use drops that registry's tokens."""

    def __init__(self, tokens: TokenCache) -> None:
        self._tokens = tokens
        self._known: dict[str, Endpoint] = {}
        self._lock = threading.Lock()

    def get(self, registry: str) -> Endpoint:
        with self._lock:
            return self._known.get(registry) or Endpoint(registry)

    def change(self, registry: str, **changes: Any) -> Endpoint:
        """Replace fields of `registry`'s endpoint; returns the one replaced."""
        with self._lock:
            old = self._known.get(registry) or Endpoint(registry)
            self._known[registry] = replace(old, **changes)
        return old

    def set_credentials(self, registry: str, credentials: Credentials | None) -> None:
        self.change(registry, given=credentials)
        self._tokens.invalidate(registry)

    def forget_found(self, registry: str) -> None:
        dropped = self.change(registry, found=None).found
        if dropped is not None and dropped.found is not None:
            self._tokens.invalidate(registry)

    def decline_fallback(self, registry: str) -> None:
        from acr_desktop.registry.docker_credentials import CredentialLookup

        self.change(registry, found=CredentialLookup(None, ()))
        self._tokens.invalidate(registry)
