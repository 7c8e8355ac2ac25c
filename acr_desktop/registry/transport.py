"""Talking to registries: the 401 → token → retry dance, cached tokens and challenges, 429 waits.

One `Transport` serves many registries and keeps, per registry, the credentials, the challenge it
learned (so later requests skip the first 401) and tokens per scope set.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode, urlsplit

import requests

from acr_desktop.registry.auth import CLIENT_ID, Credentials, Token, TokenCache, token_from_response
from acr_desktop.registry.cancel import check_cancelled, sleep_cancellable
from acr_desktop.registry.challenge import Challenge, bearer_or_basic, parse_www_authenticate
from acr_desktop.registry.errors import (
    AccessDenied,
    AuthenticationRequired,
    InvalidResponse,
    RateLimited,
)
from acr_desktop.registry.http import Response, origin, send
from acr_desktop.registry.problems import RequestContext, error_for, retry_after_seconds
from acr_desktop.registry.reference import registry_api_host

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


@dataclass(frozen=True)
class RegistrySettings:
    """Per-registry transport choices. Plain HTTP and skipping TLS checks are separate switches."""

    plain_http: bool | None = None  # None: only for localhost / 127.0.0.1 / ::1
    verify_tls: bool = True
    ca_bundle: str | None = None

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


class Transport:
    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = sleep_cancellable,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        password_grant: Literal["basic", "oauth"] = "basic",
    ) -> None:
        self.session = session or requests.Session()  # trust_env: proxies, CA bundles from env
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.password_grant = password_grant
        self.tokens = TokenCache(clock)
        self.on_rate_limited: Callable[[float, int], None] | None = None
        self.rate_limits: dict[str, RateLimitStatus] = {}
        self._credentials: dict[str, Credentials] = {}
        self._settings: dict[str, RegistrySettings] = {}
        self._challenges: dict[str, Challenge] = {}
        self._lock = threading.Lock()

    # -- configuration -------------------------------------------------------------------------
    def set_credentials(self, registry: str, credentials: Credentials | None) -> None:
        with self._lock:
            if credentials is None:
                self._credentials.pop(registry, None)
            else:
                self._credentials[registry] = credentials
        self.tokens.invalidate(registry)

    def credentials(self, registry: str) -> Credentials | None:
        with self._lock:
            return self._credentials.get(registry)

    def set_settings(self, registry: str, settings: RegistrySettings) -> None:
        with self._lock:
            self._settings[registry] = settings

    def settings(self, registry: str) -> RegistrySettings:
        with self._lock:
            return self._settings.get(registry, RegistrySettings())

    def base_url(self, registry: str) -> str:
        host = registry_api_host(registry)
        return f"{self.settings(registry).scheme_for(host)}://{host}"

    def challenge(self, registry: str) -> Challenge | None:
        with self._lock:
            return self._challenges.get(registry)

    # -- requests ------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        ctx: RequestContext,
        path: str,
        *,
        scopes: tuple[str, ...] = (),
        accept: str | None = None,
        max_bytes: int = 4 * MiB,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> Response:
        """Send an authenticated request; return a 2xx (or `ok_statuses`) answer, else raise."""
        registry = ctx.registry
        url = path if path.startswith(("http://", "https://")) else self.base_url(registry) + path
        wanted = frozenset(scopes)
        retried_auth = False
        rate_retries = 0
        token: Token | None = None
        while True:
            check_cancelled()
            headers = {"User-Agent": f"{CLIENT_ID}"}
            if accept:
                headers["Accept"] = accept
            authorization, token = self._authorization(registry, wanted)
            if authorization:
                headers["Authorization"] = authorization
            resp = send(
                self.session,
                method,
                url,
                headers=headers,
                auth_origin=origin(self.base_url(registry)),
                timeout=self.timeout,
                max_bytes=max_bytes,
                verify=self.settings(registry).verify,
            )
            self._note_rate_limit(registry, resp)
            if resp.status == 401 and origin(resp.url) == origin(self.base_url(registry)):
                challenge = bearer_or_basic(
                    parse_www_authenticate(resp.headers.get("WWW-Authenticate", ""))
                )
                if retried_auth or challenge is None:
                    raise self._auth_error(resp, ctx, token, wanted, challenge)
                retried_auth = True
                with self._lock:
                    self._challenges[registry] = challenge
                if challenge.scheme == "bearer":
                    self.tokens.invalidate(registry, wanted)
                    needed = tuple(sorted(wanted | set(challenge.scopes)))
                    self.tokens.put(
                        registry, wanted, self._fetch_token(registry, challenge, needed)
                    )
                elif self.credentials(registry) is None:
                    raise self._auth_error(resp, ctx, None, wanted, challenge)
                continue
            if resp.status == 429 and rate_retries < self.max_retries:
                wait = retry_after_seconds(resp.headers.get("Retry-After"), self.clock())
                wait = 2.0**rate_retries if wait is None else wait
                if wait <= self.max_retry_wait:
                    rate_retries += 1
                    log.info("%s asked to wait %.1f s (retry %d)", registry, wait, rate_retries)
                    if self.on_rate_limited:
                        self.on_rate_limited(wait, rate_retries)
                    self.sleep(wait)
                    continue
            if 200 <= resp.status < 300 or resp.status in ok_statuses:
                return resp
            creds = self.credentials(registry)
            raise error_for(
                resp, ctx, username=creds.username if creds else None, granted=_granted_text(token)
            )

    def _authorization(
        self, registry: str, scopes: frozenset[str]
    ) -> tuple[str | None, Token | None]:
        challenge = self.challenge(registry)
        if challenge is None:
            return None, None
        if challenge.scheme == "basic":
            creds = self.credentials(registry)
            return (creds.basic_header() if creds else None), None
        token = self.tokens.get(registry, scopes)
        if token is None:
            token = self._fetch_token(registry, challenge, tuple(sorted(scopes)))
            self.tokens.put(registry, scopes, token)
        return f"Bearer {token.value}", token

    def _auth_error(
        self,
        resp: Response,
        ctx: RequestContext,
        token: Token | None,
        wanted: frozenset[str],
        challenge: Challenge | None,
    ) -> Exception:
        creds = self.credentials(ctx.registry)
        username = creds.username if creds else None
        granted = _granted_text(token)
        insufficient = challenge is not None and challenge.error == "insufficient_scope"
        if token is not None and (insufficient or token.granted is not None):
            lacking = [
                s for s in sorted(wanted) if not any(a.allows(s) for a in token.granted or ())
            ]
            if insufficient or lacking:
                needed = tuple(_scope_text(s) for s in (lacking or sorted(wanted)))
                who = f"Signed in as “{username}”" if username else "Signed in anonymously"
                have = "; ".join(granted) if granted else "nothing here"
                return AccessDenied(
                    f"{who}, but the registry granted {have}; this needs {'; '.join(needed)}.",
                    needed=needed,
                    granted=granted,
                    status=resp.status,
                )
        return error_for(resp, ctx, username=username, granted=granted)

    # -- tokens --------------------------------------------------------------------------------
    def _fetch_token(self, registry: str, challenge: Challenge, scopes: tuple[str, ...]) -> Token:
        realm = challenge.realm or ""
        if urlsplit(realm).scheme not in ("http", "https") or not urlsplit(realm).netloc:
            raise InvalidResponse(f"{registry} asked for a token but named no valid token service.")
        creds = self.credentials(registry)
        query: list[tuple[str, str]] = []
        if challenge.service:
            query.append(("service", challenge.service))
        query += [("scope", s) for s in scopes]
        attempts: list[tuple[str, dict[str, str] | None, str | None]] = []
        form: dict[str, str] = {
            "service": challenge.service or "",
            "scope": " ".join(scopes),
            "client_id": CLIENT_ID,
        }
        if creds is None:
            attempts.append(("GET", None, None))
        elif creds.kind == "refresh_token":
            attempts.append(
                (
                    "POST",
                    {**form, "grant_type": "refresh_token", "refresh_token": creds.secret},
                    None,
                )
            )
            attempts.append(("GET", None, creds.basic_header()))
        else:
            if self.password_grant == "oauth":
                attempts.append(
                    (
                        "POST",
                        {
                            **form,
                            "grant_type": "password",
                            "username": creds.username,
                            "password": creds.secret,
                        },
                        None,
                    )
                )
            attempts.append(("GET", None, creds.basic_header()))
        ctx = RequestContext(registry, "token")
        for index, (method, data, basic) in enumerate(attempts):
            url = (
                realm + ("&" if "?" in realm else "?") + urlencode(query)
                if method == "GET"
                else realm
            )
            headers = {"User-Agent": CLIENT_ID}
            if basic:
                headers["Authorization"] = basic
            resp = send(
                self.session,
                method,
                url,
                headers=headers,
                auth_origin=origin(realm),
                timeout=self.timeout,
                max_bytes=MiB,
                data=data,
                verify=self.settings(registry).verify,
            )
            last = index == len(attempts) - 1
            if method == "POST" and resp.status in (404, 405) and not last:
                continue  # this token server has no OAuth2 POST: fall back to GET (crane does too)
            if resp.status in (401, 403):
                who = f"“{creds.username}”" if creds else "anonymous access"
                raise AuthenticationRequired(
                    f"The token service of {registry} refused {who}: "
                    f"{'check the user name and password or token' if creds else 'sign in'}.",
                    registry=registry,
                    had_credentials=creds is not None,
                    status=resp.status,
                )
            if not 200 <= resp.status < 300:
                raise error_for(resp, ctx, username=creds.username if creds else None)
            try:
                body = json.loads(resp.body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                body = None
            token = token_from_response(body, self.clock())
            if token is None:
                raise InvalidResponse(f"The token service of {registry} answered without a token.")
            return token
        raise InvalidResponse(f"The token service of {registry} could not be used.")

    def _note_rate_limit(self, registry: str, resp: Response) -> None:
        remaining = resp.headers.get("ratelimit-remaining")
        if remaining:
            limit = resp.headers.get("ratelimit-limit", "")
            head, lim = remaining.split(";", 1)[0].strip(), limit.split(";", 1)[0].strip()
            if head.isdigit():
                self.rate_limits[registry] = RateLimitStatus(
                    int(head), int(lim) if lim.isdigit() else None
                )


def _granted_text(token: Token | None) -> tuple[str, ...]:
    if token is None or token.granted is None:
        return ()
    return tuple(str(a) for a in token.granted)


def _scope_text(scope: str) -> str:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return f"{actions.replace(',', ', ')} on {name}" if kind == "repository" else scope


__all__ = ["RateLimitStatus", "RateLimited", "RegistrySettings", "Transport"]
