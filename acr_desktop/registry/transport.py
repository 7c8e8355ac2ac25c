"""Talking to registries: the 401 → token → retry dance, cached tokens and challenges, 429 waits.

One `Transport` serves many registries and keeps, per registry, the credentials (given, or found
by a fallback such as the Docker config), the connection settings (plain HTTP, TLS checks, CA
bundle, client certificate, proxy), the challenge it learned (so later requests skip the first
401) and tokens per scope set.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlencode, urlsplit

import requests

from acr_desktop.registry.auth import (
    CLIENT_ID,
    Credentials,
    Token,
    TokenCache,
    token_attempts,
    token_from_response,
)
from acr_desktop.registry.cancel import check_cancelled, sleep_cancellable
from acr_desktop.registry.challenge import Challenge, bearer_or_basic, parse_www_authenticate
from acr_desktop.registry.dockerconfig import CredentialLookup
from acr_desktop.registry.errors import (
    AccessDenied,
    AuthenticationRequired,
    InvalidResponse,
    RateLimited,
)
from acr_desktop.registry.http import Response, SystemTrustAdapter, origin, send
from acr_desktop.registry.problems import RequestContext, error_for, retry_after_seconds
from acr_desktop.registry.reference import registry_api_host
from acr_desktop.registry.settings import RateLimitStatus, RegistrySettings

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
# What a TLS server answers to plain HTTP (Go's net/http, nginx).
_HTTPS_ONLY = re.compile(rb"HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS")

CredentialFallback = Callable[[str], CredentialLookup]


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
        credential_fallback: CredentialFallback | None = None,
    ) -> None:
        self.session = session or requests.Session()  # trust_env: proxies, CA bundles from env
        self.session.mount("https://", SystemTrustAdapter())  # the OS trust store
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.password_grant = password_grant
        # Asked (on the calling worker thread) when a registry wants credentials and none were
        # given: e.g. `dockerconfig.lookup`, which may run a credential helper.
        self.credential_fallback = credential_fallback
        self.tokens = TokenCache(clock)
        self.on_rate_limited: Callable[[float, int], None] | None = None
        self.rate_limits: dict[str, RateLimitStatus] = {}
        self._credentials: dict[str, Credentials] = {}
        self._settings: dict[str, RegistrySettings] = {}
        self._challenges: dict[str, Challenge] = {}
        self._found: dict[str, CredentialLookup] = {}
        self._https: set[str] = set()  # registries that turned out to speak HTTPS only
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
        """The credentials given with `set_credentials` (not those a fallback found)."""
        with self._lock:
            return self._credentials.get(registry)

    def credential_lookup(self, registry: str) -> CredentialLookup | None:
        """What the fallback found for `registry` (`.found.source` says where) and the problems
        it met; None if it was not asked. Found credentials are used only if none were given."""
        with self._lock:
            return self._found.get(registry)

    def forget_found(self, registry: str) -> None:
        """Ask the fallback again next time (after `docker login`, or when it was refused)."""
        with self._lock:
            dropped = self._found.pop(registry, None)
        if dropped is not None and dropped.found is not None:
            self.tokens.invalidate(registry)

    def decline_fallback(self, registry: str) -> None:
        """The user chose anonymous access: do not use Docker/Podman credentials for `registry`."""
        with self._lock:
            self._found[registry] = CredentialLookup(None, ())
        self.tokens.invalidate(registry)

    def _creds(self, registry: str) -> Credentials | None:
        return self.credentials(registry) or self._found_in_use(registry)[0]

    def _found_in_use(self, registry: str) -> tuple[Credentials | None, str | None]:
        """(credentials, source) found by the fallback, if they are the ones in use."""
        with self._lock:
            lookup = None if registry in self._credentials else self._found.get(registry)
        if lookup is None or lookup.found is None:
            return None, None
        return lookup.found.credentials, lookup.found.source

    def _consult_fallback(self, registry: str) -> None:
        if self.credential_fallback is None:
            return
        with self._lock:
            if registry in self._credentials or registry in self._found:
                return
        try:
            lookup = self.credential_fallback(registry)
        except Exception as exc:  # a bug there must not stop anonymous access
            log.warning("Credential fallback failed for %s: %s", registry, type(exc).__name__)
            problem = f"Looking for saved credentials failed ({type(exc).__name__})."
            lookup = CredentialLookup(None, (problem,))
        with self._lock:
            self._found[registry] = lookup

    def set_settings(self, registry: str, settings: RegistrySettings) -> None:
        with self._lock:
            self._settings[registry] = settings

    def settings(self, registry: str) -> RegistrySettings:
        with self._lock:
            return self._settings.get(registry, RegistrySettings())

    def base_url(self, registry: str) -> str:
        host = registry_api_host(registry)
        with self._lock:
            https = registry in self._https
        return f"{'https' if https else self.settings(registry).scheme_for(host)}://{host}"

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
            resp = self._send(registry, method, url, headers, max_bytes)
            self._note_rate_limit(registry, resp)
            if self._learned_https(registry, url, resp):
                url = "https://" + url.removeprefix("http://")
                continue
            if resp.status == 401 and origin(resp.url) == origin(self.base_url(registry)):
                challenge = bearer_or_basic(
                    parse_www_authenticate(resp.headers.get("WWW-Authenticate", ""))
                )
                if retried_auth or challenge is None:
                    raise self._auth_error(resp, ctx, token, wanted, challenge)
                retried_auth = True
                with self._lock:
                    self._challenges[registry] = challenge
                self._consult_fallback(registry)
                creds = self._creds(registry)
                if creds is not None and creds.kind == "registry_token":
                    continue  # sent as it is on the retry; a second 401 is final
                if challenge.scheme == "bearer":
                    self.tokens.invalidate(registry, wanted)
                    needed = tuple(sorted(wanted | set(challenge.scopes)))
                    self.tokens.put(
                        registry, wanted, self._fetch_token(registry, challenge, needed)
                    )
                elif self._creds(registry) is None:
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
            creds = self._creds(registry)
            raise error_for(
                resp, ctx, username=creds.username if creds else None, granted=_granted_text(token)
            )

    def _send(
        self,
        registry: str,
        method: str,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        *,
        auth_origin: str | None = None,
        data: dict[str, str] | None = None,
    ) -> Response:
        settings = self.settings(registry)
        return send(
            self.session,
            method,
            url,
            headers=headers,
            auth_origin=auth_origin or origin(self.base_url(registry)),
            timeout=self.timeout,
            max_bytes=max_bytes,
            data=data,
            verify=settings.verify,
            cert=settings.cert,
            proxies=settings.proxies,
        )

    def _learned_https(self, registry: str, url: str, resp: Response) -> bool:
        """A TLS server answered our plain HTTP with "use HTTPS": use HTTPS from now on."""
        if resp.status != 400 or not _HTTPS_ONLY.search(resp.body[:512]):
            return False
        if not url.startswith("http://") or origin(url) != origin(self.base_url(registry)):
            return False
        log.info("%s speaks HTTPS only: switching to HTTPS", registry)
        with self._lock:
            self._https.add(registry)
        return True

    def _authorization(
        self, registry: str, scopes: frozenset[str]
    ) -> tuple[str | None, Token | None]:
        direct = self._creds(registry)
        if direct is not None and direct.kind == "registry_token":
            return f"Bearer {direct.secret}", None
        challenge = self.challenge(registry)
        if challenge is None:
            return None, None
        if challenge.scheme == "basic":
            creds = self._creds(registry)
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
        creds = self._creds(ctx.registry)
        username = creds.username if creds else None
        if self._found_in_use(ctx.registry)[1] and challenge and challenge.scheme == "basic":
            self.forget_found(ctx.registry)  # refused: read the config again next time
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
        creds = self._creds(registry)
        source = self._found_in_use(registry)[1]
        query: list[tuple[str, str]] = []
        if challenge.service:
            query.append(("service", challenge.service))
        query += [("scope", s) for s in scopes]
        attempts = token_attempts(challenge, scopes, creds, self.password_grant)
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
            resp = self._send(
                registry, method, url, headers, MiB, auth_origin=origin(realm), data=data
            )
            last = index == len(attempts) - 1
            if method == "POST" and resp.status in (404, 405) and not last:
                continue  # this token server has no OAuth2 POST: fall back to GET (crane does too)
            if resp.status in (401, 403):
                who = f"“{creds.username}”" if creds else "anonymous access"
                if source:
                    who += f" (found in {source})"
                    self.forget_found(registry)  # read the config again next time
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
