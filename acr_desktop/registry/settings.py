"""Per-registry connection choices, and the rate limit a registry reports."""

from __future__ import annotations

from dataclasses import dataclass

from acr_desktop.registry.http import ClientCert

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


@dataclass(frozen=True)
class RegistrySettings:
    """Per-registry transport choices. Plain HTTP and skipping TLS checks are separate switches.

    HTTPS always trusts the operating system's store; `ca_bundle` adds to it. A registry that
    answers plain HTTP with "use HTTPS" is switched to HTTPS for the rest of the session.
    """

    plain_http: bool | None = None  # None: only for localhost / 127.0.0.1 / ::1
    verify_tls: bool = True
    ca_bundle: str | None = None
    client_cert: str | None = None  # PEM; may hold the key too
    client_key: str | None = None
    proxy: str | None = None  # None: from the environment (HTTPS_PROXY, NO_PROXY…)

    @property
    def cert(self) -> ClientCert | None:
        if not self.client_cert:
            return None
        return (self.client_cert, self.client_key) if self.client_key else self.client_cert

    @property
    def proxies(self) -> dict[str, str] | None:
        return {"http": self.proxy, "https": self.proxy} if self.proxy else None

    def scheme_for(self, host: str) -> str:
        if self.plain_http is not None:
            return "http" if self.plain_http else "https"
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        local = name in _LOCAL_HOSTS or name.startswith("127.")
        return "http" if local else "https"

    @property
    def verify(self) -> bool | str:
        if not self.verify_tls:
            return False
        return self.ca_bundle or True


@dataclass(frozen=True)
class RateLimitStatus:
    """Docker Hub's `ratelimit-remaining` / `ratelimit-limit`, when a registry sends them."""

    remaining: int
    limit: int | None
