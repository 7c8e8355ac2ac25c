"""Per-registry connection choices, and the rate limit a registry reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acr_desktop.registry.tls import ClientCert

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


@dataclass(frozen=True)
class ConnectionSettings:
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

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitStatus | None:
        """`ratelimit-remaining: 76;w=21600`; None when the answer says nothing about it."""
        remaining = headers.get("ratelimit-remaining")
        if not remaining:
            return None
        limit = headers.get("ratelimit-limit", "")
        head, lim = _count(remaining), _count(limit)
        return None if head is None else cls(head, lim)


def _count(value: str) -> int | None:
    """`76;w=21600` → 76: ASCII digits only (`'²'.isdigit()` is True), at most 12 of them."""
    head = value.split(";", 1)[0].strip()
    if not head or len(head) > 12 or not (head.isascii() and head.isdigit()):
        return None
    return int(head)
