"""Credentials, scopes, bearer tokens and their cache (the exchange itself: token_service.py).

Secrets live only in `Credentials.secret` and `Token.value`; neither appears in a repr, a log record
or an exception message.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.json_doc import load_json

ACR_REFRESH_USERNAME = "00000000-0000-0000-0000-000000000000"
IDENTITY_TOKEN_USERNAME = "<token>"  # what Docker credential helpers report for identity tokens
DEFAULT_TOKEN_LIFETIME = 60.0  # seconds, when the server says nothing (Docker token spec)
CLIENT_ID = "acr-desktop"
# registry/ does not import the package: a copy of acr_desktop.__version__ (a test compares them)
APP_VERSION = "0.1.0"
USER_AGENT = f"acr-desktop/{APP_VERSION} (+https://github.com/acrdesktop/acr-desktop)"


CredentialKind = Literal["password", "refresh_token", "registry_token", "entra"]
REGISTRY_TOKEN_USERNAME = "<registry token>"
ENTRA_USERNAME = "<Microsoft Entra ID>"  # kind "entra" (and its refresh token in the keyring)


class EntraSignIn(Protocol):
    """What entra Credentials hold: a Microsoft Entra ID sign-in (registry/entra.EntraLogin)
    that gives ACR refresh tokens. A protocol, so that auth does not import entra."""

    def acr_refresh(self, send: Any, registry: str, challenge: Any, now: float) -> Credentials: ...

    def drop_refresh(self) -> None: ...

    def describe(self) -> str: ...

    def secrets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Credentials:
    """A username and a secret (password, token, or an ACR refresh token)."""

    username: str
    secret: str = field(repr=False)
    kind: CredentialKind = "password"
    # kind "entra": the sign-in itself; equal only to credentials holding the very same login
    entra: EntraSignIn | None = field(default=None, repr=False)

    @classmethod
    def of_entra(cls, login: EntraSignIn) -> Credentials:
        """Credentials that sign in with Microsoft Entra ID through `login`."""
        return cls(ENTRA_USERNAME, "", "entra", login)

    @classmethod
    def for_user(cls, username: str, secret: str) -> Credentials:
        """Recognise ACR refresh tokens (`az acr login --expose-token`) by their username. A
        saved Microsoft Entra ID sign-in (ENTRA_USERNAME) is `entra.saved_sign_in`'s."""
        if username in (ACR_REFRESH_USERNAME, IDENTITY_TOKEN_USERNAME):
            return cls(ACR_REFRESH_USERNAME, secret, "refresh_token")
        if username == REGISTRY_TOKEN_USERNAME:
            return cls.registry_token(secret)
        return cls(username, secret, "password")

    @property
    def who(self) -> str:
        """Who these credentials are, for a sentence: the user name, or the Entra sign-in."""
        return self.entra.describe() if self.entra is not None else self.username

    def secrets(self) -> tuple[str, ...]:
        """Every secret these credentials may send (for redaction): the Entra login's tokens."""
        held = self.entra.secrets() if self.entra is not None else ()
        return tuple(s for s in (self.secret, *held) if s)

    @classmethod
    def registry_token(cls, token: str) -> Credentials:
        """A bearer token for the registry itself (Docker config `registrytoken`): sent as is,
        never exchanged."""
        return cls(REGISTRY_TOKEN_USERNAME, token, "registry_token")

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, secret=<hidden>, kind={self.kind!r})"

    def basic_header(self) -> str:
        raw = f"{self.username}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class Access:
    """One entry of a token's `access` claim: what it allows on what."""

    type: str
    name: str
    actions: tuple[str, ...]

    def __str__(self) -> str:
        actions = ", ".join(self.actions) if self.actions else "nothing"
        return f"{actions} on {self.name}"

    def allows(self, scope: str) -> bool:
        wanted = Scope.parse(scope)
        if wanted is None or (wanted.type, wanted.name) != (self.type, self.name):
            return False
        return "*" in self.actions or all(a in self.actions for a in wanted.actions)


@dataclass(frozen=True)
class Scope:
    type: str
    name: str
    actions: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Scope | None:
        """`repository:team/app:pull,push`; names may contain `:` (a registry with a port)."""
        kind, sep, rest = text.partition(":")
        name, sep2, actions = rest.rpartition(":")
        if not sep or not sep2:
            return None
        return cls(kind, name, tuple(a for a in actions.split(",") if a))


def repository_scope(repository: str, *actions: str) -> str:
    return f"repository:{repository}:{','.join(actions or ('pull',))}"


CATALOG_SCOPE = "registry:catalog:*"


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    issued_at: float
    expires_at: float
    granted: tuple[Access, ...] | None  # None: not a JWT we can read

    def __repr__(self) -> str:
        return f"Token(value=<hidden>, expires_at={self.expires_at!r}, granted={self.granted!r})"

    def fresh_at(self, now: float, max_margin: float) -> bool:
        """Still usable at `now`, renewing a margin early (a quarter of a short lifetime)."""
        margin = min(max_margin, (self.expires_at - self.issued_at) / 4)
        return now < self.expires_at - margin


MAX_JWT_CHARS = 1024 * 1024  # a token bigger than the token answer cap is not read
MAX_ACCESS_ENTRIES = 100_000  # entries of an `access` claim read


def jwt_claims(token: str) -> dict[str, Any] | None:
    """Decode (without verifying) the claims of a JWT; None if it is not one (or too big)."""
    if len(token) > MAX_JWT_CHARS or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = load_json(raw, what="token's claims")
    except (binascii.Error, ValueError, InvalidResponse):
        return None
    return claims if isinstance(claims, dict) else None


def granted_access(token: str) -> tuple[Access, ...] | None:
    """What a token allows, from its `access` claim (as `az acr` shows it). Linear: entries for
    the same (type, name) are merged through dicts, which keep the order of first sight."""
    claims = jwt_claims(token)
    if claims is None:
        return None
    entries = claims.get("access")
    if not isinstance(entries, list):
        return ()
    merged: dict[tuple[str, str], dict[str, None]] = {}
    for entry in entries[:MAX_ACCESS_ENTRIES]:
        if not isinstance(entry, dict):
            continue
        actions = entry.get("actions")
        kind, name = entry.get("type", ""), entry.get("name", "")
        if not isinstance(actions, list) or not isinstance(kind, str) or not isinstance(name, str):
            continue
        named = [a for a in actions if isinstance(a, str)]
        if named:  # an entry with no actions grants nothing
            merged.setdefault((kind, name), {}).update(dict.fromkeys(named))
    return tuple(Access(kind, name, tuple(actions)) for (kind, name), actions in merged.items())


class TokenCache:
    """Tokens per (registry, scope set), renewed a margin before they expire. Thread-safe.

    Dropping all of a registry's tokens (a sign-in or sign-out) starts a new generation: a
    token fetched under the old one, still on its way, is not kept when it arrives."""

    def __init__(self, clock: Any = time.time, margin: float = 10.0) -> None:
        self._clock = clock
        self._margin = margin
        self._tokens: dict[tuple[str, frozenset[str]], Token] = {}
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()

    def generation(self, registry: str) -> int:
        with self._lock:
            return self._generations.get(registry, 0)

    def get(self, registry: str, scopes: frozenset[str]) -> Token | None:
        with self._lock:
            token = self._tokens.get((registry, scopes))
        if token is None:
            return None
        return token if token.fresh_at(self._clock(), self._margin) else None

    def put(
        self, registry: str, scopes: frozenset[str], token: Token, generation: int | None = None
    ) -> None:
        """Keep `token`, unless it was fetched in an older `generation` than the current."""
        with self._lock:
            if generation is None or generation == self._generations.get(registry, 0):
                self._tokens[(registry, scopes)] = token

    def invalidate(self, registry: str, scopes: frozenset[str] | None = None) -> None:
        with self._lock:
            if scopes is None:
                self._generations[registry] = self._generations.get(registry, 0) + 1
            for key in list(self._tokens):
                if key[0] == registry and (scopes is None or key[1] == scopes):
                    del self._tokens[key]
