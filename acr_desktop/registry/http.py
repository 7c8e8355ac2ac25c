"""Low-level HTTP: one request with timeouts, redirects that never carry Authorization to another
origin, a byte cap that refuses big bodies without reading them, and transport errors typed."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from acr_desktop.registry.cancel import check_cancelled
from acr_desktop.registry.errors import (
    InvalidResponse,
    RegistryTimeout,
    RegistryUnreachable,
    TLSFailure,
    TooLarge,
)

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


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


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    auth_origin: str | None,
    timeout: tuple[float, float],
    max_bytes: int,
    data: dict[str, str] | None = None,
    verify: bool | str = True,
) -> Response:
    """Send one request, following redirects by hand.

    `Authorization` goes only to `auth_origin` (the registry itself, or the token realm): blob
    storage behind a 307 on another host must never see it (Azure/acr#217).
    """
    for _hop in range(MAX_REDIRECTS + 1):
        check_cancelled()
        hop_headers = dict(headers)
        if auth_origin is None or origin(url) != auth_origin:
            hop_headers.pop("Authorization", None)
        resp = _request(session, method, url, hop_headers, timeout, data, verify)
        location = resp.headers.get("Location")
        if resp.status_code in _REDIRECTS and location:
            resp.close()
            url = urljoin(url, location)
            if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                method, data = "GET", None
            continue
        body = read_capped(resp, max_bytes, url) if method != "HEAD" else b""
        log.debug("%s %s -> %s (%d bytes)", method, _loggable(url), resp.status_code, len(body))
        return Response(resp.status_code, resp.headers, body, url)
    raise InvalidResponse(f"Too many redirects (more than {MAX_REDIRECTS}) from {_host(url)}.")


def _request(
    session: requests.Session,
    method: str,
    url: str,
    headers: dict[str, str],
    timeout: tuple[float, float],
    data: dict[str, str] | None,
    verify: bool | str,
) -> requests.Response:
    host = _host(url)
    try:
        return session.request(
            method,
            url,
            headers=headers,
            data=data,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
            verify=verify,
        )
    except requests.exceptions.SSLError as exc:
        raise TLSFailure(
            f"Could not make a secure connection to {host}: {_reason(exc)}.",
            host=host,
            reason=_reason(exc),
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise RegistryUnreachable(
            f"Could not connect to {host}: it did not answer within {timeout[0]:g} s.",
            host=host,
            reason="connect timeout",
        ) from None
    except requests.exceptions.ReadTimeout:
        raise RegistryTimeout(
            f"{host} accepted the connection but did not answer within {timeout[1]:g} s.",
            host=host,
            reason="read timeout",
        ) from None
    except requests.exceptions.RequestException as exc:
        raise RegistryUnreachable(
            f"Could not reach {host}: {_reason(exc)}.", host=host, reason=_reason(exc)
        ) from None


def read_capped(resp: requests.Response, max_bytes: int, url: str) -> bytes:
    """Read the body, refusing (without reading it) anything over `max_bytes`."""
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        resp.close()
        raise TooLarge(
            f"{_host(url)} sent {int(declared):,} bytes where at most {max_bytes:,} are accepted.",
            limit=max_bytes,
        )
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_content(_CHUNK):
            check_cancelled()
            total += len(chunk)
            if total > max_bytes:
                raise TooLarge(
                    f"{_host(url)} sent more than the {max_bytes:,} bytes accepted here.",
                    limit=max_bytes,
                )
            chunks.append(chunk)
    except requests.exceptions.ConnectionError as exc:
        if "timed out" in str(exc).lower():
            raise RegistryTimeout(
                f"{_host(url)} stopped sending in the middle of an answer.",
                host=_host(url),
                reason="read timeout",
            ) from None
        raise RegistryUnreachable(
            f"The connection to {_host(url)} broke: {_reason(exc)}.",
            host=_host(url),
            reason=_reason(exc),
        ) from None
    except requests.exceptions.RequestException as exc:
        raise RegistryUnreachable(
            f"The connection to {_host(url)} broke: {_reason(exc)}.",
            host=_host(url),
            reason=_reason(exc),
        ) from None
    finally:
        resp.close()
    return b"".join(chunks)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


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
    (
        re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", re.I),
        "its certificate is not trusted",
    ),
    (
        re.compile(r"hostname .* doesn't match|Hostname mismatch", re.I),
        "its certificate is for another host name",
    ),
    (
        re.compile(r"WRONG_VERSION_NUMBER|wrong version number", re.I),
        "it does not speak HTTPS on this port",
    ),
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
