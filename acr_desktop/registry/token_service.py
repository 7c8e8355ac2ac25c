"""The token exchange with a registry's token service: what to send (anonymous GET, GET with
Basic, OAuth2 POST), sending it, reading the answer, and what a refusal means for a person."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlencode, urlsplit

from acr_desktop.registry import tls
from acr_desktop.registry.auth import (
    CLIENT_ID,
    DEFAULT_TOKEN_LIFETIME,
    USER_AGENT,
    Credentials,
    Token,
    granted_access,
    jwt_claims,
)
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.errors import (
    AuthenticationRequired,
    InvalidResponse,
    RegistryTimeout,
    RegistryUnreachable,
    TLSFailure,
)
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.problems import RequestContext, correlation_id, error_for
from acr_desktop.registry.sending import Response, origin, same_host_to_urllib3

MAX_LIFETIME = 366 * 24 * 3600.0  # seconds: a longer `expires_in` is treated as this

PasswordGrant = Literal["basic", "oauth"]
TokenAttempt = tuple[str, dict[str, str] | None, str | None]  # method, form, Basic header


class TokenSend(Protocol):
    """Sends one request to the token service, over the registry's connection settings."""

    def __call__(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        auth_origin: str,
        data: dict[str, str] | None,
    ) -> Response: ...


def token_attempts(
    challenge: Challenge,
    scopes: tuple[str, ...],
    creds: Credentials | None,
    password_grant: PasswordGrant,
) -> list[TokenAttempt]:
    """How to ask the token service, in order: anonymous GET; a refresh token by OAuth2 POST, then
    GET with Basic; a password by GET with Basic (the ACR recipe), or POST first when asked."""
    form: dict[str, str] = {
        "service": challenge.service or "",
        "scope": " ".join(scopes),
        "client_id": CLIENT_ID,
    }
    if creds is None:
        return [("GET", None, None)]
    if creds.kind == "refresh_token":
        refresh = {**form, "grant_type": "refresh_token", "refresh_token": creds.secret}
        return [("POST", refresh, None), ("GET", None, creds.basic_header())]
    attempts: list[TokenAttempt] = []
    if password_grant == "oauth":
        password = {
            **form,
            "grant_type": "password",
            "username": creds.username,
            "password": creds.secret,
        }
        attempts.append(("POST", password, None))
    attempts.append(("GET", None, creds.basic_header()))
    return attempts


def fetch_token(
    send: TokenSend,
    registry: str,
    challenge: Challenge,
    scopes: tuple[str, ...],
    creds: Credentials | None,
    *,
    source: str | None,
    password_grant: PasswordGrant,
    now: Callable[[], float],
    plain_http_ok: Callable[[str], bool] = lambda _host: True,
) -> Token:
    """Ask `challenge.realm` for a token for `scopes`. `source` names where `creds` were found
    (Docker config…), for the sentence when the token service refuses them. `plain_http_ok(host)`
    says whether a realm on plain HTTP may be used."""
    realm = challenge.realm or ""
    try:
        parts = urlsplit(realm)
        valid = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and same_host_to_urllib3(parts.netloc)  # `https://evil\\@registry/` goes to evil
        )
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        valid = False
    if not valid:
        raise InvalidResponse(f"{registry} asked for a token but named no valid token service.")
    service = parts.netloc.rsplit("@", 1)[-1]
    if parts.scheme == "http" and not plain_http_ok(service):
        raise InvalidResponse(
            f"{registry} sends sign-in to a token service over plain HTTP (http://{service}); "
            "it was refused so that no password or token crosses the network unencrypted. Allow "
            f"plain HTTP for {service} in its connection settings only on a network you trust."
        )
    asking = _Asking(send, registry, challenge, scopes, service, source, password_grant, now)
    login = creds.entra if creds is not None else None
    if login is None:
        return asking.token(creds, creds)
    # Microsoft Entra ID: an ACR refresh token from the exchange, used as any refresh token; a
    # refused one (revoked, or aged on the server's clock) is dropped and exchanged once more.
    for again in (False, True):
        try:
            refresh = login.acr_refresh(send, registry, challenge, now())
        except RegistryUnreachable as exc:
            raise _unreachable(exc, service, registry) from None
        try:
            return asking.token(refresh, creds)
        except AuthenticationRequired:
            if again:
                raise
            login.drop_refresh()
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class _Asking:
    """One token request's fixed parts, asked with one set of credentials."""

    send: TokenSend
    registry: str
    challenge: Challenge
    scopes: tuple[str, ...]
    service: str
    source: str | None
    password_grant: PasswordGrant
    now: Callable[[], float]

    def token(self, creds: Credentials | None, shown: Credentials | None) -> Token:
        """Ask with `creds`; a refusal names `shown` (the Entra login behind a refresh token)."""
        registry, challenge, service = self.registry, self.challenge, self.service
        realm = challenge.realm or ""
        query: list[tuple[str, str]] = []
        if challenge.service:
            query.append(("service", challenge.service))
        query += [("scope", s) for s in self.scopes]
        attempts = token_attempts(challenge, self.scopes, creds, self.password_grant)
        secrets = (*(creds.secrets() if creds else ()), *(shown.secrets() if shown else ()))
        ctx = RequestContext(registry, "token", service=service)
        for index, (method, data, basic) in enumerate(attempts):
            url = (
                realm + ("&" if "?" in realm else "?") + urlencode(query)
                if method == "GET"
                else realm
            )
            headers = {"User-Agent": USER_AGENT}
            if basic:
                headers["Authorization"] = basic
            try:
                resp = self.send(method, url, headers, auth_origin=origin(realm), data=data)
            except RegistryUnreachable as exc:
                raise _unreachable(exc, service, registry) from None
            last = index == len(attempts) - 1
            if method == "POST" and resp.status in (404, 405) and not last:
                continue  # this token server has no OAuth2 POST: fall back to GET (crane does too)
            if resp.status in (401, 403):
                raise _refused(
                    registry, shown, self.source, resp.status, correlation_id(resp.headers)
                )
            if not 200 <= resp.status < 300:
                username = shown.who if shown else None
                raise error_for(resp, ctx, username=username, secrets=secrets)
            body = load_json(resp.body, what=f"answer of the token service at {service}")
            token = token_from_response(body, self.now())
            if token is None:
                raise InvalidResponse(
                    f"The token service at {service} (used by {registry}) answered without a token."
                )
            return token
        raise InvalidResponse(
            f"The token service at {service} (used by {registry}) could not be used."
        )


def _unreachable(exc: RegistryUnreachable, service: str, registry: str) -> RegistryUnreachable:
    """The same failure, naming the token service rather than leaving it for the registry's."""
    if isinstance(exc, TLSFailure) and exc.reason in tls.TLS_FIXES:
        return tls.handshake_failure(service, exc.reason, token_service_of=registry)
    who = f"the token service at {service} (used by {registry})"
    kind = RegistryTimeout if isinstance(exc, RegistryTimeout) else type(exc)
    sentence = exc.sentence
    if exc.host and exc.host in sentence:
        sentence = sentence.replace(exc.host, who, 1)
    else:
        sentence = f"Could not reach {who}: {exc.reason}."
    sentence = sentence[0].upper() + sentence[1:]
    return kind(sentence, host=exc.host, reason=exc.reason)


def _refused(
    registry: str,
    creds: Credentials | None,
    source: str | None,
    status: int,
    correlation: str | None = None,
) -> AuthenticationRequired:
    who = (creds.who if creds.entra else f"“{creds.username}”") if creds else "anonymous access"
    if source:
        who += f" (found in {source})"
    return AuthenticationRequired(
        f"The token service of {registry} refused {who}: {_check(creds)}.",
        registry=registry,
        had_credentials=creds is not None,
        status=status,
        correlation_id=correlation,  # ACR's X-Ms-Correlation-Request-Id, for a support ticket
    )


def _check(creds: Credentials | None) -> str:
    if creds is None:
        return "sign in"
    if creds.entra is not None:
        return "check that this account has access to the registry (a role such as AcrPull)"
    return "check the user name and password or token"


def token_from_response(body: Any, now: float) -> Token | None:
    """Build a Token from a token endpoint's JSON; None if it holds no token. Lifetimes are
    bounded: a negative, huge or non-numeric `expires_in` or `exp` counts as not given."""
    if not isinstance(body, dict):
        return None
    value = body.get("access_token") or body.get("token")
    if not isinstance(value, str) or not value:
        return None
    claims = jwt_claims(value)
    expires_in = _seconds(body.get("expires_in"))
    exp = _seconds(claims.get("exp")) if claims else None
    if expires_in is not None and expires_in > 0:
        expires_at = now + min(expires_in, MAX_LIFETIME)
    elif exp is not None:
        # ACR sends no expires_in: its JWT `exp` is the truth (as the Azure SDK reads it).
        expires_at = min(exp, now + MAX_LIFETIME)
    else:
        expires_at = now + DEFAULT_TOKEN_LIFETIME
    return Token(value=value, issued_at=now, expires_at=expires_at, granted=granted_access(value))


def _seconds(value: Any) -> float | None:
    """A JSON number as finite seconds; None for anything else (bools, strings, NaN, huge)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and abs(value) > 2**53:
        return None
    seconds = float(value)
    return seconds if math.isfinite(seconds) else None
