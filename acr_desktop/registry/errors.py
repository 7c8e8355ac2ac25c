"""Typed errors of the registry core. Each says, in `sentence`, what went wrong for a person.

No error message ever contains a password or a token: messages are built from hosts, repositories,
registry error codes and registry messages only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CATALOG_ROLE = "Container Registry Repository Catalog Lister"
READER_ROLE = "Container Registry Repository Reader"


@dataclass(frozen=True)
class Permission:
    """One thing a registry says a request needed: an entry of an error's `detail` list
    (`{"Type": "repository", "Name": "team/app", "Action": "metadata_read"}`), quotable text."""

    type: str
    name: str
    action: str

    @property
    def is_catalog(self) -> bool:
        return self.type == "registry" and self.name == "catalog"

    def text(self) -> str:
        """In words: "metadata_read on repository team/app", "the right to list repositories
        (registry:catalog:*)"."""
        if self.is_catalog:
            return f"the right to list repositories (registry:catalog:{self.action})"
        return f"{self.action} on {self.type} {self.name}".strip()


def lacks_sentence(missing: tuple[Permission, ...], who: str = "Your sign-in") -> str:
    """ "Your sign-in lacks metadata_read on repository team/app." (several joined: "a, b and
    c"); actions on the same thing are named together ("pull, metadata_read on …")."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for p in missing:
        grouped.setdefault((p.type, p.name), []).append(p.action)
    parts = [
        Permission(kind, name, ", ".join(dict.fromkeys(actions))).text()
        for (kind, name), actions in grouped.items()
    ]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{who} lacks {joined}."


def catalog_advice(acr: bool) -> str:
    """The catalog wall: what to do when a sign-in may not list a registry's repositories."""
    if acr:
        return (
            f"Open a repository by name, or ask for the {CATALOG_ROLE} role (on registries "
            "with ABAC repository permissions; AcrPull lists repositories elsewhere), or use a "
            "token whose scope map covers all repositories (*)."
        )
    return "Open a repository by name, or ask the registry's owner for the catalog permission."


METADATA_HOLDERS = (
    f"AcrPull usually includes it; on registries with ABAC repository permissions, {READER_ROLE}; "
    "for a token, metadata/read in its scope map"
)
METADATA_ADVICE = (
    f"Without metadata_read the tag list has no times, digests or locks: ask for it "
    f"({METADATA_HOLDERS})."
)
PULL_ADVICE = (
    f"To read images, ask for AcrPull ({READER_ROLE} on registries with ABAC repository "
    "permissions; for a token, content/read in its scope map)."
)


def wall_advice(missing: tuple[Permission, ...], acr: bool) -> str:
    """What a person can do about the two common walls (the catalog, ACR's metadata_read) and,
    on ACR, about a missing pull; "" when there is nothing specific to say."""
    advice: list[str] = []
    if any(p.is_catalog for p in missing):
        advice.append(catalog_advice(acr))
    if any(p.action == "metadata_read" for p in missing):
        advice.append(METADATA_ADVICE)
    if acr and any(p.action == "pull" and p.type == "repository" for p in missing):
        advice.append(PULL_ADVICE)
    return " ".join(advice)


class RegistryError(Exception):
    """Something went wrong talking to a registry. `correlation_id` is the id the registry gave
    its answer (ACR's `X-Ms-Correlation-Request-Id`), for a support ticket; `missing` what the
    registry said the request needed and the sign-in lacks (its error `detail` list)."""

    def __init__(  # noqa: PLR0913 - a sentence and what the answer said, all keywords
        self,
        sentence: str,
        *,
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
        correlation_id: str | None = None,
        missing: tuple[Permission, ...] = (),
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status
        self.code = code  # the registry's error code, e.g. MANIFEST_UNKNOWN
        self.message = message  # the registry's own message, if any
        self.correlation_id = correlation_id
        self.missing = missing

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
