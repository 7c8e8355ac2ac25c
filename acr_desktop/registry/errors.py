"""Typed errors of the registry core. Each says, in `sentence`, what went wrong for a person.

No error message ever contains a password or a token: messages are built from hosts, repositories,
registry error codes and registry messages only.
"""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Something went wrong talking to a registry."""

    def __init__(
        self,
        sentence: str,
        *,
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status
        self.code = code  # the registry's error code, e.g. MANIFEST_UNKNOWN
        self.message = message  # the registry's own message, if any

    def __str__(self) -> str:
        return self.sentence


class InvalidReference(RegistryError, ValueError):
    """A reference that cannot be parsed; `part` names the bad part."""

    def __init__(self, sentence: str, *, part: str, text: str) -> None:
        super().__init__(sentence)
        self.part = part
        self.text = text


class AuthenticationRequired(RegistryError):
    """The registry wants credentials, or refused the ones given."""

    def __init__(self, sentence: str, *, registry: str, had_credentials: bool, **kw: Any) -> None:
        super().__init__(sentence, **kw)
        self.registry = registry
        self.had_credentials = had_credentials


class AccessDenied(RegistryError):
    """Signed in, but not allowed to do this: `needed` vs `granted` scope actions."""

    def __init__(
        self,
        sentence: str,
        *,
        needed: tuple[str, ...] = (),
        granted: tuple[str, ...] = (),
        **kw: Any,
    ) -> None:
        super().__init__(sentence, **kw)
        self.needed = needed
        self.granted = granted


class NotFound(RegistryError):
    """The repository, tag, manifest or blob does not exist; `what` says which."""

    def __init__(self, sentence: str, *, what: str, **kw: Any) -> None:
        super().__init__(sentence, **kw)
        self.what = what


class RateLimited(RegistryError):
    """HTTP 429: the registry asks us to wait `retry_after` seconds (None if it did not say)."""

    def __init__(self, sentence: str, *, retry_after: float | None, **kw: Any) -> None:
        super().__init__(sentence, **kw)
        self.retry_after = retry_after


class DigestMismatch(RegistryError):
    """Content does not hash to the digest it was asked for or described by."""

    def __init__(self, sentence: str, *, expected: str, actual: str) -> None:
        super().__init__(sentence)
        self.expected = expected
        self.actual = actual


class TooLarge(RegistryError):
    """A body bigger than we are willing to read."""

    def __init__(self, sentence: str, *, limit: int) -> None:
        super().__init__(sentence)
        self.limit = limit


class InvalidResponse(RegistryError):
    """The registry answered with something that is not what the protocol says."""


class ServerError(RegistryError):
    """The registry failed (HTTP 5xx) or answered with an unexpected status."""


class RegistryUnreachable(RegistryError):
    """No answer: the host cannot be resolved or connected to, or it timed out."""

    def __init__(self, sentence: str, *, host: str, reason: str) -> None:
        super().__init__(sentence)
        self.host = host
        self.reason = reason


class RegistryTimeout(RegistryUnreachable):
    """The registry accepted the connection but did not answer in time."""


class TLSFailure(RegistryUnreachable):
    """The TLS handshake or certificate check failed."""


class Cancelled(Exception):
    """The user cancelled the operation. Deliberately not a `RegistryError`: an
    `except RegistryError` meant for failures must never swallow a cancel."""

    def __init__(self) -> None:
        super().__init__("Cancelled.")
        self.sentence = "Cancelled."
