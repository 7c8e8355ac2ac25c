"""Low-level HTTP: one request with timeouts, redirects that never carry Authorization to another
origin, a byte cap that refuses big bodies without reading them, HTTPS that trusts the operating
system's certificate store, and transport errors typed."""

from __future__ import annotations

import logging
import os
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
import truststore
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPSConnectionPool, PoolManager

from acr_desktop.registry.cancel import check_cancelled
from acr_desktop.registry.errors import (
    InvalidResponse,
    RegistryTimeout,
    RegistryUnreachable,
    TLSFailure,
    TooLarge,
)

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs
    from urllib3._base_connection import BaseHTTPConnection

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

ClientCert = str | tuple[str, str]  # requests' `cert`: one PEM with both, or (certificate, key)


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
    cert: ClientCert | None = None,
    proxies: Mapping[str, str] | None = None,
) -> Response:
    """Send one request, following redirects by hand.

    `Authorization` goes only to `auth_origin` (the registry itself, or the token realm): blob
    storage behind a 307 on another host must never see it (Azure/acr#217). `verify` is True (the
    OS trust store, with `SystemTrustAdapter` mounted), a CA bundle path that adds to it, or False;
    `cert` is a client certificate; `proxies` override those from the environment.
    """
    for _hop in range(MAX_REDIRECTS + 1):
        check_cancelled()
        hop_headers = dict(headers)
        if auth_origin is None or origin(url) != auth_origin:
            hop_headers.pop("Authorization", None)
        resp = _request(session, method, url, hop_headers, timeout, data, verify, cert, proxies)
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
    cert: ClientCert | None,
    proxies: Mapping[str, str] | None,
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
            cert=cert,
            proxies=dict(proxies) if proxies else None,
        )
    except _TLSSetupError as exc:
        raise TLSFailure(
            f"Could not set up secure connections to {host}: {exc}. "
            "Fix the file in the registry's settings.",
            host=host,
            reason=str(exc),
        ) from None
    except requests.exceptions.SSLError as exc:
        reason = _reason(exc)
        fix = TLS_FIXES.get(reason, _UNKNOWN_TLS_FIX)
        raise TLSFailure(
            f"Could not make a secure connection to {host}: {reason}. To fix it, {fix}.",
            host=host,
            reason=reason,
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


# Why a TLS connection failed, and the setting that fixes it (shown to people as is).
UNTRUSTED = "its certificate is not trusted"
WRONG_HOST = "its certificate is for another host name"
EXPIRED = "its certificate has expired"
NOT_HTTPS = "it does not speak HTTPS on this port"
CLIENT_CERT = "it asks for a client certificate it trusts"
_SKIP = "or — only if you trust this network — skip certificate verification"
TLS_FIXES = {
    UNTRUSTED: f"add the registry's CA bundle in its settings, {_SKIP}",
    WRONG_HOST: f"use the host name its certificate was issued for, {_SKIP}",
    EXPIRED: f"ask the registry's owner to renew it, {_SKIP}",
    NOT_HTTPS: "turn on “Allow plain HTTP” in the registry's settings if it serves plain HTTP "
    "(only on a network you trust)",
    CLIENT_CERT: "set a client certificate and key that it accepts in the registry's settings",
}

_UNKNOWN_TLS_FIX = f"check the CA bundle and client certificate in the registry's settings, {_SKIP}"

_REASONS = [
    (re.compile(r"Connection refused", re.I), "connection refused"),
    (
        re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed", re.I),
        "the host name could not be resolved",
    ),
    (
        re.compile(r"hostname .* doesn't match|Hostname mismatch|IP address mismatch", re.I),
        WRONG_HOST,
    ),
    (re.compile(r"certificate has expired", re.I), EXPIRED),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", re.I), UNTRUSTED),
    (
        re.compile(r"WRONG_VERSION_NUMBER|wrong version number|record layer failure", re.I),
        NOT_HTTPS,
    ),
    (
        re.compile(r"certificate.required|bad.certificate|unknown.ca|CERTIFICATE_REQUIRED", re.I),
        CLIENT_CERT,
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


class _TLSSetupError(Exception):
    """A CA bundle or client certificate file that cannot be used; the text names the file."""


class SystemTrustAdapter(HTTPAdapter):
    """HTTPS that trusts the operating system's certificate store (truststore), so corporate CAs
    work without configuration. Per request, `verify` may name a CA bundle that adds to the OS
    store or be False (no checks, for that request only), and `cert` is presented (mTLS).

    requests would load certifi into every connection; here one context per (verify, cert) holds
    everything, and nothing is added per connection.
    """

    def __init__(self) -> None:
        self._contexts: dict[tuple[object, ...], ssl.SSLContext] = {}
        self._contexts_lock = threading.Lock()
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_quiet_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        _use_quiet_pools(manager)
        return manager

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: ClientCert | None = None,
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, False)
        if host_params["scheme"] != "https":
            return host_params, pool_kwargs
        context = self.context_for(verify, cert)
        checked = context.verify_mode != ssl.CERT_NONE
        return host_params, {
            "ssl_context": context,
            "cert_reqs": "CERT_REQUIRED" if checked else "CERT_NONE",
        }

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        """The context already holds the trust anchors and the client certificate."""
        checked = url.lower().startswith("https") and verify is not False
        conn.cert_reqs = "CERT_REQUIRED" if checked else "CERT_NONE"
        conn.ca_certs = conn.ca_cert_dir = conn.cert_file = conn.key_file = None

    def context_for(self, verify: bool | str, cert: ClientCert | None) -> ssl.SSLContext:
        """One context per setting and file version: a CA file fixed in place is read again."""
        files = [verify] if isinstance(verify, str) else []
        files += [cert] if isinstance(cert, str) else list(cert or ())
        key = (verify, cert, tuple(_modified(f) for f in files))
        with self._contexts_lock:
            context = self._contexts.get(key)
            if context is None:
                context = _new_context(verify, cert)
                self._contexts[key] = context
            return context


class _QuietHTTPSConnectionPool(HTTPSConnectionPool):
    """Skipping verification is a per-registry switch the user turned on, warned about in the
    UI: urllib3's InsecureRequestWarning on every connection would add only noise."""

    def _validate_conn(self, conn: BaseHTTPConnection) -> None:
        if self.cert_reqs != "CERT_NONE":
            super()._validate_conn(conn)
        elif conn.is_closed:
            conn.connect()


def _use_quiet_pools(manager: PoolManager) -> None:
    manager.pool_classes_by_scheme = {
        **manager.pool_classes_by_scheme,
        "https": _QuietHTTPSConnectionPool,
    }


def _new_context(verify: bool | str, cert: ClientCert | None) -> ssl.SSLContext:
    context: ssl.SSLContext
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if isinstance(verify, str):
            try:
                context.load_verify_locations(verify)
            except (OSError, ssl.SSLError, ValueError) as exc:
                raise _TLSSetupError(
                    f"the CA bundle {verify} cannot be used ({_file_problem(exc)})"
                ) from None
    if cert is not None:
        certfile, keyfile = (cert, None) if isinstance(cert, str) else cert
        try:
            context.load_cert_chain(certfile, keyfile, password=_no_password)
        except (OSError, ssl.SSLError, ValueError) as exc:
            files = f"{certfile} and key {keyfile}" if keyfile else certfile
            raise _TLSSetupError(
                f"the client certificate {files} cannot be used ({_file_problem(exc)})"
            ) from None
    return context


def _modified(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _no_password() -> bytes:
    """An encrypted key would make OpenSSL prompt on the terminal: refuse it instead."""
    raise ValueError("the key is encrypted; give an unencrypted key file")


def _file_problem(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, ValueError) and "encrypted" in str(exc):
        return str(exc)
    if isinstance(exc, ssl.SSLError):
        return "not a PEM file this needs, or the key does not match the certificate"
    return type(exc).__name__
