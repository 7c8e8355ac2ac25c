"""Sending one request: redirects followed by hand so Authorization never reaches another origin
(and a request body never reaches another host), a byte cap that refuses big bodies without
reading them, timeouts that end by the operation's deadline, and transport errors typed. A blob's
body is streamed instead (body_stream.py), over the same redirects."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict

from acr_desktop.registry import tls
from acr_desktop.registry.errors import (
    Cancelled,
    InvalidResponse,
    RegistryTimeout,
    RegistryUnreachable,
    TooLarge,
)
from acr_desktop.registry.operation import check_cancelled, current_operation, remaining
from acr_desktop.registry.redaction import quotable

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_REDIRECTS = 5
MAX_LIST_PAGE_BYTES = 16 * MiB  # one page of tags, repositories or ACR metadata
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
MAX_LENGTH_DIGITS = 19  # 2**63 has 19 digits: no body this reads is longer
_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected")


@dataclass(frozen=True)
class Response:
    status: int
    headers: CaseInsensitiveDict[str]
    body: bytes
    url: str

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")


def origin(url: str) -> str:
    """`scheme://host:port`, with default ports made explicit, for same-origin checks."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class Connection:
    """How to reach one registry: `verify` is True (the OS trust store, with
    `tls.SystemTrustAdapter` mounted), a CA bundle path that adds to it, or False; `cert` is a
    client certificate; `proxies` override those from the environment."""

    session: requests.Session
    timeout: tuple[float, float]  # connect, read (seconds)
    verify: bool | str = True
    cert: tls.ClientCert | None = None
    proxies: Mapping[str, str] | None = None


def send(
    conn: Connection,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    auth_origin: str | None,
    max_bytes: int,
    data: dict[str, str] | None = None,
) -> Response:
    """Send one request, following redirects by hand.

    `Authorization` goes only to `auth_origin` (the registry itself, or the token realm): blob
    storage behind a 307 on another host must never see it (Azure/acr#217).
    """
    resp, url = follow(conn, method, url, headers, auth_origin, data)
    body = read_capped(resp, max_bytes, url) if method != "HEAD" else b""
    log.debug("%s %s -> %s (%d bytes)", method, _loggable(url), resp.status_code, len(body))
    return Response(resp.status_code, resp.headers, body, url)


def follow(
    conn: Connection,
    method: str,
    url: str,
    headers: dict[str, str],
    auth_origin: str | None,
    data: dict[str, str] | None,
) -> tuple[requests.Response, str]:
    """Send, following redirects by hand; the final answer (body unread) and its URL."""
    first = url
    for _hop in range(MAX_REDIRECTS + 1):
        check_cancelled()
        hop_headers = dict(headers)
        if auth_origin is None or origin(url) != auth_origin:
            hop_headers.pop("Authorization", None)
        resp = _request(conn, method, url, hop_headers, data)
        location = resp.headers.get("Location")
        if resp.status_code in _REDIRECTS and location:
            resp.close()
            target = _redirect_target(url, location)
            if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                method, data = "GET", None
            if data is not None and origin(target) != origin(first):
                # A 307/308 keeps the body: a refresh token or password in it must not go to
                # whatever host the server names. Refused rather than re-sent as a bare GET,
                # which would only end in a less clear error at the other host.
                raise InvalidResponse(
                    f"{host_of(url)} redirected a request that carries credentials to "
                    f"{host_of(target)}; it was not sent there."
                )
            url = target
            continue
        return resp, url
    raise InvalidResponse(f"Too many redirects (more than {MAX_REDIRECTS}) from {host_of(url)}.")


def _no_netrc(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An `auth` that adds nothing: with it requests never takes credentials from ~/.netrc
    (for another host a redirect names, nor for a registry the user gave none for: the app's
    credentials come from its own sources, and requests' netrc Basic would even replace a
    bearer token)."""
    return request


def _request(
    conn: Connection,
    method: str,
    url: str,
    headers: dict[str, str],
    data: dict[str, str] | None,
) -> requests.Response:
    host = host_of(url)
    try:
        return conn.session.request(
            method,
            url,
            headers=headers,
            data=data,
            timeout=_timeouts(conn.timeout, host),
            allow_redirects=False,
            stream=True,
            verify=conn.verify,
            cert=conn.cert,
            proxies=dict(conn.proxies) if conn.proxies else None,
            auth=_no_netrc,  # credentials come from the app's own sources only, never ~/.netrc
        )
    except tls.TLSSetupError as exc:
        raise tls.setup_failure(host, exc) from None
    except (requests.exceptions.RequestException, OSError, ValueError) as exc:
        raise_if_over(host)  # the watchdog ended it: say why, not what the socket saw
        raise _typed(host, conn, exc) from None


def _typed(host: str, conn: Connection, exc: Exception) -> Exception:
    if isinstance(exc, requests.exceptions.SSLError):
        return tls.handshake_failure(host, _reason(exc))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return RegistryUnreachable(
            f"Could not connect to {host}: it did not answer within {conn.timeout[0]:g} s.",
            host=host,
            reason="connect timeout",
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return RegistryTimeout(
            f"{host} accepted the connection but did not answer within {conn.timeout[1]:g} s.",
            host=host,
            reason="read timeout",
        )
    if isinstance(exc, requests.exceptions.InvalidURL | ValueError):
        return InvalidResponse(f"The address {host} is not a valid URL.")
    return RegistryUnreachable(
        f"Could not reach {host}: {_reason(exc)}.", host=host, reason=_reason(exc)
    )


def raise_if_over(host: str) -> None:
    """Raise Cancelled or RegistryTimeout if the current operation is over."""
    op = current_operation()
    if op is None or not op.over:
        return
    if op.cancel_event.is_set():
        raise Cancelled()
    raise deadline_error(host)


def deadline_error(host: str) -> RegistryTimeout:
    """The operation's deadline passed while `host` was answering."""
    op = current_operation()
    allowed = op.timeout if op is not None and op.timeout is not None else 0.0
    return RegistryTimeout(
        f"{host} did not finish answering within {allowed:g} s, the time allowed for this "
        "operation.",
        host=host,
        reason="deadline",
    )


def _timeouts(timeout: tuple[float, float], host: str) -> tuple[float, float]:
    """The connect and read timeouts, shortened to what is left of the operation's time."""
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise deadline_error(host)
    return (min(timeout[0], left), min(timeout[1], left))


def _redirect_target(url: str, location: str) -> str:
    try:
        target = urljoin(url, location)
        parts = urlsplit(target)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise InvalidResponse(
            f"{host_of(url)} redirected to an address that is not valid."
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidResponse(f"{host_of(url)} redirected to an address that is not HTTP.")
    if not same_host_to_urllib3(parts.netloc):
        raise InvalidResponse(f"{host_of(url)} redirected to an address that is not valid.")
    return target


def same_host_to_urllib3(netloc: str) -> bool:
    """Do urlsplit (every check here) and urllib3 (what requests sends with) read the same host
    in `netloc`? urllib3 ends the host at a backslash, urlsplit does not: `evil\\@registry`
    would pass every same-origin check as the registry and be sent to evil."""
    return "\\" not in netloc


def declared_length(value: str | None) -> int | None:
    """A `Content-Length` as a number: ASCII digits only (`'²'.isdigit()` is True), at most
    MAX_LENGTH_DIGITS of them; None when absent or not a length."""
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_LENGTH_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def read_capped(resp: requests.Response, max_bytes: int, url: str) -> bytes:
    """Read the body, refusing (without reading it) anything over `max_bytes`. A body shorter
    than its `Content-Length` is an InvalidResponse; the operation's deadline and cancel end the
    read (the watchdog shuts the socket down under a blocked read)."""
    host = host_of(url)
    declared = declared_length(resp.headers.get("Content-Length"))
    if declared is not None and declared > max_bytes:
        resp.close()
        raise TooLarge(
            f"{host} sent {declared:,} bytes where at most {max_bytes:,} are accepted.",
            limit=max_bytes,
        )
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_content(_CHUNK):
            check_cancelled()
            if remaining() == 0:
                raise deadline_error(host)
            total += len(chunk)
            if total > max_bytes:
                raise TooLarge(
                    f"{host} sent more than the {max_bytes:,} bytes accepted here.",
                    limit=max_bytes,
                )
            chunks.append(chunk)
    except (requests.exceptions.RequestException, OSError, ValueError) as exc:
        raise read_failure(url, exc) from None
    finally:
        resp.close()
    return b"".join(chunks)


def read_failure(url: str, exc: Exception) -> Exception:
    """What a failed body read means: the operation's end (raised here), a stall, a short body,
    or a broken connection."""
    host = host_of(url)
    raise_if_over(host)
    stalled = (requests.exceptions.ConnectionError, TimeoutError, urllib3.exceptions.TimeoutError)
    if isinstance(exc, stalled) and "timed out" in str(exc):
        return RegistryTimeout(
            f"{host} stopped sending in the middle of an answer.", host=host, reason="read timeout"
        )
    if short := _INCOMPLETE.search(str(exc)):
        got, more = int(short[1]), int(short[2])
        return InvalidResponse(
            f"{host} sent {got:,} bytes of an answer it said was {got + more:,} bytes long."
        )
    return _broken(url, exc)


def _broken(url: str, exc: Exception) -> RegistryUnreachable:
    host = host_of(url)
    reason = _reason(exc)
    return RegistryUnreachable(
        f"The connection to {host} broke: {reason}.", host=host, reason=reason
    )


def host_of(url: str) -> str:
    """The host of `url` for a sentence: a server may have named it (a redirect's Location)."""
    return quotable(urlsplit(url).netloc or url, limit=120)


def _loggable(url: str) -> str:
    """URLs here carry no secrets (scopes and services only), but drop any userinfo anyway."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()


_REASONS = [
    (re.compile(r"Connection refused", re.I), "connection refused"),
    (
        re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed", re.I),
        "the host name could not be resolved",
    ),
    *tls.TLS_REASONS,
    (re.compile(r"Connection reset", re.I), "the connection was reset"),
    (re.compile(r"RemoteDisconnected|closed connection", re.I), "the server closed the connection"),
    (re.compile(r"ProxyError|Unable to connect to proxy", re.I), "the proxy refused or failed"),
]


def _reason(exc: Exception) -> str:
    text = str(exc)
    for pattern, reason in _REASONS:
        if pattern.search(text):
            return reason
    return type(exc).__name__
