"""Talking to registries: the 401 → token → retry-once loop, 429 waits, and the switch to HTTPS
when a registry asks for it (also for a blob's body streamed: `open_stream`). Sending is
`sending` (`body_stream` for a streamed body), TLS is `tls`, the token exchange is
`token_service`, error wording is `problems`; what is known per registry is one `Endpoint`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import requests

from acr_desktop.registry.auth import USER_AGENT, Credentials, Token, TokenCache
from acr_desktop.registry.body_stream import BodyStream, MinimumRate, open_body
from acr_desktop.registry.challenge import Challenge, bearer_or_basic, parse_www_authenticate
from acr_desktop.registry.connection import ConnectionSettings, RateLimitStatus
from acr_desktop.registry.endpoint import Endpoint, Endpoints
from acr_desktop.registry.errors import AuthenticationRequired, Cancelled, RateLimited
from acr_desktop.registry.operation import (
    check_cancelled,
    notify_wait,
    remaining,
    sleep_cancellable,
)
from acr_desktop.registry.pools import WatchedAdapter
from acr_desktop.registry.problems import (
    RequestContext,
    auth_error,
    error_for,
    granted_text,
    retry_after_seconds,
)
from acr_desktop.registry.sending import Connection, MiB, Response, origin, send
from acr_desktop.registry.tls import SystemTrustAdapter
from acr_desktop.registry.token_service import PasswordGrant, fetch_token

if TYPE_CHECKING:  # imported when used: it costs start-up time (subprocess) the CLI may not need
    from acr_desktop.registry.docker_credentials import CredentialLookup

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
RETRY_STATUSES = frozenset({502, 503, 504})  # a proxy or load balancer hiccup: worth one retry
RETRY_BACKOFF = 0.5  # seconds before that one retry
# What a TLS server answers to plain HTTP (Go's net/http, nginx).
_HTTPS_ONLY = re.compile(rb"HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS")

CredentialFallback = Callable[[str], "CredentialLookup"]


class Transport:
    """One transport serves many registries; `credential_fallback` is asked (on the calling
    worker thread) when a registry wants credentials and none were given: e.g.
    `docker_credentials.lookup`, which may run a credential helper."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = sleep_cancellable,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        password_grant: PasswordGrant = "basic",
        credential_fallback: CredentialFallback | None = None,
    ) -> None:
        self.session = session or requests.Session()  # trust_env: proxies, CA bundles from env
        self.session.mount("https://", SystemTrustAdapter())  # the OS trust store
        self.session.mount("http://", WatchedAdapter())  # reads a cancel or deadline can end
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.password_grant: PasswordGrant = password_grant
        self._credential_fallback = credential_fallback
        self.tokens = TokenCache(clock)
        self.min_rate = MinimumRate()  # of a streamed body (open_stream)
        self._endpoints = Endpoints(self.tokens)

    # -- what is known per registry (endpoint.py) ----------------------------------------------
    def endpoint(self, registry: str) -> Endpoint:
        """A snapshot of what this transport knows about `registry`."""
        return self._endpoints.get(registry)

    def set_credentials(self, registry: str, credentials: Credentials | None) -> None:
        self._endpoints.set_credentials(registry, credentials)

    def credentials(self, registry: str) -> Credentials | None:
        """The credentials given with `set_credentials` (not those a fallback found)."""
        return self.endpoint(registry).given

    def credential_lookup(self, registry: str) -> CredentialLookup | None:
        """What the fallback found for `registry` (`.found.source` says where) and the problems
        it met; None if it was not asked. Found credentials are used only if none were given."""
        return self.endpoint(registry).found

    def forget_found(self, registry: str) -> None:
        """Ask the fallback again next time (after `docker login`, or when it was refused)."""
        self._endpoints.forget_found(registry)

    def decline_fallback(self, registry: str) -> None:
        """The user chose anonymous access: do not use Docker/Podman credentials for `registry`."""
        self._endpoints.decline_fallback(registry)

    def _consult_fallback(self, registry: str) -> None:
        known = self.endpoint(registry)
        if self._credential_fallback is None or known.given is not None or known.found is not None:
            return
        try:
            lookup = self._credential_fallback(registry)
        except Cancelled:
            raise
        except Exception as exc:  # a bug there must not stop anonymous access
            from acr_desktop.registry.docker_credentials import CredentialLookup

            log.warning("Credential fallback failed for %s: %s", registry, type(exc).__name__)
            problem = f"Looking for saved credentials failed ({type(exc).__name__})."
            lookup = CredentialLookup(None, (problem,))
        self._endpoints.change(registry, found=lookup)

    def set_connection_settings(self, registry: str, settings: ConnectionSettings) -> None:
        self._endpoints.change(registry, settings=settings)

    def connection_settings(self, registry: str) -> ConnectionSettings:
        return self.endpoint(registry).settings

    def base_url(self, registry: str) -> str:
        return self.endpoint(registry).base_url

    def challenge(self, registry: str) -> Challenge | None:
        return self.endpoint(registry).challenge

    def token_service(self, registry: str) -> str | None:
        """The host `registry` sends sign-in to when it is another host (Docker Hub:
        auth.docker.io), learned from its challenge; None if it is the registry or not known."""
        return self.endpoint(registry).token_service

    def rate_limit(self, registry: str) -> RateLimitStatus | None:
        """The rate limit `registry` reported last (Docker Hub's `ratelimit-*` headers)."""
        return self.endpoint(registry).rate_limit

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
        answer = self._exchange(method, ctx, path, scopes, accept, max_bytes, ok_statuses)
        assert isinstance(answer, Response)  # only a streamed exchange gives a BodyStream
        return answer

    def open_stream(self, ctx: RequestContext, path: str, scopes: tuple[str, ...]) -> BodyStream:
        """`request` for a GET whose 2xx body is read as it arrives (close the stream). Blob
        storage behind a redirect to another host gets no Authorization."""
        answer = self._exchange("GET", ctx, path, scopes, None, 0, frozenset(), True)
        assert isinstance(answer, BodyStream)  # any other answer was raised as an error
        return answer

    def _exchange(
        self,
        method: str,
        ctx: RequestContext,
        path: str,
        scopes: tuple[str, ...],
        accept: str | None,
        max_bytes: int,
        ok_statuses: frozenset[int],
        stream: bool = False,
    ) -> Response | BodyStream:
        registry = ctx.registry
        url = path if path.startswith(("http://", "https://")) else self.base_url(registry) + path
        wanted = frozenset(scopes)
        retried_auth = retried_failure = False
        rate_retries = 0
        while True:
            check_cancelled()
            headers = {"User-Agent": USER_AGENT}
            if accept:
                headers["Accept"] = accept
            authorization, token = self._authorization(registry, wanted)
            if authorization:
                headers["Authorization"] = authorization
            resp = self._send_once(registry, method, url, headers, max_bytes, stream)
            if isinstance(resp, BodyStream):
                return resp
            if self._learned_https(registry, url, resp):
                url = "https://" + url.removeprefix("http://")
                continue
            if resp.status == 401 and origin(resp.url) == origin(self.base_url(registry)):
                if retried_auth:
                    raise self._auth_error(resp, ctx, token, wanted, self._challenge_in(resp))
                self._learn_challenge(resp, ctx, token, wanted)
                retried_auth = True
                continue
            if resp.status == 429 and rate_retries < self.max_retries:
                wait = retry_after_seconds(resp.headers.get("Retry-After"), self.clock())
                wait = 2.0**rate_retries if wait is None else wait
                if wait <= self.max_retry_wait and _time_left_for(wait):
                    rate_retries += 1
                    log.info("%s asked to wait %.1f s (retry %d)", registry, wait, rate_retries)
                    notify_wait(wait, rate_retries)
                    self.sleep(wait)
                    continue
            if (
                resp.status in RETRY_STATUSES
                and method in ("GET", "HEAD")
                and resp.status not in ok_statuses
                and not retried_failure
                and _time_left_for(2 * RETRY_BACKOFF)
            ):
                retried_failure = True
                log.info("%s answered HTTP %d: retrying once", registry, resp.status)
                self.sleep(RETRY_BACKOFF)
                continue
            if 200 <= resp.status < 300 or resp.status in ok_statuses:
                return resp
            creds = self.endpoint(registry).credentials
            username = creds.who if creds else None
            raise error_for(
                resp,
                ctx,
                username=username,
                granted=granted_text(token),
                secrets=self._secrets(registry, token),
            )

    def _secrets(self, registry: str, token: Token | None) -> tuple[str, ...]:
        """What this transport may have sent to `registry`: never quoted back in an error."""
        creds = self.endpoint(registry).credentials
        return tuple(s for s in (*(creds.secrets() if creds else ()), token and token.value) if s)

    @staticmethod
    def _challenge_in(resp: Response) -> Challenge | None:
        return bearer_or_basic(parse_www_authenticate(resp.headers.get("WWW-Authenticate", "")))

    def _learn_challenge(
        self, resp: Response, ctx: RequestContext, token: Token | None, wanted: frozenset[str]
    ) -> None:
        """The first 401: remember the challenge and get what it asks for, to retry once."""
        registry = ctx.registry
        challenge = self._challenge_in(resp)
        if challenge is None:
            raise self._auth_error(resp, ctx, token, wanted, None)
        self._endpoints.change(registry, challenge=challenge)
        self._consult_fallback(registry)
        creds = self.endpoint(registry).credentials
        if creds is not None and creds.kind == "registry_token":
            return  # sent as it is on the retry; a second 401 is final
        if challenge.scheme == "bearer":
            self.tokens.invalidate(registry, wanted)
            needed = tuple(sorted(wanted | set(challenge.scopes)))
            generation = self.tokens.generation(registry)
            token = self._fetch_token(registry, challenge, needed)
            self.tokens.put(registry, wanted, token, generation)
        elif creds is None:
            raise self._auth_error(resp, ctx, None, wanted, challenge)

    def _send_once(
        self,
        registry: str,
        method: str,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        stream: bool,
    ) -> Response | BodyStream:
        if not stream:
            answer: Response | BodyStream = self._send(registry, method, url, headers, max_bytes)
        else:
            known = self.endpoint(registry)
            base = origin(known.base_url)
            answer = open_body(self._connection(known), url, headers, base, self.min_rate)
        if (status := RateLimitStatus.from_headers(answer.headers)) is not None:
            self._endpoints.change(registry, rate_limit=status)
        return answer

    def _connection(self, known: Endpoint) -> Connection:
        s = known.settings
        return Connection(self.session, self.timeout, s.verify, s.cert, s.proxies)

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
        known = self.endpoint(registry)
        return send(
            self._connection(known),
            method,
            url,
            headers=headers,
            auth_origin=auth_origin or origin(known.base_url),
            max_bytes=max_bytes,
            data=data,
        )

    def _learned_https(self, registry: str, url: str, resp: Response) -> bool:
        """A TLS server answered our plain HTTP with "use HTTPS": use HTTPS from now on."""
        if resp.status != 400 or not _HTTPS_ONLY.search(resp.body[:512]):
            return False
        if not url.startswith("http://") or origin(url) != origin(self.base_url(registry)):
            return False
        log.info("%s speaks HTTPS only: switching to HTTPS", registry)
        self._endpoints.change(registry, https_only=True)
        return True

    def _authorization(
        self, registry: str, scopes: frozenset[str]
    ) -> tuple[str | None, Token | None]:
        known = self.endpoint(registry)
        creds = known.credentials
        if creds is not None and creds.kind == "registry_token":
            return f"Bearer {creds.secret}", None
        if known.challenge is None:
            return None, None
        if known.challenge.scheme == "basic":
            return (creds.basic_header() if creds else None), None
        token = self.tokens.get(registry, scopes)
        if token is None:
            generation = self.tokens.generation(registry)
            token = self._fetch_token(registry, known.challenge, tuple(sorted(scopes)))
            self.tokens.put(registry, scopes, token, generation)
        return f"Bearer {token.value}", token

    def _auth_error(
        self,
        resp: Response,
        ctx: RequestContext,
        token: Token | None,
        wanted: frozenset[str],
        challenge: Challenge | None,
    ) -> Exception:
        known = self.endpoint(ctx.registry)
        username = known.credentials.who if known.credentials else None
        if known.found_in_use[1] and challenge and challenge.scheme == "basic":
            self.forget_found(ctx.registry)  # refused: read the config again next time
        return auth_error(
            resp,
            ctx,
            username=username,
            token=token,
            wanted=wanted,
            challenge=challenge,
            secrets=self._secrets(ctx.registry, token),
        )

    def _plain_http_ok(self, registry: str, host: str) -> bool:
        """May `registry`'s token service at `host` be spoken to over plain HTTP? Only if the
        registry itself is, or its settings allow plain HTTP there (always for loopback)."""
        known = self.endpoint(registry)
        return known.base_url.startswith("http://") or known.settings.scheme_for(host) == "http"

    def _fetch_token(self, registry: str, challenge: Challenge, scopes: tuple[str, ...]) -> Token:
        known = self.endpoint(registry)
        source = known.found_in_use[1]
        try:
            return fetch_token(
                partial(self._send, registry, max_bytes=MiB),
                registry,
                challenge,
                scopes,
                known.credentials,
                source=source,
                password_grant=self.password_grant,
                now=self.clock,
                plain_http_ok=partial(self._plain_http_ok, registry),
            )
        except AuthenticationRequired:
            if source:
                self.forget_found(registry)  # refused: read the config again next time
            raise


def _time_left_for(seconds: float) -> bool:
    """Is there more than `seconds` left of the operation's time?"""
    left = remaining()
    return left is None or left > seconds


__all__ = ["ConnectionSettings", "MiB", "RateLimitStatus", "RateLimited", "Transport"]
